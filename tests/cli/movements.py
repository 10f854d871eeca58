"""movements.py - `groundswell movements` on small generated streams with
planted movement families (generate --families): each family is found
whole and alone, spam floods and steady tags join nothing, a movement's
distinct accounts are within the stated error of the exact union (counted
here from the stream) and its posts exact; --movement and --movements
give the same measures; JSON and CSV keep their shape; outputs are byte
for byte the same with --threads 1, 2, 3 and from a .gz."""

import csv
import gzip
import io
import json
import os
import shutil
import tempfile

from tap import ok, run, run_bytes, done

T = tempfile.mkdtemp()
STREAM = os.path.join(T, "m.jsonl")
TRUTH = os.path.join(T, "truth.json")
BUCKET = ["--bucket", "10m"]

MOVEMENT_KEYS = ["name", "defined", "posts", "posts_error", "tag_uses",
                 "accounts", "accounts_error", "accounts_sum", "tags",
                 "pairs", "languages", "shared_posts", "timeline"]
TAG_KEYS = ["tag", "display", "posts", "accounts", "accounts_error",
            "first_seen", "onset"]
PAIR_KEYS = ["a", "b", "signals", "joined", "posts_both", "posts_expected",
             "posts_lift", "posts_g", "accounts_both", "accounts_both_error",
             "accounts_expected", "accounts_lift", "accounts_g", "jaccard",
             "jaccard_error", "accounts_exact"]
CSV_HEAD = ("movement,defined,movement_posts,movement_accounts,"
            "movement_accounts_error,movement_accounts_sum,tag,display,"
            "posts,accounts,first_seen,onset")


def exact(path):
    """Per folded tag: the set of accounts and the set of post ids, from a
    Mastodon stream (a reblog counts under its original's tags)."""
    acc, posts = {}, {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            s = json.loads(line)
            src = s["reblog"] if s.get("reblog") else s
            for t in {x["name"].lower() for x in src.get("tags", [])}:
                acc.setdefault(t, set()).add(s["account"]["id"])
                posts.setdefault(t, set()).add(s["id"])
    return acc, posts


def union(d, tags):
    u = set()
    for t in tags:
        u |= d.get(t, set())
    return u


def main():
    p = run("generate", "--seed", "4", "--hours", "6", "--rate", "1",
            "--families", "3", "-f", "mastodon", "--truth", TRUTH,
            "-o", STREAM)
    if not ok(p.returncode == 0, "generate --families 3", p.stderr):
        return
    truth = json.load(open(TRUTH))
    fams = truth["families"]
    ok(len(fams) == 3 and all(len(f["tags"]) == 4 for f in fams),
       "the truth lists 3 families of 4 tags", fams)
    langs = {t["lang"] for f in fams for t in f["tags"]}
    ok(len(langs) >= 5, "the families' tags are in several languages", langs)

    p = run("movements", *BUCKET, "--json", STREAM)
    ok(p.returncode == 0, "movements --json exits 0", p.stderr)
    got = json.loads(p.stdout)
    mv = got["movements"]
    found = [sorted(t["tag"] for t in m["tags"]) for m in mv]
    acc, posts = exact(STREAM)
    for f in fams:
        want = sorted(t["tag"] for t in f["tags"])
        ok(want in found, f"family {f['name']} found whole, no foreign tag",
           f"want {want}, found {found}")
    # other movements may form only around a planted movement (a tag the
    # truth planted, with the co-tags its posts carry: #saveourlibrary and
    # #readlocal), never with a family's tag
    fam_sets = [sorted(t["tag"] for t in f["tags"]) for f in fams]
    planted = {m["tag"] for m in truth["movements"]}
    fam_all = {t for g in fam_sets for t in g}
    others = [g for g in found if g not in fam_sets]
    ok(all(set(g) & planted and not set(g) & fam_all for g in others),
       "any other movement is a planted movement with its co-tags", found)
    joined = {t for g in found for t in g}
    fam_tags = {t["tag"] for f in fams for t in f["tags"]}
    for s in truth["spam"]:
        ok(s["tag"] not in joined, f"spam tag {s['tag']} joins nothing")
    for s in truth["steady"]:
        ok(s["tag"] not in joined, f"steady tag {s['tag']} joins nothing")
    for m in mv:
        tags = [t["tag"] for t in m["tags"]]
        u = len(union(acc, tags))
        err = m["accounts_error"]
        bound = 2 * err * u if err else 0
        ok(abs(m["accounts"] - u) <= bound,
           f"{m['name']}: {m['accounts']} accounts, exact union {u} "
           f"(stated error {err})")
        ok(m["accounts"] < m["accounts_sum"], f"{m['name']}: a union, not a sum",
           (m["accounts"], m["accounts_sum"]))
        ok(m["posts"] == len(union(posts, tags)),
           f"{m['name']}: posts {m['posts']} = exact {len(union(posts, tags))}")
        ok(sum(b["posts"] for b in m["timeline"]) == m["posts"],
           f"{m['name']}: the timeline adds up to its posts")
        for t in m["tags"]:
            ok(t["posts"] == len(posts.get(t["tag"], ())) and
               t["accounts"] == len(acc.get(t["tag"], ())),
               f"{m['name']}: #{t['tag']} has its own exact counts")
        ok(all(p["joined"] and "time" in p["signals"] and
               ("posts" in p["signals"] or "accounts" in p["signals"])
               for p in m["pairs"]) and len(m["pairs"]) >= len(tags) - 1,
           f"{m['name']}: each joined pair says its signals", m["pairs"])
        if sorted(tags) not in fam_sets:
            continue
        # onsets: the tags in the order the truth started them
        on = {t["tag"]: t["onset"] for f in fams for t in f["tags"]}
        order = [t["tag"] for t in m["tags"]]
        ok(order == sorted(order, key=lambda k: on[k]),
           f"{m['name']}: tags listed by onset, as planted", order)
        lang_on = [l["lang"] for l in m["languages"] if l["lang"]]
        fl = next(f for f in fams if f["tags"][0]["tag"] in tags)
        ok(lang_on[0] == "en" and
           set(t["lang"] for t in fl["tags"]) <= set(lang_on),
           f"{m['name']}: languages by onset, English first", lang_on)

    # shape of the JSON and of the CSV
    m0 = mv[0]
    ok(list(m0) == MOVEMENT_KEYS, "JSON movement keys", list(m0))
    ok(list(m0["tags"][0]) == TAG_KEYS, "JSON tag keys", list(m0["tags"][0]))
    ok(list(m0["pairs"][0]) == PAIR_KEYS, "JSON pair keys", list(m0["pairs"][0]))
    ok(list(got)[1:] == ["candidates", "candidates_left", "spam_left",
                          "tags_evicted", "combos_evicted"],
       "JSON summary keys", list(got))
    p = run("movements", *BUCKET, "--csv", STREAM)
    rows = list(csv.reader(io.StringIO(p.stdout)))
    ok(p.stdout.splitlines()[0] == CSV_HEAD, "CSV header", p.stdout[:200])
    ok(len(rows) == 1 + sum(len(m["tags"]) for m in mv), "one CSV row per tag")

    # --movement and --movements: the same measures for the same tags
    f0 = fams[0]
    spec = "mine=" + ",".join("#" + t["tag"].upper() for t in f0["tags"])
    p = run("movements", *BUCKET, "--json", "--movement", spec, STREAM)
    d = json.loads(p.stdout)["movements"]
    same = next(m for m in mv if sorted(t["tag"] for t in m["tags"]) ==
                sorted(t["tag"] for t in f0["tags"]))
    ok(p.returncode == 0 and len(d) == 1 and d[0]["defined"] and
       d[0]["name"] == "mine" and
       (d[0]["posts"], d[0]["accounts"], d[0]["timeline"]) ==
       (same["posts"], same["accounts"], same["timeline"]),
       "--movement measures as the found one", p.stderr)
    path = os.path.join(T, "defs.txt")
    with open(path, "w") as f:
        f.write("# studies\n\n" + spec + "\nsteady=news, music\n")
    q = run("movements", *BUCKET, "--json", "--movements", path, STREAM)
    e = json.loads(q.stdout)["movements"]
    ok(q.returncode == 0 and len(e) == 2 and e[0] == d[0],
       "--movements FILE reads the same movement", q.stderr)
    st = e[1]
    ok(st["posts"] == len(union(posts, ["news", "music"])) and
       not any(p["signals"] != ["time"] and set(p["signals"]) & {"posts", "accounts"}
               for p in st["pairs"]),
       "a given movement of steady tags: exact posts, no signal joins them",
       st["pairs"])
    with open(path, "w") as f:
        f.write("good=a,b\nbad line\n")
    q = run("movements", "--movements", path, STREAM)
    ok(q.returncode == 2 and f"{path}:2:" in q.stderr,
       "a bad --movements line is named by file:line", q.stderr)
    q = run("movements", *BUCKET, "--movement", "ghost=NeverUsedTag", "--movement",
            spec, STREAM)
    ok(q.returncode == 1 and "tag 'neverusedtag' was not used" in q.stderr,
       "a given movement without a post: said, exit 1", q.stderr)
    q = run("movements", *BUCKET, "--movement", spec + ",NeverUsedTag", STREAM)
    ok(q.returncode == 0 and "tag 'neverusedtag' was not used" in q.stderr,
       "a given tag never used: said", q.stderr)
    q = run("movements", "--movement", "=a,b", STREAM)
    ok(q.returncode == 2 and "--movement" in q.stderr, "--movement without a name refused",
       q.stderr)
    q = run("movements", "--movement", "x=a,A", STREAM)
    ok(q.returncode == 2 and "twice" in q.stderr, "a tag given twice refused", q.stderr)

    # the same bytes whatever the threads, and from a .gz
    with open(STREAM, "rb") as a, gzip.open(STREAM + ".gz", "wb", 1) as b:
        shutil.copyfileobj(a, b)
    for fmt in ["--json", "--csv", "--no-progress"]:
        outs = [run_bytes("movements", *BUCKET, fmt, "--threads", str(k), STREAM).stdout
                for k in (1, 2, 3)]
        outs.append(run_bytes("movements", *BUCKET, fmt, "--threads", "2",
                              STREAM + ".gz").stdout)
        ok(len(outs[0]) > 100 and all(o == outs[0] for o in outs),
           f"movements {fmt}: --threads 1/2/3 and .gz identical")

    # Bluesky reposts name their original: the same stream as Jetstream
    # (same seed: the same posts and tags) gives the same posts, whatever
    # the threads (a repost resolved in a merge, as in one read)
    js = os.path.join(T, "js.jsonl")
    run("generate", "--seed", "4", "--hours", "6", "--rate", "1",
        "--families", "3", "-f", "jetstream", "-o", js)
    outs = [run_bytes("movements", *BUCKET, "--json", "--threads", str(k), js).stdout
            for k in (1, 3)]
    jm = json.loads(outs[0])["movements"]
    want = sorted((m["name"], m["posts"], m["tag_uses"]) for m in mv
                  if any(t["tag"] in fam_tags for t in m["tags"]))
    have = sorted((m["name"], m["posts"], m["tag_uses"]) for m in jm
                  if any(t["tag"] in fam_tags for t in m["tags"]))
    ok(have == want, "Jetstream: the same families and exact posts as Mastodon",
       (have, want))
    ok(outs[0] == outs[1], "Jetstream: --threads 1 and 3 identical")

    # nothing found: said, non-zero
    small = os.path.join(T, "small.jsonl")
    run("generate", "--seed", "4", "--hours", "3", "--rate", "0.2", "-f",
        "mastodon", "-o", small)
    q = run("movements", *BUCKET, small)
    ok(q.returncode == 1 and "no movement found" in q.stderr,
       "no movement: said on stderr, exit 1", q.stderr)


try:
    main()
finally:
    shutil.rmtree(T, ignore_errors=True)
done()
