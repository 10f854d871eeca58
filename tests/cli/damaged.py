"""Damaged compressed input (TAP): a .gz or .zst file cut in the middle,
with garbage appended, or with a flipped byte is read up to the damage.

For each, the output of every command (report, trends, tag, network on
the cut files; report on the others) equals
those of the undamaged prefix: the complete lines that Python's zlib (fed
a byte at a time, so it gives all it can before it fails) or the zstd
command line decode before the damage, written out as a plain file. A
warning names the file, the kind of damage and the compressed byte; the
exit status is 0, and 3 under --strict. serve reads a damaged source up to
the damage too and logs the same warning. Before issue 16 a damaged file
voided the whole report (exit 2, no output).
"""
import gzip
import http.client
import json
import os
import re
import signal
import subprocess
import tempfile
import time
import zlib

import tap
from tap import BIN, ok, run


def gzip_prefix(data):
    """What zlib decodes of data before it fails or ends, members in turn:
    4 KB at a time, and the 4 KB where it fails again a byte at a time (on
    a copy of the state before them), for all it gives before failing."""
    out = bytearray()
    d = zlib.decompressobj(31)
    i, step = 0, 4096
    while i < len(data):
        save = d.copy()
        try:
            out += d.decompress(data[i:i + step])
            i += step
        except zlib.error:
            if step == 1:
                break
            d, step = save, 1
            continue
        if d.eof:
            rest = d.unused_data + data[i:]
            if not rest or rest[:2] != b"\x1f\x8b":
                break  # the end, or trailing garbage
            d, data, i = zlib.decompressobj(31), rest, 0
    return bytes(out)


def zstd_prefix(path):
    return subprocess.run(["zstd", "-dc", path], capture_output=True).stdout


def complete_lines(b):
    return b[:b.rfind(b"\n") + 1] if b"\n" in b else b""


def main(d):
    src = os.path.join(d, "posts.jsonl")
    g = run("generate", "--seed", "5", "--posts", "3000", "-o", src)
    if not ok(g.returncode == 0, "generate the stream", g.stderr):
        return
    raw = open(src, "rb").read()
    gz = gzip.compress(raw, 6)
    zst = subprocess.run(["zstd", "-q", "-c", src], capture_output=True).stdout
    cases = [
        ("gzip cut in the middle", "cut.gz", gz[:len(gz) // 2], "truncated"),
        ("gzip with garbage appended", "garb.gz", gz + b"garbage\n", "trailing garbage"),
        ("gzip with a flipped byte", "flip.gz", gz[:len(gz) // 3] + bytes([gz[len(gz) // 3] ^ 0x55]) + gz[len(gz) // 3 + 1:],
         "corrupt data"),
        ("gzip of two members, the second cut", "two.gz", gz + gzip.compress(raw[:50000])[:2000], "truncated"),
        ("zstd cut in the middle", "cut.zst", zst[:len(zst) // 2], "truncated"),
        ("zstd with garbage appended", "garb.zst", zst + b"garbage\n", "trailing garbage"),
        ("zstd with a flipped byte", "flip.zst", zst[:len(zst) // 3] + bytes([zst[len(zst) // 3] ^ 0x55]) + zst[len(zst) // 3 + 1:],
         "corrupt data"),
    ]
    for what, name, data, kind in cases:
        path = os.path.join(d, name)
        with open(path, "wb") as f:
            f.write(data)
        if name.endswith(".gz"):
            prefix = gzip_prefix(data)
        elif name == "flip.zst":
            # the zstd command holds back one decoded block when a later
            # one fails: what comes before the flipped byte is decoded
            # from the file cut there instead
            cut = os.path.join(d, "flip.zst.cut")
            with open(cut, "wb") as f:
                f.write(data[:len(zst) // 3])
            prefix = zstd_prefix(cut)
        else:
            prefix = zstd_prefix(path)
        prefix = complete_lines(prefix)
        plain = os.path.join(d, name + ".prefix.jsonl")
        with open(plain, "wb") as f:
            f.write(prefix)
        nlines = prefix.count(b"\n")
        ok(0 < nlines < raw.count(b"\n") * 2, f"{what}: the prefix has {nlines} lines")
        # every command on the cut files, report on the others (fast)
        cmds = [["report", "--json"], ["trends", "--json"], ["tag", "--json", "#MeToo"],
                ["network", "--format", "json"]]
        for cmd in cmds if name.startswith("cut") else cmds[:1]:
            a = run(*cmd, "--threads", "1", path)
            b = run(*cmd, "--threads", "1", plain)
            label = f"{what}: {cmd[0]}"
            ok(a.returncode == 0 and a.stdout == b.stdout and b.returncode == 0,
               f"{label}: exit 0, the output of the undamaged prefix",
               f"exit {a.returncode}/{b.returncode}\n{a.stderr}")
            m = re.search(r"warning: '([^']*)' is damaged: (gzip|zstd) ([a-z ]+) at compressed byte (\d+) "
                          r"\(decompressed byte (\d+)\), after line (\d+)", a.stderr)
            ok(m and m.group(1) == path and m.group(3) == kind and int(m.group(4)) <= len(data)
               and int(m.group(6)) == nlines,
               f"{label}: the warning names the file, '{kind}', the byte and the line", a.stderr)
            if cmd[0] in ("report", "network"):
                s = run(*cmd, "--threads", "1", "--strict", path)
                # (a flipped byte may first make a line malformed, which
                # --strict refuses as well)
                ok(s.returncode == 3 and ("refused under --strict" in s.stderr or "corrupt" in kind),
                   f"{label} --strict: exit 3", f"exit {s.returncode}\n{s.stderr}")

    # serve: a damaged source is read up to the damage, and said
    path = os.path.join(d, "cut.gz")
    want = json.loads(run("report", "--json", os.path.join(d, "cut.gz.prefix.jsonl")).stdout)["summary"]["posts"]
    portfile = os.path.join(d, "port")
    errfile = os.path.join(d, "serve.err")
    with open(errfile, "wb") as err:
        p = subprocess.Popen([BIN, "serve", "--listen", "127.0.0.1:0", "--port-file", portfile, "--source", path],
                             stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=err)
        try:
            posts, deadline = None, time.time() + 20
            while time.time() < deadline and p.poll() is None:
                try:
                    port = int(open(portfile).read())
                    c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                    c.request("GET", "/api/groundswell/v1/stats")
                    st = json.loads(c.getresponse().read())
                    c.close()
                    if st["sources"][0]["state"] == "ended":
                        posts = st["posts"]
                        break
                except (OSError, ValueError, KeyError, http.client.HTTPException):
                    pass
                time.sleep(0.1)
            ok(posts == want, f"serve: a damaged source gives the prefix's posts ({posts}, want {want})")
        finally:
            p.send_signal(signal.SIGTERM)
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
    log = open(errfile, encoding="utf-8", errors="replace").read()
    ok(f"warning: '{path}' is damaged: gzip truncated at compressed byte {os.path.getsize(path)}" in log,
       "serve: the warning is logged", log)


with tempfile.TemporaryDirectory() as d:
    main(d)
tap.done()
