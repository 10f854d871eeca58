#!/usr/bin/env python3
"""Turns the measurements of bench/run.sh into the markdown table and checks.

Usage: report.py OUTDIR RESULTS.md   (OUTDIR is bench/data/out)

Reads OUTDIR/times.txt ("ID wall_us peak_kb" per run), env.txt and the JSON
each tool wrote; prints the markdown to stdout and writes it to RESULTS.md.
Exits 1 when a check fails (posts differ where they must agree, accounts
outside the stated error, memory more than 1.2x), after writing the report.
"""
import json
import os
import sys
import unicodedata

TOP = 20
SIGMAS = 3  # accounts must lie within 3 stated standard errors


def fold(s):
    return unicodedata.normalize("NFKC", s.casefold())


def cps(s):
    """The code points beyond ASCII of s, or "ASCII"."""
    return " ".join("U+%04X" % ord(c) for c in s if ord(c) > 127) or "ASCII"


def load(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def main():
    out, results = sys.argv[1], sys.argv[2]
    env = {}
    with open(os.path.join(out, "env.txt"), encoding="utf-8") as f:
        for line in f:
            k, _, v = line.rstrip("\n").partition("=")
            env[k] = v
    runs = {}
    with open(os.path.join(out, "times.txt")) as f:
        for line in f:
            i, us, kb, user, sys_ = line.split()
            runs.setdefault(i, []).append(
                (int(us) / 1e6, int(kb), float(user) + float(sys_)))

    def best(i):
        wall, kb, _ = min(runs[i])
        return wall, kb / 1024.0  # MiB

    def cpu(i):
        return min(r[2] for r in runs[i])

    size = {k: os.path.getsize(env[k]) for k in ("big", "small", "jet")}
    gs = load(os.path.join(out, "gs.json"))
    gs1 = load(os.path.join(out, "gs_t1.json"))
    gss = load(os.path.join(out, "gs_small.json"))
    gsj = load(os.path.join(out, "gs_jet_t1.json"))
    py = load(os.path.join(out, "python.json"))
    dk = load(os.path.join(out, "duckdb.json"))
    jq = load(os.path.join(out, "jq.json"))
    with open(os.path.join(out, "simdjson.txt")) as f:
        sj = dict(kv.split("=", 1) for kv in f.read().split())
    posts = {"big": gs["summary"]["posts"], "small": gss["summary"]["posts"],
             "jet": gsj["summary"]["posts"]}
    jq_on = "big" if env["jqfile"] == env["big"] else "small"
    nproc = int(env["nproc"])

    rows = [  # id, tool, input, threads
        ("gs", "groundswell report", "big", str(nproc)),
        ("gs_t1", "groundswell report --threads 1", "big", "1"),
        ("trends", "groundswell trends", "big", str(nproc)),
        ("python", "Python " + env["python"] + " (json, sets)", "big", "1"),
        ("duckdb", dk["tool"].replace("duckdb", "DuckDB") + " (node-api)", "big",
         str(dk.get("threads", 2))),
        ("jq", env["jq"].replace("jq-", "jq ") + " (ascii_downcase)", jq_on, "1"),
        ("simdjson", "simdjson " + env["simdjson"] + " On-Demand, parse only",
         "big", "1"),
    ]
    mbs = {}
    for i, _, inp, _ in rows:
        mbs[i] = size[inp] / 1e6 / best(i)[0]

    def mb(n):
        return n / 1e6

    L = []
    p = L.append
    p("# groundswell benchmark")
    p("")
    p(f"- Machine: {env['nproc']} cores, {env['cpu']}, {env['kernel']}")
    p(f"- Date: {env['date']}; groundswell {env['groundswell'].split()[-1]} "
      f"(commit {env['commit']}); node {env['node']}; g++ {env['gxx']}")
    p(f"- Command: `sh bench/run.sh` (RUNS={env['runs']}: each tool run "
      f"{env['runs']} times in round robin, best wall time kept; the peak "
      f"memory is that run's); whole run took {env['seconds']} s")
    p(f"- Load average before / after: {env['load_before']} / "
      f"{env['load_after']} (other processes on the machine slow the "
      "multi-threaded runs most; \"cpu s\", user + sys, is less affected)")
    p(f"- Inputs (`build/groundswell generate --seed 1 --bytes-target ...`):")
    p(f"  - big: `{env['big']}` Twitter v1.1, {mb(size['big']):.0f} MB, "
      f"{posts['big']:,} posts")
    p(f"  - small: `{env['small']}` Twitter v1.1, {mb(size['small']):.0f} MB, "
      f"{posts['small']:,} posts")
    p(f"  - Jetstream: `{env['jet']}`, {mb(size['jet']):.0f} MB, "
      f"{int(env['jet_lines']):,} events, {posts['jet']:,} posts and reposts")
    p("")
    p("MB = 10^6 bytes of input; MiB for memory (peak RSS from "
      "`/usr/bin/time -f %M`). \"× gs\" is the tool's MB/s over groundswell "
      f"report's on all {nproc} cores; \"gs speedup\" is its inverse, and "
      "\"gs-1t speedup\" the same for `report --threads 1`.")
    p("")
    p("| tool | input | threads | wall s | cpu s | MB/s | posts/s | peak MiB | "
      "× gs | gs speedup | gs-1t speedup |")
    p("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for i, name, inp, th in rows:
        wall, peak = best(i)
        rate = mbs[i]
        pps = posts[inp] / wall
        star = " *" if inp != "big" else ""
        p(f"| {name} | {inp}{star} | {th} | {wall:.3f} | {cpu(i):.2f} | {rate:,.0f} | "
          f"{pps:,.0f} | {peak:,.1f} | {rate / mbs['gs']:.2f} | "
          f"{mbs['gs'] / rate:.2f} | {mbs['gs_t1'] / rate:.2f} |")
    jw, jpeak = best("gs_jet_t1")
    events = int(env["jet_lines"])
    p(f"| groundswell report --threads 1, Jetstream | jetstream | 1 | "
      f"{jw:.3f} | {cpu('gs_jet_t1'):.2f} | {mb(size['jet']) / jw:,.0f} | {posts['jet'] / jw:,.0f} | "
      f"{jpeak:,.1f} | | | |")
    p("")
    if jq_on != "big":
        p(f"\\* jq ran on the small file only (about {mbs['jq']:.0f} MB/s, "
          f"so about {size['big'] / 1e6 / mbs['jq']:.0f} s for the big file "
          "by extrapolation; JQ_FILE=big measures it). Its MB/s and posts/s "
          "are the small file's.")
        p("")
    p(f"- **Jetstream, one core:** {events / jw:,.0f} events/s "
      f"({posts['jet'] / jw:,.0f} posts+reposts/s, {mb(size['jet']) / jw:,.0f} "
      "MB/s) for the whole report (reading, counting, trend detection over "
      "every bucket, the JSON of every tag).")
    if "gs_jet_ingest" in runs:
        iw = best("gs_jet_ingest")[0]
        tw = best("gs_ingest_t1")[0]
        p(f"- **Reading and counting alone, one core** (`groundswell tag news "
          f"--threads 1`: the full engine, no report): Jetstream "
          f"{events / iw:,.0f} events/s ({iw:.3f} s, {cpu('gs_jet_ingest'):.2f} s cpu); "
          f"Twitter v1.1 {mb(size['big']) / tw:,.0f} MB/s ({tw:.3f} s, "
          f"{cpu('gs_ingest_t1'):.2f} s cpu).")
    ratio = mbs["simdjson"] / mbs["gs_t1"]
    p(f"- **simdjson vs groundswell, one core each:** simdjson "
      f"{mbs['simdjson']:,.0f} MB/s, groundswell report --threads 1 "
      f"{mbs['gs_t1']:,.0f} MB/s: ratio {ratio:.2f}. simdjson only parses "
      "each line (On-Demand, iterate_many) and touches user.id_str and the "
      "hashtag texts; groundswell also folds, hashes and counts every tag "
      "(posts, reposts, replies, timelines, account sketches, co-tags, "
      f"languages, mentions). stage-1 kernel {sj.get('stage1')}, stage-2 "
      f"{sj.get('stage2')}, built with -O3 -march=native.")
    s_gs, b_gs = best("gs_small")[1], best("gs")[1]
    s_1, b_1 = best("gs_small_t1")[1], best("gs_t1")[1]
    r_gs, r_1 = best("gs_rep")[1], best("gs_rep_t1")[1]
    # posts alone: the same stream ten times over (same tags, accounts, hours)
    flat_ok = r_gs / s_gs <= 1.2 and r_1 / s_1 <= 1.2
    s_c, b_c = best("gs_small_cap")[1], best("gs_cap")[1]

    def span_h(d):
        from datetime import datetime
        f = lambda t: datetime.fromisoformat(t.replace("Z", "+00:00"))
        s = d["summary"]
        return (f(s["last_seen"]) - f(s["first_seen"])).total_seconds() / 3600

    p(f"- **Memory flatness, posts alone** (the small stream ten times over: "
      f"10x the posts, the same tags, accounts and hours): all cores "
      f"{s_gs:.1f} -> {r_gs:.1f} MiB, ratio **{r_gs / s_gs:.2f}**; --threads 1 "
      f"{s_1:.1f} -> {r_1:.1f} MiB, ratio **{r_1 / s_1:.2f}** (limit 1.2: "
      f"{'ok' if flat_ok else 'EXCEEDED'}).")
    p(f"- **Memory with a growing vocabulary** ({posts['big'] / posts['small']:.1f}x more "
      f"posts, generated over a longer window): all cores {s_gs:.1f} MiB -> {b_gs:.1f} MiB, ratio "
      f"**{b_gs / s_gs:.2f}**; --threads 1 {s_1:.1f} -> {b_1:.1f} MiB, ratio "
      f"**{b_1 / s_1:.2f}**. "
      f"The small file has {gss['summary']['tags']:,} tags over "
      f"{span_h(gss):.0f} h, the big one {gs['summary']['tags']:,} over "
      f"{span_h(gs):.0f} h (--bytes-target stretches the window at the "
      "default rate): the engine's memory follows the tags tracked times "
      "their timeline buckets, bounded by --max-memory (256 MiB of tags by "
      "default) and --max-tags (200,000). With "
      f"`--max-tags 2000 --threads 1` (table full in both files): "
      f"{s_c:.1f} -> {b_c:.1f} MiB, ratio {b_c / s_c:.2f}.")
    def leading_exact(bounded, unbounded):
        """Tags, from the top of the unbounded run, whose posts the bounded
        run has exactly (up to the first that differs)."""
        got = {t["tag"]: t["posts"] for t in bounded["tags"]}
        n = 0
        for t in unbounded["tags"]:
            if got.get(t["tag"]) != t["posts"]:
                break
            n += 1
        return n

    if "gs_b10" in runs:
        b10 = {k: load(os.path.join(out, k + ".json"))
               for k in ("gs_b10", "gs_b10_t1", "gs_b10_48", "gs_b10_nob")}
        p10 = b10["gs_b10"]["summary"]["posts"]
        m = {k: best(k)[1] for k in b10}
        p(f"- **Ten times the big file** ({p10:,} posts, {p10 / posts['big']:.1f}x, over "
          f"{span_h(b10['gs_b10']):.0f} h instead of {span_h(gs):.0f} h; BIG10): all cores "
          f"{b_gs:.1f} -> {m['gs_b10']:.1f} MiB (**{m['gs_b10'] / b_gs:.2f}x**); one thread "
          f"{b_1:.1f} -> {m['gs_b10_t1']:.1f} MiB (**{m['gs_b10_t1'] / b_1:.2f}x**); without "
          f"the memory bound (--max-memory 0) {m['gs_b10_nob']:.1f} MiB; with --max-memory 48M "
          f"{m['gs_b10_48']:.1f} MiB ({b10['gs_b10_48']['summary'].get('tags_evicted', 0):,} "
          "tag evictions; old buckets' sketches shrink first): the leading "
          f"{leading_exact(b10['gs_b10_48'], b10['gs_b10_nob']):,} tags of the unbounded "
          "run have their posts exactly with 48M.")
    pw, ppeak = best("python")
    gw, gpeak = best("gs")
    p(f"- **Issue 2 (report on a file of at least 500 MB, next to Python):** "
      f"{mb(size['big']):.0f} MB, {posts['big']:,} posts: groundswell report "
      f"{mbs['gs']:,.0f} MB/s, {posts['big'] / gw:,.0f} posts/s, "
      f"{gpeak:.1f} MiB peak; Python {mbs['python']:,.0f} MB/s, "
      f"{posts['big'] / pw:,.0f} posts/s, {ppeak:.1f} MiB peak "
      f"(groundswell {mbs['gs'] / mbs['python']:.1f}x faster on {nproc} "
      f"cores, {mbs['gs_t1'] / mbs['python']:.1f}x on one).")
    p("")
    p("All runs (wall s / peak MiB):")
    p("")
    for i in runs:
        p(f"- {i}: " + ", ".join(f"{w:.3f}/{kb / 1024:.1f}" for w, kb, _ in runs[i]))
    p("")

    # ---- checks ---------------------------------------------------------
    failed = []
    p("## Agreement of the top 20 tags")
    p("")
    p(f"Top {TOP} by groundswell report (all cores) on the big file. Posts "
      "must be equal; groundswell's accounts must lie within "
      f"{SIGMAS}x its stated relative standard error (accounts_error) of the "
      "exact count (Python's sets).")
    p("")
    P = {t["tag"]: t for t in py["tags"]}
    D = {t["tag"]: t for t in dk["tags"]}
    G1 = {t["tag"]: t for t in gs1["tags"]}
    Dfold = {}
    for t in dk["tags"]:
        Dfold.setdefault(fold(t["tag"]), []).append(t)
    p("| tag | gs posts | py posts | duckdb posts | gs accounts (± err) | "
      "exact accounts | gs error / stated | duckdb accounts |")
    p("|---|---:|---:|---:|---:|---:|---:|---:|")
    notes = []
    worst = 0.0
    for t in gs["tags"][:TOP]:
        k = t["tag"]
        pt = P.get(k, {"posts": None, "accounts": None})
        dt = D.get(k, {"posts": None, "accounts": None})
        err = t.get("accounts_error", 0.0)
        exact = pt["accounts"]
        if exact is None:
            rel = float("inf")
        elif err > 0:
            rel = abs(t["accounts"] - exact) / exact / err
        else:
            rel = 0.0 if t["accounts"] == exact else float("inf")
        worst = max(worst, rel)
        marks = []
        if pt["posts"] != t["posts"]:
            marks.append("py posts")
            failed.append(f"{k}: posts groundswell {t['posts']} python {pt['posts']}")
        if rel > SIGMAS:
            marks.append("accounts")
            failed.append(f"{k}: accounts groundswell {t['accounts']} exact {exact} "
                          f"({rel:.1f} stated errors)")
        if dt["posts"] != t["posts"] or dt["accounts"] != exact:
            marks.append("duckdb")
            split = Dfold.get(k, [])
            notes.append(
                f"- `{k}`: DuckDB {dt['posts']} posts / {dt['accounts']} accounts, "
                "groundswell and Python "
                f"{t['posts']} / {exact}. DuckDB's lower() keeps apart: "
                + ", ".join(f"`{d['tag']}` ({d['posts']} posts, "
                            f"{cps(d['tag'])})" for d in split)
                + (". Their posts add up to groundswell's." if
                   sum(d["posts"] for d in split) == t["posts"] else
                   ". Their posts do not add up to groundswell's (posts "
                   "using two of the spellings count once in groundswell)."))
        g1 = G1.get(k)
        if not g1 or g1["posts"] != t["posts"] or g1["accounts"] != t["accounts"]:
            marks.append("threads")
            failed.append(f"{k}: --threads 1 gives {g1 and (g1['posts'], g1['accounts'])}"
                          f" but all cores {(t['posts'], t['accounts'])}")
        shown = "" if not marks else " **≠ " + ", ".join(marks) + "**"
        p(f"| {k}{shown} | {t['posts']} | {pt['posts']} | {dt['posts']} | "
          f"{t['accounts']} (±{err * 100:.2f}%) | {exact} | {rel:.2f} | "
          f"{dt['accounts']} |")
    p("")
    p(f"Worst account estimate in the top {TOP}: {worst:.2f} stated standard "
      "errors. `report --threads 1` gave the same top "
      f"{TOP} as all cores: {'yes' if not any('threads' in f for f in failed) else 'NO'}.")
    p("")
    if notes:
        p("DuckDB differences in the top 20 (explained by case mapping, not "
          "counting):")
        p("")
        L.extend(notes)
        p("")

    # whole tables
    G = {t["tag"]: t for t in gs["tags"]}
    only_g = sorted(set(G) - set(P))
    only_p = sorted(set(P) - set(G))
    diff = sorted(k for k in G if k in P and G[k]["posts"] != P[k]["posts"])
    p("## Whole tables")
    p("")
    p(f"- groundswell {len(G):,} tags, Python {len(P):,}, DuckDB {len(D):,}, "
      f"jq ({jq_on} file) {len(jq['tags']):,}.")
    p(f"- groundswell vs Python on every tag: {len(only_g)} only in "
      f"groundswell, {len(only_p)} only in Python, {len(diff)} with different "
      "posts." + (" Identical keys and posts." if not (only_g or only_p or diff)
                  else ""))
    if only_g or only_p or diff:
        failed.append(f"whole table: {len(only_g)} tags only in groundswell "
                      f"{only_g[:5]}, {len(only_p)} only in Python {only_p[:5]}, "
                      f"{len(diff)} posts differ {diff[:5]}")
    if int(sj["posts"]) != posts["big"]:
        failed.append(f"simdjson saw {sj['posts']} posts, groundswell {posts['big']}")
    p(f"- simdjson parsed {int(sj['posts']):,} posts "
      f"({int(sj['tag_uses']):,} tag uses, {sj['errors']} errors); "
      f"groundswell counted {posts['big']:,}.")
    apart = [t for t in dk["tags"] if fold(t["tag"]) != t["tag"]]
    p(f"- DuckDB lower() vs NFKC + case folding: {len(apart)} DuckDB keys "
      "are not folded the way groundswell and Python fold them (each is "
      "counted apart from its folded form):")
    p("")
    p("| DuckDB key | code points beyond ASCII | posts | groundswell key | why |")
    p("|---|---|---:|---|---|")
    for t in sorted(apart, key=lambda t: -t["posts"])[:15]:
        k = t["tag"]
        f = fold(k)
        nfc = unicodedata.normalize("NFC", k)
        if unicodedata.normalize("NFKC", k) != nfc:
            why = "compatibility form (NFKC)"
        elif nfc != k:
            why = "not composed (NFC)"
        else:
            why = "full case folding"
        p(f"| `{k}` | {cps(k)} | {t['posts']} | `{f}` | {why} |")
    p("")
    # jq against groundswell on the file jq read
    gj = gs if jq_on == "big" else gss
    J = {t["tag"]: t for t in jq["tags"]}
    Jfold = {}
    for t in jq["tags"]:
        Jfold.setdefault(fold(t["tag"]), []).append(t)
    jbad = []
    for t in gj["tags"][:TOP]:
        jt = J.get(t["tag"])
        if not jt or jt["posts"] != t["posts"]:
            jbad.append(f"`{t['tag']}` groundswell {t['posts']} posts, jq "
                        + ", ".join(f"`{x['tag']}` {x['posts']}"
                                    for x in Jfold.get(t["tag"], [])))
    p(f"- jq (ascii_downcase, {jq_on} file) vs groundswell, top {TOP}: "
      + ("all posts equal." if not jbad else
         f"{len(jbad)} differ, all by non-ASCII case mapping or "
         "normalisation:"))
    for b in jbad:
        p(f"  - {b}")
    p("")
    if not flat_ok:
        failed.append(f"memory flatness: 10x the posts costs {r_gs / s_gs:.2f}x "
                      f"the memory on all cores, {r_1 / s_1:.2f}x on one "
                      "(goal: at most 1.2x)")
    p("## Checks")
    p("")
    if failed:
        p(f"{len(failed)} check(s) failed:")
        p("")
        for f in failed:
            p(f"- **FAILED** {f}")
    else:
        p("All checks passed.")
    p("")
    text = "\n".join(L) + "\n"
    with open(results, "w", encoding="utf-8") as f:
        f.write(text)
    sys.stdout.write(text)
    if failed:
        sys.stderr.write(f"bench: {len(failed)} check(s) failed\n")
        sys.exit(1)


if __name__ == "__main__":
    main()
