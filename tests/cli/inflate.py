"""gzip input read by both decoders (TAP): Intel ISA-L's igzip, the
default, and zlib (GROUNDSWELL_INFLATE=zlib).

report --json on the gzip forms of a generated stream - gzip -1 and -6
(with the file name in the header), members concatenated, bgzip (BGZF:
64 KB members, an empty one last), pigz and pigz -i - and on the real
corpus's .gz files (tests/real/*/*.gz) is byte for byte the report of
the plain file, on both paths. A file cut short at several points warns
with the same text on both paths and counts the complete lines that
Python's zlib decodes before the cut (as tests/cli/damaged.py does), read
from a file or from a pipe. GROUNDSWELL_INFLATE naming no decoder is
refused (exit 2, said why) instead of ignored.
"""
import gzip
import glob
import os
import shutil
import subprocess
import tempfile
import zlib

import tap
from tap import BIN, ok, run

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))


def gs(*args, decoder=None, stdin=None):
    env = dict(os.environ)
    env.pop("GROUNDSWELL_INFLATE", None)
    if decoder:
        env["GROUNDSWELL_INFLATE"] = decoder
    return subprocess.run([BIN, *args], capture_output=True, env=env, stdin=stdin)


def zlib_prefix(data):
    """What zlib decodes of data before it fails or ends, members in turn,
    a byte at a time (all it gives before it fails)."""
    out = bytearray()
    d = zlib.decompressobj(31)
    i = 0
    while i < len(data):
        try:
            out += d.decompress(data[i:i + 1])
        except zlib.error:
            break
        i += 1
        if d.eof:
            rest = d.unused_data + data[i:]
            if rest[:2] != b"\x1f\x8b":
                break
            d, data, i = zlib.decompressobj(31), rest, 0
    return bytes(out)


def same_report(what, path, plain):
    want = gs("report", "--json", "--threads", "1", plain)
    for dec in ("isal", "zlib"):
        got = gs("report", "--json", "--threads", "1", path, decoder=dec)
        ok(got.returncode == want.returncode == 0 and got.stdout == want.stdout and not got.stderr,
           f"{what}: {dec}: the plain file's report",
           f"exit {got.returncode}/{want.returncode}\n{got.stderr.decode(errors='replace')}")


def main(d):
    src = os.path.join(d, "posts.jsonl")
    g = run("generate", "--seed", "17", "--posts", "3000", "-o", src)
    if not ok(g.returncode == 0, "generate the stream", g.stderr):
        return
    raw = open(src, "rb").read()
    forms = {}

    def write(name, data):
        p = os.path.join(d, name)
        with open(p, "wb") as f:
            f.write(data)
        forms[name] = p
        return p

    def tool(name, *cmd):
        if shutil.which(cmd[0]) is None:
            tap.skip(name, f"no {cmd[0]} here")
            return
        with open(src, "rb") as f:
            out = subprocess.run(cmd, stdin=f, capture_output=True, check=True).stdout
        write(name, out)

    write("gzip6.gz", gzip.compress(raw, 6))
    # gzip -1 of the file: FNAME in the header
    shutil.copy(src, os.path.join(d, "named.jsonl"))
    subprocess.run(["gzip", "-1", "-f", os.path.join(d, "named.jsonl")], check=True)
    forms["named.jsonl.gz"] = os.path.join(d, "named.jsonl.gz")
    parts = [raw[i:i + 40001] for i in range(0, len(raw), 40001)]
    write("members.gz", b"".join(gzip.compress(p, 1 + i % 9) for i, p in enumerate(parts)))
    tool("bgzip.gz", "bgzip", "-c")
    tool("pigz.gz", "pigz", "-c", "-p", "2")
    tool("pigz-i.gz", "pigz", "-c", "-i", "-b", "64")
    for name, p in forms.items():
        same_report(name, p, src)

    # the real corpus's .gz files against their plain forms
    real = sorted(glob.glob(os.path.join(ROOT, "tests", "real", "*", "*.gz")))
    if not real:
        tap.skip("the real corpus", "no tests/real/*/*.gz (make deps fetches it)")
    for p in real:
        plain = os.path.join(d, os.path.basename(p)[:-3])
        with gzip.open(p) as f, open(plain, "wb") as o:
            o.write(f.read())
        same_report(os.path.relpath(p, ROOT), p, plain)

    # cut short: the same warning and lines on both paths, zlib's prefix
    gz = gzip.compress(raw, 6)
    for frac in (0.17, 0.5, 0.83):
        cut = gz[:int(len(gz) * frac)]
        path = write(f"cut{frac}.gz", cut)
        prefix = zlib_prefix(cut)
        prefix = prefix[:prefix.rfind(b"\n") + 1]
        plain = write(f"cut{frac}.jsonl", prefix)
        want = gs("report", "--json", "--threads", "1", plain)
        got = {dec: gs("report", "--json", "--threads", "1", path, decoder=dec)
               for dec in ("isal", "zlib")}
        a, b = got["isal"], got["zlib"]
        nlines = prefix.count(b"\n")
        ok(a.returncode == b.returncode == 0 and a.stdout == b.stdout == want.stdout,
           f"cut at {frac}: both count the {nlines} lines zlib decodes",
           f"exit {a.returncode}/{b.returncode}\n{a.stderr.decode(errors='replace')}")
        ok(a.stderr == b.stderr and b"gzip truncated at compressed byte %d" % len(cut) in a.stderr,
           f"cut at {frac}: the same warning on both paths",
           (a.stderr + b"\n" + b.stderr).decode(errors="replace"))
        with open(path, "rb") as f:
            p = gs("report", "--json", "--threads", "1", "-", stdin=f)
        ok(p.returncode == 0 and b"gzip truncated" in p.stderr,
           f"cut at {frac}, from a pipe: read up to the cut, warned", p.stderr.decode(errors="replace"))

    bad = gs("report", "--json", forms["gzip6.gz"], decoder="zlib-ng")
    ok(bad.returncode == 2 and b"GROUNDSWELL_INFLATE='zlib-ng'" in bad.stderr and not bad.stdout,
       "GROUNDSWELL_INFLATE=zlib-ng: refused, exit 2", bad.stderr.decode(errors="replace"))


with tempfile.TemporaryDirectory() as d:
    main(d)
tap.done()
