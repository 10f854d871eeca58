#!/usr/bin/env python3
"""What a movement shared (issue 12, part 4): every tag's most shared
links and domains in `groundswell report --json` against an independent
counter written from the formats' documentation (not from groundswell's
code): Twitter v1.1 and v2 entities.urls (expanded_url, else unwound_url,
else url; not v2's media entries), Bluesky link facets and external
embeds, Mastodon's card.url and the links of the content that are not
mentions or hashtags (read with Python's html.parser); a repost shares its
original's (a Bluesky repost none: it names its original only); each URL
once a post. A domain is the URL's host, ASCII lower-cased, without user,
port, final dot or a leading "www.".

For every tag: each listed count is at most the true count (a
Space-Saving lower bound) and at least 1; when the tag shared at most 10
distinct URLs (domains), the list is exactly the counter's. On the real
archives of tests/real (when present), the golden files and a generated
stream. `tag --json` and `tag` (text) agree with report's lists for the
busiest tag of each file. One TAP line per file.
"""

import html.parser
import json
import os
import re
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "tests", "real"))

import count  # noqa: E402  (tests/real/count.py: tags, lines, keys)
import tap  # noqa: E402

K = 10          # links and domains a tag keeps
MAX_URLS = 8    # links a post keeps
SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]{0,31}://")


def ascii_lower(s):
    return "".join(chr(ord(c) + 32) if "A" <= c <= "Z" else c for c in s)


def domain(url):
    m = SCHEME.match(url)
    if not m:
        return None
    rest = url[m.end():]
    host = re.split(r"[/?#\\]", rest, maxsplit=1)[0]
    host = host.rsplit("@", 1)[-1]
    if host.startswith("["):
        host = host[:host.index("]") + 1] if "]" in host else host
    else:
        host = re.sub(r":[0-9]*$", "", host)
    if host.endswith("."):
        host = host[:-1]
    if len(host) > 4 and ascii_lower(host[:4]) == "www.":
        host = host[4:]
    b = ascii_lower(host).encode()[:63]
    return b.decode("utf-8", "ignore") or None


def twitter_urls(ents, v2):
    out = []
    if not isinstance(ents, dict) or not isinstance(ents.get("urls"), list):
        return out
    for u in ents["urls"]:
        if not isinstance(u, dict) or (v2 and "media_key" in u):
            continue
        for k in ("expanded_url", "unwound_url", "url"):
            if isinstance(u.get(k), str) and u[k]:
                out.append(u[k])
                break
    return out


def v1_urls(t):
    ext = t.get("extended_tweet")
    if isinstance(ext, dict) and isinstance(ext.get("entities"), dict):
        return twitter_urls(ext["entities"], False)
    return twitter_urls(t.get("entities"), False)


def bsky_urls(rec):
    out = []
    for f in rec.get("facets") or []:
        for feat in (f.get("features") or []) if isinstance(f, dict) else []:
            if (isinstance(feat, dict) and isinstance(feat.get("uri"), str)
                    and feat.get("$type", "app.bsky.richtext.facet#link")
                    == "app.bsky.richtext.facet#link"):
                out.append(feat["uri"])
    e = rec.get("embed")
    if isinstance(e, dict):
        ext = None
        if e.get("$type") == "app.bsky.embed.external":
            ext = e.get("external")
        elif e.get("$type") == "app.bsky.embed.recordWithMedia":
            m = e.get("media")
            if isinstance(m, dict) and m.get("$type") == "app.bsky.embed.external":
                ext = m.get("external")
        if isinstance(ext, dict) and isinstance(ext.get("uri"), str):
            out.append(ext["uri"])
    return out


class Anchors(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.links = []

    def handle_starttag(self, tag, attrs):
        if tag != "a":
            return
        a = dict(attrs)
        cls = (a.get("class") or "").split()
        rel = (a.get("rel") or "").split()
        if "mention" in cls or "hashtag" in cls or "tag" in rel:
            return
        if a.get("href"):
            self.links.append(a["href"].strip())


def masto_urls(s):
    out = []
    card = s.get("card")
    if isinstance(card, dict) and isinstance(card.get("url"), str):
        out.append(card["url"])
    if isinstance(s.get("content"), str):
        p = Anchors()
        p.feed(s["content"])
        p.close()
        out += p.links
    return out


def posts_of(path):
    """(tag keys, urls) of every post of a file, as count.py reads it."""
    js = count.Jetstream()
    event = None
    for raw in count.read_lines(path):
        try:
            s = raw.decode("utf-8").strip()
        except UnicodeDecodeError:
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
        items = o if isinstance(o, list) else [o]
        for o in items:
            if not isinstance(o, dict):
                continue
            try:
                yield from post_links(o, js)
            except count.Malformed:
                pass


def post_links(o, js):
    if "did" in o and "kind" in o:
        p = js.line(o)
        if p is None:
            return
        c = o["commit"]
        urls = bsky_urls(c["record"]) if c.get("collection") == count.POST else []
        yield p.tags, urls
    elif "user" in o:
        p = count.v1_post(o)
        rs = o.get("retweeted_status")
        yield p.tags, v1_urls(rs if isinstance(rs, dict) else o)
    elif "account" in o:
        p = count.masto_post(o)
        rb = o.get("reblog")
        yield p.tags, masto_urls(rb if isinstance(rb, dict) else o)
    elif "data" in o or "author_id" in o:
        inc = {}
        if isinstance(o.get("includes"), dict):
            for x in o["includes"].get("tweets") or []:
                if isinstance(x, dict) and isinstance(x.get("id"), str):
                    inc.setdefault(x["id"], x)
        data = o.get("data", o)
        for d in data if isinstance(data, list) else [data]:
            if "data" in o and not count.v2_is_tweet(d):
                continue
            try:
                p = count.v2_post(d, inc)
            except count.Malformed:
                continue
            src = d
            refs = d.get("referenced_tweets")
            for r in refs if isinstance(refs, list) else []:
                if isinstance(r, dict) and r.get("type") == "retweeted":
                    if "text" in r or "entities" in r:
                        src = r
                    elif r.get("id") in inc:
                        src = inc[r["id"]]
                    break
            yield p.tags, twitter_urls(src.get("entities"), True)


def truth(path):
    urls, doms = {}, {}
    for tags, us in posts_of(path):
        keys = {count.tag_key(t) for t in tags} - {""}
        if not keys:
            continue
        seen = []
        for u in us:
            if u and u not in seen and not any(ord(c) < 0x20 for c in u):
                seen.append(u)
        seen = seen[:MAX_URLS]
        ds = []
        for u in seen:
            d = domain(u)
            if d and d not in ds:
                ds.append(d)
        for k in keys:
            for u in seen:
                urls.setdefault(k, {}).setdefault(u, 0)
                urls[k][u] += 1
            for d in ds:
                doms.setdefault(k, {}).setdefault(d, 0)
                doms[k][d] += 1
    return urls, doms


def check(gs, urls, doms):
    bad = []
    for t in gs["tags"]:
        for field, name, true in (("urls", "url", urls), ("domains", "domain", doms)):
            got = {x[name]: x["posts"] for x in t[field]}
            want = true.get(t["tag"], {})
            if len(want) <= K and got != want:
                bad.append("#%s %s: %s, counter %s" % (t["tag"], field, got, want))
            elif len(want) > K:
                over = {u: c for u, c in got.items() if not 1 <= c <= want.get(u, 0)}
                if over or len(got) > K:
                    bad.append("#%s %s above the truth: %s" % (t["tag"], field, over))
                counts = [x["posts"] for x in t[field]]
                if counts != sorted(counts, reverse=True):
                    bad.append("#%s %s not ordered" % (t["tag"], field))
    tags = {t["tag"] for t in gs["tags"]}
    for k in set(urls) - tags:
        bad.append("#%s shared links but is not in the report" % k)
    return bad


def run(*args):
    p = subprocess.run(list(args), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    return p.returncode, p.stdout.decode("utf-8", "replace")


def main():
    gs_bin = os.environ.get("GS_BIN", os.path.join(ROOT, "build", "groundswell"))
    files = []
    for fmt in ("twitter1", "twitter2", "jetstream", "mastodon"):
        d = os.path.join(ROOT, "tests", "real", fmt)
        if os.path.isdir(d):
            files += [os.path.join(d, f) for f in sorted(os.listdir(d))
                      if re.search(r"\.(jsonl|txt)(\.gz)?$", f)]
    g = os.path.join(ROOT, "tests", "golden")
    files += [os.path.join(g, f) for f in sorted(os.listdir(g))
              if f.endswith(".jsonl") or f.endswith("-sse.txt")]
    tmp = tempfile.mkdtemp()
    for fmt in ("twitter1", "twitter2", "jetstream", "mastodon"):
        out = os.path.join(tmp, "gen-%s.jsonl" % fmt)
        subprocess.run([gs_bin, "generate", "--seed", "5", "--hours", "4",
                        "--rate", "0.3", "-f", fmt, "-o", out],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        files.append(out)
    tap.plan(len(files) + 1)
    shared = 0
    for path in files:
        name = os.path.relpath(path, ROOT) if path.startswith(ROOT) else os.path.basename(path)
        urls, doms = truth(path)
        shared += sum(len(v) for v in urls.values())
        rc, out = run(gs_bin, "report", "--json", "--top", "0", path)
        bad = []
        try:
            gs = json.loads(out)
        except ValueError:
            gs = None
            bad.append("report --json gave no JSON (status %d)" % rc)
        if gs:
            bad += check(gs, urls, doms)
            busy = [t for t in gs["tags"] if t["urls"]]
            if busy:
                t = max(busy, key=lambda t: (t["posts"], t["tag"]))
                rc, tj = run(gs_bin, "tag", "--json", t["tag"], path)
                tj = json.loads(tj)
                if tj["urls"] != t["urls"] or tj["domains"] != t["domains"]:
                    bad.append("tag --json %s differs from report" % t["tag"])
                rc, tt = run(gs_bin, "tag", t["tag"], path)
                line = [ln for ln in tt.splitlines() if ln.startswith("  links ")]
                want = "  links     " + "".join(" %s (%d)" % (x["url"], x["posts"])
                                                for x in t["urls"])
                if line != [want]:
                    bad.append("tag (text) links line: %s" % line)
        tap.ok(not bad, "%s: links and domains of every tag (%d tags shared %d)"
               % (name, len(urls), sum(len(v) for v in urls.values())),
               "\n".join(bad))
    tap.ok(shared > 100, "the inputs shared links at all (%d tag-link pairs)" % shared)
    for f in os.listdir(tmp):
        os.unlink(os.path.join(tmp, f))
    os.rmdir(tmp)
    tap.done()


if __name__ == "__main__":
    main()
