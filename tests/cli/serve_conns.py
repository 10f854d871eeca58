"""groundswell serve under hostile clients: connection slots cannot be taken
hostage (issue 16, part 2). TAP.

On loopback, the attacker's sockets are bound to other addresses
(127.0.0.2, and 127.0.0.10 to 127.0.0.29 where one client per address is
wanted) and the legitimate client is 127.0.0.1. Every server binds
127.0.0.1 with port 0, every wait is bounded, and every server is killed at
the end whatever happens. Checks:
  - slowloris: while 300 connections trickle header bytes, at least 9 of 10
    legitimate requests are answered (a client address holds at most
    --max-connections-per-address connections);
  - a body trickling in after complete headers is cut at --timeout;
  - 200 streams opened and closed: their slots are free within a few
    tenths of a second (not at their next keep-alive, 15 s later), and a
    full set of streams is taken again;
  - streams at --max-streams: one more stream gets 503 with Retry-After,
    the API still answers;
  - failed admin authentications are logged (stderr and --admin-log) and
    the sixth within a minute gets 429 with Retry-After, from that address
    only, even with the right token;
  - incomplete requests half-closed by the client free their slot at once;
  - the new options are checked.
"""
import http.client
import json
import os
import resource
import selectors
import socket
import subprocess
import tempfile
import threading
import time

import tap
from tap import BIN, ok

servers = []
GOLDEN = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "golden", "mastodon.jsonl")
STREAM = "/api/groundswell/v1/stream"
STATS = "/api/groundswell/v1/stats"


class Server:
    def __init__(self, d, *args, name="srv"):
        self.portfile = os.path.join(d, name + ".port")
        self.errfile = os.path.join(d, name + ".err")
        self.err = open(self.errfile, "ab")
        self.p = subprocess.Popen([BIN, "serve", "--listen", "127.0.0.1:0", "--port-file", self.portfile,
                                   "--source", GOLDEN, *args],
                                  stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=self.err)
        servers.append(self)
        self.port = tap.wait_port(self.p, self.portfile)

    def stderr(self):
        if not self.err.closed:
            self.err.flush()
        with open(self.errfile, encoding="utf-8", errors="replace") as f:
            return f.read()

    def req(self, path, method="GET", headers=None, src="127.0.0.1", timeout=10):
        """(status, headers, body); (None, {}, error) when no answer came."""
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout, source_address=(src, 0))
        try:
            c.request(method, path, headers=headers or {})
            r = c.getresponse()
            data = r.read()
            return r.status, dict((k.lower(), v) for k, v in r.getheaders()), data
        except (OSError, http.client.HTTPException) as e:
            return None, {}, repr(e)
        finally:
            c.close()

    def stats(self):
        st, _, data = self.req(STATS, timeout=5)
        return json.loads(data) if st == 200 else None

    def stop(self):
        if self.p.poll() is None:
            self.p.terminate()
            try:
                self.p.wait(10)
            except subprocess.TimeoutExpired:
                self.p.kill()
                self.p.wait()
        self.err.close()
        return self.p.returncode


def metrics(srv):
    """/metrics as {sample with its labels: value} ({} when not answered)."""
    st, _, data = srv.req("/metrics", timeout=5)
    out = {}
    for line in data.decode().splitlines() if st == 200 else []:
        if line and not line.startswith("#"):
            k, v = line.rsplit(" ", 1)
            out[k] = float(v)
    return out


def kill_all():
    for s in servers:
        if s.p.poll() is None:
            s.p.kill()
            s.p.wait()


def connect(port, src, timeout=5):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(timeout)
    s.bind((src, 0))
    s.connect(("127.0.0.1", port))
    return s


def open_stream(port, src, timeout=5):
    """A stream's connection: (status, headers, socket or None). With 200
    the socket is kept open (the stream's hello read), else closed."""
    try:
        s = connect(port, src, timeout)
        s.sendall(f"GET {STREAM} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
        raw = b""
        deadline = time.time() + timeout
        while b"\r\n\r\n" not in raw and time.time() < deadline:
            chunk = s.recv(4096)
            if not chunk:
                break
            raw += chunk
        if b"\r\n\r\n" not in raw:
            s.close()
            return None, {}, None
        head, rest = raw.split(b"\r\n\r\n", 1)
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ")[1])
        hdr = dict((k.strip().lower(), v.strip()) for k, v in (l.split(":", 1) for l in lines[1:] if ":" in l))
        if status != 200:
            s.close()
            return status, hdr, None
        while b"groundswell stream" not in rest and time.time() < deadline:
            chunk = s.recv(4096)
            if not chunk:
                s.close()
                return None, hdr, None
            rest += chunk
        return status, hdr, s
    except OSError:
        return None, {}, None


class Slowloris(threading.Thread):
    """Holds up to n connections from src, each sending one byte of a never
    ending request header every `every` seconds; a connection the server
    closes is opened again (at most every quarter of a second)."""

    REQ = b"GET /api/groundswell/v1/stats HTTP/1.1\r\nHost: x\r\n" + b"X-Slow: " + b"a" * 100000

    def __init__(self, port, src, n, every=1.0):
        super().__init__(daemon=True)
        self.port, self.src, self.n, self.every = port, src, n, every
        self.stop = threading.Event()
        self.opened = 0
        self.held_max = 0

    def _open(self):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setblocking(False)
        try:
            s.bind((self.src, 0))
            s.connect_ex(("127.0.0.1", self.port))
        except OSError:
            s.close()
            return None
        self.opened += 1
        return [s, 0, 0.0]  # socket, bytes sent, when the last was

    def run(self):
        conns = []
        try:
            while not self.stop.is_set():
                while len(conns) < self.n and not self.stop.is_set():
                    c = self._open()
                    if c is None:
                        break
                    conns.append(c)
                alive = []
                now = time.time()
                for c in conns:
                    s, pos, last = c
                    try:
                        if s.recv(1) == b"":
                            raise ConnectionResetError
                    except BlockingIOError:
                        pass
                    except OSError:
                        s.close()
                        continue
                    try:
                        if now - last >= self.every:
                            c[1] += s.send(self.REQ[pos:pos + 1])
                            c[2] = now
                    except BlockingIOError:
                        pass
                    except OSError:
                        s.close()
                        continue
                    alive.append(c)
                conns = alive
                self.held_max = max(self.held_max, len(conns))
                self.stop.wait(self.every / 4)
        finally:
            for s, _, _ in conns:
                s.close()


def main(d):
    # 300 attacking sockets, streams, and the server's: room for them all
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < 2048 <= hard or (hard == resource.RLIM_INFINITY and soft < 2048):
        resource.setrlimit(resource.RLIMIT_NOFILE, (2048, hard))

    # ---- slowloris, slow bodies ------------------------------------------
    t0 = time.time()
    srv = Server(d, "--max-connections", "48", "--timeout", "3s", name="slow")
    ok(srv.port is not None, "the server starts", srv.stderr())
    att = Slowloris(srv.port, "127.0.0.2", 300, every=1.0)
    att.start()
    time.sleep(1.5)  # the attack is under way: every slot it can take, taken
    answered, results = 0, []
    for i in range(10):
        st, _, _ = srv.req(STATS, timeout=5)
        answered += st == 200
        results.append(st)
        time.sleep(0.3)
    att.stop.set()
    att.join(10)
    ok(answered >= 9, f"while 300 slow connections are held, {answered} of 10 legitimate requests are answered",
       {"statuses": results, "attacker opened": att.opened})
    ok(att.opened > 300, f"and the attacker's connections beyond its share were closed ({att.opened} opened)")
    # a body trickling in after complete headers
    s = connect(srv.port, "127.0.0.1")
    s.sendall(b"POST /api/groundswell/v1/stats HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n")
    t1 = time.time()
    cut = False
    while not cut and time.time() - t1 < 12:
        try:
            s.sendall(b"x")
            s.settimeout(0.3)
            try:
                if s.recv(1024) == b"":
                    cut = True
            except socket.timeout:
                pass
        except OSError:
            cut = True
    took = time.time() - t1
    s.close()
    ok(cut and took < 3 + 4, f"a slow body after complete headers is cut at --timeout 3s ({took:.1f} s)")
    ok(srv.req(STATS)[0] == 200, "and the server answers")
    m = metrics(srv)
    ok(m.get('groundswell_connections_refused_total{limit="per_address"}', 0) > 0 and
       m.get("groundswell_connections_cut_total", 0) >= 1,
       "/metrics counts the connections refused per address and cut", m)
    ok(srv.stop() == 0, "it stops cleanly", srv.stderr()[-1000:])  # stderr read after stop
    print(f"# slowloris part: {time.time() - t0:.1f} s", flush=True)

    # ---- streams ----------------------------------------------------------
    t0 = time.time()
    tokf = os.path.join(d, "token")
    with open(tokf, "w") as f:
        f.write("right-token\n")
    os.chmod(tokf, 0o600)
    log = os.path.join(d, "admin.log")
    # 48 connections, so 24 streams at most (the default: half); one stream
    # per client address (16 each at most); a keep-alive every 15 s
    srv = Server(d, "--max-connections", "48", "--timeout", "30s", "--admin-token-file", tokf,
                 "--admin-log", log, name="streams")
    ok(srv.port is not None, "the server starts", srv.stderr())
    addrs = [f"127.0.0.{10 + i}" for i in range(20)]

    def freed(limit=5):
        """Seconds until no stream is counted (None: not within limit)."""
        t1 = time.time()
        while time.time() - t1 < limit:
            st = srv.stats()
            if st is not None and st["stream_clients"] == 0:
                return time.time() - t1
            time.sleep(0.05)
        return None
    got, waits = 0, []
    for batch in range(10):  # 200 streams opened, then closed, 20 at a time
        socks = []
        for a in addrs:
            st, _, s = open_stream(srv.port, a)
            got += st == 200
            if s:
                socks.append(s)
        for s in socks:
            s.close()
        waits.append(freed())
        if waits[-1] is None:
            break
    ok(got == 200 and None not in waits and max(waits) < 3,
       f"200 streams opened and closed, 20 at a time ({got} served): their slots are free within "
       f"{max(w or 99 for w in waits):.2f} s (not at their next keep-alive, 15 s later)", waits)
    st_api = srv.req(STATS, timeout=2)[0]
    ok(st_api == 200, "and the API answers at once", st_api)
    # the cap: 48 streams asked for (as many as --max-connections), 24 are
    # served, the others get 503 with Retry-After, and the API answers
    held, statuses, retry = [], [], []
    for i in range(48):
        st, h, s = open_stream(srv.port, addrs[i % len(addrs)])
        statuses.append(st)
        if s:
            held.append(s)
        elif st == 503:
            retry.append(int(h.get("retry-after", "0")))
    ok(len(held) == 24, "of 48 streams asked for, 24 are served (half of --max-connections 48)", statuses)
    ok(statuses.count(503) == 24 and min(retry or [0]) > 0,
       "and the others get 503 with Retry-After", statuses)
    st_api = srv.req(STATS, timeout=5)[0]
    ok(st_api == 200, "with the streams at their cap, the API still answers", st_api)
    for s in held:
        s.close()

    # ---- failed admin authentications -------------------------------------
    admin = "/api/groundswell/v1/admin/tags"
    codes = [srv.req(admin, headers={"Authorization": f"Bearer guess{i}"}, src="127.0.0.2")[0] for i in range(5)]
    st6, h6, _ = srv.req(admin, headers={"Authorization": "Bearer guess6"}, src="127.0.0.2")
    ok(codes == [401] * 5 and st6 == 429 and int(h6.get("retry-after", "0")) > 0,
       "five wrong admin tokens get 401, the sixth within a minute 429 with Retry-After", (codes, st6, h6))
    right = {"Authorization": "Bearer right-token"}
    st_r = srv.req(admin, headers=right, src="127.0.0.2")[0]
    ok(st_r == 429, "a right token does not lift the block", st_r)
    st_o = srv.req(admin, headers=right, src="127.0.0.1")[0]
    ok(st_o == 200, "another address is not blocked", st_o)
    with open(log) as f:
        entries = [json.loads(l) for l in f if l.strip()]
    fails = [e for e in entries if e.get("action") == "auth_failed"]
    ok(len(fails) == 5 and all(e["remote"] == "127.0.0.2" and e["route"] == "GET " + admin and
                               e["time"].endswith("Z") for e in fails) and
       any(e.get("action") == "auth_blocked" and e["remote"] == "127.0.0.2" for e in entries),
       "the admin log has the five failures (time, address, route) and the block", entries)
    err = srv.stderr()
    ok(err.count("admin: failed authentication from 127.0.0.2 (GET " + admin + ")") == 5 and
       "admin: 127.0.0.2 refused for 60 s" in err and "guess" not in err and "right-token" not in err,
       "stderr says so too, never the tokens", err[-1500:])
    m = metrics(srv)
    ok(m.get('groundswell_connections_refused_total{limit="streams"}') == 24 and
       m.get("groundswell_admin_auth_failures_total") == 5 and
       m.get("groundswell_admin_auth_refused_total") == 2,
       "/metrics counts the streams refused, the failed authentications and the 429s", m)
    ok(srv.stop() == 0, "it stops cleanly", srv.stderr()[-1000:])  # stderr read after stop
    print(f"# streams and admin part: {time.time() - t0:.1f} s", flush=True)

    # ---- the options --------------------------------------------------------
    p = tap.run("serve", "--source", GOLDEN, "--max-connections", "10", "--max-streams", "10", timeout=20)
    ok(p.returncode == 2 and "--max-streams" in p.stderr and "--max-connections" in p.stderr,
       "--max-streams must leave connections to the API", p.stderr)
    srv = Server(d, "--max-connections-per-address", "2", name="peraddr")
    socks = [connect(srv.port, "127.0.0.2") for _ in range(3)]
    # which one is closed depends on the order the server's threads accept
    # them in, not on the order they were opened
    closed = 0
    sel = selectors.DefaultSelector()
    for s in socks:
        sel.register(s, selectors.EVENT_READ)
    deadline = time.time() + 5
    while time.time() < deadline and closed == 0:
        for key, _ in sel.select(max(0.01, deadline - time.time())):
            sel.unregister(key.fileobj)
            try:
                closed += key.fileobj.recv(1) == b""
            except OSError:
                closed += 1
    time.sleep(0.3)  # no second one
    for key, _ in sel.select(0):
        closed += 1
    sel.close()
    third_closed = closed == 1
    st_other = srv.req(STATS, timeout=5)[0]
    for s in socks:
        s.close()
    ok(third_closed and st_other == 200,
       "--max-connections-per-address 2: a third connection from one address is closed, another address served",
       (third_closed, st_other))
    # a request half-closed by its client before it is complete can never
    # be: its slot is freed at once, not at --timeout (30 s)
    socks = [connect(srv.port, "127.0.0.3") for _ in range(2)]
    t1 = time.time()
    for s in socks:
        s.sendall(b"GET /api/groundswell/v1/stats HTTP/1.1\r\nHost: x\r\n")
        s.shutdown(socket.SHUT_WR)
    closed = 0
    for s in socks:
        s.settimeout(max(0.1, t1 + 5 - time.time()))
        try:
            closed += s.recv(1) == b""
        except OSError:
            pass
        s.close()
    took = time.time() - t1
    st3 = srv.req(STATS, src="127.0.0.3", timeout=5)[0]
    ok(closed == 2 and took < 3 and st3 == 200,
       f"incomplete requests half-closed by their client are closed within {took:.1f} s, and the client "
       "is served again", (closed, st3))
    ok(srv.stop() == 0, "it stops cleanly", srv.stderr()[-1000:])  # stderr read after stop


with tempfile.TemporaryDirectory() as d:
    try:
        main(d)
    except Exception:  # report, never hang
        import traceback
        ok(False, "the test ran to its end", traceback.format_exc())
    finally:
        kill_all()

tap.done()
