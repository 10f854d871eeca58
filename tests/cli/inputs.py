"""Real-archive forms at the level of the binary (TAP): every input that
gives no post (CSV exports, JSON arrays over many lines, another format
than --input-format asks for, Bluesky PostViews, empty files, files of
only non-posts) is diagnosed on stderr with exit 4 while the other files
are still reported; stream control messages are non-posts counted by kind
and do not stop --strict; a JSON array on one line is read; a ':' line is
malformed in JSON Lines and a comment in SSE captures. All data here is
synthetic, with fictional accounts."""
import gzip
import json
import os
import tempfile

import tap
from tap import ok


def run(*args, stdin=None):
    """stdin: the bytes groundswell reads"""
    return tap.outputs(*args, input=stdin)


tmp = tempfile.mkdtemp(prefix="gs-inputs-")


def write(name, text):
    path = os.path.join(tmp, name)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    return path


def tweet(i, tags=("MeToo",), user="1001"):
    return {"created_at": "Sun Oct 15 20:%02d:00 +0000 2017" % (i % 60), "id": 9000 + i,
            "id_str": str(9000 + i), "text": " ".join("#" + t for t in tags),
            "user": {"id": int(user), "id_str": user, "screen_name": "fictional%s" % user},
            "entities": {"hashtags": [{"text": t, "indices": [0, 1]} for t in tags],
                         "user_mentions": []}}


def status(i, tag="MeToo", acct="301"):
    return {"id": str(100 + i), "created_at": "2017-10-15T20:%02d:00.000Z" % i,
            "account": {"id": acct, "username": "f%s" % acct, "acct": "f%s" % acct},
            "content": "<p>#%s</p>" % tag, "tags": [{"name": tag, "url": "u"}],
            "mentions": [], "reblog": None, "language": "en"}


good = write("good.jsonl", "\n".join(json.dumps(tweet(i)) for i in range(3)) + "\n")

# ---- files that give no post ----------------------------------------------
csv_file = write("export.csv", "id,created_at,author_id,text\n1,2017-10-15T20:00:00Z,7,#MeToo hi\n")
rc, out, err = run("report", csv_file)
ok(rc == 4, "a CSV export: exit 4", (rc, err))
ok("looks like CSV" in err and "export.csv" in err, "a CSV export: said what it is", err)

arr = write("answer.json", json.dumps([status(1), status(2)], indent=2) + "\n")
rc, out, err = run("report", "--json", arr)
d = json.loads(out) if out.strip() else {}
ok(rc == 0 and d.get("summary", {}).get("posts") == 2 and d["summary"]["malformed"] == 0,
   "a JSON array over many lines (pretty-printed) is read as one document", (rc, err))
bad = write("damaged.json", json.dumps([status(1), status(2)], indent=2)[:-40] + "\n")
rc, out, err = run("report", bad)
ok(rc == 4 and "damaged.json:1: truncated JSON" in err and "one JSON array over several lines" in err,
   "a damaged JSON array over many lines: one bad document, diagnosed, exit 4", (rc, err))
ok("jq -c '.[]'" in err, "a damaged JSON array: jq shows where", err)
jl = write("array-then-lines.jsonl", '[{"id": "1", "created_at": "2017-10-15T20:00:00Z"\n' +
           json.dumps(tweet(1)) + "\n" + json.dumps(tweet(2)) + "\n")
rc, out, err = run("report", "--json", jl)
d = json.loads(out) if out.strip() else {}
ok(d.get("summary", {}).get("posts") == 2 and d["summary"]["malformed"] == 1,
   "a damaged array as the first line of JSON Lines does not swallow the lines after it", (rc, err))

rc, out, err = run("report", "--json", write("answer1.json", json.dumps([status(1), status(2, "Año", "302")]) + "\n"))
d = json.loads(out) if rc == 0 else {}
ok(rc == 0 and d.get("summary", {}).get("posts") == 2, "a JSON array on one line is read", (rc, err, out[:300]))

rc, out, err = run("report", "-f", "twitter2", good)
ok(rc == 4, "v1.1 read with -f twitter2: exit 4", (rc, err))
ok("--input-format" in err and "twitter1" in err, "v1.1 read with -f twitter2: says which format it is", err)

postview = {"uri": "at://did:plc:fictional/app.bsky.feed.post/3k", "cid": "bafy",
            "author": {"did": "did:plc:fictional", "handle": "fictional.example"},
            "record": {"$type": "app.bsky.feed.post", "text": "#MeToo", "createdAt": "2024-11-18T15:21:06.442Z"},
            "indexedAt": "2024-11-18T15:21:06.442Z", "likeCount": 0}
pv = write("postviews.jsonl", json.dumps(postview) + "\n")
rc, out, err = run("report", pv)
ok(rc == 4 and "PostView" in err and "jq -c" in err, "Bluesky PostViews: diagnosed, with a conversion", (rc, err))

empty = write("empty.jsonl", "")
rc, out, err = run("report", empty)
ok(rc == 4 and "is empty" in err, "an empty file: exit 4, said so", (rc, err))
rc, out, err = run("report", "-", stdin=b"")
ok(rc == 4 and "<stdin>" in err, "empty stdin: exit 4, said so", (rc, err))

control = write("control.jsonl", "\n".join(json.dumps(x) for x in [
    {"delete": {"status": {"id": 1, "id_str": "1", "user_id": 2, "user_id_str": "2"}, "timestamp_ms": "1508097600000"}},
    {"limit": {"track": 12, "timestamp_ms": "1508097600000"}},
]) + "\n")
rc, out, err = run("report", control)
ok(rc == 4 and "only lines that are not posts" in err and "twitter delete notices: 1" in err,
   "a file of only control messages: diagnosed by kind", (rc, err))

# the other files are still reported, and the exit tells
rc, out, err = run("report", "--json", good, csv_file)
d = json.loads(out) if out.strip() else {}
ok(rc == 4 and d.get("summary", {}).get("posts") == 3, "a good file and a CSV: the good one reported, exit 4", (rc, err))
rc, out, err = run("tag", "MeToo", good, empty)
ok(rc == 4 and "#MeToo" in out, "tag: output for the good file, exit 4", (rc, out[:200], err))
rc, out, err = run("network", "--format", "csv", good, empty)
ok(rc == 4 and out.startswith("source,target"), "network: output for the good file, exit 4", (rc, out[:200], err))

# ---- stream control messages: non-posts by kind, --strict goes on ---------
stream = write("stream.jsonl", "\n".join(json.dumps(x) for x in [
    tweet(1),
    {"delete": {"status": {"id": 1, "id_str": "1", "user_id": 2, "user_id_str": "2"}, "timestamp_ms": "1508097600000"}},
    {"limit": {"track": 12, "timestamp_ms": "1508097600000"}},
    {"scrub_geo": {"user_id": 1, "user_id_str": "1", "up_to_status_id": 2, "up_to_status_id_str": "2"}},
    {"status_withheld": {"id": 1, "user_id": 2, "withheld_in_countries": ["DE"]}},
    {"user_withheld": {"id": 1, "withheld_in_countries": ["DE"]}},
    {"disconnect": {"code": 4, "stream_name": "s", "reason": "r"}},
    {"warning": {"code": "FALLING_BEHIND", "message": "m", "percent_full": 60}},
    {"meta": {"result_count": 0}},
    {"errors": [{"title": "Not Found Error"}]},
    tweet(2, user="1002"),
]) + "\n")
rc, out, err = run("report", "--strict", "--json", stream)
d = json.loads(out) if rc == 0 else {}
ok(rc == 0, "--strict goes through a capture with control messages", (rc, err))
s = d.get("summary", {})
ok(s.get("posts") == 2 and s.get("malformed") == 0 and s.get("skipped") == 9,
   "control messages are skipped, not malformed", s)
ok(s.get("skipped_by_kind") == {"twitter_delete": 1, "twitter_limit": 1, "twitter_scrub_geo": 1,
                                "twitter_withheld": 2, "twitter_disconnect": 1, "twitter_warning": 1,
                                "twarc2_empty": 1, "twarc2_errors": 1},
   "skipped_by_kind counts each kind", s.get("skipped_by_kind"))
rc, out, err = run("report", stream)
ok("twitter delete notices: 1" in out, "the text summary names the kinds", out[:400])

# ---- ':' lines ------------------------------------------------------------
colon = write("colon.jsonl", json.dumps(tweet(1)) + "\n:)\n" + json.dumps(tweet(2)) + "\n")
rc, out, err = run("report", "--json", colon)
d = json.loads(out) if out.strip() else {}
ok(d.get("summary", {}).get("malformed") == 1 and "colon.jsonl:2:" in err,
   "a ':' line in JSON Lines is malformed, with file:line", (rc, err))
sse = write("capture.txt", ":)\n\nevent: update\ndata: " + json.dumps(status(1)) + "\n\n: thump\n\n"
            "event: delete\ndata: 101\n\n")
rc, out, err = run("report", "--json", sse)
d = json.loads(out) if out.strip() else {}
s = d.get("summary", {})
ok(rc == 0 and s.get("posts") == 1 and s.get("malformed") == 0, "SSE comments (':)', ': thump') are framing", (rc, err, s))
ok(s.get("skipped_by_kind") == {"mastodon_event": 1}, "the delete event is a non-post", s)

# ---- a compressed v2 stream capture: data is an object --------------------
v2 = {"data": {"id": "5", "text": "#MeToo", "author_id": "2001", "created_at": "2017-10-15T20:05:00.000Z",
               "entities": {"hashtags": [{"start": 0, "end": 6, "tag": "MeToo"}]}},
      "includes": {"users": [{"id": "2001", "username": "fictional2001", "name": "F"}]},
      "matching_rules": [{"id": "1", "tag": "metoo"}]}
path = os.path.join(tmp, "stream2.jsonl.gz")
with gzip.open(path, "wt") as f:
    f.write(json.dumps(v2) + "\n" + json.dumps(v2) + "\n")
rc, out, err = run("report", "--json", path)
d = json.loads(out) if out.strip() else {}
ok(rc == 0 and d.get("summary", {}).get("posts") == 2, "twarc2 stream lines (gzip): every line a post", (rc, err))

# ---- a bad tweet never costs its page --------------------------------------
def v2tweet(i, author=True):
    t = {"id": str(500 + i), "text": "#MeToo", "created_at": "2017-10-15T20:%02d:00.000Z" % i,
         "entities": {"hashtags": [{"start": 0, "end": 6, "tag": "MeToo"}]}}
    if author:
        t["author_id"] = str(2000 + i)
    return t


page = write("page.jsonl", json.dumps({"data": [v2tweet(i, i != 3) for i in range(5)], "meta": {"result_count": 5}}) + "\n")
rc, out, err = run("report", "--json", page)
d = json.loads(out) if out.strip() else {}
ok(rc == 0 and d.get("summary", {}).get("posts") == 4 and d["summary"]["malformed"] == 1,
   "a page with one tweet without author: the other 4 counted, 1 malformed", (rc, err, d.get("summary")))
ok("page.jsonl:1: 1 malformed post left out, the other 4 read; post 4 of 5: no author" in err,
   "the page's bad tweet is reported with file:line and its place", err)
rc, out, err = run("report", "--strict", page)
ok(rc == 3, "--strict stops at it", (rc, err))

# ---- trends --live reports as batch mode does ------------------------------
rc, out, err = run("trends", "--live", colon, empty)
ok(rc == 4 and "colon.jsonl:2:" in err and "is empty" in err,
   "trends --live: bad lines with file:line, and a file without posts", (rc, err))
long_line = write("long.jsonl", json.dumps(tweet(3)) + "\n" + json.dumps(tweet(4, ("x" * 2000,))) + "\n")
live_in = (colon, page, long_line, empty)
rc_b, _, err_b = run("trends", "--max-line", "1K", *live_in)
rc_l, _, err_l = run("trends", "--live", "--max-line", "1K", *live_in)
ok(rc_l == rc_b == 4 and err_l == err_b and "long.jsonl:2: line longer than 1024 bytes" in err_l
   and "page.jsonl:1: 1 malformed post left out" in err_l,
   "trends --live reports malformed lines, dropped posts, long lines and empty files as trends does",
   (rc_b, rc_l, err_b, err_l))
rc_b, _, err_b = run("trends", "--strict", colon, empty)
rc_l, _, err_l = run("trends", "--live", "--strict", colon, empty)
ok(rc_l == rc_b == 3 and err_l == err_b == colon + ":2: malformed JSON: a line starting with ':' (an SSE comment) in JSON Lines input\n",
   "trends --live --strict stops at the first bad line (exit 3), as trends does", (rc_b, rc_l, err_b, err_l))
rc_l, _, err_l = run("trends", "--live", "--strict", page)
ok(rc_l == 3 and "page.jsonl:1: 1 malformed post left out" in err_l,
   "trends --live --strict: a page that dropped a post stops too", (rc_l, err_l))

tap.done()
