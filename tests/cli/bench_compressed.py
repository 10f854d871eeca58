#!/usr/bin/env python3
"""bench/compressed.sh on tiny generated files, RUNS=1 (TAP), so that the
compressed-archives benchmark cannot rot; and its table writer
(bench/compressed.py) on made-up measurements, one failing check at a time.

- The script runs end to end (every form, groundswell, DuckDB, the
  decoders, BIG10) and exits 0 or 1 as its checks say; every measurement
  has its table row; the output-identity check agrees with cmp.
- Plain files already in DATA, and a .gz beside them, are used and left
  alone; the missing forms are made in DATA2.
- compressed.py passes made-up figures within every bound, and fails each
  check alone when its figure is moved past the bound.

Skipped (with the reason) without DuckDB's node module (cd bench && npm ci)
or the script's prerequisites.
"""
import filecmp
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
from tap import BIN, done, ok  # noqa: E402

if not os.path.isdir(os.path.join(ROOT, "bench", "node_modules", "@duckdb", "node-api")):
    print("1..0 # SKIP DuckDB's node module is absent (cd bench && npm ci)")
    sys.exit(0)

tmp = tempfile.mkdtemp(prefix="gs-bench-compressed-")
data, data2 = os.path.join(tmp, "data"), os.path.join(tmp, "data2")
os.mkdir(data)
binary = os.path.abspath(os.path.join(ROOT, BIN) if not os.path.isabs(BIN) else BIN)

# the plain files and one .gz already in DATA: all used as they are
tw = os.path.join(data, "twitter1-1M.jsonl")
for fmt, size in (("twitter1", "1M"), ("jetstream", "500K"), ("twitter1", "2M")):
    subprocess.run([binary, "generate", "--seed", "1", "-f", fmt, "--bytes-target",
                    size, "-o", os.path.join(data, f"{fmt}-{size}.jsonl")], check=True)
with open(tw, "rb") as f, open(tw + ".gz", "wb") as g:
    subprocess.run(["gzip", "-1", "-c"], stdin=f, stdout=g, check=True)


def listing(d):
    return sorted((n, os.stat(os.path.join(d, n)).st_mtime_ns) for n in os.listdir(d))


before = listing(data)
res = os.path.join(tmp, "c.md")
env = dict(os.environ, DATA=data, DATA2=data2, RUNS="1", BIG="1M", JET="500K",
           BIG10="2M", RESULTS=res, GS=binary, NOTE="smoke test")
p = subprocess.run(["sh", "bench/compressed.sh"], cwd=ROOT, env=env,
                   capture_output=True, text=True, errors="replace", timeout=600)
if p.returncode == 2 and "missing prerequisites" in p.stderr:
    print("1..0 # SKIP " + p.stderr.strip().splitlines()[0])
    sys.exit(0)
ok(p.returncode in (0, 1), "compressed.sh ran (exit 0 or 1)",
   f"exit {p.returncode}\n{p.stderr[-1500:]}")
out = os.path.join(data2, "out-compressed")
md = open(res, encoding="utf-8").read() if os.path.exists(res) else ""
ok(md and p.stdout == md, "the results are printed and written to RESULTS",
   p.stderr[-1500:])
ok("**smoke test**" in md, "NOTE heads the results")

# the inputs: DATA's files used and left alone, the other forms in DATA2
ok(listing(data) == before, "DATA is left as it was", (before, listing(data)))
forms = {}
if os.path.exists(os.path.join(out, "forms.txt")):
    for line in open(os.path.join(out, "forms.txt"), encoding="utf-8"):
        w = line.split()
        forms[w[0]] = w[5:]
ok(forms.get("twitter1_gz") == [tw + ".gz"], "a .gz present in DATA is used",
   forms.get("twitter1_gz"))
made = [f for k, v in forms.items() if k not in ("twitter1_plain", "twitter1_gz")
        for f in v if not k.endswith("_plain")]
ok(len(forms) == 13 and len(forms["twitter1_f8"]) == 8 and made and
   all(os.path.dirname(f) == data2 for f in made),
   "the 12 other compressed forms (8 files for one) are made in DATA2", forms)
for fid, files in forms.items():
    if fid.endswith("_plain"):
        continue
    plain = forms[fid.split("_")[0] + "_plain"][0]
    dec = b"".join(subprocess.run(["zstd" if f.endswith(".zst") else "gzip", "-dc", f],
                                  capture_output=True, check=True).stdout for f in files)
    ok(dec == open(plain, "rb").read(), f"form {fid} holds the plain file's bytes")

# every measurement has its row; the checks are all there
ids = [line.split()[0] for line in open(os.path.join(out, "times.txt"))]
want = set()
for k in ("twitter1", "jetstream"):
    for f in ("plain", "gz", "zst", "bgzf", "m8", "pzst"):
        want |= {f"gs.{k}_{f}", f"gs1.{k}_{f}"}
        if f in ("gz", "bgzf", "m8"):
            want |= {f"gsz.{k}_{f}", f"gsz1.{k}_{f}"}
    want |= {f"dd.{k}_plain", f"dd.{k}_gz", f"dd.{k}_zst", f"igzip.{k}_gz",
             f"gzip.{k}_gz", f"pigz.{k}_gz", f"zstd.{k}_zst"}
want |= {"gs.twitter1_f8", "gs1.twitter1_f8", "gsz.twitter1_f8", "gsz1.twitter1_f8",
         "dd.twitter1_f8", "b10.big", "b10.big10", "b10_t1.big", "b10_t1.big10",
         "h10.h10", "h10_t1.h10"}
ok(sorted(ids) == sorted(want), "each command ran once (RUNS=1)",
   sorted(set(ids) ^ want))
rows = [r for r in md.splitlines() if re.match(r"\| (twitter1|jetstream)-[^ :|]+ \|", r)]
ok(len(rows) == len(want) - 6, "a table row per measurement", len(rows))
checks = re.findall(r"^\| (.*) \| (\S+) \| (\S+) \| (pass|\*\*FAIL\*\*) \|", md, re.M)
ok(len(checks) == 12, "12 checks (4 each file's speed and memory, 2 identity, BIG10, H10)",
   checks)
h10 = [f for f in os.listdir(data2) if f.endswith("-h10.jsonl")]
ok(h10 == ["twitter1-1M-h10.jsonl"], "H10 is made in DATA2", os.listdir(data2))
fails = sum(1 for c in checks if c[3] != "pass")
ok((p.returncode == 1) == (fails > 0), "exit 1 exactly when a check fails",
   (p.returncode, fails))


CAPS = {"co_tags": 16, "languages": 16, "mentions": 10, "urls": 10, "domains": 10}


def differs(ref, path):
    """Whether a report --json output differs from the reference but for
    the Space-Saving lists of tags where the reference's are full (those
    are lower bounds that may change with the split)."""
    if filecmp.cmp(ref, path, shallow=False):
        return False
    try:
        a = json.load(open(ref, encoding="utf-8"))
        b = json.load(open(path, encoding="utf-8"))
    except ValueError:
        return True
    if a == b:
        return True  # other bytes for the same values
    full = {t["tag"] for t in a["tags"] if any(len(t.get(k, ())) >= m for k, m in CAPS.items())}
    for d in (a, b):
        for t in d["tags"]:
            if t["tag"] in full:
                for k in CAPS:
                    t.pop(k, None)
    return a != b


for k in ("twitter1", "jetstream"):
    ref = os.path.join(out, f"gs.{k}_plain.json")
    bad = sorted(i for i in want if re.match(rf"gsz?1?\.{k}_", i) and
                 i != f"gs.{k}_plain" and differs(ref, os.path.join(out, i + ".json")))
    got = [c for c in checks if c[0].startswith(k) and "identical" in c[0]]
    ok(got and got[0][1] == str(len(bad)),
       f"{k}: the identity check counts the outputs that differ ({len(bad)})",
       (got, bad))


# ---- the table writer on made-up figures ------------------------------------
def fake(tweak=lambda t: t, differ=None, unstable=None, failed=None, edit=None):
    """compressed.py on OUT's files with made-up times (all within bounds,
    then tweak(dict id -> [wall s, peak KB])); returns (exit, checks)."""
    d = os.path.join(tmp, "fake")
    shutil.rmtree(d, ignore_errors=True)
    shutil.copytree(out, d)
    for n in ("failed.txt", "unstable.txt"):
        if os.path.exists(os.path.join(d, n)):
            os.remove(os.path.join(d, n))
    t = {}
    for i in want:
        t[i] = [1.0, 100000]
        if i.startswith("dd."):
            t[i] = [10.0, 200000]
        ref = f"gs.{i.split('.')[1].split('_')[0]}_plain"
        if i.startswith("gs") and i != ref:
            shutil.copy(os.path.join(d, ref + ".json"), os.path.join(d, i + ".json"))
    t = tweak(t)
    with open(os.path.join(d, "times.txt"), "w") as f:
        for i, (wall, kb) in t.items():
            f.write(f"{i} {int(wall * 1e6)} {kb} {wall:.2f} 0.00\n")
    if differ:
        with open(os.path.join(d, differ + ".json"), "a") as f:
            f.write(" ")
    if unstable:
        with open(os.path.join(d, "unstable.txt"), "w") as f:
            f.write(unstable + "\n")
    if edit:
        edit(d)
    if failed:
        with open(os.path.join(d, "failed.txt"), "w") as f:
            f.write(failed + " 4\n")
    q = subprocess.run([sys.executable, "bench/compressed.py", d, os.path.join(d, "r.md")],
                       cwd=ROOT, capture_output=True, text=True)
    c = re.findall(r"^\| (.*) \| (\S+) \| (\S+) \| (pass|\*\*FAIL\*\*) \|", q.stdout, re.M)
    return q.returncode, [(w, m) for w, m, b, r in c if r != "pass"], len(c)


rc, failed, n = fake()
ok(rc == 0 and not failed and n == 12, "made-up figures within every bound pass",
   (rc, failed, n))


def set_(i, wall=None, kb=None):
    def tw(t):
        if wall is not None:
            t[i][0] = wall
        if kb is not None:
            t[i][1] = kb
        return t
    return tw


cases = [
    ("report on .gz at 0.6x DuckDB's", set_("dd.twitter1_gz", wall=1 / 0.6),
     "twitter1-1M: report on `.gz` / DuckDB", "0.60"),
    ("report on .zst at 0.45x DuckDB's", set_("gs.jetstream_zst", wall=4.5),
     "jetstream-500K: report on `.zst` / DuckDB", "0.45"),
    ("report on .gz at 1.6x plain's", lambda t: (set_("dd.jetstream_gz", wall=20.0)(t),
                                                 set_("gs.jetstream_gz", wall=1.6)(t))[1],
     "jetstream-500K: report on `.gz` / on plain", "1.60"),
    ("one form's peak 1.15x plain's, one thread", set_("gsz1.twitter1_m8", kb=115000),
     "twitter1-1M: peak memory", "1.15"),
    ("BIG10 at 1.35x", set_("b10.big10", kb=135000), "BIG10", "1.35"),
    ("H10 at 1.35x", set_("h10.h10", kb=135000), "H10", "1.35"),
]
for what, tweak, name, got in cases:
    rc, failed, n = fake(tweak)
    ok(rc == 1 and len(failed) == 1 and failed[0][0].startswith(name) and
       failed[0][1] == got, f"fails alone: {what}", (rc, failed))
rc, failed, n = fake(differ="gsz1.jetstream_bgzf")
ok(rc == 1 and len(failed) == 1 and "identical" in failed[0][0] and
   failed[0][0].startswith("jetstream") and failed[0][1] == "1",
   "fails alone: one output differs (zlib, BGZF, one thread)", (rc, failed))
rc, failed, n = fake(unstable="gs.twitter1_pzst")
ok(rc == 1 and len(failed) == 1 and failed[0][0].startswith("twitter1") and
   "identical" in failed[0][0], "fails alone: an output changed between rounds",
   (rc, failed))

def urls(n_ref, n_other):
    """An edit for fake(): the first tag's urls in twitter1's plain output
    and in gs1.twitter1_gz's: n_ref and n_other entries, not the same."""
    def edit(d):
        for name, n, base in (("gs.twitter1_plain", n_ref, "a"),
                              ("gs1.twitter1_gz", n_other, "b")):
            path = os.path.join(d, name + ".json")
            j = json.load(open(path, encoding="utf-8"))
            j["tags"][0]["urls"] = [{"url": f"https://{base}{i}.example", "posts": 1}
                                    for i in range(n)]
            json.dump(j, open(path, "w", encoding="utf-8"))
    return edit


rc, failed, n = fake(edit=urls(10, 10))
ok(rc == 0 and not failed, "outputs that differ only in a full urls list pass "
   "(lower bounds that depend on the split)", (rc, failed))
rc, failed, n = fake(edit=urls(9, 10))  # 9 in the reference: exact
ok(rc == 1 and len(failed) == 1 and failed[0][0].startswith("twitter1") and
   "identical" in failed[0][0], "a urls list that is not full must be the same",
   (rc, failed))

rc, failed, n = fake(failed="gs.jetstream_gz")
what = sorted(w.split(":")[1].split("/")[0].strip()[:22] for w, m in failed)
ok(rc == 1 and what == ["`report --json` identi", "report on `.gz`", "report on `.gz`"] and
   all(w.startswith("jetstream") for w, m in failed),
   "a failed run fails the checks that use it (its figures within bounds)", (rc, failed))

shutil.rmtree(tmp, ignore_errors=True)
done()
