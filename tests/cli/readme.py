"""The README's samples are the real commands' output (TAP).

A fenced block of README.md whose previous line is `<!-- readme-test -->`
is a terminal session: each `$ ` line (with `\\` continuations) is a
command, run by sh in one scratch directory shared by all the blocks in
their order (so a later block reads the stream an earlier one generated),
with `groundswell` on PATH being $GS_BIN; the lines up to the next command
are its standard output, compared line by line (trailing blanks ignored)
with two ways to shorten a sample:
  - a line that is only `...` stands for any number of lines (none too);
  - a line ending in ` ...` stands for a line that starts with the rest.
A command must exit 0. One check per command; a failure shows the diff.
Blocks without the marker (serve, captures from the network) are not run.

The man page, docs/groundswell.1, has every command that `groundswell
--help` lists (in SYNOPSIS and under COMMANDS) and every long option that
a command's --help lists.
"""
import difflib
import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tap import BIN, done, ok  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
MARK = "<!-- readme-test -->"


def sessions(text):
    """[(line number, [(command, [expected lines])])] of the marked blocks."""
    lines = text.split("\n")
    out = []
    i = 0
    while i < len(lines):
        if lines[i].strip() == MARK and i + 1 < len(lines) and lines[i + 1].startswith("```"):
            start = i + 2
            j = start
            while j < len(lines) and not lines[j].startswith("```"):
                j += 1
            cmds = []
            k = start
            while k < j:
                ln = lines[k]
                if ln.startswith("$ "):
                    cmd = ln[2:]
                    while cmd.endswith("\\") and k + 1 < j:
                        k += 1
                        cmd = cmd[:-1] + " " + lines[k].strip()
                    cmds.append((cmd, []))
                elif cmds:
                    cmds[-1][1].append(ln)
                k += 1
            out.append((start, cmds))
            i = j
        i += 1
    return out


def matches(want, got):
    """Whether the actual lines fit the expected ones (see the header)."""
    memo = {}

    def m(i, j):
        if (i, j) in memo:
            return memo[i, j]
        if i == len(want):
            r = j == len(got)
        elif want[i].strip() == "...":
            r = m(i + 1, j) or (j < len(got) and m(i, j + 1))
        elif j == len(got):
            r = False
        elif want[i].endswith(" ..."):
            r = got[j].startswith(want[i][:-4]) and m(i + 1, j + 1)
        else:
            r = want[i] == got[j] and m(i + 1, j + 1)
        memo[i, j] = r
        return r

    return m(0, 0)


def main():
    with open(os.path.join(ROOT, "README.md"), encoding="utf-8") as f:
        text = f.read()
    # the shortening rules themselves
    ok(matches(["a", "...", "z"], ["a", "b", "c", "z"]) and matches(["a", "...", "z"], ["a", "z"]) and
       not matches(["a", "...", "z"], ["a", "b"]), "'...' stands for any lines, none too")
    ok(matches(["  co-tags #a (2) ..."], ["  co-tags #a (2) #b (1)"]) and
       not matches(["  co-tags #a (2) ..."], ["  co-tags #a (3) #b (1)"]) and
       not matches(["x"], ["x", "y"]), "'text ...' stands for a line starting with the text; nothing else is elided")
    blocks = sessions(text)
    ok(len(blocks) >= 5, f"README.md has marked samples ({len(blocks)} blocks)")
    with tempfile.TemporaryDirectory() as d:
        bindir = os.path.join(d, ".bin")
        os.mkdir(bindir)
        os.symlink(os.path.abspath(BIN), os.path.join(bindir, "groundswell"))
        env = dict(os.environ, PATH=bindir + os.pathsep + os.environ.get("PATH", ""))
        for line, cmds in blocks:
            for cmd, want in cmds:
                p = subprocess.run(["sh", "-c", cmd], cwd=d, env=env, capture_output=True,
                                   text=True, timeout=120)
                got = [x.rstrip() for x in p.stdout.split("\n")]
                while got and got[-1] == "":
                    got.pop()
                want = [x.rstrip() for x in want]
                while want and want[-1] == "":
                    want.pop()
                good = p.returncode == 0 and matches(want, got)
                detail = ""
                if not good:
                    detail = (f"exit {p.returncode}; stderr: {p.stderr[-500:]}\n" +
                              "\n".join(difflib.unified_diff(want, got, "README.md", "real", lineterm="")))
                ok(good, f"README.md:{line}: $ {re.sub(r'  +', ' ', cmd)[:100]}", detail, limit=6000)
    man_page()
    done()


def man_page():
    with open(os.path.join(ROOT, "docs", "groundswell.1"), encoding="utf-8") as f:
        man = f.read()
    text = man.replace("\\-", "-")
    h = subprocess.run([BIN, "--help"], capture_output=True, text=True)
    cmds = re.findall(r"^  ([a-z]+)  ", h.stdout[h.stdout.find("Commands:"):], re.M)
    ok(len(cmds) >= 7, f"groundswell --help lists its commands: {cmds}", h.stdout)
    missing = [c for c in cmds if f".B groundswell {c}\n" not in text or f".TP\n.B {c}\n" not in text]
    ok(not missing, "every command is in the man page's SYNOPSIS and COMMANDS", missing)
    lacking = []
    for c in cmds:
        ch = subprocess.run([BIN, c, "--help"], capture_output=True, text=True)
        for o in sorted(set(re.findall(r"--[a-z][a-z0-9-]+", ch.stdout + ch.stderr))):
            if o != "--help" and o not in text:
                lacking.append(f"{c} {o}")
    ok(not lacking, "every long option of every command's --help is in the man page", lacking)


main()
