#!/usr/bin/env python3
"""Checks for tests/cli/voices.sh; exits 0 when the check holds.

  voice TRUTH EVENTS  the planted voice has an event starting between the
                      bucket before its onset and its end
  quiet TRUTH EVENTS  no event on a spam, steady or unplanted tag (a tag
                      whose top co-tags hold a planted one is planted's)
  demo REPORT         the report's trends hold "año"
"""
import json
import sys
from datetime import datetime


def ts(s):
    return datetime.fromisoformat(s.replace("Z", "+00:00")).timestamp()


def events(path):
    with open(path, encoding="utf-8") as f:
        return [e for e in (json.loads(l) for l in f if l.strip()) if "tag" in e]


def main(argv):
    what = argv[1]
    if what == "demo":
        with open(argv[2], encoding="utf-8") as f:
            tags = [t["tag"] for t in json.load(f)["trends"]]
        print("# demo trends:", tags)
        return 0 if "año" in tags else 1
    with open(argv[2], encoding="utf-8") as f:
        truth = json.load(f)
    ev = events(argv[3])
    if what == "voice":
        v = next(m for m in truth["movements"] if m["shape"] == "voice-burst")
        ob = ts(v["onset"]) // 3600
        hits = [e for e in ev if e["tag"] == v["tag"] and
                ob - 1 <= ts(e["start"]) // 3600 <= ts(v["end"]) // 3600]
        print(f"# voice {v['tag']}: {v['accounts']} accounts; events {[e['start'] for e in ev if e['tag'] == v['tag']]}")
        return 0 if hits else 1
    planted = {m["tag"] for m in truth["movements"]} | {m["display"] for m in truth["movements"]}
    bad = [(e["tag"], e["start"]) for e in ev
           if e["tag"] not in planted and not any(c["tag"] in planted for c in e.get("co_tags", []))]
    spam = {s["tag"] for s in truth["spam"]} | {s["tag"] for s in truth["steady"]}
    bad += [(e["tag"], e["start"]) for e in ev if e["tag"] in spam]
    print("# unplanted, spam or steady trends:", bad)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
