"""tap.py - the TAP helpers every tests/cli/*.py test shares.

A test imports what it uses (`from tap import BIN, ok, run, done`), calls
ok() once per check, and ends with done(), which prints the plan ("1..N")
and exits 1 when a check failed; tests/run.sh counts the "ok" and
"not ok" lines. Lines are flushed as they are printed, so a test that is
killed or hangs still shows how far it came. The counters are this
module's: a test never keeps its own.
"""

import os
import subprocess
import sys
import time

BIN = os.environ.get("GS_BIN", "build/groundswell")
DETAIL_MAX = 2000  # characters of a failed check's detail shown

n = 0
failed = 0
planned = False


def ok(cond, what, detail="", limit=DETAIL_MAX):
    """One TAP line for one check; on failure, detail (anything str()
    takes; nothing when it is falsy) follows as "#   " lines, cut to limit
    characters (None: whole). Returns cond, so `if not ok(...)` reads."""
    global n, failed
    n += 1
    print(("ok" if cond else "not ok") + f" {n} - {what}", flush=True)
    if not cond:
        failed += 1
        if detail:
            text = str(detail)
            if limit is not None:
                text = text[:limit]
            print("#   " + text.replace("\n", "\n#   "), flush=True)
    return cond


def skip(what, why):
    """A check that cannot run here: one "ok ... # SKIP why" line."""
    global n
    n += 1
    print(f"ok {n}" + (f" - {what}" if what else "") + f" # SKIP {why}", flush=True)


def plan(count):
    """Prints the plan first, for a test that knows its count up front;
    done() then does not print it again."""
    global planned
    planned = True
    print(f"1..{count}", flush=True)


def done():
    """Prints the plan (unless plan() did) and exits: 1 when a check
    failed, else 0."""
    if not planned:
        print(f"1..{n}", flush=True)
    sys.exit(1 if failed else 0)


def wait_port(proc, portfile, secs=20):
    """The port a "groundswell serve --port-file PORTFILE" process wrote,
    once it has (polled every 50 ms), or None when proc exited first or
    secs passed."""
    deadline = time.time() + secs
    while time.time() < deadline and proc.poll() is None:
        try:
            with open(portfile) as f:
                return int(f.read())
        except (OSError, ValueError):
            time.sleep(0.05)
    return None


def run(*args, timeout=None, **kw):
    """groundswell with args; stdout and stderr captured as text."""
    return subprocess.run([BIN, *args], capture_output=True, text=True, timeout=timeout, **kw)


def run_bytes(*args, timeout=None, **kw):
    """groundswell with args; stdout and stderr captured as bytes."""
    return subprocess.run([BIN, *args], capture_output=True, timeout=timeout, **kw)


def outputs(*args, **kw):
    """groundswell with args (kw as subprocess.run takes them): its exit
    status, stdout and stderr, decoded as UTF-8 with bad bytes replaced."""
    p = subprocess.run([BIN, *args], capture_output=True, **kw)
    return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")
