#!/usr/bin/env python3
"""Python standard-library baseline for bench/run.sh.

Counts, per hashtag of a Twitter v1.1 JSON Lines file, the posts that use it
and the distinct accounts that posted it, the way `groundswell report` does:

  * the account is user.id_str of the line's tweet (the retweeter for a
    retweet);
  * the tags come from extended_tweet.entities.hashtags when the tweet has
    extended_tweet.entities, else entities.hashtags; a retweet takes them
    from its retweeted_status instead (same rule inside it);
  * a tag is keyed by unicodedata.normalize('NFKC', text.casefold()) and a
    post counts each key once (#MeToo #metoo is one use);
  * distinct accounts are exact (a set per tag).

Lines that are not JSON objects with a user are counted as malformed and
skipped. Tweets without hashtag entities are not searched for #tags in their
text (groundswell would; the generated files always carry entities).

Usage: count_python.py FILE OUT.json
Writes {"tool", "posts", "malformed", "tags": [{"tag", "posts", "accounts"}]}
sorted by accounts, then posts, descending.
"""
import json
import sys
import unicodedata


def fold(text):
    return unicodedata.normalize("NFKC", text.casefold())


def tags_of(tweet):
    ext = tweet.get("extended_tweet")
    if isinstance(ext, dict) and isinstance(ext.get("entities"), dict):
        ent = ext["entities"]
    else:
        ent = tweet.get("entities")
    if not isinstance(ent, dict):
        return ()
    return ent.get("hashtags") or ()


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: count_python.py FILE OUT.json")
    posts_by_tag = {}
    accounts_by_tag = {}
    folded = {}  # spelling -> key: most spellings repeat
    posts = malformed = 0
    loads = json.loads
    with open(sys.argv[1], "rb") as f:
        for line in f:
            if not line.strip():
                continue
            try:
                tw = loads(line)
                account = tw["user"]["id_str"]
            except (ValueError, KeyError, TypeError):
                malformed += 1
                continue
            posts += 1
            rt = tw.get("retweeted_status")
            src = rt if isinstance(rt, dict) else tw
            seen = set()
            for h in tags_of(src):
                text = h.get("text")
                if not text:
                    continue
                key = folded.get(text)
                if key is None:
                    key = folded[text] = fold(text)
                if key in seen:
                    continue
                seen.add(key)
                n = posts_by_tag.get(key)
                if n is None:
                    posts_by_tag[key] = 1
                    accounts_by_tag[key] = {account}
                else:
                    posts_by_tag[key] = n + 1
                    accounts_by_tag[key].add(account)
    tags = [{"tag": k, "posts": posts_by_tag[k], "accounts": len(a)}
            for k, a in accounts_by_tag.items()]
    tags.sort(key=lambda t: (-t["accounts"], -t["posts"], t["tag"]))
    with open(sys.argv[2], "w", encoding="utf-8") as out:
        json.dump({"tool": "python " + sys.version.split()[0],
                   "posts": posts, "malformed": malformed, "tags": tags},
                  out, ensure_ascii=False)


if __name__ == "__main__":
    main()
