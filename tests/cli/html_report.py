"""report --html and the trends in report (TAP).

The page of a generated 72-hour stream must parse as HTML, hold one SVG per
chart, name #MeToo, reference nothing outside itself and escape hostile tag
names. Then headless Chromium (Debian's chromium, when installed) takes a
screenshot of it, which must have the window's size and look like a page:
many colours, a good share of pixels off the background, the chart colours.
GS_HTML_SHOT=FILE keeps the screenshot there.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
from html.parser import HTMLParser

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pngread import read_png  # noqa: E402
from tap import done, ok, skip  # noqa: E402
from tap import run_bytes as run  # noqa: E402


VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
        "source", "track", "wbr"}
SVG_SELF = {"line", "rect", "circle", "polyline", "path", "polygon", "ellipse"}


class Page(HTMLParser):
    """Collects elements, attributes and text; checks that elements nest."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack, self.errors, self.starts, self.attrs = [], [], [], []
        self.text, self.svgs, self.doctype = [], [], None
        self.svg_depth = 0

    def handle_decl(self, decl):
        self.doctype = decl

    def handle_starttag(self, tag, attrs):
        self.starts.append(tag)
        self.attrs.extend((tag, k, v or "") for k, v in attrs)
        if tag == "svg":
            self.svgs.append(dict(attrs))
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.starts.append(tag)
        self.attrs.extend((tag, k, v or "") for k, v in attrs)
        if tag not in VOID and tag not in SVG_SELF:
            self.errors.append(f"self-closed <{tag}/>")

    def handle_endtag(self, tag):
        if tag in VOID:
            self.errors.append(f"end tag of void <{tag}>")
        elif not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes {self.stack[-1:] or 'nothing'}")
        else:
            self.stack.pop()

    def handle_data(self, data):
        self.text.append(data)


def parse(path):
    p = Page()
    with open(path, encoding="utf-8") as f:  # must be UTF-8
        p.feed(f.read())
    p.close()
    if p.stack:
        p.errors.append(f"unclosed {p.stack}")
    return p


def self_contained(p, raw):
    bad = [(t, k, v) for t, k, v in p.attrs
           if k in ("src", "href", "xlink:href", "srcset", "action", "data", "poster")
           and ("://" in v or v.startswith("//"))]
    bad += [t for t in p.starts if t in ("script", "link", "iframe", "object", "embed", "img",
                                         "image", "use", "base", "video", "audio")]
    bad += [k for k in ("http://", "https://", "url(", "@import") if k in raw]
    return bad




def chromium():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


with tempfile.TemporaryDirectory() as d:
    stream, page = os.path.join(d, "s.jsonl"), os.path.join(d, "report.html")
    g = run("generate", "--seed", "5", "--hours", "72", "--rate", "0.4", "--output-format", "jetstream", "--output", stream)
    ok(g.returncode == 0, "generate a 72-hour stream", g.stderr)

    r = run("report", "--json", "--html", page, stream, text=True)
    ok(r.returncode == 0 and os.path.getsize(page) > 10000, "report --json --html exits 0 and writes the page",
       r.stderr)
    rep = json.loads(r.stdout or "{}")
    trends = rep.get("trends")
    need = {"tag", "display", "start", "peak", "end", "status", "score", "posts", "accounts"}
    ok(isinstance(trends, list) and trends and all(need <= set(t) for t in trends),
       "report --json keeps stdout and gains a trends array with every field", trends)
    ok(any(t["tag"] == "metoo" and t["display"] == "MeToo" for t in trends or []),
       "#MeToo trended", [t.get("tag") for t in trends or []])
    tr = run("trends", "--json", stream, text=True)
    other = [json.loads(l) for l in tr.stdout.splitlines() if l.strip()]
    keys = ("tag", "display", "start", "peak", "end", "status", "score", "posts", "accounts")
    ok([[t[k] for k in keys] for t in trends or []] == [[t[k] for k in keys] for t in other],
       "its trends are those of 'groundswell trends --json'", (trends, other))
    t = run("report", "--top", "5", stream, text=True)
    lines = t.stdout.splitlines()
    sec = [i for i, l in enumerate(lines) if l.startswith("Trends (")]
    ok(t.returncode == 0 and sec and any("#MeToo" in l and "ended" in l for l in lines[sec[0]:]),
       "the table gains a Trends section", t.stdout[-2000:])
    os.remove(stream)

    p = parse(page)
    raw = open(page, encoding="utf-8").read()
    ok(not p.errors and p.doctype and p.doctype.lower() == "doctype html",
       "the page parses: doctype, every element closed in order", p.errors[:10])
    ok(p.starts.count("html") == 1 and p.starts.count("body") == 1 and "style" in p.starts
       and "title" in p.starts and 'charset="utf-8"' in raw, "one html, body, title, inline style, UTF-8")
    charts = [s for s in p.svgs if "chart" in s.get("class", "")]
    distinct = len({t["tag"] for t in trends or []})
    # the movements section (html_movements.py checks it) has one per card
    cards = raw.count('<article class="panel move mv"')
    ok(len(charts) == 1 + min(6, distinct) + cards and all("viewbox" in s for s in charts),
       f"an SVG per chart: top tags, {min(6, distinct)} trends and {cards} movements",
       len(charts))
    ok(raw.count("<polyline") >= len(charts), "each chart draws lines")
    text = "".join(p.text)
    ok("#MeToo" in text and "Trends" in text and "How to read this" in text,
       "names #MeToo, has the trends table and how to read it")
    for col in ("accounts", "posts", "originals", "reposts", "replies", "first seen", "peak",
                "start", "end", "status", "score"):
        if col not in text:
            ok(False, f"column {col} present")
            break
    else:
        ok(True, "magnitude and trend tables have their columns")
    bad = self_contained(p, raw)
    ok(not bad, "self-contained: no scripts, external resources or URLs", bad)

    # hostile tag names are escaped
    hostile = os.path.join(d, "x.jsonl")
    with open(hostile, "w", encoding="utf-8") as f:
        for i, acct in enumerate(("301", "302", "303")):
            f.write(json.dumps({
                "id": str(1000 + i), "created_at": f"2017-10-15T2{i}:10:00.000Z",
                "account": {"id": acct, "username": "u" + acct, "acct": "u" + acct},
                "content": "<p>x</p>", "reblog": None, "mentions": [],
                "tags": [{"name": "<script>alert(1)</script>"}, {"name": "a&b\"c'd"}]}) + "\n")
    xpage = os.path.join(d, "x.html")
    x = run("report", "--html", xpage, hostile, text=True)
    ok(x.returncode == 0, "report --html of hostile tag names exits 0", x.stderr)
    xp = parse(xpage)
    xraw = open(xpage, encoding="utf-8").read()
    xtext = "".join(xp.text)
    ok("script" not in xp.starts and "<script" not in xraw.lower() and not xp.errors,
       "a tag named <script>alert(1)</script> never becomes an element", xp.errors)
    ok("#<script>alert(1)</script>" in xtext and "&lt;script&gt;alert(1)&lt;/script&gt;" in xraw,
       "it is shown as text, escaped")
    ok("a&amp;b&quot;c&#39;d" in xraw and "#a&b\"c'd" in xtext, "& \" ' are escaped too")
    ok("a&b\"c'd" not in xraw and "<script>" not in xraw, "nowhere raw")
    s = run("report", "--html", "-", hostile, text=True)
    ok(s.returncode == 0 and s.stdout.startswith("<!DOCTYPE html>") and "Trends" in s.stdout,
       "--html - writes the page alone to stdout")
    dm = run("demo", "--hours", "6", "--html", os.path.join(d, "demo.html"), text=True)
    ok(dm.returncode == 0 and "Trends" in dm.stdout and
       not parse(os.path.join(d, "demo.html")).errors, "demo --html writes a page too", dm.stderr)

    # a real browser draws it
    browser = chromium()
    checks = ["chromium screenshots the page", "the screenshot is 1280x2000",
              "it is not blank: many colours, much drawn", "the charts' colours are on it"]
    if not browser:
        for c in checks:
            skip(c, "chromium not installed (none of chromium, chromium-browser, google-chrome"
                    " on PATH); make deps installs it")
    else:
        shot = os.path.join(d, "shot.png")
        prof = tempfile.mkdtemp(dir=d)
        cmd = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
               "--no-first-run", "--disable-background-networking", "--disable-component-update",
               "--disable-sync", "--hide-scrollbars", "--force-device-scale-factor=1",
               f"--user-data-dir={prof}", "--window-size=1280,2000", f"--screenshot={shot}",
               "file://" + os.path.abspath(page)]
        try:
            c = subprocess.run(cmd, capture_output=True, text=True, timeout=60,
                               stdin=subprocess.DEVNULL)
            err = c.stderr
        except subprocess.TimeoutExpired as e:
            err = f"timed out: {e}"
        if ok(os.path.exists(shot) and os.path.getsize(shot) > 1000, checks[0], err[-2000:]):
            if os.environ.get("GS_HTML_SHOT"):
                shutil.copy(shot, os.environ["GS_HTML_SHOT"])
            w, h, rows, bpp = read_png(shot)
            ok((w, h) == (1280, 2000), checks[1], (w, h))
            counts = {}
            for row in rows[::2]:  # every other row is plenty
                mv = memoryview(row)
                for i in range(0, len(row), bpp * 2):
                    px = bytes(mv[i:i + 3])
                    counts[px] = counts.get(px, 0) + 1
            total = sum(counts.values())
            bg, nbg = max(counts.items(), key=lambda kv: kv[1])
            drawn = 1 - nbg / total
            white = counts.get(b"\xff\xff\xff", 0) / total
            ok(len(counts) >= 300 and drawn >= 0.25 and white < 0.98, checks[2],
               f"{len(counts)} colours, {drawn:.0%} off the background {bg.hex()}, {white:.0%} white")

            def near(rgb, tol=10):
                return sum(v for k, v in counts.items()
                           if all(abs(a - b) <= tol for a, b in zip(k, rgb)))
            blue, orange = near((0x25, 0x63, 0xeb)), near((0xea, 0x58, 0x0c))
            ok(blue >= 40 and orange >= 40, checks[3], f"blue {blue}, orange {orange} pixels")

done()
