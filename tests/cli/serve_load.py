"""groundswell serve: expensive answers never wait for the ingest lock (TAP).

Issue 16, part 1. Every server binds 127.0.0.1 with port 0, every wait is
bounded, every server is killed at the end. The pipeline is made to hold
its write lock for 2 s by GS_SERVE_LOCK_PROBE=FILE (creating FILE makes the
next pipeline round remove it and hold the lock, as a slow batch would).
Checks:
  - /stats, /metrics, /tags/NAME, /network (json, gexf, tag=), /trends and
    the pages of /api/v1/trends/tags are answered within 0.5 s while the
    pipeline holds the lock (they used to take a read lock and wait);
  - every page of the trend list is cached: /metrics'
    groundswell_answer_builds_total{route="trends_tags"} does not move over
    repeated requests for offset=40 (the list used to be rebuilt per
    request beyond its first 40 entries);
  - 8 parallel identical network?format=gexf requests are built once;
  - more distinct heavy answers than the queue holds at once get 503 with
    Retry-After, the queued ones 200;
  - an answer over --max-answer is refused with 413 and a JSON error.
"""
import http.client
import json
import os
import re
import subprocess
import tempfile
import threading
import time
import calendar

import tap
from tap import BIN, ok

servers = []


class Server:
    def __init__(self, d, *args, name="srv", env=None):
        self.portfile = os.path.join(d, name + ".port")
        self.errfile = os.path.join(d, name + ".err")
        self.err = open(self.errfile, "ab")
        self.p = subprocess.Popen([BIN, "serve", "--listen", "127.0.0.1:0", "--port-file", self.portfile, *args],
                                  stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=self.err,
                                  env=dict(os.environ, **(env or {})))
        servers.append(self)
        self.port = tap.wait_port(self.p, self.portfile)

    def req(self, path, timeout=20):
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            c.request("GET", path)
            r = c.getresponse()
            data = r.read()
            return r.status, dict((k.lower(), v) for k, v in r.getheaders()), data
        finally:
            c.close()

    def stats(self):
        return json.loads(self.req("/api/groundswell/v1/stats")[2])

    def wait(self, cond, limit=60):
        deadline = time.time() + limit
        while time.time() < deadline and self.p.poll() is None:
            try:
                s = self.stats()
                if cond(s):
                    return s
            except (OSError, ValueError, http.client.HTTPException):
                pass
            time.sleep(0.1)
        return None

    def builds(self, route):
        text = self.req("/metrics")[2].decode()
        m = re.search(r'^groundswell_answer_builds_total\{route="%s"\} (\d+)$' % route, text, re.M)
        return int(m.group(1)) if m else None

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


def many_trends(path):
    """52 hours of background and 60 tags, each with a history, bursting
    three an hour over the last day: 60 trend events (more than the 40
    entries of the list once cached), all recent. Background posts mention
    another account (a network of 100 accounts)."""
    base = 1507852800
    ev = []
    for h in range(52):
        for k in range(100):
            ev.append((base + h * 3600 + k * 30, k, "bg%d" % (k % 10)))
        for i in range(60):
            ev.append((base + h * 3600 + 1200 + i, 500 + i, "burst%d" % i))
    for i in range(60):
        h = 30 + i // 3
        for a in range(30):
            ev.append((base + h * 3600 + a * 60 + i, 1000 + a * 100 + i, "burst%d" % i))
    ev.sort()
    with open(path, "w") as f:
        for n, (t, u, tag) in enumerate(ev):
            f.write(json.dumps({"id_str": str(n + 1),
                                "created_at": time.strftime("%a %b %d %H:%M:%S +0000 %Y", time.gmtime(t)),
                                "text": "#" + tag, "user": {"id_str": "u%d" % u, "screen_name": "u%d" % u},
                                "entities": {"hashtags": [{"text": tag}],
                                             "user_mentions": [{"id_str": "u%d" % ((u + 1) % 100),
                                                                "screen_name": "u%d" % ((u + 1) % 100)}]
                                             if u < 100 else []}}) + "\n")
    return len(ev)


def parallel(fn, args):
    """fn(arg) for every arg at once; returns [(result, seconds)]."""
    out = [None] * len(args)

    def one(i):
        t = time.time()
        try:
            r = fn(args[i])
        except Exception as e:  # a timeout or a reset: reported as such
            r = e
        out[i] = (r, time.time() - t)
    th = [threading.Thread(target=one, args=(i,)) for i in range(len(args))]
    for t in th:
        t.start()
    for t in th:
        t.join(60)
    return out


def hold(srv, probe):
    """Has the pipeline hold its lock (2 s): True once it has begun."""
    open(probe, "w").close()
    deadline = time.time() + 5
    while os.path.exists(probe) and time.time() < deadline:
        time.sleep(0.01)
    return not os.path.exists(probe)


def main(d):
    data = os.path.join(d, "many.jsonl")
    nl = many_trends(data)
    probe = os.path.join(d, "probe")
    env = {"GS_SERVE_LOCK_PROBE": probe}
    srv = Server(d, "--source", data, "--close-idle", "1s", name="main", env=env)
    ok(srv.port is not None, "serve starts")
    if srv.port is None:
        return
    st = srv.wait(lambda s: s["lines"] == nl and s["idle_closed"])
    ok(st is not None, "the file is read and its buckets closed")

    # every page of the trend list is cached
    st_, _, body = srv.req("/api/v1/trends/tags?offset=40")
    page = json.loads(body) if st_ == 200 else None
    ok(page is not None and len(page) == 10, "offset=40 is a full page of the 60 trends", (st_, body[:200]))
    b0 = srv.builds("trends_tags")
    for _ in range(5):
        srv.req("/api/v1/trends/tags?offset=40")
        srv.req("/api/v1/trends/tags?offset=50&limit=5")
    b1 = srv.builds("trends_tags")
    ok(b0 is not None and b0 == b1, "pages beyond the first 40 entries are served from the cache, not rebuilt",
       (b0, b1))
    again = json.loads(srv.req("/api/v1/trends/tags?offset=40")[2])
    ok(again == page, "and the cached page is the same")

    # answered while the pipeline holds the lock
    paths = ["/api/groundswell/v1/stats", "/metrics", "/api/groundswell/v1/tags/burst7",
             "/api/groundswell/v1/network", "/api/groundswell/v1/network?format=gexf",
             "/api/groundswell/v1/network?tag=burst7", "/api/groundswell/v1/trends",
             "/api/v1/trends/tags", "/api/v1/trends/tags?offset=40"]
    warm = [srv.req(p)[0] for p in paths]  # cached as of the last batch
    ok(warm == [200] * len(paths), "every endpoint answers", warm)
    held = hold(srv, probe)
    ok(held, "GS_SERVE_LOCK_PROBE: the pipeline takes the lock and holds it")
    res = parallel(lambda p: srv.req(p, timeout=5)[0], paths) if held else []
    slow = [(p, r, round(t, 2)) for p, (r, t) in zip(paths, res) if r != 200 or t > 0.5]
    ok(held and not slow, "while it holds the lock (2 s) every endpoint answers within 0.5 s "
       "(stats, metrics, tags/NAME, network json/gexf/tag=, trends, trend list pages)", slow)
    time.sleep(2.2)

    # identical requests share one build
    g0 = srv.builds("network")
    res = parallel(lambda p: srv.req(p)[0], ["/api/groundswell/v1/network?format=gexf&top_nodes=7"] * 8)
    g1 = srv.builds("network")
    ok([r for r, _ in res] == [200] * 8 and g0 is not None and g1 == g0 + 1,
       "8 parallel identical network?format=gexf requests: one answer built, shared", (res, g0, g1))

    # beyond the queue of heavy answers: 503 with Retry-After
    held = hold(srv, probe)
    qs = ["/api/groundswell/v1/network?top_nodes=%d" % k for k in range(1, 8)]
    res = parallel(lambda p: srv.req(p, timeout=10), qs) if held else []
    codes = sorted(r[0] for r, _ in res if isinstance(r, tuple))
    busy = [r for r, _ in res if isinstance(r, tuple) and r[0] == 503]
    ok(held and codes == [200] * 4 + [503] * 3, "7 distinct /network answers while the pipeline is held: "
       "4 queued (200 once it is free), 3 refused (503)", (held, codes, [r for r, _ in res if not isinstance(r, tuple)]))
    ok(busy and all(r[1].get("retry-after") == "1" and "error" in json.loads(r[2]) for r in busy),
       "the 503s carry Retry-After and a JSON error", busy[:1])
    text = srv.req("/metrics")[2].decode()
    m = re.search(r"^groundswell_answers_refused_total (\d+)$", text, re.M)
    ok(m and int(m.group(1)) == 3, "/metrics counts them", m and m.group(0))
    ok(srv.stop() == 0, "it stops cleanly")

    # over --max-answer: 413
    small = Server(d, "--source", data, "--close-idle", "1s", "--max-answer", "2K", name="small")
    ok(small.port is not None, "serve --max-answer 2K starts", open(small.errfile).read())
    if small.port is None:
        return
    small.wait(lambda s: s["lines"] == nl and s["idle_closed"])
    st_, h, body = small.req("/api/groundswell/v1/network?format=gexf")
    err = json.loads(body) if st_ == 413 else {}
    ok(st_ == 413 and "--max-answer" in err.get("error", "") and h.get("content-type", "").startswith("application/json"),
       "a network answer over --max-answer is refused with 413 and a JSON error", (st_, body[:300]))
    st_, _, body = small.req("/api/groundswell/v1/network?format=csv&top_nodes=2")
    ok(st_ == 200 and len(body) <= 2048, "a small one is served", (st_, len(body)))
    text = small.req("/metrics")[2].decode()
    ok(re.search(r"^groundswell_answers_too_large_total 1$", text, re.M), "/metrics counts the refusal")
    ok(small.stop() == 0, "it stops cleanly")


with tempfile.TemporaryDirectory() as d:
    try:
        main(d)
    except Exception:
        import traceback
        ok(False, "the test ran to its end", traceback.format_exc())
    finally:
        for s in servers:
            if s.p.poll() is None:
                s.p.kill()
                s.p.wait()

tap.done()
