"""Compares two outputs of groundswell (issue 14 part 4, tests/cli/merge.sh):
byte for byte, except the Space-Saving lists that reached their cap, whose
counts past it are lower bounds that depend on the order of arrival (as
tests/cli/threads.sh compares them): those are left out of both.

usage: merge_cmp.py [--shown KEY=N]... A B   (exit 0 when they agree)"""
import json
import sys

CAPS = {"co_tags": 16, "languages": 16, "mentions": 10, "urls": 10,
        "domains": 10}


def strip(v):
    if isinstance(v, dict):
        return {k: strip(x) for k, x in v.items()
                if not (k in CAPS and isinstance(x, list) and len(x) >= CAPS[k])}
    if isinstance(v, list):
        return [strip(x) for x in v]
    return v


def load(path):
    raw = open(path, "rb").read()
    try:
        return raw, [strip(json.loads(l)) for l in raw.splitlines() if l.strip()]
    except ValueError:
        return raw, None


args = sys.argv[1:]
while args and args[0] == "--shown":  # a list shown shorter than its cap
    k, m = args[1].split("=")
    CAPS[k] = int(m)
    args = args[2:]
a, b = load(args[0]), load(args[1])
if a[0] == b[0]:
    sys.exit(0)
if a[1] is None or b[1] is None or a[1] != b[1]:
    sys.exit(1)
sys.exit(0)
