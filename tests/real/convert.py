#!/usr/bin/env python3
"""Rebuilds the real-data corpus under tests/real/<format>/ from the public
test fixtures listed in tests/real/SOURCES.

Every file is taken from a pinned commit of its repository, read with
`git show COMMIT:PATH` from a local git copy of that repository (a bare or
normal git directory, found as MIRROR/<owner>+<name>/repo, or given with
--repo owner/name=GITDIR). Nothing is invented: files are either copied
byte for byte, or unwrapped from the HTTP recordings (VCR cassettes) and
API answers that hold them, as described per file in SOURCES:

  - a JSON array answer (a timeline, a list of tweets) becomes one object a
    line, as `jq -c '.[]'` would write it (key order kept, numbers exact);
  - a v1.1 search answer {"statuses": [...]} becomes one tweet a line;
  - twarc (v1) wrote tweets with Python's json.dumps defaults, so Twitter
    v1.1 objects are written that way (", " and ": ", non-ASCII escaped);
    Mastodon statuses are written compact and in UTF-8, as jq -c does;
  - Bluesky post records that are not Jetstream events are wrapped in the
    Jetstream commit shape, with did and rkey taken from the record's own
    at:// URI and time_us from the record's createdAt.

Files over 256 KiB are written gzip-compressed (mtime 0, so the output is
reproducible); groundswell and count.py read .gz.

Needs python3-yaml (for the YAML cassettes). Not run by the tests.

Usage: tests/real/convert.py [--mirror DIR] [--out DIR] [--repo o/n=GITDIR]...
"""

import argparse
import base64
import datetime
import gzip
import io
import json
import os
import subprocess
import sys

# (owner/name, commit) of every repository used.
REPOS = {
    "DocNow/twarc-csv": "d77da935c6b6b1deb9fff529f4e551c0091ba789",
    "halcy/Mastodon.py": "b9f2effbb5a9f07ebca3807466f4130e69b1614c",
    "andregasser/bigbone": "adfa7d3bc2480b97a9f0c6df9186a35e3cbd2682",
    "bluesky-social/jetstream": "9a30defd224e9058814a7d6ce8d9e4fc48d5493c",
    "bluesky-social/indigo": "4b983a7e86c859af7b44f5f9fc8eda5d0e62b3ce",
    "bear/python-twitter": "da1e9986f179622fa2d85f5b125a3f12f3e63177",
    "twitterdev/tweet_parser": "3435de8367d36b483a6cfd8d46cc28694ee8a42e",
    "tweepy/tweepy": "c05ba988177219f1591b3bf03b8896b427c8b233",
    "ropensci/rtweet": "6fc9a961d15e9c1f9efefdff9a0c821dfbbb2851",
    "sferik/twitter-ruby": "0843b2ac9e9dd94a050167cdf68756b9dbbb621f",
}

GZIP_OVER = 256 * 1024


class Source:
    def __init__(self, mirror, overrides):
        self.mirror = mirror
        self.overrides = overrides

    def gitdir(self, repo):
        if repo in self.overrides:
            return self.overrides[repo]
        base = os.path.join(self.mirror, repo.replace("/", "+"), "repo")
        if os.path.isdir(os.path.join(base, ".git")):
            return os.path.join(base, ".git")
        return base

    def read(self, repo, path):
        commit = REPOS[repo]
        out = subprocess.run(
            ["git", "--git-dir", self.gitdir(repo), "show", commit + ":" + path],
            check=True, stdout=subprocess.PIPE)
        return out.stdout


# --- unwrapping ---------------------------------------------------------

def cassette_bodies(raw, name):
    """(method, uri, body text) of every recorded response of a cassette:
    vcrpy YAML or JSON ({"interactions": [...]}) or Ruby/R vcr JSON
    ({"http_interactions": [...]})."""
    if name.endswith((".yaml", ".yml")):
        import yaml  # python3-yaml
        doc = yaml.safe_load(raw.decode("utf-8"))
    else:
        doc = json.loads(raw.decode("utf-8"))
    items = doc.get("interactions") or doc.get("http_interactions") or []
    for it in items:
        req = it.get("request", {})
        body = it.get("response", {}).get("body", {})
        text = body.get("string") if isinstance(body, dict) else body
        if isinstance(body, dict) and body.get("base64_string"):
            text = base64.b64decode(body["base64_string"])
        if isinstance(text, bytes):
            try:
                text = gzip.decompress(text)
            except OSError:
                pass
            text = text.decode("utf-8")
        yield (str(req.get("method", "")).upper(), req.get("uri", ""),
               text or "")


def is_v1_tweet(o):
    return (isinstance(o, dict) and "user" in o and "id_str" in o
            and ("text" in o or "full_text" in o))


def v1_tweets(answer):
    """The tweets of one v1.1 REST answer, in order."""
    if isinstance(answer, list):
        return [t for t in answer if is_v1_tweet(t)]
    if isinstance(answer, dict):
        if isinstance(answer.get("statuses"), list):
            return [t for t in answer["statuses"] if is_v1_tweet(t)]
        if is_v1_tweet(answer):
            return [answer]
    return []


def is_status(o):
    return isinstance(o, dict) and "account" in o and "content" in o


def statuses(answer):
    if isinstance(answer, list):
        return [s for s in answer if is_status(s)]
    return [answer] if is_status(answer) else []


def twarc_line(obj):
    # twarc 1.x: json.dumps(tweet) with the defaults
    return json.dumps(obj)


def jq_line(obj):
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))


def dedupe(objs, key):
    seen = set()
    out = []
    for o in objs:
        k = key(o)
        if k in seen:
            continue
        seen.add(k)
        out.append(o)
    return out


def rfc3339_to_us(s):
    s = s.strip()
    if s.endswith("Z"):
        s = s[:-1] + "+00:00"
    # fractions of any length
    if "." in s:
        head, rest = s.split(".", 1)
        i = 0
        while i < len(rest) and rest[i].isdigit():
            i += 1
        frac, tz = rest[:i], rest[i:]
        frac = (frac + "000000")[:6]
        s = head + "." + frac + tz
    d = datetime.datetime.fromisoformat(s)
    if d.tzinfo is None:
        d = d.replace(tzinfo=datetime.timezone.utc)
    e = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)
    return (d - e) // datetime.timedelta(microseconds=1)


def jetstream_wrap(uri, cid, record):
    """A post record (with its at:// URI) as a Jetstream commit event."""
    assert uri.startswith("at://"), uri
    did, collection, rkey = uri[len("at://"):].split("/", 2)
    return {
        "did": did,
        "time_us": rfc3339_to_us(record["createdAt"]),
        "kind": "commit",
        "commit": {
            "rev": rkey,
            "operation": "create",
            "collection": collection,
            "rkey": rkey,
            "record": record,
            "cid": cid,
        },
    }


# --- the corpus ---------------------------------------------------------

def build(src):
    """Yields (relative output name, bytes)."""
    tc = "DocNow/twarc-csv"
    # Twitter API v2, as twarc2 writes it
    yield ("twitter2/twarc-csv-full-archive-page.jsonl",
           src.read(tc, "test-data/entities_test.jsonl"))
    yield ("twitter2/twarc-csv-page.jsonl", src.read(tc, "test-data/noflat.jsonl"))
    yield ("twitter2/twarc-csv-flat.jsonl", src.read(tc, "test-data/flat.jsonl"))
    yield ("twitter2/twarc-csv-stream.jsonl",
           src.read(tc, "test-data/streaming_output_with_error.jsonl"))
    yield ("twitter2/twarc-csv-withheld.jsonl", src.read(tc, "test-data/withheld.jsonl"))
    small = ["two_tweets", "cotweet", "cashtags", "edited", "edited_before",
             "edited_after", "quoted_edit", "geo_tweets", "many_urls",
             "media_tweet", "mentions_tweet", "verified_type"]
    buf = b""
    for name in small:
        data = src.read(tc, "test-data/%s.jsonl" % name)
        if data and not data.endswith(b"\n"):
            data += b"\n"
        buf += data
    yield ("twitter2/twarc-csv-small-pages.jsonl", buf)
    buf = b""
    for name in ["users", "lists", "counts", "tweets_compliance", "users_compliance"]:
        data = src.read(tc, "test-data/%s.jsonl" % name)
        if data and not data.endswith(b"\n"):
            data += b"\n"
        buf += data
    yield ("twitter2/twarc-csv-not-tweets.jsonl", buf)

    # Twitter API v1.1
    tp = "twitterdev/tweet_parser"
    yield ("twitter1/tweet_parser-original-format.jsonl",
           src.read(tp, "test/tweet_payload_examples/original_format_examples.json"))
    yield ("twitter1/tweet_parser-public-api-sample.jsonl",
           src.read(tp, "test/tweet_payload_examples/broken_and_unsupported_payloads/public_api_sample.json"))
    pt = "bear/python-twitter"
    yield ("twitter1/python-twitter-stream.jsonl",
           src.read(pt, "testdata/streaming/lines.json"))
    tweets = []
    for path in ["testdata/get_search_raw.json", "testdata/get_search_geocode.json",
                 "testdata/get_user_timeline_count.json", "testdata/get_home_timeline.json",
                 "testdata/get_mentions.json", "testdata/get_replies.json",
                 "testdata/get_user_timeline.json",
                 "testdata/models/status_quoted_tweet.json",
                 "testdata/models/status_quoted_tweet_with_media.json",
                 "testdata/3.2/extended_tweet_in_extended_mode.json",
                 "testdata/streaming/streaming_extended_tweet.json"]:
        tweets += v1_tweets(json.loads(src.read(pt, path)))
    tweets = dedupe(tweets, lambda t: t["id_str"])
    yield ("twitter1/python-twitter-rest.jsonl",
           "".join(twarc_line(t) + "\n" for t in tweets).encode())
    tw = "tweepy/tweepy"
    tweets = []
    for path in ["cassettes/testsearchtweets.json", "cassettes/testhometimeline.json",
                 "cassettes/testlisttimeline.json", "cassettes/testgetretweets.json",
                 "cassettes/testcachedresult.yaml", "cassettes/testcursornext.yaml"]:
        for method, uri, body in cassette_bodies(src.read(tw, path), path):
            if method == "GET" and body[:1] in "[{":
                tweets += v1_tweets(json.loads(body))
    tweets = dedupe(tweets, lambda t: t["id_str"])
    yield ("twitter1/tweepy-rest.jsonl",
           "".join(twarc_line(t) + "\n" for t in tweets).encode())
    rt = "ropensci/rtweet"
    tweets = []
    for name in ["ts_plot1", "search_tweets", "search_tweets4", "get_timeline2",
                 "get_timeline5", "get_favorites5", "graph-network7", "tweet_data2"]:
        path = "tests/fixtures/%s.json" % name
        for method, uri, body in cassette_bodies(src.read(rt, path), path):
            if method == "GET" and body[:1] in "[{":
                tweets += v1_tweets(json.loads(body))
    tweets = dedupe(tweets, lambda t: t["id_str"])
    yield ("twitter1/rtweet-rest.jsonl",
           "".join(twarc_line(t) + "\n" for t in tweets).encode())
    yield ("twitter1/twitter-ruby-user-stream.jsonl",
           src.read("sferik/twitter-ruby", "test/fixtures/track_streaming_user.json"))

    # Bluesky Jetstream
    js = "bluesky-social/jetstream"
    yield ("jetstream/jetstream-subscribe-golden.jsonl",
           src.read(js, "internal/subscribe/testdata/golden_v1.jsonl"))
    yield ("jetstream/jetstream-corpus-expected.jsonl",
           src.read(js, "internal/corpus/testdata/expected_v1.jsonl"))
    events = []
    for path in ["automod/capture/testdata/capture_atprotocom.json",
                 "automod/rules/testdata/capture_hackerdarkweb.json"]:
        cap = json.loads(src.read("bluesky-social/indigo", path))
        recs = list(cap["postRecords"])
        # the capture lists newest first; a stream delivers oldest first
        recs.reverse()
        for r in recs:
            events.append(jetstream_wrap(r["uri"], r["cid"], r["value"]))
    yield ("jetstream/indigo-automod-captures.jsonl",
           "".join(jq_line(e) + "\n" for e in events).encode())

    # Mastodon
    bb = "andregasser/bigbone"
    for name in ["tag_timeline", "public_timeline"]:
        sts = statuses(json.loads(src.read(bb, "bigbone/src/test/assets/%s.json" % name)))
        yield ("mastodon/bigbone-%s.jsonl" % name.replace("_", "-"),
               "".join(jq_line(s) + "\n" for s in sts).encode())
    mp = "halcy/Mastodon.py"
    listing = subprocess.run(
        ["git", "--git-dir", src.gitdir(mp), "ls-tree", "--name-only",
         REPOS[mp], "tests/cassettes/"],
        check=True, stdout=subprocess.PIPE).stdout.decode().split("\n")
    cassettes = sorted(p for p in listing if p.endswith(".yaml"))
    timeline, posted, sse = [], [], []
    for path in cassettes:
        for method, uri, body in cassette_bodies(src.read(mp, path), path):
            if body.startswith(":)") or body.startswith("event:"):
                if "event: update" in body:
                    sse.append(body)
                continue
            if body[:1] not in "[{":
                continue
            try:
                answer = json.loads(body)
            except ValueError:
                continue
            if method == "GET" and "/api/v1/timelines/tag/" in uri:
                timeline += statuses(answer)
            elif method == "POST" and "/api/v1/statuses" in uri:
                posted += statuses(answer)
    timeline = dedupe(timeline, lambda s: s["id"])
    posted = dedupe(posted, lambda s: s["id"])
    yield ("mastodon/mastodonpy-tag-timeline.jsonl",
           "".join(jq_line(s) + "\n" for s in timeline).encode())
    yield ("mastodon/mastodonpy-posted.jsonl",
           "".join(jq_line(s) + "\n" for s in posted).encode())
    text = ""
    for body in sse:
        text += body if body.endswith("\n") else body + "\n"
    yield ("mastodon/mastodonpy-stream.txt", text.encode())


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--mirror", default="/work/.mirror")
    ap.add_argument("--out", default=here)
    ap.add_argument("--repo", action="append", default=[],
                    help="owner/name=GITDIR")
    args = ap.parse_args()
    overrides = dict(r.split("=", 1) for r in args.repo)
    src = Source(args.mirror, overrides)
    for name, data in build(src):
        path = os.path.join(args.out, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        for old in (path, path + ".gz"):
            if os.path.exists(old):
                os.remove(old)
        if len(data) > GZIP_OVER:
            path += ".gz"
            bio = io.BytesIO()
            with gzip.GzipFile(filename="", mode="wb", fileobj=bio, mtime=0,
                               compresslevel=9) as z:
                z.write(data)
            data = bio.getvalue()
        with open(path, "wb") as f:
            f.write(data)
        print("%-55s %8d bytes" % (os.path.relpath(path, args.out), len(data)))


if __name__ == "__main__":
    sys.exit(main())
