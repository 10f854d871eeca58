"""Generated streams against their truth (TAP).

For each output format of 'groundswell generate', the report of the stream
must give exactly the truth's posts, originals, reposts, replies, quotes,
display spelling, first and last use for every tag, and distinct accounts
exactly where the report says they are exact, else within the documented
error. Also: 1, 2 and 4 threads give identical reports, and the error of the
distinct-account estimates on generated data matches the documented one."""
import json
import math
import os
import tempfile

from tap import done, ok, run


def compare(fmt, truth, rep):
    s = rep["summary"]
    for k in ("posts", "originals", "reposts", "replies", "quotes", "malformed", "skipped"):
        ok(s[k] == truth[k], f"{fmt}: summary {k} = {truth[k]}", f"got {s[k]}")
    if fmt != "jetstream":  # there, reposts of untagged posts are "unresolved"
        ok(s["reposts_unresolved"] == 0, f"{fmt}: every repost resolved")
    err = s["accounts_error"]
    ok(abs(s["accounts"] - truth["accounts"]) <= max(4 * err * truth["accounts"], 0),
       f"{fmt}: distinct accounts within the stated error", (s["accounts"], truth["accounts"], err))
    tags = {t["tag"]: t for t in rep["tags"]}
    ok(set(tags) == set(truth["tags"]), f"{fmt}: the same {len(truth['tags'])} tags",
       sorted(set(tags) ^ set(truth["tags"]))[:20])
    bad = []
    for key, want in truth["tags"].items():
        got = tags.get(key)
        if got is None:
            continue
        for f in ("posts", "originals", "reposts", "replies", "quotes", "display"):
            if got[f] != want[f]:
                bad.append((key, f, want[f], got[f]))
        if got["first_seen"][:19] != want["first_seen"][:19] or got["last_seen"][:19] != want["last_seen"][:19]:
            bad.append((key, "seen", want["first_seen"], got["first_seen"], want["last_seen"], got["last_seen"]))
        e = got["accounts_error"]
        if e == 0 and got["accounts"] != want["accounts"]:
            bad.append((key, "accounts (exact)", want["accounts"], got["accounts"]))
        if e > 0 and abs(got["accounts"] - want["accounts"]) > 4 * e * want["accounts"]:
            bad.append((key, "accounts", want["accounts"], got["accounts"], e))
    ok(not bad, f"{fmt}: every tag's counts equal the truth", bad[:10])


with tempfile.TemporaryDirectory() as d:
    for fmt in ("twitter1", "twitter2", "twitter2-flat", "jetstream", "mastodon", "mastodon-sse"):
        data, truthf = os.path.join(d, fmt), os.path.join(d, fmt + ".truth")
        g = run("generate", "--seed", "7", "--hours", "30", "--posts", "6000",
                "--malformed", "0.02", "--output-format", fmt, "--output", data, "--truth", truthf)
        ok(g.returncode == 0, f"{fmt}: generate exits 0", g.stderr)
        truth = json.load(open(truthf, encoding="utf-8"))
        r = run("report", "--json", "--top", "0", "--show-errors", "0", data)
        ok(r.returncode == 0, f"{fmt}: report exits 0", r.stderr)
        compare(fmt, truth, json.loads(r.stdout))

    # threads: a file big enough to be split gives the same report
    data, truthf = os.path.join(d, "big"), os.path.join(d, "big.truth")
    run("generate", "--seed", "3", "--hours", "24", "--posts", "12000",
        "--output-format", "jetstream", "--output", data + ".small")
    # repeat the small stream's lines to pass the split threshold (16 MB)
    with open(data, "wb") as out, open(data + ".small", "rb") as f:
        blob = f.read()
        for _ in range(max(1, (33 << 20) // max(1, len(blob)) + 1)):
            out.write(blob)
    # a tag's links and domains are Space-Saving summaries (issue 12 part
    # 4): equal while they hold fewer than 10 entries; past that only
    # their lower bounds are guaranteed, which depend on the split, and
    # the rest of the report is compared (as threads.sh does)
    def same_reports(a, b):
        if a.returncode != 0 or b.returncode != 0:
            return False
        ra, rb = json.loads(a.stdout), json.loads(b.stdout)
        for x, y in zip(ra["tags"], rb["tags"]):
            for k in ("urls", "domains"):
                if len(x.get(k, [])) >= 10 or len(y.get(k, [])) >= 10:
                    x.pop(k, None)
                    y.pop(k, None)
        return ra == rb
    one = run("report", "--json", "--top", "0", "--threads", "1", data)
    two = run("report", "--json", "--top", "0", "--threads", "2", data)
    ok(same_reports(one, two), "1 and 2 threads give identical reports",
       (one.stderr, two.stderr))
    four = run("report", "--json", "--top", "0", "--threads", "4", data)
    ok(same_reports(one, four), "1 and 4 threads (4 parts) give identical reports",
       four.stderr)

    # the error of distinct-account estimates on generated data: with 2^8
    # registers (exact up to 16 accounts, then 6.5% standard error)
    data, truthf = os.path.join(d, "hll"), os.path.join(d, "hll.truth")
    run("generate", "--seed", "11", "--hours", "30", "--posts", "30000",
        "--output-format", "mastodon", "--output", data, "--truth", truthf)
    truth = json.load(open(truthf, encoding="utf-8"))
    rep = json.loads(run("report", "--json", "--top", "0", "--hll-precision", "8", data).stdout)
    rel = [(t["accounts"] - truth["tags"][t["tag"]]["accounts"]) / truth["tags"][t["tag"]]["accounts"]
           for t in rep["tags"] if t["accounts_error"] > 0]
    rse = 1.04 / math.sqrt(256)
    rms = math.sqrt(sum(x * x for x in rel) / len(rel)) if rel else 0
    ok(len(rel) >= 30, f"enough estimated tags for a statistic ({len(rel)})")
    ok(rms <= 1.3 * rse, f"RMS relative error {rms:.4f} within 1.3x the documented {rse:.4f}")
    ok(all(abs(x) <= 4 * rse for x in rel), "no tag off by more than 4 standard errors",
       max(map(abs, rel)) if rel else 0)
    exact = [t for t in rep["tags"] if t["accounts_error"] == 0]
    ok(all(t["accounts"] == truth["tags"][t["tag"]]["accounts"] for t in exact),
       f"tags reported exact ({len(exact)}) are exact")

done()
