"""html_movements.py - the movements section of `report --html` (issue 13
part 1) on a generated stream with two planted movement families
(generate --families 2,
6 hours, 10-minute buckets): each family is a card with exactly its tags; the
cards are the movements `groundswell movements --json` finds, in its
order, with the same figures (tags and their own counts, posts, union
accounts beside the sum of the tags' accounts, pairs and their signals,
languages by onset), each with a union chart; the page is the same bytes
with --threads 1, 2, 3 and from a .gz; a stream with no movement says so
in the section, and so does a merge of state files (which hold no
co-occurrences). TAP output."""

import gzip
import html
import json
import os
import re
import shutil
import tempfile

from tap import done, ok, run

T = tempfile.mkdtemp()
STREAM = os.path.join(T, "f.jsonl")
TRUTH = os.path.join(T, "truth.json")
PAGE = os.path.join(T, "r.html")
BUCKET = ["--bucket", "10m"]  # as movements.py: the families trend within hours


def section(raw):
    """The movements section's HTML, or None."""
    i = raw.find('<h2 id="movements">')
    j = raw.find("<h2>Magnitudes</h2>")
    return raw[i:j] if 0 <= i < j else None


def text(s):
    return html.unescape(re.sub(r"<[^>]+>", "", s)).strip()


def num(s):
    """1,234 or ~1,234 (the first number of s)."""
    m = re.search(r"[\d,]+", text(s))
    return int(m.group(0).replace(",", "")) if m else None


def cards(sec):
    out = []
    for c in sec.split('<article class="panel move mv">')[1:]:
        c = c.split("</article>")[0]
        rows = re.findall(r'<tr><td class="l tag">#(.*?)</td><td>(.*?)</td>'
                          r'<td>(.*?)</td>', c)
        pairs = re.search(r'<ul class="pairs">(.*?)</ul>', c, re.S)
        langs = re.search(r'<div class="langs">(.*?)</div>', c, re.S)
        out.append({
            "name": text(re.search(r'<span class="t">(.*?)</span>', c).group(1)),
            "posts": num(re.search(r"</b> tags · <b>(.*?)</b>", c).group(1)),
            "accounts": num(re.search(r'<b class="union">(.*?)</b>', c).group(1)),
            "sum": num(re.search(r'<span class="sum">(.*?)</span>', c).group(1)),
            "tags": [(text(t), num(p), num(a)) for t, p, a in rows],
            "pairs": [text(x) for x in re.findall(r"<li>(.*?)</li>",
                                                  pairs.group(1) if pairs else "")],
            "langs": re.findall(r"<b>(.*?)</b>", langs.group(1)) if langs else [],
            "charts": c.count('<svg class="chart"'),
            "lines": c.count("<polyline"),
        })
    return out


def main():
    g = run("generate", "--seed", "4", "--hours", "6", "--rate", "1",
            "--families", "2", "-f", "jetstream", "--truth", TRUTH, "-o", STREAM)
    if not ok(g.returncode == 0, "generate --families 2", g.stderr):
        return
    fams = json.load(open(TRUTH))["families"]
    r = run("report", *BUCKET, "--html", PAGE, STREAM)
    ok(r.returncode == 0, "report --html exits 0", r.stderr)
    raw = open(PAGE, encoding="utf-8").read()
    sec = section(raw)
    if not ok(sec is not None, "the page has a movements section before the magnitudes"):
        return
    got = cards(sec)
    m = run("movements", *BUCKET, "--json", STREAM)
    ok(m.returncode == 0, "movements --json exits 0", m.stderr)
    mv = json.loads(m.stdout)["movements"]
    ok(len(got) == len(mv) and len(got) >= 2,
       f"a card per movement `movements` finds ({len(mv)})", [c["name"] for c in got])
    found = [sorted(t[0].lower() for t in c["tags"]) for c in got]
    for f in fams:
        want = sorted(t["tag"] for t in f["tags"])
        ok(want in found, f"family {f['name']} is a card with exactly its tags",
           (want, found))
    for c, j in zip(got, mv):
        n = j["name"]
        ok(c["name"] == n, f"{n}: the same name and order as movements --json",
           (c["name"], n))
        ok(c["tags"] == [(t["display"], t["posts"], t["accounts"]) for t in j["tags"]],
           f"{n}: its tags by onset, each with its own posts and accounts",
           (c["tags"], j["tags"]))
        ok(c["posts"] == j["posts"], f"{n}: posts {c['posts']} = {j['posts']}")
        ok(c["accounts"] == j["accounts"] and c["sum"] == round(j["accounts_sum"]),
           f"{n}: union accounts {c['accounts']} shown beside the sum {c['sum']}",
           (c, j["accounts"], j["accounts_sum"]))
        ok(c["accounts"] < c["sum"], f"{n}: a union, never the sum")
        ok(len(c["pairs"]) == len(j["pairs"]) and
           all(("posts" in x or "accounts" in x) and "trending together" in x
               for x in c["pairs"]),
           f"{n}: each pair says the signals that joined it", c["pairs"])
        ok(c["langs"] == [x["lang"] or "none" for x in j["languages"]],
           f"{n}: languages by onset", (c["langs"], j["languages"]))
        ok(c["charts"] == 1 and c["lines"] >= 1, f"{n}: a union timeline chart")

    # the same bytes whatever the threads, and from a .gz
    gz = STREAM + ".gz"
    with open(STREAM, "rb") as a, gzip.open(gz, "wb") as b:
        shutil.copyfileobj(a, b)
    pages = set()
    for args in (["--threads", "1", STREAM], ["--threads", "2", STREAM],
                 ["--threads", "3", STREAM], [gz]):
        p = run("report", *BUCKET, "--html", "-", *args)
        pages.add(p.stdout)
    ok(len(pages) == 1 and raw in pages,
       "the page is the same with --threads 1, 2, 3 and from a .gz")

    # no movement: said, never a blank section
    small = os.path.join(T, "s.jsonl")
    run("generate", "--seed", "2", "--hours", "6", "--rate", "0.2", "-f",
        "jetstream", "-o", small)
    p = run("report", "--html", "-", small)
    s = section(p.stdout) or ""
    ok(p.returncode == 0 and "No movement found" in s and "mv\"" not in s,
       "a stream without movements: the section says so", s[:1500])

    # merged state files hold no co-occurrences: said
    st = os.path.join(T, "a.state")
    q = run("report", *BUCKET, "--save-state", st, "--no-output", STREAM)
    ok(q.returncode == 0, "report --save-state", q.stderr)
    p = run("merge", "report", "--html", "-", st)
    s = section(p.stdout) or ""
    ok(p.returncode == 0 and "state files" in s and "mv\"" not in s,
       "merge report --html: the section says movements need the posts",
       (p.stderr, s[:1500]))


main()
shutil.rmtree(T, ignore_errors=True)
done()
