#!/usr/bin/env python3
"""Detection matrix for small voices: stream rate x voice size x shape.

Each cell generates streams (`groundswell generate --voice N:SHAPE:HOURS`,
Jetstream) in which the small movement is replaced by a planted voice of
about N fresh accounts (plus the reposts others make of its posts) on a
tag the background never uses, next to the other four planted movements,
three spam floods, the steady tags and the Zipf background with its daily
cycle. It runs `groundswell trends --json` on each and reports per cell:

  recall   streams whose voice tag got a trend event starting no earlier
           than the bucket before its onset and no later than its end
  delay    start bucket minus onset bucket, median over the found ones
  share    the voice's distinct accounts in its busiest hour over the
           stream's active accounts in that hour (median over streams)

and per rate: spam and steady tags flagged (must be 0) and false trends
(events on any tag that is neither planted, a co-tag of a planted
movement, spam nor steady) per 10M posts, over all of that rate's
streams. The rate is given as a multiple of the evaluation's 3 posts/s
(eval/run.py, eval/results.md). A second table gives, per rate and shape,
the smallest share found in every stream with every larger one found
too: the detection threshold and how it moves with the rate.

Usage: python3 eval/matrix.py [--quick] [--seeds N] [--rates 0.1,1,10]
                              [--sizes 30,100,...] [--shapes burst,slow,flash]
                              [--hours H] [--voice-hours H] [--onset H]
                              [--extra OPTS] [--bin B] [--jobs J] [--md FILE]
                              [--json FILE] [--rows FILE] [--from-rows FILE...]
Streams are 48 h; the voice starts at hour 40 (16:00 UTC) by default.
--quick: rates 0.1, 1, 10, sizes 30, 300, 3000, one seed: 27 streams,
about 40 minutes on 2 cores shared with other work (the 10x streams are
4 GB each, written to the temporary directory and deleted). The default
(full) matrix: rates 0.1, 0.3, 1, 3, 10, sizes 30, 100, 300, 1000, 3000,
2 seeds.
--rows FILE appends each stream's row to FILE as a JSON line as soon as
it ends, so that a long run that is stopped keeps what it measured;
--from-rows FILE... makes the tables from such files (several runs, e.g.
one per rate, merged) without generating anything; --rates, --sizes and
--shapes then pick the cells, and --seeds is read from the rows.
"""
import argparse
import concurrent.futures as cf
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
from datetime import datetime

BASE_RATE = 3.0  # posts/s of eval/run.py's streams
BUCKET = 3600
POST_RE = re.compile(rb'^\{"did":"([^"]+)","time_us":(\d+),"kind":"commit","commit":'
                     rb'\{"rev":"[^"]*","operation":"create","collection":'
                     rb'"app\.bsky\.feed\.(?:post|repost)"')


def ts(s):
    return datetime.fromisoformat(s.replace("Z", "+00:00")).timestamp()


def line_time(f, off):
    """Hour of the first post line at or after byte off, and that line's
    offset (None at the end of the file)."""
    f.seek(off)
    if off:
        f.readline()
    while True:
        at = f.tell()
        line = f.readline()
        if not line:
            return None, at
        m = POST_RE.match(line)
        if m:
            return int(m.group(2)) // 1000000 // BUCKET, at


def active_in_hour(path, hour):
    """Distinct posting accounts of one hour of a time-ordered Jetstream
    file: a bisection to the hour's first line, then that hour alone."""
    with open(path, "rb") as f:
        lo, hi = 0, os.path.getsize(path)
        while hi - lo > 65536:
            mid = (lo + hi) // 2
            h, _ = line_time(f, mid)
            if h is None or h >= hour:
                hi = mid
            else:
                lo = mid
        f.seek(lo)
        if lo:
            f.readline()
        seen = set()
        for line in f:
            m = POST_RE.match(line)
            if not m:
                continue
            h = int(m.group(2)) // 1000000 // BUCKET
            if h > hour:
                break
            if h == hour:
                seen.add(m.group(1))
        return len(seen)


def tag_per_hour(b, path, tag):
    out = subprocess.run([b, "tag", "--csv", tag, path], capture_output=True, text=True)
    res = {}
    for line in out.stdout.splitlines()[1:]:
        t, _, acc = line.split(",")
        res[int(ts(t)) // BUCKET] = int(acc)
    return res


def one(job):
    a, rate, size, shape, seed, d = job
    data = os.path.join(d, f"s-{rate}-{size}-{shape}-{seed}.jsonl")
    truthf = data + ".truth"
    try:
        subprocess.run([a.bin, "generate", "--seed", str(seed), "--hours", str(a.hours),
                        "--rate", f"{rate * BASE_RATE:g}", "--output-format", "jetstream",
                        "--voice", f"{size}:{shape}:{a.voice_hours:g}:{a.onset / a.hours:.6f}",
                        "--output", data, "--truth", truthf], check=True)
        truth = json.load(open(truthf, encoding="utf-8"))
        out = subprocess.run([a.bin, "trends", "--json", "--threads", "1", *a.extra.split(), data],
                             capture_output=True, text=True, check=True)
        events = [json.loads(l) for l in out.stdout.splitlines() if l.strip()]
        events = [e for e in events if "tag" in e]
        voice = next(m for m in truth["movements"] if m["shape"].startswith("voice"))
        per = tag_per_hour(a.bin, data, voice["tag"])
        peak_h = max(per, key=lambda h: per[h]) if per else None
        act = active_in_hour(data, peak_h) if peak_h is not None else 0
        share = per[peak_h] / act if act else 0
        onset, end = ts(voice["onset"]), ts(voice["end"])
        ob = onset // BUCKET
        hits = [e for e in events if e["tag"] == voice["tag"] and
                ob - 1 <= ts(e["start"]) // BUCKET <= end // BUCKET]
        delay = int(min(ts(e["start"]) for e in hits) // BUCKET - ob) if hits else None
        mtags = {m["tag"] for m in truth["movements"]}
        mdisp = {m["display"] for m in truth["movements"]}
        spam = {s["tag"] for s in truth["spam"]}
        steady = {s["tag"] for s in truth["steady"]}
        nspam = nsteady = nfalse = 0
        false_tags = []
        for e in events:
            t = e["tag"]
            if t in mtags:
                continue
            if t in spam:
                nspam += 1
            elif t in steady:
                nsteady += 1
            elif not any(c["tag"].lower() in mtags or c["tag"] in mdisp
                         for c in e.get("co_tags", [])):
                nfalse += 1
                false_tags.append((t, e["start"]))
        return dict(rate=rate, size=size, shape=shape, seed=seed, found=bool(hits),
                    delay=delay, share=share, accounts=voice["accounts"],
                    posts=truth["posts"], spam=nspam, steady=nsteady, false=nfalse,
                    false_tags=false_tags[:5],
                    active=act)
    finally:
        for p in (data, truthf):
            if os.path.exists(p):
                os.unlink(p)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--seeds", type=int, default=None)
    ap.add_argument("--rates", default=None, help="multiples of 3 posts/s")
    ap.add_argument("--sizes", default=None)
    ap.add_argument("--shapes", default="burst,slow,flash")
    ap.add_argument("--hours", type=float, default=None)
    ap.add_argument("--voice-hours", type=float, default=6)
    ap.add_argument("--onset", type=float, default=40,
                    help="voice onset, hours into the stream (default 40: 16:00 UTC of "
                         "the second day, the busiest hour of the daily cycle)")
    ap.add_argument("--extra", default="", help="extra options for trends")
    ap.add_argument("--bin", default="build/groundswell")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--md", default=None)
    ap.add_argument("--json", default=None, help="write the per-stream rows here")
    ap.add_argument("--rows", default=None, help="append each row here as a JSON line")
    ap.add_argument("--from-rows", nargs="+", default=None,
                    help="make the tables from these --rows files")
    a = ap.parse_args()
    q = a.quick
    rates = [float(x) for x in (a.rates or ("0.1,1,10" if q else "0.1,0.3,1,3,10")).split(",")]
    sizes = [int(x) for x in (a.sizes or ("30,300,3000" if q else "30,100,300,1000,3000")).split(",")]
    shapes = a.shapes.split(",")
    seeds = a.seeds or (1 if q else 2)
    a.hours = a.hours or 48
    rows = []
    if a.from_rows:
        for fn in a.from_rows:
            with open(fn, encoding="utf-8") as f:
                rows += [json.loads(l) for l in f if l.strip()]
        rows = [x for x in rows if x["rate"] in rates and x["size"] in sizes and x["shape"] in shapes]
        seeds = max(len({x["seed"] for x in rows if x["rate"] == r and x["size"] == s
                          and x["shape"] == sh}) for r in rates for s in sizes for sh in shapes)
        return tables(a, rows, rates, sizes, shapes, seeds)
    with tempfile.TemporaryDirectory(prefix="gs-matrix-") as d:
        # the biggest streams first, so that the pool ends on small ones
        jobs = [(a, r, s, sh, seed, d) for r in sorted(rates, reverse=True)
                for s in sizes for sh in shapes for seed in range(1, seeds + 1)]
        with cf.ThreadPoolExecutor(max_workers=a.jobs) as ex:
            for row in ex.map(one, jobs):
                rows.append(row)
                if a.rows:
                    with open(a.rows, "a", encoding="utf-8") as f:
                        f.write(json.dumps(row) + "\n")
                print(f"# rate {row['rate']:g}x size {row['size']} {row['shape']} seed {row['seed']}: "
                      f"found={row['found']} delay={row['delay']} share={row['share']:.4f} "
                      f"false={row['false']} spam={row['spam']} steady={row['steady']}",
                      file=sys.stderr, flush=True)
    if a.json:
        with open(a.json, "w", encoding="utf-8") as f:
            json.dump(rows, f, indent=1)
    return tables(a, rows, rates, sizes, shapes, seeds)


def tables(a, rows, rates, sizes, shapes, seeds):
    lines = []
    lines.append(f"Streams: Jetstream, {a.hours:g} h each, {seeds} seed(s) per cell; voice: "
                 f"`--voice N:SHAPE:{a.voice_hours:g}` (burst = a step held {a.voice_hours:g} h, "
                 f"slow = a rise over {a.voice_hours:g} h, flash = an hour), onset at hour {a.onset:g} "
                 f"(16:00 UTC, the busiest hour); trends options: "
                 f"`{a.extra or '(defaults)'}`; bucket 1h. Cell: recall, median delay in buckets, "
                 f"voice share of the active accounts in its busiest hour.")
    lines.append("")
    head = "| rate (posts/s, active accounts in the voice's busiest hour) | " + " | ".join(
        f"{sh} {s}" for sh in shapes for s in sizes) + " | false per 10M posts | spam / steady flagged |"
    lines.append(head)
    lines.append("|" + "---|" * (len(shapes) * len(sizes) + 3))
    thresholds = []
    for r in rates:
        rr = [x for x in rows if x["rate"] == r]
        cells = []
        th = []
        if not rr:
            continue
        for sh in shapes:
            found_shares = []
            missed_shares = []
            for s in sizes:
                c = [x for x in rr if x["size"] == s and x["shape"] == sh]
                if not c:
                    cells.append("not run")
                    continue
                f = sum(x["found"] for x in c)
                ds = [x["delay"] for x in c if x["delay"] is not None]
                share = statistics.median(x["share"] for x in c)
                (found_shares if f == len(c) else missed_shares).append(share)
                cells.append(f"{f}/{len(c)}, {statistics.median(ds):g}, {share * 100:.2g}%" if ds
                             else f"{f}/{len(c)}, -, {share * 100:.2g}%")
            ok = [x for x in found_shares if all(x > m for m in missed_shares)]
            th.append(f"{min(ok) * 100:.2g}%" if ok else "-")
        posts = sum(x["posts"] for x in rr)
        false = sum(x["false"] for x in rr)
        act = statistics.median(x["active"] for x in rr)
        lines.append(f"| {r:g}x ({r * BASE_RATE:g}, {act:,.0f}) | " + " | ".join(cells) +
                     f" | {false / posts * 1e7:.1f} ({false} in {posts:,}) | "
                     f"{sum(x['spam'] for x in rr)} / {sum(x['steady'] for x in rr)} |")
        thresholds.append(f"| {r:g}x | {act:,.0f} | " + " | ".join(th) + " |")
    lines.append("")
    lines.append("Smallest share of the active accounts (busiest hour) found in every stream, "
                 "with every larger one found too:")
    lines.append("")
    lines.append("| rate | active accounts in that hour (median) | " + " | ".join(shapes) + " |")
    lines.append("|---|---|" + "---|" * len(shapes))
    lines += thresholds
    text = "\n".join(lines)
    print(text)
    ft = [(x["rate"], x["size"], x["shape"], x["seed"], t) for x in rows for t in x["false_tags"]]
    if ft:
        print("\nfalse trends (rate, size, shape, seed, (tag, start)):", *ft[:20], sep="\n  ")
    if a.md:
        with open(a.md, "w", encoding="utf-8") as f:
            f.write(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
