"""groundswell tag TAG --ids (issue 12 part 5) (TAP).

Checks:
  - on every real file present (tests/real/*/): the ids written for the
    file's most used tag equal, in order, those of an independent reading
    (tests/real/count.py's posts and tags, the ids taken from the same
    objects here: v1.1 id_str, v2 data[].id, Mastodon id, Jetstream at://
    URIs of posts and reposts);
  - a synthetic Jetstream file (fictional accounts): reposts of tagged
    posts are written with their own URIs, a post delivered twice is
    written once (and said so on stderr), another tag's posts are not;
  - refusals: with --pseudonymize-key, with --json; a tag never used
    exits 1 and writes nothing.
"""
import glob
import json
import os
import subprocess
import sys
import tempfile

import tap
from tap import BIN, ok

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "real"))
import count  # noqa: E402  (the independent counter)


def posts_with_ids(path):
    """(id, tag keys) of each post of path, in order, as count.py reads
    them; None for a file it cannot pair ids with."""
    out = []
    js = count.Jetstream()
    event = None
    for raw in count.read_lines(path):
        try:
            s = raw.decode("utf-8").strip()
        except UnicodeDecodeError:
            continue
        if s == "":
            event = None
            continue
        if s.startswith(":"):
            continue
        if s.startswith("event:"):
            event = s[6:].strip()
            continue
        if s.startswith("data:"):
            if event != "update":
                continue
            s = s[5:].strip()
        try:
            o = json.loads(s)
        except ValueError:
            continue
        if not isinstance(o, dict):
            continue
        try:
            if "did" in o and "kind" in o:
                p = js.line(o)
                if p is None:
                    continue
                c = o["commit"]
                coll = "app.bsky.feed.repost" if p.repost else "app.bsky.feed.post"
                out.append(("at://%s/%s/%s" % (o["did"], coll, c.get("rkey")), p.tags))
            elif "user" in o:
                out.append((o.get("id_str"), count.v1_post(o).tags))
            elif "account" in o:
                out.append((o.get("id"), count.masto_post(o).tags))
            elif "data" in o:
                inc = o.get("includes")
                inc_tweets = {}
                if isinstance(inc, dict) and isinstance(inc.get("tweets"), list):
                    for x in inc["tweets"]:
                        if isinstance(x, dict) and isinstance(x.get("id"), str):
                            inc_tweets.setdefault(x["id"], x)
                items = o["data"] if isinstance(o["data"], list) else [o["data"]]
                for d in items:
                    if count.v2_is_tweet(d):
                        try:
                            out.append((d["id"], count.v2_post(d, inc_tweets).tags))
                        except count.Malformed:
                            pass
            elif "author_id" in o:
                out.append((o.get("id"), count.v2_post(o, {}).tags))
        except count.Malformed:
            continue
    return out


def expected_ids(posts, key):
    seen, ids = set(), []
    for pid, tags in posts:
        if key in {count.tag_key(t) for t in tags} and pid not in seen:
            seen.add(pid)
            ids.append(pid)
    return ids


def real_files():
    files = sorted(glob.glob(os.path.join(HERE, "..", "real", "*", "*.jsonl*")) +
                   glob.glob(os.path.join(HERE, "..", "real", "*", "*.txt")))
    if not files:
        tap.skip("real files", "tests/real/ is not present")
    for path in files:
        name = os.path.relpath(path, os.path.join(HERE, "..", "real"))
        posts = posts_with_ids(path)
        freq = {}
        for _, tags in posts:
            for k in {count.tag_key(t) for t in tags}:
                if k:
                    freq[k] = freq.get(k, 0) + 1
        if not freq:
            continue
        top = sorted(freq.items(), key=lambda kv: (-kv[1], kv[0]))[0][0]
        want = expected_ids(posts, top)
        r = subprocess.run([BIN, "tag", top, "--ids", path], capture_output=True, text=True)
        got = r.stdout.splitlines()
        ok(r.returncode == 0 and got == want,
           "%s: --ids of #%s: %d ids, as the independent reading" % (name, top, len(want)),
           "rc %d %s\ngot %s\nwant %s" % (r.returncode, r.stderr, got[:20], want[:20]))


def post(did, rkey, tags, t):
    return {"did": did, "time_us": t, "kind": "commit",
            "commit": {"rev": "r", "operation": "create", "collection": "app.bsky.feed.post", "rkey": rkey,
                       "record": {"$type": "app.bsky.feed.post", "createdAt": "2024-05-29T16:26:40Z",
                                  "text": "x", "tags": tags}, "cid": "c"}}


def repost(did, rkey, of_did, of_rkey, t):
    return {"did": did, "time_us": t, "kind": "commit",
            "commit": {"rev": "r", "operation": "create", "collection": "app.bsky.feed.repost", "rkey": rkey,
                       "record": {"$type": "app.bsky.feed.repost", "createdAt": "2024-05-29T16:26:40Z",
                                  "subject": {"uri": "at://%s/app.bsky.feed.post/%s" % (of_did, of_rkey),
                                              "cid": "c"}}, "cid": "c"}}


def synthetic(d):
    t0 = 1717000000000000
    lines = [post("did:plc:fa", "3a1", ["Harvest"], t0),
             post("did:plc:fb", "3b1", ["other"], t0 + 1),
             repost("did:plc:fc", "3c1", "did:plc:fa", "3a1", t0 + 2),
             repost("did:plc:fc", "3c2", "did:plc:fb", "3b1", t0 + 3),
             post("did:plc:fa", "3a1", ["Harvest"], t0),  # delivered again
             post("did:plc:fd", "3d1", ["harvest", "other"], t0 + 4)]
    path = os.path.join(d, "s.jsonl")
    with open(path, "w") as f:
        for x in lines:
            f.write(json.dumps(x) + "\n")
    r = subprocess.run([BIN, "tag", "#HARVEST", "--ids", path], capture_output=True, text=True)
    ok(r.returncode == 0 and r.stdout.splitlines() == [
        "at://did:plc:fa/app.bsky.feed.post/3a1",
        "at://did:plc:fc/app.bsky.feed.repost/3c1",
        "at://did:plc:fd/app.bsky.feed.post/3d1"],
       "synthetic: posts and a repost of the tag, in input order, once each", r.stdout + r.stderr)
    ok("1 posts delivered again were written once" in r.stderr, "synthetic: the duplicate is said", r.stderr)
    key = os.path.join(d, "key")
    with open(key, "w") as f:
        f.write("k" * 32 + "\n")
    r = subprocess.run([BIN, "tag", "harvest", "--ids", "--pseudonymize-key-file", key, path],
                       capture_output=True, text=True)
    ok(r.returncode == 2 and r.stdout == "" and "not with --pseudonymize-key" in r.stderr,
       "--ids refuses --pseudonymize-key", r.stderr)
    r = subprocess.run([BIN, "tag", "harvest", "--ids", "--json", path], capture_output=True, text=True)
    ok(r.returncode == 2 and r.stdout == "" and "not with --json" in r.stderr, "--ids refuses --json", r.stderr)
    r = subprocess.run([BIN, "tag", "nosuchtag", "--ids", path], capture_output=True, text=True)
    ok(r.returncode == 1 and r.stdout == "" and "was not used" in r.stderr,
       "--ids of a tag never used: exit 1, nothing written", r.stderr)


def main():
    real_files()
    with tempfile.TemporaryDirectory() as d:
        synthetic(d)
    tap.done()


if __name__ == "__main__":
    main()
