#!/usr/bin/env python3
"""Turns the measurements of bench/compressed.sh into a markdown table and
the checks of issue 17.

Usage: compressed.py OUTDIR RESULTS.md

Reads OUTDIR/env.txt, forms.txt ("FORM DATASET KIND PLAIN_BYTES
COMPRESSED_BYTES FILE..."), times.txt ("ID wall_us peak_kb user_s sys_s" per
run), unstable.txt (outputs that changed between rounds), big10.txt and the
JSON outputs; prints the markdown to stdout and writes it to RESULTS.md.
Exits 1 when a check fails, after writing everything.
"""
import filecmp
import json
import os
import sys
import traceback

# the bounds
GZ_VS_DUCKDB = 0.5
ZST_VS_DUCKDB = 0.4
GZ_VS_PLAIN = 1.5
PEAK_VS_PLAIN = 1.10
BIG10_PEAK = 1.3

FORMS = {
    "plain": "plain",
    "gz": "`gzip -1`",
    "zst": "`zstd -3`",
    "bgzf": "`bgzip -l 1` (BGZF members)",
    "m8": "`split -n 8` + `gzip -1` + cat (8 members)",
    "pzst": "`pzstd -3 -p 2` (frames)",
    "f8": "8 `.gz` files (`split -n l/8` + `gzip -1`), one run",
}
TOOLS = [
    ("gs", "report"),
    ("gs1", "report --threads 1"),
    ("gsz", "report, GROUNDSWELL_INFLATE=zlib"),
    ("gsz1", "report --threads 1, GROUNDSWELL_INFLATE=zlib"),
    ("dd", "DuckDB (threads=2)"),
    ("igzip", "`igzip -dc` (ISA-L)"),
    ("gzip", "`gzip -dc`"),
    ("pigz", "`pigz -dc`"),
    ("zstd", "`zstd -dc`"),
]


# A tag's Space-Saving summaries and their capacities: exact (and then the
# same for every split of the input) while they hold fewer entries; full,
# only lower bounds are promised, which depend on how the input was split
# (tests/cli/threads.sh compares them the same way).
LISTS = (("co_tags", 16), ("languages", 16), ("mentions", 10), ("urls", 10),
         ("domains", 10))


def same_but_full_lists(a_path, b_path):
    """Whether report --json output b is equal to the reference a once the
    lists of every tag whose summaries are full in a are left out (a list
    not full in a is exact: b must have it too); False when either is not
    JSON or their tags differ."""
    try:
        with open(a_path, encoding="utf-8") as f:
            a = json.load(f)
        with open(b_path, encoding="utf-8") as f:
            b = json.load(f)
    except ValueError:
        return False
    if a == b:
        return False  # the same values, other bytes: a difference of form
    ta, tb = a.get("tags", []), b.get("tags", [])
    if len(ta) != len(tb):
        return False
    for x, y in zip(ta, tb):
        if any(len(x.get(k, ())) >= m for k, m in LISTS):
            for t in (x, y):
                for k, _ in LISTS:
                    t.pop(k, None)
    return a == b


def main():
    out, results = sys.argv[1], sys.argv[2]
    env = {}
    with open(os.path.join(out, "env.txt"), encoding="utf-8") as f:
        for line in f:
            k, _, v = line.rstrip("\n").partition("=")
            env[k] = v
    forms = {}  # form id -> (dataset, kind, plain bytes, compressed bytes)
    order = []
    with open(os.path.join(out, "forms.txt"), encoding="utf-8") as f:
        for line in f:
            w = line.split()
            forms[w[0]] = (w[1], w[2], int(w[3]), int(w[4]))
            order.append(w[0])
    runs = {}
    with open(os.path.join(out, "times.txt")) as f:
        for line in f:
            i, us, kb, user, sys_ = line.split()
            runs.setdefault(i, []).append(
                (int(us) / 1e6, int(kb) / 1024.0, float(user) + float(sys_)))
    unstable = []
    p = os.path.join(out, "unstable.txt")
    if os.path.exists(p):
        with open(p) as f:
            unstable = sorted(set(f.read().split()))

    failed_runs = {}
    p = os.path.join(out, "failed.txt")
    if os.path.exists(p):
        with open(p) as f:
            for line in f:
                i, rc = line.split()
                failed_runs.setdefault(i, rc)

    def best(i):
        """(best wall s, that run's peak MiB, smallest cpu s)"""
        wall, mib, _ = min(runs[i])
        return wall, mib, min(r[2] for r in runs[i])

    lines = []
    w = lines.append
    duck = "DuckDB"
    for i in runs:
        if i.startswith("dd."):
            with open(os.path.join(out, i + ".json"), encoding="utf-8") as f:
                duck = json.load(f).get("tool", duck)
            break
    w("# Compressed archives side by side (issue 17)")
    w("")
    if env.get("note"):
        w(f"**{env['note']}**")
        w("")
    w(f"groundswell `{env['build']}` ({env['groundswell']}, sha256 "
      f"{env['sha256']}), {duck}, node {env['node']}; {env['nproc']} cores "
      f"({env['cpu']}), {env['kernel']}, {env['date']}. Best wall time of "
      f"{env['runs']} rounds (round robin), that run's peak RSS, the smallest "
      "user+sys CPU time (`/usr/bin/time -f \"%e %M %U %S\"`). MB/s = 10^6 "
      "bytes per second of wall time, of the compressed input and of the "
      "plain bytes it holds. Load average before/after: "
      f"{env['load_before']} / {env['load_after']}; the run took "
      f"{env['seconds']} s. Made by `sh bench/compressed.sh`.")
    w("")
    notes = []
    if env["inflate_switch"] != "yes":
        notes.append("this binary does not know GROUNDSWELL_INFLATE: its "
                     "`zlib` rows run the same code as the rows above them")
    if env["isal"] != "yes":
        notes.append("this binary is not linked with ISA-L: every gzip row "
                     "inflates with zlib")
    for n in notes:
        w(f"- Note: {n}.")
    if notes:
        w("")
    w("| input | form | MB | command | wall s | cpu s | peak MiB | "
      "MB/s compressed | MB/s plain | peak / plain's |")
    w("|---|---|--:|---|--:|--:|--:|--:|--:|--:|")
    for fid in order:
        ds, kind, pb, cb = forms[fid]
        fname = FORMS[fid.rsplit("_", 1)[1]]
        for t, label in TOOLS:
            i = f"{t}.{fid}"
            if i not in runs:
                continue
            wall, mib, cpu = best(i)
            rel = ""
            if i in failed_runs:
                rel = f"**exit {failed_runs[i]}**"
            elif t.startswith("gs"):
                base = f"{'gs1' if t in ('gs1', 'gsz1') else 'gs'}.{ds.split('-')[0]}_plain"
                rel = f"{mib / best(base)[1]:.2f}"
            mb = f"{cb / 1e6:,.0f}" if cb >= 1e8 else f"{cb / 1e6:.3g}"
            w(f"| {ds} | {fname} | {mb} | {label} | {wall:.3f} | "
              f"{cpu:.2f} | {mib:.0f} | {cb / 1e6 / wall:,.0f} | "
              f"{pb / 1e6 / wall:,.0f} | {rel} |")
    w("")

    checks = []  # (what, measured, bound, ok)

    def check(what, got, bound, detail="", ids=()):
        """A ratio check; one of ids (the runs it compares) failing fails
        it, whatever its figure."""
        bad = [f"{i} exited {failed_runs[i]}" for i in ids if i in failed_runs]
        if bad:
            detail = "run failed: " + ", ".join(bad) + "; " + detail
        checks.append((what, got, bound, got <= bound and not bad, detail))

    datasets = []
    for fid in order:
        ds = forms[fid][0]
        if ds not in datasets:
            datasets.append(ds)
    for ds in datasets:
        k = ds.split("-")[0]
        g = lambda i: best(i)[0]  # noqa: E731

        def times(i, j):
            """wall and cpu of run i against run j, for a check's detail"""
            ci, cj = best(i)[2], best(j)[2]
            r = f"{ci / cj:.2f}" if cj else "n/a"
            return (f"{best(i)[0]:.3f} s / {best(j)[0]:.3f} s wall; cpu "
                    f"{ci:.2f} s / {cj:.2f} s = {r}")

        check(f"{ds}: report on `.gz` / DuckDB on `.gz`",
              g(f"gs.{k}_gz") / g(f"dd.{k}_gz"), GZ_VS_DUCKDB,
              times(f"gs.{k}_gz", f"dd.{k}_gz"),
              (f"gs.{k}_gz", f"dd.{k}_gz"))
        check(f"{ds}: report on `.zst` / DuckDB on `.zst`",
              g(f"gs.{k}_zst") / g(f"dd.{k}_zst"), ZST_VS_DUCKDB,
              times(f"gs.{k}_zst", f"dd.{k}_zst"),
              (f"gs.{k}_zst", f"dd.{k}_zst"))
        check(f"{ds}: report on `.gz` / on plain",
              g(f"gs.{k}_gz") / g(f"gs.{k}_plain"), GZ_VS_PLAIN,
              times(f"gs.{k}_gz", f"gs.{k}_plain"),
              (f"gs.{k}_gz", f"gs.{k}_plain"))
        worst, wi = 0.0, ""
        for i in runs:
            t, _, fid = i.partition(".")
            if t not in ("gs", "gs1", "gsz", "gsz1") or fid not in forms:
                continue
            if forms[fid][0] != ds or fid.endswith("_plain") or i in failed_runs:
                continue  # (a failed run fails the identity check)
            base = f"{'gs1' if t in ('gs1', 'gsz1') else 'gs'}.{k}_plain"
            r = best(i)[1] / best(base)[1]
            if r > worst:
                worst, wi = r, f"worst: {i}, {best(i)[1]:.0f} MiB / {best(base)[1]:.0f} MiB"
        check(f"{ds}: peak memory, compressed / plain (every form, same threads)",
              worst, PEAK_VS_PLAIN, wi, (f"gs.{k}_plain", f"gs1.{k}_plain"))
        ref = os.path.join(out, f"gs.{k}_plain.json")
        differ, lists, n = [], [], 0
        for i in sorted(runs):
            t, _, fid = i.partition(".")
            if t not in ("gs", "gs1", "gsz", "gsz1") or fid not in forms:
                continue
            if forms[fid][0] != ds or i == f"gs.{k}_plain":
                continue
            n += 1
            path = os.path.join(out, i + ".json")
            if filecmp.cmp(ref, path, shallow=False):
                continue
            if i not in failed_runs and same_but_full_lists(ref, path):
                lists.append(i)
            else:
                differ.append(i)
        mine = lambda i: i.split(".")[-1].startswith(k + "_")  # noqa: E731
        fails = sorted(i for i in failed_runs if mine(i))
        unst = [u for u in unstable if mine(u)]
        bad = sorted(set(differ + unst + fails))
        detail = f"{n} outputs cmp'd to plain's (all cores): "
        detail += f"differ: {', '.join(differ)}" if differ else "no other difference"
        if lists:
            detail += (f"; {len(lists)} the same but for full Space-Saving lists "
                       f"(lower bounds that depend on the split): {', '.join(lists)}")
        if fails:
            detail += "; failed (exit status): " + ", ".join(
                f"{i} ({failed_runs[i]})" for i in fails)
        if unst:
            detail += f"; changed between rounds: {', '.join(unst)}"
        checks.append((f"{ds}: `report --json` identical across forms, threads "
                       "and GROUNDSWELL_INFLATE=zlib (runs that differ; full "
                       "Space-Saving lists aside)",
                       len(bad), 0, not bad, detail))
    p = os.path.join(out, "big10.txt")
    if os.path.exists(p):
        with open(p) as f:
            b10, b10size = f.read().split()
        a, b = best("b10.big")[1], best("b10.big10")[1]
        a1, b1 = best("b10_t1.big")[1], best("b10_t1.big10")[1]
        check(f"BIG10: peak memory of `report --json --top 20` on "
              f"{os.path.basename(b10)} ({int(b10size) / 1e9:.1f} GB) / on "
              f"{datasets[0]} (default options)", b / a, BIG10_PEAK,
              f"{b:.0f} MiB / {a:.0f} MiB ({best('b10.big10')[0]:.1f} s / "
              f"{best('b10.big')[0]:.1f} s); --threads 1: {b1:.0f} / {a1:.0f} MiB = "
              f"{b1 / a1:.2f}", ("b10.big", "b10.big10"))
    p = os.path.join(out, "h10.txt")
    if os.path.exists(p) and all(i in runs for i in (
            "b10.big", "b10_t1.big", "h10.h10", "h10_t1.h10")):
        with open(p) as f:
            h10, h10size, h10hours = f.read().split()
        a, b = best("b10.big")[1], best("h10.h10")[1]
        a1, b1 = best("b10_t1.big")[1], best("h10_t1.h10")[1]
        check(f"H10 (not one of the issue's checks): peak memory of `report "
              f"--json --top 20` on {os.path.basename(h10)} ({int(h10size) / 1e9:.1f} GB, "
              f"the big file's posts over {h10hours} h) / on {datasets[0]}",
              b / a, BIG10_PEAK,
              f"{b:.0f} MiB / {a:.0f} MiB; --threads 1: {b1:.0f} / {a1:.0f} MiB = "
              f"{b1 / a1:.2f}", ("b10.big", "h10.h10"))
    w("## Checks")
    w("")
    w("| check | measured | bound | result | detail |")
    w("|---|--:|--:|---|---|")
    for what, got, bound, good, detail in checks:
        fmt = (lambda x: f"{x:.2f}") if isinstance(got, float) else str
        w(f"| {what} | {fmt(got)} | {fmt(bound)} | {'pass' if good else '**FAIL**'} | {detail} |")
    w("")
    failed = sum(1 for c in checks if not c[3])
    w(f"{len(checks) - failed} of {len(checks)} checks pass.")
    w("")
    w("Times are noisy on a shared machine (see the load average): compare "
      "the cpu s column, or rerun with RUNS=5. DuckDB's Jetstream query counts "
      "each created post's facet tags and does not resolve reposts to the "
      "post they repeat (groundswell does), so it does less counting over "
      "the same parse. DuckDB picks its decoder from the file name "
      "(read_ndjson's compression 'auto': `.gz`, `.zst`) and reads the 8 "
      "files through one glob.")
    text = "\n".join(lines) + "\n"
    sys.stdout.write(text)
    with open(results, "w", encoding="utf-8") as f:
        f.write(text)
    return 1 if failed else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except Exception:  # a bug here is not a failed check: exit 2
        traceback.print_exc()
        sys.exit(2)
