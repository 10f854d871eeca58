#!/usr/bin/env python3
"""The filters (issue 12, part 2; part 5's --exclude-ids) on the real
binary: --since/--until (a time excluded, a date to the end of its day),
--lang, --accounts/--exclude-accounts (ids and handles), --exclude-ids
(ids, a twarc2 compliance-job result, at:// URIs, and reposts of them).

On generated files of every format and on the real corpus (tests/real/,
skipped when absent), groundswell's numbers are compared with an
independent count: tests/real/count.py decides what is a post, and each
post's language, handle, id and reposted id are read here from the JSON
as the platforms document them. Then: the summaries of report (text,
JSON, HTML), tag, network; a filter that leaves no post exits 4 saying
so; invalid values are usage errors naming the option (exit 2); serve's
/stats and /metrics count what the filters left out. All accounts and
posts written here are fictional.
"""

import collections
import datetime
import http.client
import json
import os
import re
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "tests", "real"))

import count  # noqa: E402  (tests/real/count.py)
import tap  # noqa: E402
from tap import BIN, ok, run  # noqa: E402

REASONS = ("since", "until", "lang", "accounts", "exclude_accounts")
WINDOW_FROM_MS = 1142899200000  # --window-from's default, 2006-03-21


# ---- an independent reading of what the filters look at ----------------

class P(count.Post):
    """count.py's post, with what the filters look at."""
    __slots__ = ("langs", "handle", "pid", "of")


count.Post = P


def _str(v):
    return v if isinstance(v, str) and v else None


def _extra(p, langs, handle, pid, of):
    p.langs = [x for x in langs if _str(x)]
    p.handle = _str(handle)
    p.pid = _str(pid)
    p.of = _str(of)
    return p


_v1, _v2, _masto, _js = count.v1_post, count.v2_post, count.masto_post, count.Jetstream.line


def v1_post(t):
    rs = t.get("retweeted_status")
    of = rs.get("id_str") if isinstance(rs, dict) else None
    return _extra(_v1(t), [t.get("lang")], t["user"].get("screen_name"), t.get("id_str"), of)


def v2_post(t, inc):
    refs = t.get("referenced_tweets") if isinstance(t.get("referenced_tweets"), list) else []
    rt = next((r for r in refs if isinstance(r, dict) and r.get("type") == "retweeted"), None)
    # v2 handles (includes.users) are another part's: not compared here
    return _extra(_v2(t, inc), [t.get("lang")], None, t.get("id"), rt.get("id") if rt else None)


def masto_post(s):
    rb = s.get("reblog")
    lang = s.get("language")
    if not _str(lang) and isinstance(rb, dict):  # a reblog's is null: the status's
        lang = rb.get("language")
    return _extra(_masto(s), [lang], s["account"].get("acct"), s.get("id"),
                  rb.get("id") if isinstance(rb, dict) else None)


def js_line(self, o):
    p = _js(self, o)
    if p is None:
        return None
    c = o["commit"]
    rec = c.get("record") or {}
    langs = rec.get("langs") if isinstance(rec.get("langs"), list) else []
    langs = [x for x in langs if _str(x)][:3]
    pid = "%s/%s/%s" % (o.get("did"), c.get("collection"), c.get("rkey"))
    of = None
    if p.repost:
        subj = rec.get("subject")
        uri = subj.get("uri") if isinstance(subj, dict) else None
        of = uri[5:] if isinstance(uri, str) and uri.startswith("at://") else None
    return _extra(p, langs, None, pid, of)


count.v1_post, count.v2_post, count.masto_post, count.Jetstream.line = v1_post, v2_post, masto_post, js_line

_posts = []
_add = count.Counts.add


def _collect(self, p):
    _posts.append(p)
    _add(self, p)


count.Counts.add = _collect


def posts_of(paths):
    """The posts of files, as count.py reads them, with the extra fields."""
    del _posts[:]
    for path in paths:
        count.count_file(path)
    return list(_posts)


# ---- helpers -----------------------------------------------------------

def rfc(ms):
    return datetime.datetime.fromtimestamp(ms // 1000, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def summary(args, expect_rc=(0,)):
    r = run("report", "--json", "--top", "0", *args)
    if r.returncode not in expect_rc:
        return None, r
    try:
        return json.loads(r.stdout)["summary"], r
    except ValueError:
        return None, r


def lang_match(langs, code):
    return any(x.lower() == code or x.lower().startswith(code + "-") for x in langs)


def check_file(d, path, label):
    """Every filter on files (one run for all: the filters look at each
    post alone) against the independent count."""
    posts = posts_of(path)
    now_ms = int(time.time() * 1000) + 86400000
    posts = [p for p in posts if WINDOW_FROM_MS <= p.time_us // 1000 <= now_ms]
    n = len(posts)
    base, r = summary(path, (0, 4))
    if not ok(base is not None and base["posts"] == n, f"{label}: {n} posts without a filter",
              (base and base["posts"], r.stderr[-300:])):
        return
    if n < 3:
        return
    diffs = []

    # --since / --until, times: since included, until excluded
    ts = sorted(p.time_us // 1000 for p in posts)
    since = ts[n // 3] // 1000 * 1000
    until = ts[2 * n // 3] // 1000 * 1000
    if until <= since:
        until = since + 1000
    want = sum(since <= t < until for t in ts)
    s, r = summary(["--since", rfc(since), "--until", rfc(until), *path], (0, 4))
    if not s or s["posts"] != want or s["filtered"]["since"] != sum(t < since for t in ts) \
            or s["filtered"]["until"] != sum(t >= until for t in ts):
        diffs.append(f"--since {rfc(since)} --until {rfc(until)}: want {want} "
                     f"({sum(t < since for t in ts)} before, {sum(t >= until for t in ts)} from until), got "
                     f"{s and (s['posts'], s['filtered'])} {r.stderr[-200:]}")

    # --since DATE --until DATE: that whole day
    day = rfc(ts[n // 2])[:10]
    d0 = int(datetime.datetime.strptime(day, "%Y-%m-%d").replace(tzinfo=datetime.timezone.utc).timestamp()) * 1000
    want = sum(d0 <= t < d0 + 86400000 for t in ts)
    s, r = summary(["--since", day, "--until", day, *path], (0, 4))
    if not s or s["posts"] != want:
        diffs.append(f"--since {day} --until {day}: want {want}, got {s and s['posts']}")

    # --lang: the most used language's primary subtag
    langs = collections.Counter(p.langs[0].split("-")[0].lower() for p in posts if p.langs)
    if langs:
        code = langs.most_common(1)[0][0]
        want = sum(lang_match(p.langs, code) for p in posts)
        s, r = summary(["--lang", code.upper(), *path], (0, 4))
        if not s or s["posts"] != want or s["filtered"]["lang"] != n - want:
            diffs.append(f"--lang {code}: want {want}, got {s and (s['posts'], s['filtered'])}")

    # --accounts / --exclude-accounts: the two busiest authors, by id
    authors = collections.Counter(p.author for p in posts)
    top = [a for a, _ in authors.most_common(2)]
    want = sum(authors[a] for a in top)
    lst = os.path.join(d, "accounts")
    with open(lst, "w") as f:
        f.write("# the study's accounts\n\n" + "".join(f"{a}  # busy\n" for a in top))
    s, r = summary(["--accounts", lst, *path], (0, 4))
    if not s or s["posts"] != want or s["filtered"]["accounts"] != n - want:
        diffs.append(f"--accounts {top}: want {want}, got {s and (s['posts'], s['filtered'])}")
    s, r = summary(["--exclude-accounts", lst, *path], (0, 4))
    if not s or s["posts"] != n - want or s["filtered"]["exclude_accounts"] != want:
        diffs.append(f"--exclude-accounts {top}: want {n - want}, got {s and (s['posts'], s['filtered'])}")

    # ... and by handle, '@' and another case (v1.1 screen_name, Mastodon acct)
    handles = collections.Counter(p.handle.lower() for p in posts if p.handle)
    if handles:
        h = handles.most_common(1)[0][0]
        with open(lst, "w") as f:
            f.write("@" + h.upper() + "\n")
        want = handles[h]
        s, r = summary(["--accounts", lst, *path], (0, 4))
        if not s or s["posts"] != want:
            diffs.append(f"--accounts @{h.upper()}: want {want}, got {s and s['posts']}")

    # --exclude-ids: the most reposted posts (else the first), and reposts of them
    reposted = collections.Counter(p.of for p in posts if p.of)
    ids = [i for i, _ in reposted.most_common(3)] or [p.pid for p in posts if p.pid][:3]
    want = sum(p.pid in ids or p.of in ids for p in posts)
    with open(lst, "w") as f:
        for i in ids:
            f.write(("at://" + i if "/app.bsky." in i else i) + "\n")
    s, r = summary(["--exclude-ids", lst, *path], (0, 4))
    if not s or s["excluded"] != want or s["posts"] != n - want:
        diffs.append(f"--exclude-ids {ids}: want {want} excluded, got {s and (s['posts'], s['excluded'])}")
    ok(not diffs, f"{label}: --since/--until (times, dates), --lang, --accounts (ids, handles), "
       "--exclude-accounts, --exclude-ids as counted independently", "\n".join(diffs))


def corpus_files():
    files = []
    for fmt in ("twitter1", "twitter2", "jetstream", "mastodon"):
        sub = os.path.join(ROOT, "tests", "real", fmt)
        if os.path.isdir(sub):
            files += [os.path.join(sub, f) for f in sorted(os.listdir(sub))
                      if re.search(r"\.(jsonl|txt)(\.gz)?$", f)]
    return files


# ---- synthetic posts for the exact checks ------------------------------

def tweet(i, t, lang, uid, name, rt=None):
    o = {"created_at": time.strftime("%a %b %d %H:%M:%S +0000 %Y", time.gmtime(t)),
         "id_str": str(9000 + i), "text": "#Fict", "lang": lang,
         "user": {"id": int(uid), "id_str": uid, "name": "N", "screen_name": name},
         "entities": {"hashtags": [{"text": "Fict"}], "user_mentions": []}}
    if rt:
        o["retweeted_status"] = rt
    return o


T0 = 1508025600  # 2017-10-15T00:00:00Z


def synthetic(d):
    """Ten fictional tweets over two days: 0-4 on the 15th (20:00 + i
    minutes), 5-9 on the 16th; 3 is in French, 7 in en-GB; 8 retweets 1."""
    lines = []
    for i in range(10):
        t = T0 + (0 if i < 5 else 86400) + 72000 + i * 60
        lang = "fr" if i == 3 else "en-GB" if i == 7 else "en"
        uid, name = (str(100 + i % 3), f"Fict_{i % 3}")
        rt = lines[1] if i == 8 else None
        lines.append(tweet(i, t, lang, uid, name, rt))
    path = os.path.join(d, "syn.jsonl")
    with open(path, "w") as f:
        f.write("".join(json.dumps(o) + "\n" for o in lines))
    return path


def exact_checks(d, syn):
    s, _ = summary(["--since", "2017-10-16", syn])
    ok(s and s["posts"] == 5 and s["filtered"]["since"] == 5, "--since a date: from its start", s)
    s, _ = summary(["--until", "2017-10-15", syn])
    ok(s and s["posts"] == 5 and s["filtered"]["until"] == 5,
       "--until a date: to the end of that day (the 15th's five)", s)
    s, _ = summary(["--until", "2017-10-15T20:02:00Z", syn])
    ok(s and s["posts"] == 2, "--until a time: that time excluded (20:00 and 20:01 only)", s)
    s, _ = summary(["--since", "2017-10-15T20:02:00Z", "--until", "2017-10-15T20:04:00Z", syn])
    ok(s and s["posts"] == 2, "--since a time included, --until excluded: ranges chain", s)
    s, _ = summary(["--window-from", "2017-10-15T20:03:00Z", "--since", "2017-10-15T20:01:00Z",
                    "--until", "2017-10-16T00:00:00Z", syn])
    ok(s and s["posts"] == 2 and s["out_of_window"] == 3 and s["filtered"]["since"] == 0
       and s["filtered"]["until"] == 5,
       "the window first (out_of_window), then the filters, each post counted once", s)
    s, _ = summary(["--lang", "en", syn])
    ok(s and s["posts"] == 9 and s["filtered"]["lang"] == 1, "--lang en takes en-GB, not fr", s)
    s, _ = summary(["--lang", "en-gb,fr", syn])
    ok(s and s["posts"] == 2, "--lang en-gb,fr: a list, case-insensitive", s)
    acc = os.path.join(d, "acc")
    with open(acc, "w") as f:
        f.write("@fict_0\n101\n")
    s, _ = summary(["--accounts", acc, syn])
    ok(s and s["posts"] == 7 and s["filtered"]["accounts"] == 3,
       "--accounts: a handle and an id (the retweet is its retweeter's)", s)
    s, _ = summary(["--exclude-accounts", acc, syn])
    ok(s and s["posts"] == 3 and s["filtered"]["exclude_accounts"] == 7, "--exclude-accounts", s)
    ids = os.path.join(d, "ids")
    with open(ids, "w") as f:
        f.write('{"id": "9001", "action": "delete", "created_at": "2017-10-15T20:01:00.000Z", '
                '"redacted_at": "2020-01-01T00:00:00.000Z", "reason": "deleted"}\n9004\n')
    s, _ = summary(["--exclude-ids", ids, syn])
    ok(s and s["posts"] == 7 and s["excluded"] == 3,
       "--exclude-ids (a compliance-job line and an id): the posts and the retweet of one", s)

    # the summaries
    r = run("report", "--lang", "en", "--exclude-ids", ids, syn)
    ok(r.returncode == 0 and "1 post filtered out (--lang: 1), 3 excluded (--exclude-ids)" in r.stdout,
       "report's text summary says what the filters left out", r.stdout[:400])
    html = os.path.join(d, "r.html")
    r = run("report", "--lang", "en", "--html", html, syn)
    ok(r.returncode == 0 and "1 post filtered out (--lang: 1)" in open(html).read(),
       "report --html says it too")
    r = run("tag", "Fict", "--lang", "fr", syn)
    ok(r.returncode == 0 and "left out   9 posts filtered out (--lang: 9)" in r.stdout,
       "tag says it", r.stdout[:300])
    r = run("network", "-F", "json", "--exclude-ids", ids, syn)
    try:
        ns = json.loads(r.stdout)["summary"]
    except ValueError:
        ns = None
    ok(ns and ns["excluded"] == 3 and ns["filtered"]["lang"] == 0, "network's JSON summary", ns)
    r = run("network", "-F", "summary", "--since", "2017-10-16", syn)
    ok("filtered   5 posts (--since: 5)" in r.stdout, "network's summary", r.stdout[:300])
    r = run("trends", "--json", "--lang", "en", syn)
    ok(r.returncode == 0, "trends takes the filters", r.stderr[-300:])
    r = run("trends", "--live", "--lang", "en", syn)
    ok(r.returncode == 0, "trends --live takes the filters", r.stderr[-300:])

    # never silent; usage errors name the option
    r = run("report", "--lang", "de", syn)
    ok(r.returncode == 4 and "no post left: 10 posts read, 10 posts filtered out (--lang: 10)" in r.stderr,
       "filters that leave no post: said, exit 4", (r.returncode, r.stderr))
    bad = [(["--since", "yesterday"], "invalid --since 'yesterday'"),
           (["--until", "2017-13-01"], "invalid --until '2017-13-01'"),
           (["--since", "2017-10-16", "--until", "2017-10-15"], "--since '2017-10-16' is not before --until '2017-10-15'"),
           (["--lang", "en,"], "invalid --lang 'en,'"),
           (["--accounts", os.path.join(d, "missing")], "--accounts: cannot read '"),
           (["--exclude-ids", os.devnull], "--exclude-ids: '/dev/null' lists no id"),
           (["--exclude-accounts", ids], "more than one entry")]
    for args, msg in bad:
        r = run("report", *args, syn)
        ok(r.returncode == 2 and msg in r.stderr, f"usage error: {' '.join(args)}", (r.returncode, r.stderr))


# ---- serve --------------------------------------------------------------

def get(port, path):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        c.request("GET", path)
        r = c.getresponse()
        return r.status, r.read().decode()
    finally:
        c.close()


def serve_checks(d, syn, ids):
    portfile = os.path.join(d, "port")
    err = open(os.path.join(d, "serve.err"), "wb")
    p = subprocess.Popen([BIN, "serve", "--listen", "127.0.0.1:0", "--port-file", portfile,
                          "--source", syn, "--lang", "en", "--exclude-ids", ids],
                         stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=err)
    try:
        port = tap.wait_port(p, portfile)
        if not ok(port is not None, "serve with filters starts"):
            return
        st = None
        deadline = time.time() + 20
        while time.time() < deadline:
            code, body = get(port, "/api/groundswell/v1/stats")
            st = json.loads(body) if code == 200 else None
            if st and st.get("excluded") == 3:
                break
            time.sleep(0.2)
        ok(st and st["filtered"]["lang"] == 1 and st["excluded"] == 3 and st["posts"] == 6,
           "/stats counts what the filters left out", st and {k: st.get(k) for k in ("posts", "filtered", "excluded")})
        code, body = get(port, "/metrics")
        ok(code == 200 and 'groundswell_filtered_posts_total{reason="lang"} 1' in body
           and "groundswell_excluded_posts_total 3" in body, "/metrics too",
           "\n".join(x for x in body.splitlines() if "filtered" in x or "excluded" in x))
    finally:
        p.terminate()
        try:
            p.wait(20)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
        err.close()
    log = open(os.path.join(d, "serve.err"), errors="replace").read()
    ok(p.returncode == 0 and "Sanitizer" not in log, "serve with filters stops cleanly (no leak)",
       (p.returncode, log[-1500:]))
    r = run("serve", "--source", syn, "--lang", "x_y")
    ok(r.returncode == 2 and "invalid --lang 'x_y'" in r.stderr, "serve: an invalid filter is a usage error",
       r.stderr)


def main(d):
    syn = synthetic(d)
    exact_checks(d, syn)
    serve_checks(d, syn, os.path.join(d, "ids"))
    for fmt in ("twitter1", "twitter2-flat", "jetstream", "mastodon"):
        path = os.path.join(d, f"gen-{fmt}.jsonl")
        g = run("generate", "--seed", "3", "--hours", "30", "--rate", "0.05", "-f", fmt, "-o", path)
        if ok(g.returncode == 0, f"generate -f {fmt}", g.stderr):
            check_file(d, [path], f"generated {fmt}")
    files = corpus_files()
    if not files:
        tap.skip("real files", "no corpus in tests/real/ (tests/real/README.md)")
    for fmt in ("twitter1", "twitter2", "jetstream", "mastodon"):
        group = [f for f in files if f"/{fmt}/" in f]
        if group:
            check_file(d, group, f"real {fmt} ({len(group)} files)")


with tempfile.TemporaryDirectory() as d:
    main(d)
tap.done()
