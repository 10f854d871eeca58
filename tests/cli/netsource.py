"""groundswell serve with network sources, on loopback (TAP).

Two tiny servers written here with the standard library replay a generated
stream:
  - a Jetstream WebSocket server (HTTP Upgrade handshake, unmasked text
    frames with 7/16/64-bit lengths, ?cursor= honoured by skipping events
    with time_us < cursor). Its first connection is cut mid-stream: the
    client reconnects with a cursor 5 s before the last event it processed
    and drops the duplicates; a restart with --state resumes from the saved
    cursor. The served counts and trends equal `report` / `trends --live`.
  - a Mastodon streaming server (server-sent events, `event: update`),
    which checks the bearer token (from --token-file, then from
    GS_MASTODON_TOKEN) and also cuts its first connection.
Every server binds 127.0.0.1, every wait is bounded, everything is killed
at the end.
"""
import base64
import hashlib
import http.client
import json
import os
import signal
import socket
import socketserver
import subprocess
import tempfile
import threading
import time
import urllib.parse

import tap
from tap import BIN, ok

procs = []
stopping = threading.Event()


def run(*args, timeout=120, **kw):
    return tap.run(*args, timeout=timeout, **kw)


def jsonl(text):
    return [json.loads(l) for l in text.splitlines() if l.strip()]


class Serve:
    def __init__(self, d, *args, name="srv", env=None):
        self.portfile = os.path.join(d, name + ".port")
        self.errfile = os.path.join(d, name + ".err")
        if os.path.exists(self.portfile):
            os.unlink(self.portfile)
        self.err = open(self.errfile, "ab")
        self.p = subprocess.Popen([BIN, "serve", "--listen", "127.0.0.1:0", "--port-file", self.portfile, *args],
                                  stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=self.err, env=env)
        procs.append(self.p)
        self.port = tap.wait_port(self.p, self.portfile)

    def stderr(self):
        self.err.flush()
        with open(self.errfile, encoding="utf-8", errors="replace") as f:
            return f.read()

    def json(self, path):
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=20)
        try:
            c.request("GET", path)
            r = c.getresponse()
            return json.loads(r.read())
        finally:
            c.close()

    def wait(self, cond, limit=30):
        deadline = time.time() + limit
        last = None
        while time.time() < deadline and self.p.poll() is None:
            try:
                last = self.json("/api/groundswell/v1/stats")
                if cond(last):
                    return last
            except (OSError, ValueError, http.client.HTTPException):
                pass
            time.sleep(0.1)
        print("# last stats: " + json.dumps(last)[:1500], flush=True)
        return None

    def stop(self):
        if self.p.poll() is None:
            self.p.send_signal(signal.SIGTERM)
            try:
                self.p.wait(10)
            except subprocess.TimeoutExpired:
                self.p.kill()
                self.p.wait()
        self.err.close()
        return self.p.returncode


# ---- the Jetstream WebSocket server ----------------------------------------

def ws_frame(payload):
    n = len(payload)
    if n < 126:
        head = bytes([0x81, n])
    elif n < 65536:
        head = bytes([0x81, 126]) + n.to_bytes(2, "big")
    else:
        head = bytes([0x81, 127]) + n.to_bytes(8, "big")
    return head + payload


class Jetstream(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, events, cut_after):
        self.events = events          # [(time_us, bytes)]
        self.cut_after = cut_after    # the first connection sends this many, then drops
        self.cursors = []             # the cursor of each connection (None: none)
        self.sent = 0
        self.finished = 0             # connections that sent all they had
        super().__init__(("127.0.0.1", 0), JetstreamHandler)


class JetstreamHandler(socketserver.BaseRequestHandler):
    def handle(self):
        srv, s = self.server, self.request
        s.settimeout(10)
        raw = b""
        while b"\r\n\r\n" not in raw and len(raw) < 65536:
            c = s.recv(4096)
            if not c:
                return
            raw += c
        lines = raw.split(b"\r\n\r\n")[0].decode("latin-1").split("\r\n")
        path = lines[0].split(" ")[1]
        hdr = {l.split(":", 1)[0].strip().lower(): l.split(":", 1)[1].strip() for l in lines[1:] if ":" in l}
        key = hdr.get("sec-websocket-key", "")
        acc = base64.b64encode(hashlib.sha1((key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").encode()).digest())
        s.sendall(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                  b"Sec-WebSocket-Accept: " + acc + b"\r\n\r\n")
        q = urllib.parse.parse_qs(urllib.parse.urlparse(path).query)
        cursor = int(q["cursor"][0]) if "cursor" in q else None
        first = not srv.cursors
        srv.cursors.append((cursor, q.get("wantedCollections")))
        evs = [e for t, e in srv.events if cursor is None or t >= cursor]
        if first:
            evs = evs[:srv.cut_after]
        buf = []
        for e in evs:
            buf.append(ws_frame(e))
            if len(buf) >= 256:
                s.sendall(b"".join(buf))
                buf = []
        s.sendall(b"".join(buf))
        srv.sent += len(evs)
        srv.finished += 1
        if first:  # an abrupt end mid-stream
            s.shutdown(socket.SHUT_RDWR)
            return
        s.settimeout(0.2)
        while not stopping.is_set():  # stay connected, as a live stream does
            try:
                if not s.recv(4096):
                    return
            except socket.timeout:
                pass
            except OSError:
                return


# ---- the Mastodon streaming (SSE) server -----------------------------------

class Sse(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, blocks, cut_after):
        self.blocks = blocks        # [bytes]: one event block each
        self.cut_after = cut_after
        self.auth = []
        self.paths = []
        self.next = 0
        super().__init__(("127.0.0.1", 0), SseHandler)


class SseHandler(socketserver.BaseRequestHandler):
    def handle(self):
        srv, s = self.server, self.request
        s.settimeout(10)
        raw = b""
        while b"\r\n\r\n" not in raw and len(raw) < 65536:
            c = s.recv(4096)
            if not c:
                return
            raw += c
        lines = raw.split(b"\r\n\r\n")[0].decode("latin-1").split("\r\n")
        hdr = {l.split(":", 1)[0].strip().lower(): l.split(":", 1)[1].strip() for l in lines[1:] if ":" in l}
        srv.paths.append(lines[0].split(" ")[1])
        srv.auth.append(hdr.get("authorization"))
        s.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nConnection: close\r\n\r\n")
        # the stream goes on where it was: what a live stream would send
        first = srv.next == 0
        end = srv.cut_after if first else len(srv.blocks)
        s.sendall(b"".join(srv.blocks[srv.next:end]))
        srv.next = end
        if first:
            s.shutdown(socket.SHUT_RDWR)
            return
        s.settimeout(0.2)
        while not stopping.is_set():
            try:
                if not s.recv(4096):
                    return
            except socket.timeout:
                pass
            except OSError:
                return


# The gap between a source's two connections (a backoff of 250-500 ms, and
# more on a loaded machine) must not look like the end of the stream: were
# the open buckets judged in it, the posts after it would come late, and
# the live answer would rightly differ from the batch one.
IDLE = "3s"


def start(server):
    t = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    t.start()
    return server


COUNTS = ("posts", "originals", "reposts", "replies", "malformed", "skipped")


def same_as_batch(srv, st, data, what):
    rep = json.loads(run("report", "--json", "--top", "0", data).stdout)["summary"]
    ok(st is not None and all(st[k] == rep[k] for k in COUNTS),
       f"{what}: posts, reposts, replies, malformed, skipped equal report's ({rep['posts']} posts)",
       st and ({k: st[k] for k in COUNTS}, {k: rep[k] for k in COUNTS}))
    cli = jsonl(run("trends", "--json", "--live", data).stdout)
    # The last lines read may still be on their way through the pipeline
    # when the stats say they were read (seen once under ASan on a loaded
    # machine): the answer must become equal, within a few seconds.
    deadline = time.time() + 5
    got = srv.json("/api/groundswell/v1/trends")
    while got != cli and time.time() < deadline:
        time.sleep(0.1)
        got = srv.json("/api/groundswell/v1/trends")
    ok(len(cli) >= 3 and got == cli, f"{what}: /trends equals 'trends --json --live' ({len(cli)} events)",
       ([t["tag"] for t in got or []], [t["tag"] for t in cli]))


def jetstream_part(d):
    t0 = time.time()
    data = os.path.join(d, "js.jsonl")
    g = run("generate", "--seed", "4", "--hours", "24", "--rate", "0.5", "-f", "jetstream", "--output", data)
    ok(g.returncode == 0, "generate -f jetstream exits 0", g.stderr)
    with open(data, "rb") as f:
        raw = [l.rstrip(b"\n") for l in f if l.strip()]
    events = [(json.loads(l)["time_us"], l) for l in raw]
    cut = len(events) // 2
    js = start(Jetstream(events, cut))
    port = js.server_address[1]
    url = f"ws://127.0.0.1:{port}/subscribe?wantedCollections=app.bsky.feed.post&wantedCollections=app.bsky.feed.repost"
    state = os.path.join(d, "state")
    os.mkdir(state)
    try:
        srv = Serve(d, "--source", url, "--close-idle", IDLE, "--state", state, name="js")
        ok(srv.port is not None, "serve starts with a ws:// source", srv.stderr())
        if srv.port is None:
            return
        st = srv.wait(lambda s: s["sources"][0]["lines"] == len(events) and s["idle_closed"])
        ok(st is not None, f"every event arrives once, over two connections ({time.time() - t0:.1f} s)",
           srv.stderr())
        if st is None:
            return
        so = st["sources"][0]
        ok(so["kind"] == "jetstream" and so["state"] == "waiting" and so["offset"] == events[-1][0],
           "stats: kind jetstream, connected, offset = the last event's time_us", so)
        ok(so["rotations"] == 1 and len(js.cursors) == 2, "one reconnection after the cut", (so, js.cursors))
        c0, c1 = js.cursors[0][0], js.cursors[1][0]
        last = events[cut - 1][0]
        ok(c0 is None and c1 is not None and events[0][0] < c1 <= last - 5_000_000,
           f"it resumed with a cursor 5 s (or more) before the last event processed ({c1} vs {last})",
           js.cursors)
        ok(js.cursors[1][1] == ["app.bsky.feed.post", "app.bsky.feed.repost"], "the query is kept", js.cursors)
        dup = js.sent - len(events)
        ok(dup > 0 and so["truncations"] == dup, f"the {dup} events sent again are dropped as duplicates", so)
        ok(st["lines"] == len(events), "stats: lines = events", (st["lines"], len(events)))
        same_as_batch(srv, st, data, "jetstream")
        ok(srv.stop() == 0, "serve stops on SIGTERM and writes its snapshot")

        # ---- a restart resumes from the saved cursor --------------------
        sent_before = js.sent
        srv = Serve(d, "--source", url, "--close-idle", IDLE, "--state", state, name="js2")
        st = srv.wait(lambda s: js.finished == 3 and s["sources"][0]["truncations"] == dup +
                      (js.sent - sent_before) and s["idle_closed"], limit=20)
        ok(st is not None and js.cursors[2][0] == events[-1][0] - 5_000_000,
           "a restart asks for the saved cursor minus 5 s", (js.cursors, srv.stderr()))
        if st:
            ok(st["sources"][0]["lines"] == len(events) and js.sent > sent_before,
               f"and drops the {js.sent - sent_before} events sent again", st["sources"][0])
            same_as_batch(srv, st, data, "jetstream after a restart")
        ok(srv.stop() == 0, "serve stops")
    finally:
        js.shutdown()
        js.server_close()
    print(f"# jetstream part: {time.time() - t0:.1f} s", flush=True)


def mastodon_part(d):
    t0 = time.time()
    data = os.path.join(d, "m.sse")
    g = run("generate", "--seed", "4", "--hours", "24", "--rate", "0.5", "-f", "mastodon-sse", "--output", data)
    ok(g.returncode == 0, "generate -f mastodon-sse exits 0", g.stderr)
    with open(data, "rb") as f:
        body = f.read()
    blocks = [b + b"\n\n" for b in body.split(b"\n\n") if b.strip()]
    ids = [json.loads(b.split(b"data: ", 1)[1].split(b"\n")[0])["id"] for b in blocks if b.startswith(b"event: update")]
    token = "tok-" + str(os.getpid())
    tokf = os.path.join(d, "mtoken")
    with open(tokf, "w") as f:
        f.write(token + "\n")
    os.chmod(tokf, 0o600)
    env = dict(os.environ)
    env.pop("GS_MASTODON_TOKEN", None)
    for how in ("file", "env"):
        sse = start(Sse(blocks, len(blocks) // 3))
        url = f"http://127.0.0.1:{sse.server_address[1]}/api/v1/streaming/public"
        try:
            if how == "file":
                srv = Serve(d, "--source", url, "--close-idle", IDLE, "--token-file", tokf, name="m1", env=env)
            else:
                srv = Serve(d, "--source", url, "--close-idle", IDLE, name="m2",
                            env=dict(env, GS_MASTODON_TOKEN=token))
            ok(srv.port is not None, f"serve starts with an http:// source (token from the {how})", srv.stderr())
            if srv.port is None:
                return
            st = srv.wait(lambda s: sse.next == len(blocks) and s["sources"][0]["offset"] == int(ids[-1])
                          and s["idle_closed"])
            ok(st is not None, f"the stream arrives, over two connections ({time.time() - t0:.1f} s)", srv.stderr())
            if st is None:
                return
            so = st["sources"][0]
            ok(so["kind"] == "mastodon" and so["rotations"] == 1 and so["state"] == "waiting",
               "stats: kind mastodon, one reconnection, connected; offset = the last status id", so)
            ok(sse.auth == ["Bearer " + token] * 2, f"Authorization: Bearer with the token from the {how}", sse.auth)
            same_as_batch(srv, st, data, f"mastodon ({how})")
            ok(srv.stop() == 0, "serve stops")
        finally:
            sse.shutdown()
            sse.server_close()
    p = run("serve", "--source", "http://127.0.0.1:1/x", "--token-file", os.path.join(d, "nope"))
    ok(p.returncode == 2 and "cannot read" in p.stderr, "a missing --token-file exits 2", p.stderr)
    print(f"# mastodon part: {time.time() - t0:.1f} s", flush=True)


with tempfile.TemporaryDirectory() as d:
    try:
        jetstream_part(d)
        mastodon_part(d)
    except Exception:  # report, never hang
        import traceback
        ok(False, "the test ran to its end", traceback.format_exc())
    finally:
        stopping.set()
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()

tap.done()
