#!/usr/bin/env python3
"""report --timeline, --tags and --tag (issue 12 parts 2 and 3; TAP).

- Generated streams (four formats) against their truth and against an
  independent count (tests/real/count.py, counting per bucket here): every
  (bucket, tag) row's posts, originals, reposts and replies exactly,
  distinct accounts exactly where the row says they are exact, else within
  the stated error; every tag's rows add up to its truth; the grid is dense
  (every tag has a row for every bucket from the input's first to its
  last).
- The real archives of tests/real (when present) against the same
  independent count, per hour (per day for those spanning years).
- CSV and JSON say the same; --threads 1, 2 and 3 and a pseudonymisation
  key give the same bytes (a file big enough to be split).
- Expected outputs of the golden samples (tests/golden/timeline/;
  GS_UPDATE_GOLDEN=1 rewrites them from the binary: review the diff).
- --tags FILE and --tag T: any spelling, comments, a tag never used (a row
  of zeros, said on stderr), the ranking order, and the usage errors.
"""
import csv
import io
import json
import os
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "tests", "real"))

import count  # noqa: E402  (tests/real/count.py)
from tap import done, ok, run, run_bytes  # noqa: E402

GOLDEN = os.path.join(ROOT, "tests", "golden")
EXP = os.path.join(GOLDEN, "timeline")
UPDATE = os.environ.get("GS_UPDATE_GOLDEN") == "1"


class BucketCounts(count.Counts):
    """count.py's counter, also per (tag, bucket): posts, reposts, replies
    and the set of authors; and the input's first and last post."""
    width_ms = 3600000

    def __init__(self):
        super().__init__()
        self.tl = {}
        self.tmin = self.tmax = None

    def add(self, p):
        super().add(p)
        ms = p.time_us // 1000
        self.tmin = ms if self.tmin is None else min(self.tmin, ms)
        self.tmax = ms if self.tmax is None else max(self.tmax, ms)
        b = ms // self.width_ms * self.width_ms
        for key in {count.tag_key(t) for t in p.tags}:
            if key == "":
                continue
            e = self.tl.setdefault((key, b), [0, 0, 0, set()])
            e[0] += 1
            e[1] += p.repost
            e[2] += p.reply
            e[3].add(p.author)

    def result(self, name):
        r = super().result(name)
        r["timeline"] = self.tl
        r["tmin"], r["tmax"] = self.tmin, self.tmax
        return r


count.Counts = BucketCounts


def ms_of(s):
    return count.iso_to_us(s) // 1000


def check_rows(what, rows, ref, width_ms):
    """rows: the JSON rows of report --timeline --json --top 0."""
    bad = []
    got = {}
    for r in rows:
        got[(r["tag"], ms_of(r["time"]))] = r
    for (key, b), (posts, reposts, replies, acc) in ref["timeline"].items():
        r = got.get((key, b))
        if r is None:
            bad.append(("missing row", key, b, posts))
            continue
        want = {"posts": posts, "originals": posts - reposts,
                "reposts": reposts, "replies": replies}
        for f, v in want.items():
            if r[f] != v:
                bad.append((key, r["time"], f, v, r[f]))
        n = len(acc)
        e = r["accounts_error"]
        if (e == 0 and r["accounts"] != n) or \
                (e > 0 and abs(r["accounts"] - n) > max(4 * e * n, 1)):
            bad.append((key, r["time"], "accounts", n, r["accounts"], e))
    for (key, b), r in got.items():
        if r["posts"] and (key, b) not in ref["timeline"]:
            bad.append(("extra row", key, r["time"], r["posts"]))
        if not r["posts"] and (r["reposts"] or r["replies"] or r["accounts"]):
            bad.append(("zero row with counts", key, r["time"]))
    ok(not bad, f"{what}: every (bucket, tag) row equals the independent count",
       bad[:10])
    # dense: every tag a row per bucket from the first post's to the last's
    nb = (ref["tmax"] // width_ms - ref["tmin"] // width_ms) + 1
    per = {}
    for r in rows:
        per.setdefault(r["tag"], []).append(ms_of(r["time"]))
    grid = [ref["tmin"] // width_ms * width_ms + i * width_ms for i in range(nb)]
    sparse = [k for k, v in per.items() if v != grid]
    ok(not sparse, f"{what}: each tag has a row for each of the {nb} buckets, in order",
       sparse[:10])


def timeline_json(*args):
    p = run("report", "--timeline", "--json", "--top", "0", "--show-errors", "0", *args)
    return p, (json.loads(p.stdout) if p.stdout else None)


with tempfile.TemporaryDirectory() as d:
    # ---- generated streams: truth, and the independent count per bucket --
    for fmt in ("twitter1", "twitter2", "jetstream", "mastodon-sse"):
        data, truthf = os.path.join(d, fmt), os.path.join(d, fmt + ".truth")
        g = run("generate", "--seed", "12", "--hours", "10", "--rate", "0.08",
                "--output-format", fmt, "--output", data, "--truth", truthf)
        ok(g.returncode == 0, f"{fmt}: generate exits 0", g.stderr)
        truth = json.load(open(truthf, encoding="utf-8"))
        p, j = timeline_json(data)
        ok(p.returncode == 0 and j is not None, f"{fmt}: report --timeline --json exits 0",
           p.stderr)
        if j is None:
            continue
        ok(j["bucket"] == "1h" and len(j["tags"]) == len(truth["tags"]),
           f"{fmt}: bucket 1h and every one of the {len(truth['tags'])} tags",
           (j["bucket"], len(j["tags"])))
        sums = {}
        for r in j["rows"]:
            s = sums.setdefault(r["tag"], [0, 0, 0, 0])
            for i, f in enumerate(("posts", "originals", "reposts", "replies")):
                s[i] += r[f]
        bad = [(k, sums.get(k), [t[f] for f in ("posts", "originals", "reposts", "replies")])
               for k, t in truth["tags"].items()
               if sums.get(k) != [t[f] for f in ("posts", "originals", "reposts", "replies")]]
        ok(not bad, f"{fmt}: each tag's rows add up to its truth", bad[:10])
        ref = count.count_file(data)
        check_rows(fmt, j["rows"], ref, 3600000)
        # CSV: the same rows
        c = run("report", "--timeline", "--csv", "--top", "0", "--show-errors", "0", data)
        rows = list(csv.DictReader(io.StringIO(c.stdout)))
        same = len(rows) == len(j["rows"]) and all(
            a["time"] == b["time"] and a["tag"] == b["tag"] and a["display"] == b["display"]
            and all(int(a[f]) == b[f] for f in ("posts", "originals", "reposts", "replies"))
            and float(a["accounts"]) == b["accounts"]
            and float(a["accounts_error"]) == b["accounts_error"]
            for a, b in zip(rows, j["rows"]))
        ok(c.returncode == 0 and same, f"{fmt}: --csv has the rows of --json", c.stderr)
        # the tags in report's order, and --top
        r = json.loads(run("report", "--json", "--top", "5", data).stdout)
        t5 = json.loads(run("report", "--timeline", "--json", "--top", "5", data).stdout)
        ok([t["tag"] for t in t5["tags"]] == [t["tag"] for t in r["tags"]]
           and [t["rank"] for t in t5["tags"]] == [1, 2, 3, 4, 5]
           and [x["tag"] for x in t5["rows"][::len(t5["rows"]) // 5]] ==
           [t["tag"] for t in r["tags"]],
           f"{fmt}: --top 5: report's top 5 tags in its order, tag after tag")

    # ---- another bucket width --------------------------------------------
    data = os.path.join(d, "twitter1")
    BucketCounts.width_ms = 15 * 60000
    ref = count.count_file(data)
    p, j = timeline_json("--bucket", "15m", data)
    ok(j is not None and j["bucket"] == "15m", "--bucket 15m", p.stderr)
    if j:
        check_rows("twitter1, --bucket 15m", j["rows"], ref, 15 * 60000)
    BucketCounts.width_ms = 3600000

    # ---- threads and pseudonymisation: the same bytes --------------------
    small = os.path.join(d, "small")
    run("generate", "--seed", "4", "--hours", "24", "--posts", "8000", "--output", small)
    big = os.path.join(d, "big.jsonl")
    with open(small, "rb") as f:
        blob = f.read()
    with open(big, "wb") as f:
        while f.tell() < 17 << 20:
            f.write(blob)
    for fmt in ("--csv", "--json"):
        outs = [run_bytes("report", "--timeline", fmt, "--top", "30", "--threads", str(t),
                          *k, big)
                for t in (1, 2, 3) for k in ([], ["--pseudonymize-key", "k"])]
        ok(all(o.returncode == 0 for o in outs) and len(outs[0].stdout) > 1000
           and all(o.stdout == outs[0].stdout for o in outs),
           f"report --timeline {fmt}: --threads 1, 2, 3, with and without a key: the same bytes",
           [len(o.stdout) for o in outs])

    # ---- --tags FILE and --tag --------------------------------------------
    data = os.path.join(d, "twitter1")
    top = json.loads(run("report", "--json", "--top", "3", data).stdout)["tags"]
    lst = os.path.join(d, "tags.txt")
    with open(lst, "w", encoding="utf-8") as f:
        f.write("\ufeff# my study's tags\n\n   #%s  \r\n#%s\n#   \n%s\n# %s is left out\n"
                "NeverUsedTag\n" % (top[2]["display"].upper(), top[0]["tag"], top[2]["tag"],
                                    top[1]["tag"]))
    p = run("report", "--csv", "--tags", lst, data)
    rows = list(csv.DictReader(io.StringIO(p.stdout)))
    ok(p.returncode == 0 and [r["tag"] for r in rows] == [top[0]["tag"], top[2]["tag"], "neverusedtag"]
       and [r["rank"] for r in rows] == ["1", "2", "3"],
       "--tags: the listed tags (any spelling, once each, comments skipped) in report's order, "
       "the unused one last", p.stdout + p.stderr)
    z = rows[-1] if rows else {}
    ok(z.get("display") == "NeverUsedTag" and z.get("posts") == "0" and z.get("accounts") == "0"
       and z.get("first_seen") == "" and z.get("peak_time") == "",
       "--tags: a tag never used is listed with zero counts and no times", z)
    ok("tag 'NeverUsedTag' was not used in the input: listed with zero counts" in p.stderr,
       "--tags: and stderr says so", p.stderr)
    full = {t["tag"]: t for t in json.loads(run("report", "--json", "--top", "0", data).stdout)["tags"]}
    j = json.loads(run("report", "--json", "--tags", lst, data).stdout)
    ok([t["tag"] for t in j["tags"]] == [top[0]["tag"], top[2]["tag"], "neverusedtag"]
       and j["tags"][0] == full[top[0]["tag"]],
       "--tags --json: the same tags, the same fields as without --tags")
    p = run("report", "--tag", "#" + top[1]["tag"].upper(), "--tag", "neverusedtag", "--top", "1",
            "--timeline", "--csv", data)
    rows = list(csv.DictReader(io.StringIO(p.stdout)))
    ok(p.returncode == 0 and rows and {r["tag"] for r in rows} == {top[1]["tag"]},
       "--tag twice with --top 1: the first of the two in report's order", p.stdout[:300])
    p = run("report", "--tag", "neverusedtag", "--timeline", "--json", data)
    j = json.loads(p.stdout)
    ref = count.count_file(data)
    nb = ref["tmax"] // 3600000 - ref["tmin"] // 3600000 + 1
    ok(len(j["rows"]) == nb and all(r["posts"] == 0 and r["accounts"] == 0 for r in j["rows"])
       and j["tags"][0]["timeline_covers"] == "input",
       f"--timeline: a tag never used has {nb} rows of zeros", p.stdout[:300])
    p = run("report", "--tag", "neverusedtag", "--timeline", data)
    ok(p.returncode == 0 and p.stdout.startswith("#neverusedtag (key 'neverusedtag')\n")
       and "bucket (UTC)" in p.stdout, "--timeline without --csv or --json: a table per tag",
       p.stdout[:300])
    html = os.path.join(d, "r.html")
    p = run("report", "--tags", lst, "--html", html, data)
    page = open(html, encoding="utf-8").read() if os.path.exists(html) else ""
    ok(p.returncode == 0 and "NeverUsedTag" in page,
       "--tags --html: the page's table lists the tags of the list, the unused one too")

    # usage errors: exit 2, a message naming the file and line
    bad = os.path.join(d, "bad.txt")
    with open(bad, "w", encoding="utf-8") as f:
        f.write("metoo\nmetoo is a tag\n")
    for args, want in [
        (["--tags", bad], f"groundswell: {bad}:2: 'metoo is a tag' is not a tag (a tag has no "
                          "blanks; a comment line starts with '# ')"),
        (["--tags", os.path.join(d, "none.txt")], f"groundswell: cannot read '{d}/none.txt'"),
        (["--tag", "#"], "groundswell: --tag: '#' is not a tag (nothing after the '#')"),
        (["--tag", "a" * 300], "is not a tag (longer than 256 bytes)"),
        (["--timeline", "--html", "-"], "options '--html -' and '--timeline' cannot be used together"),
    ]:
        p = run("report", *args, data)
        ok(p.returncode == 2 and want in p.stderr and p.stdout == "",
           f"usage: {' '.join(a[:20] for a in args)} exits 2 and says why", p.stderr)

# ---- a bucket's accounts never above the tag's exact ones -----------------
# 65 fictional accounts, two posts each, in one hour: the tag's own set is
# exact (65); the bucket's sketch, dense past 64, estimated 66
with tempfile.TemporaryDirectory() as d:
    one = os.path.join(d, "one.jsonl")
    with open(one, "w", encoding="utf-8") as f:
        for r in range(2):
            for i in range(65):
                f.write(json.dumps({
                    "id_str": str(r * 10000 + i + 1), "timestamp_ms": str(1508097600000 + i * 1000 + r),
                    "user": {"id_str": "a%d" % i}, "text": "#Solo x", "lang": "en",
                    "entities": {"hashtags": [{"text": "Solo"}], "user_mentions": []}}) + "\n")
    p, j = timeline_json(one)
    ok(j is not None and j["tags"][0]["accounts"] == 65 and j["tags"][0]["accounts_error"] == 0
       and [r["accounts"] for r in j["rows"]] == [65],
       "a bucket's accounts are at most the tag's exact accounts (65, not the sketch's 66)",
       j and (j["tags"], j["rows"]))
    # the same rule in tag's timeline (gs_engine_timeline: tag, serve)
    p = run("tag", "Solo", "--json", one)
    try:
        t = json.loads(p.stdout)
        got = [b["accounts"] for b in t["timeline"]]
    except (ValueError, KeyError, TypeError):
        got = None
    ok(got == [65], "tag --json: a bucket's accounts are at most the tag's exact accounts (65, not 66)",
       p.stdout[:400])

# ---- the real archives, against the independent count ---------------------
real = []
for fmt in ("twitter1", "twitter2", "jetstream", "mastodon"):
    sub = os.path.join(ROOT, "tests", "real", fmt)
    if os.path.isdir(sub):
        real += [os.path.join(sub, f) for f in sorted(os.listdir(sub))
                 if f.endswith((".jsonl", ".jsonl.gz", ".txt"))]
if not real:
    ok(True, "real archives # SKIP no tests/real corpus (tests/real/SOURCES says where from)")
for path in real:
    name = os.path.relpath(path, os.path.join(ROOT, "tests", "real"))
    BucketCounts.width_ms = 3600000
    ref = count.count_file(path)
    if ref["posts"] == 0 or not ref["tags"]:
        continue
    # per hour, or per day or 30 days where there would be many rows (a
    # test stays fast)
    for w, wname in ((3600000, "1h"), (86400000, "1d"), (30 * 86400000, "30d")):
        if len(ref["tags"]) * ((ref["tmax"] - ref["tmin"]) // w + 1) <= 20000:
            break
    if w != BucketCounts.width_ms:
        BucketCounts.width_ms = w
        ref = count.count_file(path)
    p, j = timeline_json("--bucket", wname, path)
    if not ok(p.returncode == 0 and j is not None, f"real {name}: report --timeline exits 0",
              p.stderr):
        continue
    check_rows(f"real {name} ({len(ref['tags'])} tags, bucket {wname})", j["rows"], ref, w)
BucketCounts.width_ms = 3600000

# ---- expected outputs of the golden samples -------------------------------
if UPDATE:
    os.makedirs(EXP, exist_ok=True)
for name, args in [("twitter1.csv", ["--csv"]), ("twitter2.csv", ["--csv"]),
                   ("jetstream.csv", ["--csv"]), ("mastodon.csv", ["--csv"]),
                   ("mastodon-sse.csv", ["--csv"]), ("twitter1.json", ["--json"]),
                   ("twitter1-tags.csv", ["--csv", "--tag", "METOO", "--tag", "nosuch",
                                          "--bucket", "30m"])]:
    src = os.path.join(GOLDEN, name.split("-tags")[0].rsplit(".", 1)[0]
                       + (".txt" if name.startswith("mastodon-sse") else ".jsonl"))
    p = run("report", "--timeline", "--top", "0", "--show-errors", "0", *args, src)
    path = os.path.join(EXP, name)
    if UPDATE:
        with open(path, "w", encoding="utf-8") as f:
            f.write(p.stdout)
    want = open(path, encoding="utf-8").read() if os.path.exists(path) else None
    ok(p.returncode == 0 and p.stdout == want, f"expected output timeline/{name}",
       p.stdout if want is None else p.stderr)

done()
