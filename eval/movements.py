#!/usr/bin/env python3
"""Movements evaluation on generated streams with planted families.

`groundswell generate --families 3` plants three movement families (four
tags each in four languages, sharing accounts, carried together, started
one after the other) while the five planted movements, spam floods and
steady tags of every stream run too. For each stream this runs
`groundswell movements --json` and checks, against the truth and against
an exact count made here, independently, from the stream itself:

  recovered   each family is one movement with all its tags and no other
  foreign     tags joined to a family's movement that are not the family's
              (must be 0); movements found apart from the families are
              listed, and must hold no spam-flood or steady tag
  accounts    the movement's distinct accounts against the exact union of
              its tags' accounts: relative error, and whether it is within
              2 stated standard errors (exact when the stated error is 0)
  posts       the movement's posts against the exact posts using any tag

Usage: python3 eval/movements.py [--bin B] [--md FILE] [--quick]
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

# (format, hours, rate, bucket, seeds): small tags (exact sets and exact
# unions) and larger ones (unions past 1,024 accounts: registers)
CONFIGS = [
    ("mastodon", 6, 1, "10m", [1, 2, 3]),
    ("twitter1", 6, 1, "10m", [4, 5]),
    ("mastodon", 12, 5, "20m", [6, 7]),
]


def exact_counts(path, fmt):
    """Per lower-cased tag: accounts and post ids, read from the stream."""
    acc, posts = {}, {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            try:
                s = json.loads(line)
            except ValueError:
                continue
            if fmt == "mastodon":
                src = s["reblog"] if s.get("reblog") else s
                tags = {x["name"].lower() for x in src.get("tags", [])}
                who, pid = s["account"]["id"], s["id"]
            else:
                src = s.get("retweeted_status") or s
                ent = (src.get("extended_tweet") or src).get("entities", {})
                tags = {x["text"].lower() for x in ent.get("hashtags", [])}
                who, pid = s["user"]["id_str"], s["id_str"]
            for t in tags:
                acc.setdefault(t, set()).add(who)
                posts.setdefault(t, set()).add(pid)
    return acc, posts


def union(d, tags):
    u = set()
    for t in tags:
        u |= d.get(t, set())
    return u


def run_one(bin_, tmp, fmt, hours, rate, bucket, seed):
    stream = os.path.join(tmp, f"s{seed}.jsonl")
    truth = os.path.join(tmp, f"t{seed}.json")
    subprocess.run([bin_, "generate", "--seed", str(seed), "--hours", str(hours),
                    "--rate", str(rate), "--families", "3", "-f", fmt,
                    "--truth", truth, "-o", stream], check=True)
    out = subprocess.run([bin_, "movements", "--bucket", bucket, "--json", stream],
                         capture_output=True, text=True)
    got = json.loads(out.stdout)["movements"]
    tr = json.load(open(truth))
    acc, posts = exact_counts(stream, fmt)
    fam_tags = {t["tag"] for f in tr["families"] for t in f["tags"]}
    rows = []
    found = {tuple(sorted(t["tag"] for t in m["tags"])): m for m in got}
    foreign, others = [], []
    bad = {s["tag"] for s in tr["spam"]} | {s["tag"] for s in tr["steady"]}
    for k in found:
        if set(k) & fam_tags:
            fam = next(set(t["tag"] for t in f["tags"]) for f in tr["families"]
                       if set(k) & set(t["tag"] for t in f["tags"]))
            foreign += sorted(set(k) - fam)
        else:
            others.append(list(k))
            foreign += sorted(set(k) & bad)
    for f in tr["families"]:
        key = tuple(sorted(t["tag"] for t in f["tags"]))
        m = found.get(key)
        u = len(union(acc, key))
        p = len(union(posts, key))
        tag_sum = sum(len(acc.get(t, ())) for t in key)
        if not m:
            rows.append(dict(fam=f["name"], ok=False, exact=u, posts_exact=p))
            continue
        err = m["accounts_error"]
        rel = (m["accounts"] - u) / u
        within = abs(m["accounts"] - u) <= (2 * err * u if err else 0)
        rows.append(dict(fam=f["name"], ok=True, est=m["accounts"], exact=u,
                         rel=rel, err=err, within=within, sum=tag_sum,
                         posts=m["posts"], posts_exact=p))
    os.remove(stream)
    return rows, foreign, others


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default="build/groundswell")
    ap.add_argument("--md", default=None)
    ap.add_argument("--quick", action="store_true", help="first config only")
    a = ap.parse_args()
    lines = ["| stream | family | recovered | accounts (est.) | exact union | "
             "sum of tags' accounts | rel. error | stated error (RSE) | within 2 RSE | "
             "posts | exact posts |", "|---|---|---|---|---|---|---|---|---|---|---|"]
    total = good = within = posts_ok = 0
    foreign_all, others_all = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for fmt, hours, rate, bucket, seeds in CONFIGS[:1] if a.quick else CONFIGS:
            for seed in seeds:
                rows, foreign, others = run_one(a.bin, tmp, fmt, hours, rate, bucket, seed)
                foreign_all += foreign
                name = f"{fmt} {hours} h x {rate}/s seed {seed} ({bucket})"
                for r in rows:
                    total += 1
                    if not r["ok"]:
                        lines.append(f"| {name} | {r['fam']} | no | - | {r['exact']} | - | - | - | - | - | {r['posts_exact']} |")
                        continue
                    good += 1
                    within += r["within"]
                    posts_ok += r["posts"] == r["posts_exact"]
                    stated = "exact" if not r["err"] else "%.2f%%" % (100 * r["err"])
                    lines.append(
                        f"| {name} | {r['fam']} | yes | {r['est']:.0f} | {r['exact']} | "
                        f"{r['sum']} | {100 * r['rel']:+.2f}% | {stated} | "
                        f"{'yes' if r['within'] else 'NO'} | {r['posts']} | "
                        f"{r['posts_exact']} |")
                for o in others:
                    others_all.append(f"{name}: {', '.join('#' + t for t in o)}")
                print(f"{name}: foreign {foreign}, others {others}", file=sys.stderr)
    summary = (f"Families recovered whole: {good}/{total}; foreign tags in found "
               f"movements: {len(foreign_all)}; union accounts within 2 stated "
               f"standard errors of the exact union: {within}/{good}; posts exact: "
               f"{posts_ok}/{good}.")
    text = summary + "\n\n" + "\n".join(lines) + "\n"
    text += ("\nMovements found apart from the families (planted movements with "
             "their companion tags; no spam or steady tag among them):\n\n" +
             ("\n".join("- " + o for o in others_all) if others_all else "- none") + "\n")
    print(text)
    if a.md:
        with open(a.md, "w") as f:
            f.write(text)
    return 0 if good == total and not foreign_all and within == good else 1


if __name__ == "__main__":
    sys.exit(main())
