#!/usr/bin/env python3
"""groundswell's counts on real public test data against an independent
counter (tests/real/count.py): for every corpus file, every tag's posts,
originals, reposts, replies, quotes, exact distinct accounts, first_seen
and last_seen (to the millisecond); the totals of posts, reposts,
replies, quotes and malformed lines; and, through
`groundswell network`, that every account shown with posts is an author id
of the counter's with as many posts. One TAP line per file.

The corpus is looked for in tests/real/<format>/ (made by
tests/real/convert.py), else in $GS_REAL_CORPUS, else in
../shared/real-corpus beside the checkout; without one the test is
skipped.
"""

import datetime
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "tests", "real"))

import count  # noqa: E402  (tests/real/count.py)
import tap  # noqa: E402  (tests/cli/tap.py)

FORMATS = ("twitter1", "twitter2", "jetstream", "mastodon")
FIELDS = ("posts", "originals", "reposts", "replies", "quotes", "accounts")


def corpus_dirs():
    cands = [os.path.join(ROOT, "tests", "real")]
    if os.environ.get("GS_REAL_CORPUS"):
        cands.insert(0, os.environ["GS_REAL_CORPUS"])
    cands.append(os.path.join(os.path.dirname(ROOT), "shared", "real-corpus"))
    for d in cands:
        files = []
        for fmt in FORMATS:
            sub = os.path.join(d, fmt)
            if os.path.isdir(sub):
                files += [os.path.join(sub, f) for f in sorted(os.listdir(sub))
                          if re.search(r"\.(jsonl|txt)(\.gz)?$", f)]
        if files:
            return d, files
    return None, []


def rfc3339_ms(s):
    if not isinstance(s, str):
        return None
    return count.iso_to_us(s) // 1000


def compare(gs, ref):
    """Lines describing every difference (empty when they agree)."""
    diffs = []
    gsum = gs.get("summary", {})
    for f in ("posts", "reposts", "replies", "quotes", "malformed"):
        if gsum.get(f) != ref[f]:
            diffs.append("total %s: groundswell %s, counter %s"
                         % (f, gsum.get(f), ref[f]))
    gtags = {}
    for t in gs.get("tags", []):
        gtags[t.get("tag")] = t
    rtags = ref["tags"]
    missing = sorted((k for k in rtags if k not in gtags),
                     key=lambda k: (-rtags[k]["posts"], k))
    if len(missing) > 5:
        diffs.append("%d tags missing in groundswell: %s" % (
            len(missing), ", ".join("#%s (%d posts)" % (k, rtags[k]["posts"])
                                    for k in missing[:8]) + (", ..." if len(missing) > 8 else "")))
    for key in sorted(set(gtags) | set(rtags)):
        g, r = gtags.get(key), rtags.get(key)
        if g is None:
            if len(missing) <= 5:
                diffs.append("#%s: missing in groundswell (counter: %d posts)" % (key, r["posts"]))
            continue
        if r is None:
            diffs.append("#%s: not a tag for the counter (groundswell: %s posts)"
                         % (key, g.get("posts")))
            continue
        bad = []
        for f in FIELDS:
            if g.get(f) != r[f]:
                bad.append("%s %s/%s" % (f, g.get(f), r[f]))
        for f in ("first_seen", "last_seen"):
            if rfc3339_ms(g.get(f)) != r[f + "_ms"]:
                bad.append("%s %s/%s" % (f, g.get(f), r[f]))
        if g.get("accounts_error") not in (0, 0.0):
            bad.append("accounts_error %s (should be exact)" % g.get("accounts_error"))
        if bad:
            diffs.append("#%s: %s (groundswell/counter)" % (key, ", ".join(bad)))
    return diffs


def compare_authors(net, ref):
    """Every account that `network` shows with posts must be an author the
    counter knows (by its exact id), with the same number of posts."""
    diffs = []
    authors = ref["authors"]
    for node in net.get("nodes", []):
        posts = node.get("posts") or 0
        if posts <= 0:
            continue
        nid = node.get("id")
        if nid not in authors:
            diffs.append("account %s (%d posts in network): not an author id for the counter"
                         % (nid, posts))
        elif authors[nid] != posts:
            diffs.append("account %s: %d posts in network, counter %d"
                         % (nid, posts, authors[nid]))
    return diffs


def main():
    import json
    gs_bin = os.environ.get("GS_BIN", os.path.join(ROOT, "build", "groundswell"))
    base, files = corpus_dirs()
    if not files:
        tap.plan(1)
        tap.skip("", "no real-data corpus: sh scripts/fetch-real.sh (make deps runs it) "
                 "fetches it into tests/real/, or set GS_REAL_CORPUS")
        tap.done()
    tap.plan(len(files))
    for path in files:
        name = os.path.relpath(path, base)
        ref = count.count_file(path)
        proc = subprocess.run([gs_bin, "report", "--json", "--top", "0", path],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        diffs = []
        gs = {}
        # 4: the file gave no post (said why on stderr); only right when
        # the counter finds none either
        want_rc = 4 if ref["posts"] == 0 else 0
        if proc.returncode != want_rc:
            diffs.append("groundswell exited with status %d, not %d" % (proc.returncode, want_rc))
        try:
            gs = json.loads(proc.stdout.decode("utf-8"))
        except ValueError:
            diffs.append("groundswell printed no JSON")
        if gs:
            diffs += compare(gs, ref)
        net = subprocess.run([gs_bin, "network", "--format", "json", path],
                             stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        try:
            diffs += compare_authors(json.loads(net.stdout.decode("utf-8")), ref)
        except ValueError:
            diffs.append("groundswell network printed no JSON")
        err = [l for l in proc.stderr.decode("utf-8", "replace").splitlines() if l.strip()]
        summary = "%s (%d posts, %d tags)" % (name, ref["posts"], len(ref["tags"]))
        detail = diffs[:20]
        if len(diffs) > 20:
            detail.append("... %d more differences" % (len(diffs) - 20))
        detail += ["stderr: " + l[:200] for l in err[:3]]
        tap.ok(not diffs, summary, "\n".join(detail), limit=None)
    tap.done()


if __name__ == "__main__":
    main()
