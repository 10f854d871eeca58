#!/usr/bin/env python3
"""An independent hashtag counter for the real-data corpus.

Standard library only; shares no code with groundswell. Written from the
formats' own documentation (Twitter API v1.1 and v2 data dictionaries,
twarc/twarc2 output, the AT Protocol lexicons app.bsky.feed.post,
app.bsky.feed.repost, app.bsky.embed.record(WithMedia),
app.bsky.richtext.facet, Jetstream's event shape, the Mastodon Status
entity and streaming API) and the counting rules groundswell documents.

For each FILE it prints one JSON object:
  {"file": ..., "posts": N, "reposts": N, "replies": N, "quotes": N,
   "not_posts": N, "malformed": N,
   "authors": {ACCOUNT_ID: posts},
   "tags": {KEY: {"posts", "originals", "reposts", "replies", "quotes",
                  "accounts", "first_seen", "last_seen",
                  "first_seen_ms", "last_seen_ms"}}}
(one object per line with several files; --pretty indents).

Usage: count.py [--pretty] FILE...   (.gz files are read too)
"""

import datetime
import gzip
import json
import re
import sys
import unicodedata

# ---------------------------------------------------------------- keys

def tag_key(s):
    """NFKC, full Unicode case folding, NFKC again."""
    return unicodedata.normalize(
        "NFKC", unicodedata.normalize("NFKC", s).casefold())


# -------------------------------------------------- twitter-text hashtags
# Used only where a tweet carries no entities at all. After twitter-text's
# validHashtag: a boundary (start, or a character that is not a hashtag
# letter/digit/underscore/joiner and not '&'), '#' or U+FF03, not followed
# by U+FE0F or U+20E3, then hashtag characters containing at least one
# letter or mark; dropped when followed by '#'/U+FF03 or '://'.

_JOINERS = set("_\u200c\u200d\ua67e\u05be\u05f3\u05f4\uff5e\u301c\u309b"
               "\u309c\u30a0\u30fb\u3003\u0f0b\u0f0c\u00b7")


def _is_alpha(c):
    return unicodedata.category(c)[0] in "LM"


def _is_alnum(c):
    return _is_alpha(c) or unicodedata.category(c) == "Nd" or c in _JOINERS


def text_hashtags(text):
    out = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c not in "#\uff03":
            i += 1
            continue
        prev = text[i - 1] if i > 0 else ""
        if prev and prev not in "\ufe0e\ufe0f" and (_is_alnum(prev) or prev == "&"):
            i += 1
            continue
        j = i + 1
        if j < n and text[j] in "\ufe0f\u20e3":
            i += 1
            continue
        while j < n and _is_alnum(text[j]):
            j += 1
        body = text[i + 1:j]
        rest = text[j:]
        if body and any(_is_alpha(ch) for ch in body) and not (
                rest[:1] in ("#", "\uff03") or rest.startswith("://")):
            out.append(body)
        i = max(j, i + 1)
    return out


# --------------------------------------------------------------- times

_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)


def iso_to_us(s):
    """RFC 3339 / ISO 8601 with a zone (Z or +hh:mm) to µs since the epoch."""
    if not isinstance(s, str):
        raise ValueError("time is not a string")
    m = re.fullmatch(r"(\d{4})-(\d\d)-(\d\d)[Tt ](\d\d):(\d\d):(\d\d)(?:\.(\d+))?"
                     r"([Zz]|[+-]\d\d:?\d\d)?", s.strip())
    if not m:
        raise ValueError("bad time %r" % s)
    y, mo, d, h, mi, se, frac, tz = m.groups()
    us = int(((frac or "") + "000000")[:6])
    off = 0
    if tz and tz not in "Zz":
        sign = -1 if tz[0] == "-" else 1
        tz = tz[1:].replace(":", "")
        off = sign * (int(tz[:2]) * 3600 + int(tz[2:]) * 60)
    dt = datetime.datetime(int(y), int(mo), int(d), int(h), int(mi), int(se),
                           tzinfo=datetime.timezone.utc)
    return (dt - _EPOCH) // datetime.timedelta(microseconds=1) + us - off * 1000000


_MONTHS = {m: i + 1 for i, m in enumerate(
    "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split())}


def twitter_date_to_us(s):
    """'Wed Apr 06 19:13:37 +0000 2011' to µs since the epoch."""
    m = re.fullmatch(r"\w{3} (\w{3}) (\d\d) (\d\d):(\d\d):(\d\d) ([+-])(\d\d)(\d\d) (\d{4})",
                     s.strip())
    if not m:
        raise ValueError("bad created_at %r" % s)
    mon, d, h, mi, se, sign, oh, om, y = m.groups()
    dt = datetime.datetime(int(y), _MONTHS[mon], int(d), int(h), int(mi), int(se),
                           tzinfo=datetime.timezone.utc)
    off = (int(oh) * 3600 + int(om) * 60) * (-1 if sign == "-" else 1)
    return (dt - _EPOCH) // datetime.timedelta(microseconds=1) - off * 1000000


def us_to_rfc3339(us):
    ms = us // 1000
    dt = _EPOCH + datetime.timedelta(milliseconds=ms)
    base = dt.strftime("%Y-%m-%dT%H:%M:%S")
    return base + (".%03dZ" % (ms % 1000) if ms % 1000 else "Z")


# --------------------------------------------------------------- posts

class Malformed(Exception):
    pass


class Post:
    __slots__ = ("author", "time_us", "tags", "repost", "reply", "quote")

    def __init__(self, author, time_us, tags, repost=False, reply=False, quote=False):
        if not isinstance(author, str) or not author:
            raise Malformed("no author")
        if not isinstance(time_us, int):
            raise Malformed("no time")
        self.author = author
        self.time_us = time_us
        self.tags = tags
        self.repost = repost
        self.reply = reply and not repost
        self.quote = quote and not repost


def _nonempty_str(v):
    return isinstance(v, str) and v != ""


# Twitter API v1.1 ----------------------------------------------------

def v1_tags(t):
    """Hashtags of a v1.1 tweet: extended_tweet's entities if present, else
    the top-level entities; the text only where there are no entities."""
    ext = t.get("extended_tweet")
    ents = None
    if isinstance(ext, dict) and isinstance(ext.get("entities"), dict):
        ents = ext["entities"]
    elif isinstance(t.get("entities"), dict):
        ents = t["entities"]
    if ents is None:
        if isinstance(ext, dict) and isinstance(ext.get("full_text"), str):
            text = ext["full_text"]
        else:
            text = t.get("full_text") if isinstance(t.get("full_text"), str) else t.get("text")
        return text_hashtags(text) if isinstance(text, str) else []
    tags = []
    for h in ents.get("hashtags") or []:
        if isinstance(h, dict) and isinstance(h.get("text"), str):
            tags.append(h["text"])
    return tags


def v1_post(t):
    user = t.get("user")
    if not isinstance(user, dict):
        raise Malformed("user is not an object")
    author = user.get("id_str")
    if not _nonempty_str(author):
        raise Malformed("no user.id_str")
    ts = t.get("timestamp_ms")
    if ts is not None:
        if isinstance(ts, str) and ts.isdigit():
            time_us = int(ts) * 1000
        elif isinstance(ts, int):
            time_us = ts * 1000
        else:
            raise Malformed("bad timestamp_ms")
    else:
        ca = t.get("created_at")
        if not isinstance(ca, str):
            raise Malformed("no created_at")
        try:
            time_us = twitter_date_to_us(ca)
        except ValueError as e:
            raise Malformed(str(e))
    rs = t.get("retweeted_status")
    if isinstance(rs, dict):
        return Post(author, time_us, v1_tags(rs), repost=True)
    reply = _nonempty_str(t.get("in_reply_to_status_id_str"))
    quote = t.get("is_quote_status") is True or _nonempty_str(t.get("quoted_status_id_str"))
    return Post(author, time_us, v1_tags(t), reply=reply, quote=quote)


# Twitter API v2 ------------------------------------------------------

def v2_tags(t):
    ents = t.get("entities")
    if not isinstance(ents, dict):
        # absent fields are left out in v2: no entities at all
        text = t.get("text")
        return text_hashtags(text) if isinstance(text, str) else []
    tags = []
    for h in ents.get("hashtags") or []:
        if isinstance(h, dict) and isinstance(h.get("tag"), str):
            tags.append(h["tag"])
    return tags


def v2_post(t, includes_tweets):
    """One v2 tweet (a page's data item, a stream line's data, or a
    flattened line); includes_tweets maps id -> included tweet."""
    author = t.get("author_id")
    if not _nonempty_str(author) and isinstance(t.get("author"), dict):
        author = t["author"].get("id")
    if not _nonempty_str(author):
        raise Malformed("no author_id")
    try:
        time_us = iso_to_us(t.get("created_at"))
    except ValueError as e:
        raise Malformed(str(e))
    refs = t.get("referenced_tweets")
    refs = [r for r in refs if isinstance(r, dict)] if isinstance(refs, list) else []
    types = {r.get("type") for r in refs}
    rt = next((r for r in refs if r.get("type") == "retweeted"), None)
    if rt is not None:
        original = None
        if "text" in rt or "entities" in rt:      # expanded (twarc2 flatten)
            original = rt
        elif rt.get("id") in includes_tweets:
            original = includes_tweets[rt.get("id")]
        tags = v2_tags(original) if original is not None else v2_tags(t)
        return Post(author, time_us, tags, repost=True)
    return Post(author, time_us, v2_tags(t), reply="replied_to" in types,
                quote="quoted" in types)


def v2_is_tweet(d):
    # a tweet has text; users, lists, counts and compliance results do not
    return isinstance(d, dict) and "text" in d and "id" in d


def v2_line(o):
    """Posts of one twarc2 line. Returns (posts, not_posts, malformed)."""
    if "data" in o:
        inc = o.get("includes")
        inc_tweets = {}
        if isinstance(inc, dict) and isinstance(inc.get("tweets"), list):
            for x in inc["tweets"]:
                if isinstance(x, dict) and isinstance(x.get("id"), str):
                    inc_tweets.setdefault(x["id"], x)
        data = o["data"]
        items = data if isinstance(data, list) else [data]
        posts, skipped, bad = [], 0, 0
        for d in items:
            if not v2_is_tweet(d):
                skipped += 1
                continue
            try:
                posts.append(v2_post(d, inc_tweets))
            except Malformed:
                bad += 1
        return posts, skipped, bad
    # a flattened tweet
    return [v2_post(o, {})], 0, 0


# Bluesky Jetstream ---------------------------------------------------

POST = "app.bsky.feed.post"
REPOST = "app.bsky.feed.repost"
_POST_URI = re.compile(r"^at://[^/]+/app\.bsky\.feed\.post/[^/]+$")


def bsky_tags(rec):
    tags = []
    for f in rec.get("facets") or []:
        if not isinstance(f, dict):
            continue
        for feat in f.get("features") or []:
            if (isinstance(feat, dict) and feat.get("$type") == "app.bsky.richtext.facet#tag"
                    and isinstance(feat.get("tag"), str)):
                tags.append(feat["tag"])
    for t in rec.get("tags") or []:
        if isinstance(t, str):
            tags.append(t)
    return tags


def bsky_is_quote(rec):
    e = rec.get("embed")
    if not isinstance(e, dict):
        return False
    t = e.get("$type")
    if t == "app.bsky.embed.record":
        r = e.get("record")
        return isinstance(r, dict) and isinstance(r.get("uri"), str) and bool(_POST_URI.match(r["uri"]))
    if t == "app.bsky.embed.recordWithMedia":
        r = e.get("record")
        r = r.get("record") if isinstance(r, dict) else None
        return isinstance(r, dict) and isinstance(r.get("uri"), str) and bool(_POST_URI.match(r["uri"]))
    return False


class Jetstream:
    def __init__(self):
        self.seen = {}      # at:// URI of a post seen earlier -> its tags

    def line(self, o):
        if o.get("kind") != "commit":
            return None
        c = o.get("commit")
        if not isinstance(c, dict) or c.get("operation") != "create":
            return None
        coll = c.get("collection")
        if coll not in (POST, REPOST):
            return None
        rec = c.get("record")
        if not isinstance(rec, dict):
            raise Malformed("no record")
        did = o.get("did")
        tu = o.get("time_us")
        if not isinstance(tu, int) or isinstance(tu, bool):
            raise Malformed("no time_us")
        if coll == POST:
            tags = bsky_tags(rec)
            post = Post(did, tu, tags, reply=isinstance(rec.get("reply"), dict),
                        quote=bsky_is_quote(rec))
            if isinstance(c.get("rkey"), str):
                self.seen["at://%s/%s/%s" % (did, POST, c["rkey"])] = tags
            return post
        subj = rec.get("subject")
        uri = subj.get("uri") if isinstance(subj, dict) else None
        return Post(did, tu, self.seen.get(uri, []), repost=True)


# Mastodon ------------------------------------------------------------

def masto_post(s):
    acc = s.get("account")
    if not isinstance(acc, dict):
        raise Malformed("account is not an object")
    author = acc.get("id")
    try:
        time_us = iso_to_us(s.get("created_at"))
    except ValueError as e:
        raise Malformed(str(e))
    rb = s.get("reblog")
    src = rb if isinstance(rb, dict) else s
    tags = [t["name"] for t in src.get("tags") or []
            if isinstance(t, dict) and isinstance(t.get("name"), str)]
    if isinstance(rb, dict):
        return Post(author, time_us, tags, repost=True)
    q = s.get("quote")
    quote = (isinstance(q, dict) and q.get("state") == "accepted"
             and (isinstance(q.get("quoted_status"), dict)
                  or _nonempty_str(q.get("quoted_status_id"))))
    return Post(author, time_us, tags, reply=s.get("in_reply_to_id") is not None,
                quote=quote)


# ------------------------------------------------------------ counting

class Counts:
    def __init__(self):
        self.posts = 0
        self.reposts = 0
        self.replies = 0
        self.quotes = 0
        self.not_posts = 0
        self.malformed = 0
        self.tags = {}
        self.authors = {}       # account id -> posts

    def add(self, p):
        self.posts += 1
        self.reposts += p.repost
        self.replies += p.reply
        self.quotes += p.quote
        self.authors[p.author] = self.authors.get(p.author, 0) + 1
        for key in {tag_key(t) for t in p.tags}:
            if key == "":
                continue
            e = self.tags.get(key)
            if e is None:
                e = self.tags[key] = {"posts": 0, "reposts": 0, "replies": 0,
                                      "quotes": 0, "accounts": set(),
                                      "first": p.time_us, "last": p.time_us}
            e["posts"] += 1
            e["reposts"] += p.repost
            e["replies"] += p.reply
            e["quotes"] += p.quote
            e["accounts"].add(p.author)
            e["first"] = min(e["first"], p.time_us)
            e["last"] = max(e["last"], p.time_us)

    def result(self, name):
        tags = {}
        for k, e in sorted(self.tags.items()):
            tags[k] = {
                "posts": e["posts"],
                "originals": e["posts"] - e["reposts"],
                "reposts": e["reposts"],
                "replies": e["replies"],
                "quotes": e["quotes"],
                "accounts": len(e["accounts"]),
                "first_seen": us_to_rfc3339(e["first"]),
                "last_seen": us_to_rfc3339(e["last"]),
                "first_seen_ms": e["first"] // 1000,
                "last_seen_ms": e["last"] // 1000,
            }
        return {"file": name, "posts": self.posts, "reposts": self.reposts,
                "replies": self.replies, "quotes": self.quotes,
                "not_posts": self.not_posts, "malformed": self.malformed,
                "authors": dict(sorted(self.authors.items())), "tags": tags}


def read_lines(path):
    with open(path, "rb") as f:
        data = f.read()
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    for raw in data.split(b"\n"):
        if raw.endswith(b"\r"):
            raw = raw[:-1]
        yield raw


def count_file(path):
    c = Counts()
    js = Jetstream()
    sse_event = None            # event name of a server-sent-events capture
    for raw in read_lines(path):
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError:
            c.malformed += 1
            continue
        s = line.strip()
        if s == "":
            sse_event = None    # a blank line ends a server-sent event
            continue
        if s.startswith(":"):   # SSE comment / heartbeat
            continue
        if s.startswith("event:"):
            sse_event = s[len("event:"):].strip()
            continue
        if s.startswith("data:"):
            payload = s[len("data:"):].strip()
            if sse_event != "update":
                # delete, notification, status.update, conversation...
                c.not_posts += 1
                continue
            s = payload
        try:
            o = json.loads(s)
        except ValueError:
            c.malformed += 1
            continue
        if not isinstance(o, dict):
            c.malformed += 1
            continue
        try:
            if "did" in o and "kind" in o:
                # Jetstream (its account events have an "account" key too)
                p = js.line(o)
                posts = [p] if p is not None else []
                if p is None:
                    c.not_posts += 1
            elif "user" in o:
                posts = [v1_post(o)]
            elif "account" in o:
                posts = [masto_post(o)]
            elif "data" in o or "author_id" in o:
                posts, skipped, bad = v2_line(o)
                c.not_posts += skipped
                c.malformed += bad
            else:
                # stream control messages (delete, limit, scrub_geo,
                # status_withheld, user_withheld, disconnect, warning,
                # friends, event, direct_message), twarc2 errors-only,
                # meta-only and compliance lines
                c.not_posts += 1
                posts = []
        except Malformed:
            c.malformed += 1
            continue
        for p in posts:
            c.add(p)
    return c.result(path)


def main(argv):
    pretty = "--pretty" in argv
    files = [a for a in argv if a != "--pretty"]
    if not files:
        sys.stderr.write(__doc__)
        return 2
    for f in files:
        r = count_file(f)
        if pretty:
            print(json.dumps(r, ensure_ascii=False, indent=1))
        else:
            print(json.dumps(r, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
