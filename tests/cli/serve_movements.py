"""serve's /api/groundswell/v1/movements?tags=... (issue 13, TAP).

serve follows a generated stream with planted families; once it has read
it, the movement of a family's tags (any spelling, '#' optional, a tag
never seen listed as missing) has the distinct accounts, tag uses and
per-tag counts that the batch `movements --movement` gives for the same
file; bad requests are 400. Without tags=, serve's movements found over
the finished file are the bytes of `movements --json` with the same
options, and after a restart from serve's snapshot (--state) too. The
servers bind 127.0.0.1 with port 0 and are stopped at the end whatever
happens.
"""
import http.client
import json
import os
import signal
import struct
import subprocess
import tempfile
import time

import tap
from tap import BIN, ok, run


def get(port, path):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        c.request("GET", path)
        r = c.getresponse()
        return r.status, json.loads(r.read() or b"null")
    finally:
        c.close()


def main(d):
    stream = os.path.join(d, "m.jsonl")
    truth = os.path.join(d, "t.json")
    run("generate", "--seed", "4", "--hours", "6", "--rate", "1", "--families", "1",
        "-f", "mastodon", "--truth", truth, "-o", stream)
    fam = [t["tag"] for t in json.load(open(truth))["families"][0]["tags"]]
    b = run("movements", "--json", "--movement", "f=" + ",".join(fam), stream)
    want = json.loads(b.stdout)["movements"][0]
    portfile = os.path.join(d, "port")
    p = subprocess.Popen([BIN, "serve", "--listen", "127.0.0.1:0", "--port-file", portfile,
                          "--source", stream],
                         stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL)
    try:
        port = tap.wait_port(p, portfile)
        if not ok(port is not None, "serve starts"):
            return
        q = "/api/groundswell/v1/movements?name=f&tags=" + ",".join(
            ["%23" + fam[0].upper()] + fam[1:] + ["NeverSeenTag"])
        got = None
        for _ in range(100):
            code, got = get(port, q)
            if code == 200 and got["tag_uses"] == want["tag_uses"]:
                break
            time.sleep(0.2)
        ok(code == 200 and got["name"] == "f", "the movement answers", got)
        ok(got["accounts"] == want["accounts"] and got["accounts_error"] == want["accounts_error"],
           "distinct accounts across the tags equal the batch union",
           (got["accounts"], want["accounts"]))
        ok(got["accounts_sum"] == want["accounts_sum"] and got["accounts"] < got["accounts_sum"],
           "a union, not a sum")
        ok([(t["tag"], t["posts"], t["accounts"]) for t in got["tags"]] ==
           [(t["tag"], t["posts"], t["accounts"]) for t in sorted(
               want["tags"], key=lambda t: fam.index(t["tag"]))],
           "each tag's own counts", (got["tags"], want["tags"]))
        ok(got["missing"] == ["neverseentag"], "a tag never seen is listed as missing",
           got["missing"])
        ok(sum(x["tag_uses"] for x in got["timeline"]) == got["tag_uses"] and
           all(x["accounts"] <= got["accounts"] for x in got["timeline"]),
           "the timeline adds up, each bucket within the union")
        for bad in ["?tags=", "?tags=a&buckets=721", "?top=1001", "?top=x", "?tags=" + ",".join(
                "t%d" % i for i in range(65))]:
            code, body = get(port, "/api/groundswell/v1/movements" + bad)
            ok(code == 400 and "error" in body, f"400 for '{bad[:30]}'", (code, body))
    finally:
        p.kill()
        p.wait()
    found(d, stream, fam, "mastodon")
    js = os.path.join(d, "j.jsonl")
    run("generate", "--seed", "4", "--hours", "6", "--rate", "1", "--families", "1",
        "-f", "jetstream", "-o", js)
    found(d, js, fam, "jetstream")
    restart(d, stream)


def found(d, stream, fam, fmt):
    """Without tags=: the movements serve finds over a finished file are the
    bytes `movements --json` writes for it with the same options."""
    opts = ["--bucket", "10m"]
    b = run("movements", "--json", *opts, stream)
    want = b.stdout
    mv = json.loads(want)["movements"]
    ok(b.returncode == 0 and sorted(fam) in [sorted(t["tag"] for t in m["tags"]) for m in mv],
       f"{fmt}: the batch command finds the planted family", want[:300])
    top1 = run("movements", "--json", "-n", "1", *opts, stream).stdout
    portfile = os.path.join(d, "port-" + fmt)
    p = subprocess.Popen([BIN, "serve", "--listen", "127.0.0.1:0", "--port-file", portfile,
                          "--source", stream, "--close-idle", "1s", *opts],
                         stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL)
    try:
        port = tap.wait_port(p, portfile)
        if not ok(port is not None, f"{fmt}: serve starts (--close-idle)"):
            return
        got = None
        for _ in range(150):
            code, body = get_raw(port, "/api/groundswell/v1/movements")
            if code == 200 and body == want:
                break
            time.sleep(0.2)
        ok(code == 200 and body == want,
           f"{fmt}: serve's movements over the finished file are the batch command's bytes",
           (code, body[:300], want[:300]))
        code, body = get_raw(port, "/api/groundswell/v1/movements?top=1")
        ok(code == 200 and body == top1, f"{fmt}: top=1 is the batch command's -n 1", body[:300])
    finally:
        p.kill()
        p.wait()


def serve(d, name, *args):
    portfile = os.path.join(d, "port-" + name)
    errf = open(os.path.join(d, name + ".err"), "w")
    p = subprocess.Popen([BIN, "serve", "--listen", "127.0.0.1:0", "--port-file", portfile,
                          *args], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                         stderr=errf)
    return p, tap.wait_port(p, portfile)


def stop(p):
    """SIGTERM (a snapshot is written at stop), bounded; then kill."""
    p.send_signal(signal.SIGTERM)
    try:
        p.wait(timeout=20)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()


def sections(data):
    """A snapshot's sections: (magic, bytes) each (snapio.h's envelope)."""
    out, at = [], 0
    while at + 16 <= len(data):
        n = struct.unpack_from("<Q", data, at + 8)[0]
        out.append((data[at:at + 4], data[at:at + 16 + n + 4]))
        at += 16 + n + 4
    return out


def restart(d, stream):
    """The co-occurrence counter survives serve's snapshot: restarted from
    its state (the file already read), serve answers the same movements;
    a snapshot without the counter (as written before it) still loads, says
    so, and the movements then count only posts read after it."""
    opts = ["--bucket", "10m"]
    want = run("movements", "--json", *opts, stream).stdout
    state = os.path.join(d, "state")
    args = ["--source", stream, "--close-idle", "1s", "--state", state, *opts]
    p, port = serve(d, "first", *args)
    try:
        if not ok(port is not None, "serve --state starts"):
            return
        for _ in range(150):
            code, body = get_raw(port, "/api/groundswell/v1/movements")
            if code == 200 and body == want:
                break
            time.sleep(0.2)
        ok(body == want, "before the restart: the batch command's movements", body[:200])
    finally:
        stop(p)
    snap = os.path.join(state, "state.snap")
    data = open(snap, "rb").read()
    secs = sections(data)
    ok([m for m, _ in secs][-1:] == [b"GSCO"], "the snapshot ends with the counter (GSCO)",
       [m for m, _ in secs])
    p, port = serve(d, "second", *args)
    try:
        ok(port is not None, "serve restarts from its snapshot")
        code, body = get_raw(port, "/api/groundswell/v1/movements") if port else (0, "")
        ok(code == 200 and body == want,
           "after the restart: the same movements, from the restored counter", body[:200])
    finally:
        stop(p)
    # the counter's section taken out: a snapshot as written before it
    data = open(snap, "rb").read()
    with open(snap, "wb") as f:
        f.write(b"".join(b for m, b in sections(data) if m != b"GSCO"))
    p, port = serve(d, "old", *args)
    try:
        ok(port is not None, "a snapshot without the counter is restored")
        code, body = get_raw(port, "/api/groundswell/v1/movements") if port else (0, "")
        got = json.loads(body) if code == 200 else None
        ok(got is not None and got["movements"] == [],
           "... and its movements count the posts read after it (none)", body[:200])
    finally:
        stop(p)
    err = open(os.path.join(d, "old.err")).read()
    ok("has no co-occurrence counter" in err, "... which the log says", err[-300:])


def get_raw(port, path):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        c.request("GET", path)
        r = c.getresponse()
        return r.status, r.read().decode()
    finally:
        c.close()


with tempfile.TemporaryDirectory() as d:
    main(d)
tap.done()
