"""groundswell serve --state: snapshots that say when they are in trouble
(TAP; issue 16, part 4).

Every server binds 127.0.0.1 with port 0, every wait is bounded, and every
server is killed at the end whatever happens. Checks:
  - the state directory is checked at start: one where a snapshot cannot be
    written stops the start with a message naming it (works as root too:
    the test file's name is taken by a directory);
  - a snapshot that fails mid-write (RLIMIT_FSIZE with SIGXFSZ ignored:
    EFBIG, as a full disk would) shows in /stats and /metrics (failures,
    last error naming the file, no last success), and leaves no .tmp;
  - one that fails to be created after others succeeded (its .tmp taken by
    a directory) shows as failing beside the last success, and recovers;
  - a snapshot with bytes after its end is refused, and every refusal says
    what was wrong: checksum mismatch, truncated at byte N, trailing bytes
    after byte N, another bucket size, another version;
  - with --pseudonymize-key-file the snapshot holds no raw account id, and
    the answers are the same after a restart from it.
"""
import http.client
import json
import os
import re
import resource
import shutil
import signal
import struct
import subprocess
import tempfile
import time
import zlib

import tap
from tap import BIN, ok

servers = []


class Server:
    def __init__(self, d, *args, name="srv", preexec=None):
        self.portfile = os.path.join(d, name + ".port")
        self.errfile = os.path.join(d, name + ".err")
        if os.path.exists(self.portfile):
            os.unlink(self.portfile)
        self.err = open(self.errfile, "ab")
        self.p = subprocess.Popen([BIN, "serve", "--listen", "127.0.0.1:0", "--port-file", self.portfile, *args],
                                  stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=self.err,
                                  preexec_fn=preexec)
        servers.append(self)
        self.port = tap.wait_port(self.p, self.portfile)

    def stderr(self):
        if not self.err.closed:
            self.err.flush()
        with open(self.errfile, encoding="utf-8", errors="replace") as f:
            return f.read()

    def get(self, path):
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=20)
        try:
            c.request("GET", path)
            r = c.getresponse()
            return r.status, r.read()
        finally:
            c.close()

    def json(self, path):
        return json.loads(self.get(path)[1])

    def stats(self):
        return self.json("/api/groundswell/v1/stats")

    def wait(self, cond, limit=60):
        deadline = time.time() + limit
        while time.time() < deadline:
            if self.p.poll() is not None:
                return None
            try:
                s = self.stats()
                if cond(s):
                    return s
            except (OSError, ValueError, http.client.HTTPException):
                pass
            time.sleep(0.1)
        return None

    def stop(self, limit=20):
        if self.p.poll() is None:
            self.p.send_signal(signal.SIGTERM)
            try:
                self.p.wait(limit)
            except subprocess.TimeoutExpired:
                self.p.kill()
                self.p.wait()
        self.err.close()
        return self.p.returncode


def kill_all():
    for s in servers:
        if s.p.poll() is None:
            s.p.kill()
            s.p.wait()


def start_fails(*args):
    """A server that must not start: its exit status and stderr."""
    try:
        p = subprocess.run([BIN, "serve", "--listen", "127.0.0.1:0", *args], capture_output=True, text=True,
                           timeout=20, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        return None, "it started (killed after 20 s)"
    return p.returncode, p.stderr


def present(dids, data):
    """Which of dids (24 base32 bytes each) data holds: each lies inside a
    run of base32 characters, so one pass over the runs' substrings (not
    one search of data a DID)."""
    found = set()
    for run in re.findall(rb"[a-z2-7]{24,}", data):
        found.update(run[k:k + 24] for k in range(len(run) - 23) if run[k:k + 24] in dids)
    return sorted(found)


def sections(blob):
    """The envelopes of a snapshot: [(magic, start, end)]."""
    out, at = [], 0
    while at + 16 <= len(blob):
        n = struct.unpack_from("<Q", blob, at + 8)[0]
        out.append((blob[at:at + 4], at, at + 16 + n + 4))
        at += 16 + n + 4
    return out


def small_fsize():
    """In the child: files of at most 64 KiB, and SIGXFSZ ignored, so that
    a bigger write fails with EFBIG (as on a full disk) instead of killing."""
    resource.setrlimit(resource.RLIMIT_FSIZE, (65536, 65536))
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)


def answers(srv, tag):
    out = {}
    for path in ("/api/groundswell/v1/network", "/api/groundswell/v1/trends",
                 "/api/groundswell/v1/tags/" + tag, "/api/groundswell/v1/network?tag=" + tag):
        out[path] = srv.get(path)
    return out


def pseudonymised(d, src, nl):
    """--pseudonymize-key-file: no raw account id in the snapshot, the same
    answers after a restart from it, and another key or none refused."""
    key = os.path.join(d, "key")
    with open(key, "w") as f:
        f.write("5f2b9c0e8d7a41f6b3e2c1d0a9f8e7d6c5b4a3928170f6e5d4c3b2a190807f6e\n")
    state = os.path.join(d, "pseudo")
    args = ("--source", src, "--state", state, "--close-idle", "1s", "--pseudonymize-key-file", key)
    srv = Server(d, *args, name="pseudo")
    st = srv.wait(lambda s: s["lines"] >= nl and s["idle_closed"])
    rep = json.loads(tap.run("report", "--json", "--top", "1", src, timeout=60).stdout)
    tag = rep["tags"][0]["tag"]
    before = answers(srv, tag)
    net = json.loads(before["/api/groundswell/v1/network"][1])
    cli = json.loads(tap.run("network", "--format", "json", "--pseudonymize-key-file", key, src,
                             timeout=60).stdout)
    for x in (net, cli):
        x["summary"].pop("malformed", None)
    ok(st and net == cli and len(net["nodes"]) > 50, "with a key the network equals batch network's, pseudonymised",
       (len(net["nodes"]), len(cli["nodes"])))
    raw = open(src, "rb").read()
    dids = set(re.findall(rb"did:plc:([a-z2-7]{24})", raw))
    shown = present(dids, "\x00".join(str(a[1]) for a in before.values()).encode())
    ok(len(dids) > 100 and not shown, "no answer names a raw account id (trends' example posts neither)",
       sorted(shown)[:5])
    ok(srv.stop() == 0, "it stops, leaving a snapshot")
    blob = open(os.path.join(state, "state.snap"), "rb").read()
    found = present(dids, blob)
    ok(len(dids) > 100 and not found, f"the snapshot holds none of the input's {len(dids)} account ids",
       (len(found), sorted(found)[:5]))
    srv = Server(d, *args, name="pseudo2")
    st = srv.wait(lambda s: s["lines"] >= nl)
    after = answers(srv, tag)
    ok(st and "restored '" in srv.stderr() and after == before,
       "restarted from it with the same key, every answer is the same (network, trends, a tag, its network)",
       [k for k in before if before[k] != after.get(k)])
    ok(srv.stop() == 0, "and it stops")
    rc, err = start_fails("--source", src, "--state", state)
    ok(rc == 2 and "it is encrypted (it was written under --pseudonymize-key-file): start with the same key" in err,
       "without the key the snapshot is refused, saying why", err)
    other = os.path.join(d, "key2")
    with open(other, "w") as f:
        f.write("another secret, as long as the first one, 0123456789abcdef0123456789\n")
    rc, err = start_fails("--source", src, "--state", state, "--pseudonymize-key-file", other)
    ok(rc == 2 and "cannot decrypt the record at byte 32: another --pseudonymize-key-file, or damage" in err,
       "with another key it is refused", err)
    cut = blob[:len(blob) - 5]
    with open(os.path.join(state, "state.snap"), "wb") as f:
        f.write(cut + b"")
    rc, err = start_fails(*args)
    ok(rc == 2 and f"truncated at byte {len(cut)}" in err, "a cut encrypted snapshot: 'truncated at byte N'", err)
    with open(os.path.join(state, "state.snap"), "wb") as f:
        f.write(blob + b"x")
    rc, err = start_fails(*args)
    ok(rc == 2 and f"trailing bytes after byte {len(blob)}" in err, "and one with bytes after its end is refused",
       err)


def main(d):
    src = os.path.join(d, "in.jsonl")
    tap.run("generate", "--seed", "3", "--hours", "6", "--rate", "1", "-f", "jetstream", "--output", src,
            timeout=60)
    nl = open(src, "rb").read().count(b"\n")

    # ---- the state directory is checked at start ----------------------
    state = os.path.join(d, "blocked")
    os.makedirs(os.path.join(state, "state.snap.tmp"))
    rc, err = start_fails("--source", src, "--state", state)
    ok(rc != 0 and f"cannot write in the state directory '{state}'" in err,
       "a state directory where snapshots cannot be written stops the start, naming it", (rc, err))
    notdir = os.path.join(d, "afile")
    open(notdir, "w").close()
    rc, err = start_fails("--source", src, "--state", notdir)
    ok(rc != 0 and f"'{notdir}' is not a directory" in err, "so does a --state that is a file", (rc, err))

    # ---- a snapshot that fails mid-write (EFBIG) -------------------------
    state = os.path.join(d, "fsize")
    srv = Server(d, "--source", src, "--state", state, "--snapshot-every", "1s", "--close-idle", "1s",
                 name="fsize", preexec=small_fsize)
    st = srv.wait(lambda s: s["lines"] >= nl and s.get("snapshots", {}).get("failures", 0) >= 2, limit=60)
    sn = st and st["snapshots"]
    ok(sn and sn["failing"] and sn["written"] == 0 and sn["last_success"] is None and
       "state.snap.tmp" in sn["last_error"] and "File too large" in sn["last_error"] and
       sn["last_error_time"] is not None,
       "a snapshot failing mid-write shows in /stats: failing, no success, the error naming the file", st)
    ok(not os.path.exists(os.path.join(state, "state.snap.tmp")) and
       not os.path.exists(os.path.join(state, "state.snap")),
       "and its partial .tmp is removed", os.listdir(state))
    m = srv.get("/metrics")[1].decode()
    ok("groundswell_snapshot_failing 1\n" in m and "groundswell_snapshots_total 0\n" in m and
       "groundswell_snapshot_failures_total " in m and
       'groundswell_snapshot_last_error_timestamp_seconds{error="cannot write' in m and
       "groundswell_snapshot_last_success_timestamp_seconds" not in m,
       "and in /metrics", [x for x in m.splitlines() if "snapshot" in x])
    e = srv.stderr()
    ok(e.count("File too large") == 1, "the failure is logged once, not every second", e)
    srv.stop()

    # ---- a snapshot that cannot be created, then can again ---------------
    state = os.path.join(d, "state")
    grow = os.path.join(d, "grow.jsonl")
    lines = open(src, "rb").read().splitlines(keepends=True)
    half = len(lines) // 2
    with open(grow, "wb") as f:
        f.writelines(lines[:half])
    srv = Server(d, "--source", grow, "--state", state, "--snapshot-every", "1s", "--close-idle", "1s",
                 name="tmpdir")
    st = srv.wait(lambda s: s["lines"] >= half and s.get("snapshots", {}).get("written", 0) >= 1 and
                  os.path.exists(os.path.join(state, "state.snap")))
    ok(st and not st["snapshots"]["failing"] and st["snapshots"]["last_success"] and
       st["snapshots"]["last_error"] is None and st["snapshots"]["failures"] == 0,
       "a snapshot written shows its time, and no error", st and st["snapshots"])
    tmp = os.path.join(state, "state.snap.tmp")
    os.mkdir(tmp)
    with open(grow, "ab") as f:
        f.writelines(lines[half:])
    st = srv.wait(lambda s: s["lines"] >= nl and s["snapshots"]["failing"])
    sn = st and st["snapshots"]
    ok(sn and sn["failures"] >= 1 and sn["last_success"] and
       sn["last_error"] == f"cannot create '{tmp}': Is a directory",
       "one that cannot be created shows as failing, beside the last success", sn)
    os.rmdir(tmp)
    st = srv.wait(lambda s: not s["snapshots"]["failing"], limit=20)
    ok(st and st["snapshots"]["written"] >= 2 and st["snapshots"]["failures"] >= 1,
       "and it recovers by itself once it can write again", st and st["snapshots"])
    e = srv.stderr()
    ok("Is a directory: the state is not saved" in e and "snapshot written again" in e,
       "both turns are logged", e)
    ok(srv.stop() == 0, "and it stops cleanly, with a last snapshot")

    # ---- refusals say what was wrong --------------------------------------
    snap = os.path.join(state, "state.snap")
    good = open(snap, "rb").read()
    secs = sections(good)
    # issue 12 part 5: the table of recent posts for deletes (GSRC), then
    # issue 13's co-occurrence counter (GSCO) last
    ok([x[0] for x in secs] == [b"GSSV", b"GSEN", b"GSTR", b"GSNW", b"GSNW", b"GSRC", b"GSCO"]
       and secs[-1][2] == len(good),
       "the snapshot is its seven sections, nothing after", [(x[0], x[1], x[2]) for x in secs])
    bad = os.path.join(d, "bad")

    def refused(blob, *extra):
        shutil.rmtree(bad, ignore_errors=True)
        os.mkdir(bad)
        with open(os.path.join(bad, "state.snap"), "wb") as f:
            f.write(blob)
        rc, err = start_fails("--source", src, "--state", bad, *extra)
        return rc, err.strip()

    prefix = f"groundswell: cannot restore '{bad}/state.snap': "
    rc, err = refused(good + b"\n")
    ok(rc == 2 and err == prefix + f"trailing bytes after byte {len(good)} (the end of the last section) "
       "(move it away to start afresh)", "bytes after the end are refused: 'trailing bytes after byte N'", err)
    rc, err = refused(good + good)
    ok(rc == 2 and f"trailing bytes after byte {len(good)}" in err, "so is a second snapshot after the first",
       err)
    m, a, b = secs[1]
    flip = bytearray(good)
    flip[a + 100] ^= 0x20
    rc, err = refused(bytes(flip))
    ok(rc == 2 and err == prefix + f"checksum mismatch in section 'GSEN' (bytes {a} to {b - 1}) "
       "(move it away to start afresh)", "a flipped byte: 'checksum mismatch', with the section's bytes", err)
    cut = secs[2][1] + 30
    rc, err = refused(good[:cut])
    ok(rc == 2 and err == prefix + f"truncated at byte {cut} (in section 'GSTR' of byte {secs[2][1]}) "
       "(move it away to start afresh)", "a cut file: 'truncated at byte N'", err)
    rc, err = refused(b"")
    ok(rc == 2 and "truncated at byte 0" in err, "an empty file: 'truncated at byte 0'", err)
    ver = bytearray(good)
    a, b = secs[3][1], secs[3][2]
    ver[a + 4] = 9
    struct.pack_into("<I", ver, b - 4, zlib.crc32(bytes(ver[a:b - 4])))
    rc, err = refused(bytes(ver))
    ok(rc == 2 and "other version: section 'GSNW' is version 9, this groundswell reads versions 1 to 3" in err,
       "another version: 'other version'", err)
    rc, err = refused(good, "--bucket", "30m")
    ok(rc == 2 and err == prefix + "other bucket size: it was made with --bucket 1h, this run has --bucket 30m "
       "(move it away to start afresh)", "another --bucket: 'other bucket size', both named", err)
    pseudonymised(d, src, nl)

    srv = Server(d, "--source", src, "--state", state, name="again")
    st = srv.wait(lambda s: s["lines"] >= nl)
    ok(st and "restored '" in srv.stderr() and srv.stop() == 0, "(and the intact snapshot itself is taken)",
       srv.stderr())


with tempfile.TemporaryDirectory() as d:
    try:
        main(d)
    except Exception:  # report, never hang
        import traceback
        ok(False, "the test ran to its end", traceback.format_exc())
    finally:
        kill_all()

tap.done()
