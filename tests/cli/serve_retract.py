"""groundswell serve: deletes retract posts (issue 12 part 5) (TAP).

Fictional accounts only. Checks:
  - Jetstream: a spam tag of 30 posts (10 of them also using a real tag)
    followed by their deletes: /tags/NAME shows 0 posts and 0 accounts,
    the real tag its own 5 posts and no spam co-tag; a repost and its
    delete; a delete of a post never seen is unresolved; /stats and
    /metrics count them;
  - Mastodon streaming capture (SSE): "event: delete" retracts a status;
  - Twitter v1.1 delete notices retract a tweet;
  - --retract-window 0: deletes are only counted (unresolved);
  - a restart with --state: the table of recent posts is saved, so a
    delete after the restart still retracts.
"""
import http.client
import json
import os
import subprocess
import tempfile
import time

import tap
from tap import BIN, ok

servers = []


class Server:
    """groundswell serve on loopback, port 0 (read from --port-file)."""

    def __init__(self, d, *args, name="srv"):
        self.portfile = os.path.join(d, name + ".port")
        self.errfile = os.path.join(d, name + ".err")
        if os.path.exists(self.portfile):
            os.unlink(self.portfile)
        self.err = open(self.errfile, "ab")
        self.p = subprocess.Popen([BIN, "serve", "--listen", "127.0.0.1:0", "--port-file", self.portfile, *args],
                                  stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=self.err)
        servers.append(self)
        self.port = tap.wait_port(self.p, self.portfile)

    def stderr(self):
        self.err.flush()
        with open(self.errfile, encoding="utf-8", errors="replace") as f:
            return f.read()

    def req(self, path):
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=20)
        try:
            c.request("GET", path)
            r = c.getresponse()
            return r.status, None, r.read()
        finally:
            c.close()

    def json(self, path):
        st, h, data = self.req(path)
        return st, h, json.loads(data) if data else None

    def wait(self, cond, limit=60):
        """Polls /stats until cond holds; the stats, or None."""
        deadline = time.time() + limit
        while time.time() < deadline and self.port and self.p.poll() is None:
            try:
                s = self.json("/api/groundswell/v1/stats")[2]
                if cond(s):
                    return s
            except (OSError, ValueError, http.client.HTTPException):
                pass
            time.sleep(0.1)
        return None

    def stop(self):
        if self.p.poll() is None:
            self.p.terminate()
            try:
                self.p.wait(10)
            except subprocess.TimeoutExpired:
                self.p.kill()
                self.p.wait()
        self.err.close()


def kill_all():
    for s in servers:
        if s.p.poll() is None:
            s.p.kill()
            s.p.wait()

T0 = 1717000000000000  # 2024-05-29T16:26:40Z, in microseconds


def bsky_post(did, rkey, tags, t, reply_to=None):
    rec = {"$type": "app.bsky.feed.post", "createdAt": "2024-05-29T16:26:40Z",
           "text": " ".join("#" + x for x in tags), "tags": tags, "langs": ["en"]}
    if reply_to:
        ref = {"uri": "at://%s/app.bsky.feed.post/3kg0" % reply_to, "cid": "c"}
        rec["reply"] = {"root": ref, "parent": ref}
    return {"did": did, "time_us": t, "kind": "commit",
            "commit": {"rev": "r", "operation": "create", "collection": "app.bsky.feed.post", "rkey": rkey,
                       "record": rec, "cid": "c"}}


def bsky_repost(did, rkey, of_did, of_rkey, t):
    return {"did": did, "time_us": t, "kind": "commit",
            "commit": {"rev": "r", "operation": "create", "collection": "app.bsky.feed.repost", "rkey": rkey,
                       "record": {"$type": "app.bsky.feed.repost", "createdAt": "2024-05-29T16:26:40Z",
                                  "subject": {"uri": "at://%s/app.bsky.feed.post/%s" % (of_did, of_rkey),
                                              "cid": "c"}},
                       "cid": "c"}}


def bsky_delete(did, rkey, t, coll="app.bsky.feed.post"):
    return {"did": did, "time_us": t, "kind": "commit",
            "commit": {"rev": "r", "operation": "delete", "collection": coll, "rkey": rkey}}


def write(path, lines):
    with open(path, "w") as f:
        for x in lines:
            f.write((x if isinstance(x, str) else json.dumps(x)) + "\n")
    return len(lines)


def tag(srv, name):
    st, _, t = srv.json("/api/groundswell/v1/tags/" + name)
    return t if st == 200 else None


def jetstream(d):
    lines = []
    for i in range(5):
        lines.append(bsky_post("did:plc:gardener%d" % i, "3kg%d" % i, ["garden"], T0 + i * 1000))
    for i in range(30):
        lines.append(bsky_post("did:plc:spammer%d" % i, "3ks%d" % i,
                               ["freecoins"] + (["garden"] if i < 10 else []), T0 + 10000 + i * 1000,
                               reply_to="did:plc:gardener0" if i < 5 else None))
    lines.append(bsky_repost("did:plc:fan1", "3kr1", "did:plc:gardener0", "3kg0", T0 + 50000))
    lines.append(bsky_delete("did:plc:fan1", "3kr1", T0 + 60000, "app.bsky.feed.repost"))
    for i in range(30):
        lines.append(bsky_delete("did:plc:spammer%d" % i, "3ks%d" % i, T0 + 70000 + i))
    lines.append(bsky_delete("did:plc:nobody", "3kunknown", T0 + 80000))
    # a like deleted: no retraction, not unresolved
    lines.append(bsky_delete("did:plc:fan1", "3kl1", T0 + 80001, "app.bsky.feed.like"))
    path = os.path.join(d, "js.jsonl")
    n = write(path, lines)

    srv = Server(d, "--source", path, "--input-format", "jetstream", name="js")
    s = srv.wait(lambda s: s["lines"] >= n)
    ok(s is not None, "jetstream: the file read", srv.stderr())
    if s is None:
        return
    ok(s["retracted"] == 31, "jetstream: /stats retracted 31 (30 posts, 1 repost)", s)
    ok(s["retractions_unresolved"] == 1, "jetstream: a delete of an unknown post is unresolved", s)
    ok(s["posts"] == 5, "jetstream: posts back to 5", s)
    ok(s["reposts"] == 0, "jetstream: reposts back to 0", s)
    w = s.get("retract_window", {})
    ok(w.get("posts") == 5 and w.get("max_bytes") == 128 << 20,
       "jetstream: the table holds the 5 posts left (128 MiB bound)", w)
    spam = tag(srv, "freecoins")
    ok(spam is not None and spam["posts"] == 0 and spam["accounts"] == 0,
       "jetstream: /tags/freecoins shows 0 posts, 0 accounts", spam)
    g = tag(srv, "garden")
    ok(g is not None and g["posts"] == 5 and g["reposts"] == 0 and g["accounts"] == 5,
       "jetstream: /tags/garden shows its own 5 posts", g)
    ok(g is not None and not any(c.get("tag") == "freecoins" and c.get("posts") for c in g["co_tags"]),
       "jetstream: garden's co-tags lose freecoins", g and g["co_tags"])
    st, _, net = srv.json("/api/groundswell/v1/network")
    ok(st == 200 and net["links"] == [], "jetstream: the spam replies leave the network", net and net["links"])
    st, _, net = srv.json("/api/groundswell/v1/network?tag=garden")
    ok(st == 200 and net["links"] == [], "jetstream: and garden's network", net and net["links"])
    st, _, prom = srv.req("/metrics")
    text = prom.decode()
    ok("groundswell_retracted_posts_total 31" in text and "groundswell_retractions_unresolved_total 1" in text,
       "jetstream: /metrics counts them", [x for x in text.splitlines() if "retract" in x])
    srv.stop()

    # --retract-window 0: deletes only counted
    srv = Server(d, "--source", path, "--input-format", "jetstream", "--retract-window", "0", name="js0")
    s = srv.wait(lambda s: s["lines"] >= n)
    ok(s is not None and s["retracted"] == 0 and s["retractions_unresolved"] == 32 and s["posts"] == 36,
       "--retract-window 0: deletes counted, nothing retracted", s)
    srv.stop()
    r = tap.run("serve", "--retract-window", "12", "--source", path)
    ok(r.returncode == 2 and "invalid --retract-window '12'" in r.stderr,
       "--retract-window: a bad size is refused", r.stderr)


def mastodon(d):
    def status(i, tags):
        return json.dumps({"id": "11000%d" % i, "created_at": "2024-05-29T16:26:4%dZ" % i,
                           "account": {"id": "9%d" % i, "acct": "fict%d" % i}, "content": "x",
                           "tags": [{"name": t} for t in tags]}, separators=(",", ":"))
    lines = [":)", ""]
    for i in range(3):
        lines += ["event: update", "data: " + status(i, ["spamtag"]), ""]
    for i in range(2):
        lines += ["event: delete", "data: 11000%d" % i, ""]
    lines += [": thump", ""]
    path = os.path.join(d, "masto.txt")
    n = write(path, lines)
    srv = Server(d, "--source", path, name="masto")
    s = srv.wait(lambda s: s["lines"] >= n)
    ok(s is not None and s["retracted"] == 2 and s["retractions_unresolved"] == 0 and s["posts"] == 1,
       "mastodon sse: 'event: delete' retracts 2 of 3 statuses", s or srv.stderr())
    t = tag(srv, "spamtag")
    ok(t is not None and t["posts"] == 1, "mastodon sse: /tags/spamtag shows 1 post", t)
    srv.stop()


def twitter(d):
    def tweet(i):
        return {"created_at": "Wed May 29 16:26:4%d +0000 2024" % i, "id_str": "5000%d" % i,
                "text": "#tw", "user": {"id_str": "7%d" % i, "screen_name": "fict%d" % i},
                "entities": {"hashtags": [{"text": "tw"}]}}
    lines = [tweet(i) for i in range(3)]
    lines.append({"delete": {"status": {"id": 50001, "id_str": "50001", "user_id": 71, "user_id_str": "71"}}})
    path = os.path.join(d, "tw.jsonl")
    n = write(path, lines)
    srv = Server(d, "--source", path, name="tw")
    s = srv.wait(lambda s: s["lines"] >= n)
    ok(s is not None and s["retracted"] == 1 and s["posts"] == 2,
       "twitter v1.1: a delete notice retracts its tweet", s or srv.stderr())
    srv.stop()


def restart(d):
    state = os.path.join(d, "state")
    path = os.path.join(d, "grow.jsonl")
    posts = [bsky_post("did:plc:spammer%d" % i, "3kz%d" % i, ["laterspam"], T0 + i * 1000) for i in range(4)]
    n = write(path, posts)
    srv = Server(d, "--source", path, "--state", state, name="st1")
    s = srv.wait(lambda s: s["lines"] >= n)
    ok(s is not None and s["posts"] == 4, "restart: 4 posts read", s or srv.stderr())
    srv.stop()
    with open(path, "a") as f:
        for i in range(3):
            f.write(json.dumps(bsky_delete("did:plc:spammer%d" % i, "3kz%d" % i, T0 + 9000 + i)) + "\n")
    srv = Server(d, "--source", path, "--state", state, name="st2")
    s = srv.wait(lambda s: s["lines"] >= n + 3)
    ok(s is not None and s["retracted"] == 3 and s["retractions_unresolved"] == 0 and s["posts"] == 1,
       "restart: the table was saved; deletes after a restart retract", s or srv.stderr())
    t = tag(srv, "laterspam")
    ok(t is not None and t["posts"] == 1, "restart: /tags/laterspam shows 1 post", t)
    srv.stop()


def real(d):
    """The real captures (tests/real/, when present): what their deletes
    retract, against an independent reading of the lines."""
    here = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "real")
    masto = os.path.join(here, "mastodon", "mastodonpy-stream.txt")
    if not os.path.exists(masto):
        tap.skip("real captures", "tests/real/ is not present")
        return
    updates, want = set(), [0, 0]
    event = None
    for line in open(masto, encoding="utf-8"):
        line = line.strip()
        if line.startswith("event:"):
            event = line[6:].strip()
        elif line.startswith("data:") and event == "update":
            updates.add(json.loads(line[5:])["id"])
        elif line.startswith("data:") and event == "delete":
            want[0 if line[5:].strip() in updates else 1] += 1
    nlines = sum(1 for _ in open(masto, encoding="utf-8"))
    srv = Server(d, "--source", masto, name="rmasto")
    s = srv.wait(lambda s: s["lines"] >= nlines)
    ok(s is not None and [s["retracted"], s["retractions_unresolved"]] == want and want[0] >= 1,
       "real mastodon capture: its delete retracts the status it names (%s)" % want, s or srv.stderr())
    srv.stop()
    for name in ("jetstream-corpus-expected.jsonl", "jetstream-subscribe-golden.jsonl"):
        path = os.path.join(here, "jetstream", name)
        seen, want, n = set(), [0, 0], 0
        for line in open(path, encoding="utf-8"):
            n += 1
            o = json.loads(line)
            c = o.get("commit") or {}
            coll = c.get("collection")
            if o.get("kind") != "commit" or coll not in ("app.bsky.feed.post", "app.bsky.feed.repost"):
                continue
            k = (o["did"], coll, c.get("rkey"))
            if c.get("operation") == "create":
                seen.add(k)
            elif c.get("operation") == "delete":
                want[0 if k in seen else 1] += 1
                seen.discard(k)
        srv = Server(d, "--source", path, name="rjs-" + name)
        s = srv.wait(lambda s: s["lines"] >= n)
        ok(s is not None and [s["retracted"], s["retractions_unresolved"]] == want,
           "real %s: retracted and unresolved %s" % (name, want), s or srv.stderr())
        srv.stop()


def main():
    with tempfile.TemporaryDirectory() as d:
        try:
            jetstream(d)
            mastodon(d)
            twitter(d)
            restart(d)
            real(d)
        finally:
            kill_all()
    tap.done()


if __name__ == "__main__":
    main()
