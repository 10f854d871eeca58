#!/usr/bin/env python3
"""Trend-detection evaluation on generated streams with planted movements.

Each stream from `groundswell generate` holds five planted movements (a
#MeToo-shaped one, a sharp burst, a slow rise over a day, a short flash and
a small movement of a few hundred accounts), spam floods from 1-3 accounts,
steady heavy tags with the daily cycle, and Zipf background. For every
scorer (significance = groundswell's default, mastodon, posts) it runs
`groundswell trends --json --scorer S` and reports:

  recall       planted movements with a trend event on their tag that
               starts no earlier than the bucket before the onset and no
               later than the movement's end
  delay        start bucket minus onset bucket (in buckets), per shape
  spam/steady  events on spam-flood tags or steady tags (must be 0)
  false        events on any other tag that is not a co-tag of a planted
               movement (its top co-tags include the movement's tag),
               per 10 million background posts

Usage: python3 eval/run.py [--streams N] [--hours H] [--rate R] [--bin B]
                           [--format F] [--keep DIR] [--md FILE]
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from datetime import datetime, timezone

SCORERS = ["significance", "mastodon", "posts"]


def ts(s):
    return datetime.fromisoformat(s.replace("Z", "+00:00")).timestamp()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--streams", type=int, default=6)
    ap.add_argument("--hours", type=float, default=96)
    ap.add_argument("--rate", type=float, default=4)
    ap.add_argument("--bin", default="build/groundswell")
    ap.add_argument("--format", default="jetstream")
    ap.add_argument("--bucket", default="1h")
    ap.add_argument("--md", default=None)
    ap.add_argument("--extra", default="", help="extra options for trends")
    ap.add_argument("--scorers", default=",".join(SCORERS),
                    help="comma list of scorers to run (trends refuses an option of "
                         "another scorer, so --extra with --threshold needs significance)")
    a = ap.parse_args()
    SCORERS[:] = [s for s in a.scorers.split(",") if s]
    bucket = {"m": 60, "h": 3600, "d": 86400}[a.bucket[-1]] * int(a.bucket[:-1])

    res = {s: {"found": 0, "planted": 0, "delays": {}, "spam": 0, "steady": 0,
               "false": 0, "false_tags": []} for s in SCORERS}
    background = 0
    total_posts = 0
    with tempfile.TemporaryDirectory() as d:
        for seed in range(1, a.streams + 1):
            data = os.path.join(d, "s.jsonl")
            truthf = os.path.join(d, "t.json")
            subprocess.run([a.bin, "generate", "--seed", str(seed), "--hours", str(a.hours),
                            "--rate", str(a.rate), "--output-format", a.format,
                            "--output", data, "--truth", truthf], check=True)
            truth = json.load(open(truthf, encoding="utf-8"))
            total_posts += truth["posts"]
            moved = sum(m["posts"] for m in truth["movements"]) + sum(s["posts"] for s in truth["spam"])
            background += truth["posts"] - moved
            mtags = {m["tag"]: m for m in truth["movements"]}
            spam = {s["tag"] for s in truth["spam"]}
            steady = {s["tag"] for s in truth["steady"]}
            for sc in SCORERS:
                out = subprocess.run([a.bin, "trends", "--json", "--scorer", sc, "--bucket", a.bucket,
                                      *a.extra.split(), data], capture_output=True, text=True, check=True)
                events = [json.loads(l) for l in out.stdout.splitlines() if l.strip()]
                r = res[sc]
                for m in truth["movements"]:
                    r["planted"] += 1
                    onset, end = ts(m["onset"]), ts(m["end"])
                    ob = onset // bucket
                    hits = [e for e in events if e["tag"] == m["tag"] and
                            ob - 1 <= ts(e["start"]) // bucket <= end // bucket]
                    if hits:
                        r["found"] += 1
                        first = min(ts(e["start"]) for e in hits)
                        r["delays"].setdefault(m["shape"], []).append(int(first // bucket - ob))
                for e in events:
                    t = e["tag"]
                    if t in mtags:
                        continue
                    if t in spam:
                        r["spam"] += 1
                    elif t in steady:
                        r["steady"] += 1
                    elif not any(c["tag"].lower() in mtags or c["tag"] in {m["display"] for m in truth["movements"]}
                                 for c in e.get("co_tags", [])):
                        r["false"] += 1
                        r["false_tags"].append((seed, t, e["start"], e["score"]))
            os.unlink(data)
    lines = []
    lines.append(f"Streams: {a.streams} x {a.hours:g} h at {a.rate:g} posts/s ({a.format}), "
                 f"{total_posts:,} posts, {background:,} background posts; bucket {a.bucket}.")
    lines.append("")
    lines.append("| scorer | recall | spam trends | steady trends | false trends | false per 10M background posts | median delay (buckets): metoo / burst / slow / flash / small |")
    lines.append("|---|---|---|---|---|---|---|")
    for sc in SCORERS:
        r = res[sc]
        md = []
        for shape in ("metoo", "burst", "slow", "flash", "small"):
            v = r["delays"].get(shape)
            md.append(f"{statistics.median(v):g}" if v else "-")
        per = r["false"] / background * 1e7 if background else 0
        lines.append(f"| {sc} | {r['found']}/{r['planted']} = {r['found'] / max(1, r['planted']):.2f} | "
                     f"{r['spam']} | {r['steady']} | {r['false']} | {per:.1f} | {' / '.join(md)} |")
    text = "\n".join(lines)
    print(text)
    for sc in SCORERS:
        if res[sc]["false_tags"]:
            print(f"\n{sc} false trends (seed, tag, start, score):", *res[sc]["false_tags"][:15], sep="\n  ")
    if a.md:
        with open(a.md, "w", encoding="utf-8") as f:
            f.write(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
