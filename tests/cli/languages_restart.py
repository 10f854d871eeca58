"""serve --by-language across a restart (issue 13: "per-language trends,
batch and live, with identical answers"; docs/languages.md) (TAP).

A generated 48-hour stream (Twitter v1.1 lines, fictional accounts) in
which #music trends in Portuguese only, from hour 30 (as languages.py).
serve --by-language --state reads the first 32 hours of it and stops
(SIGTERM: a snapshot); the rest is appended to the same file and serve
restarts from the snapshot: /trends?language=pt, the Mastodon list and
/languages must be what an uninterrupted run answers, and the restart
must not say the languages start empty. A snapshot written without
--by-language still loads under it (the languages then start empty, said
in the log), and one written with it loads without it (dropped, said).
"""
import json
import os
import random
import shutil
import signal
import subprocess
import tempfile
import time
import urllib.error
import urllib.request

import tap
from tap import BIN, ok, done

T0 = 1507852800000  # 2017-10-13T00:00:00Z
HOUR = 3600000
CUT_HOUR = 32


def lines_of_stream():
    """[(hour, line)] in time order."""
    rnd = random.Random(13)
    out = []
    n = [1000]

    def post(h, ms, tags, user, lang):
        d = {"timestamp_ms": str(ms), "id_str": str(n[0]),
             "text": " ".join("#" + t for t in tags),
             "user": {"id_str": user},
             "entities": {"hashtags": [{"text": t} for t in tags], "user_mentions": []}}
        if lang is not None:
            d["lang"] = lang
        n[0] += 1
        out.append((h, json.dumps(d, separators=(",", ":")) + "\n"))

    steady = ["news", "sports", "weather", "tech", "food"]
    for h in range(48):
        rows = []
        for j in range(rnd.randint(180, 220)):
            rows.append((rnd.randrange(HOUR), [steady[j % 5]], "en%d" % rnd.randrange(3000), "en"))
        for j in range(rnd.randint(90, 110)):
            rows.append((rnd.randrange(HOUR), ["music"], "en%d" % rnd.randrange(3000), "en"))
        for j in range(rnd.randint(70, 90)):
            lang = ("pt", "pt-BR", "PT")[j % 3]
            rows.append((rnd.randrange(HOUR), [("bomdia", "futebol")[j % 2]],
                         "pt%d" % rnd.randrange(800), lang))
        for j in range(rnd.randint(40, 60)):
            rows.append((rnd.randrange(HOUR), ["hola"], "es%d" % rnd.randrange(500), "es"))
        rows.append((rnd.randrange(HOUR), ["news"], "x%d" % h, None))
        if 30 <= h <= 35:
            for j in range(35 + 3 * (h - 30)):
                rows.append((rnd.randrange(HOUR), ["music"], "ptm%d_%d" % (h, j), "pt"))
        rows.sort(key=lambda r: r[0])
        for ms, tags, user, lang in rows:
            post(h, T0 + h * HOUR + ms, tags, user, lang)
    return out


def get(port, path):
    try:
        with urllib.request.urlopen("http://127.0.0.1:%d%s" % (port, path), timeout=20) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


class Serve:
    def __init__(self, d, name, *args):
        self.portfile = os.path.join(d, name + ".port")
        self.errpath = os.path.join(d, name + ".err")
        self.err = open(self.errpath, "wb")
        self.p = subprocess.Popen([BIN, "serve", "--listen", "127.0.0.1:0", "--port-file",
                                   self.portfile, "--close-idle", "1s", *args],
                                  stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                  stderr=self.err)
        self.port = tap.wait_port(self.p, self.portfile)

    def stats(self):
        s, b = get(self.port, "/api/groundswell/v1/stats")
        return json.loads(b) if s == 200 else {}

    def wait(self, lines, limit=120):
        """Until every line is read and the buckets closed."""
        end = time.time() + limit
        while time.time() < end:
            st = self.stats()
            if st.get("lines") == lines and st.get("idle_closed"):
                return True
            time.sleep(0.2)
        return False

    def answers(self):
        """The answers, the server's own address (in Mastodon's urls) left out."""
        host = b"127.0.0.1:%d" % self.port
        return [(s, b.replace(host, b"HOST")) for s, b in (get(self.port, p) for p in (
            "/api/groundswell/v1/trends?language=pt",
            "/api/groundswell/v1/trends?language=en",
            "/api/v1/trends/tags?language=pt&limit=20",
            "/api/groundswell/v1/languages"))]

    def stop(self):
        self.p.send_signal(signal.SIGTERM)
        try:
            rc = self.p.wait(30)
        except subprocess.TimeoutExpired:
            self.p.kill()
            rc = self.p.wait()
        self.err.close()
        return rc

    def log(self):
        return open(self.errpath, encoding="utf-8", errors="replace").read()


def main(d):
    rows = lines_of_stream()
    first = [l for h, l in rows if h < CUT_HOUR]
    rest = [l for h, l in rows if h >= CUT_HOUR]
    whole = os.path.join(d, "whole.jsonl")
    with open(whole, "w") as f:
        f.writelines(first + rest)

    # uninterrupted
    a = Serve(d, "a", "--by-language", "--source", whole)
    if not ok(a.port is not None and a.wait(len(rows)), "an uninterrupted serve --by-language"):
        a.stop()
        return
    want = a.answers()
    a.stop()
    pt = json.loads(want[0][1]) if want[0][0] == 200 else []
    ok(any(e["tag"] == "music" for e in pt), "#music trends in Portuguese", pt)

    # the first 32 hours, a snapshot, the rest, a restart
    src = os.path.join(d, "live.jsonl")
    state = os.path.join(d, "state")
    with open(src, "w") as f:
        f.writelines(first)
    b = Serve(d, "b", "--by-language", "--state", state, "--source", src)
    ok(b.port is not None and b.wait(len(first)), "serve --by-language --state reads 32 hours")
    ok(b.stop() == 0 and os.path.exists(os.path.join(state, "state.snap")),
       "it stops, leaving a snapshot")
    with open(os.path.join(state, "state.snap"), "rb") as f:
        blob = f.read()
    ok(b"GSLA" in blob and b"GSTL" in blob, "the snapshot holds the languages' sections")
    with open(src, "a") as f:
        f.writelines(rest)
    c = Serve(d, "c", "--by-language", "--state", state, "--source", src)
    ok(c.port is not None and c.wait(len(rows)), "restarted from it, serve reads the rest")
    got = c.answers()
    c.stop()
    names = ["/trends?language=pt", "/trends?language=en", "Mastodon's ?language=pt",
             "/languages"]
    for n, x, y in zip(names, got, want):
        ok(x == y, f"after the restart, {n} is the uninterrupted run's answer",
           (x[1][:600], y[1][:600]))
    ok("start empty" not in c.log(), "the restart does not say the languages start empty",
       c.log()[-1500:])

    # an older snapshot (no languages): loads, said; languages dropped: said
    plain = os.path.join(d, "plain")
    p = Serve(d, "p", "--state", plain, "--source", src)
    ok(p.port is not None and p.wait(len(rows)), "serve without --by-language --state")
    p.stop()
    q = Serve(d, "q", "--by-language", "--state", plain, "--source", src)
    ok(q.port is not None and q.wait(len(rows)) and "per-language counts start empty" in q.log(),
       "a snapshot without languages loads under --by-language, which says they start empty",
       q.log()[-1500:])
    q.stop()
    r = Serve(d, "r", "--state", state, "--source", src)
    ok(r.port is not None and r.wait(len(rows)) and "are dropped" in r.log(),
       "a snapshot with languages loads without --by-language, saying they are dropped",
       r.log()[-1500:])
    r.stop()


d = tempfile.mkdtemp()
try:
    main(d)
finally:
    shutil.rmtree(d, ignore_errors=True)
done()
