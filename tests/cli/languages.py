"""Trends per language (issue 13 part 3, docs/languages.md) (TAP).

A generated stream (Twitter v1.1 lines, fictional accounts, 48 hours) in
which #music is used at a steady, noisy rate by English accounts all
along, and from hour 30 by Portuguese accounts too, from none to about 40
distinct accounts an hour: it trends in Portuguese only. It is
found by --language pt and --by-language and not overall nor in English;
--language pt gives what --lang pt does (plus the "language" field); the
outputs are byte-identical with --threads 1, 2 and 3 (the file is past
the 16 MB a split needs) and between the plain and .gz forms; --live equals
the batch answer; --max-languages folds the later languages into "other"
and says so; unknown and invalid languages are said (exit 1, 2); the real
corpus files (tests/real) are read; and serve --by-language answers
?language=pt on /trends and /api/v1/trends/tags as the batch run does, and
lists its languages.
"""
import gzip
import json
import os
import random
import shutil
import subprocess
import tempfile
import time
import urllib.error
import urllib.request

import tap
from tap import BIN, ok, run, done

T0 = 1507852800000  # 2017-10-13T00:00:00Z
HOUR = 3600000
PAD = "x" * 600  # past 16 MB, so that the file splits into parts


def write_stream(path):
    rnd = random.Random(13)
    out = open(path, "w")
    n = [1000]

    def post(ms, tags, user, lang):
        d = {"timestamp_ms": str(ms), "id_str": str(n[0]),
             "text": " ".join("#" + t for t in tags) + " " + PAD,
             "user": {"id_str": user}, "entities": {"hashtags": [{"text": t} for t in tags],
                                                     "user_mentions": []}}
        if lang is not None:
            d["lang"] = lang
        n[0] += 1
        out.write(json.dumps(d, separators=(",", ":")) + "\n")

    steady_en = ["news", "sports", "weather", "tech", "food"]
    for h in range(48):
        rows = []
        base = T0 + h * HOUR
        # English background: steady tags, noisy, many accounts
        for j in range(rnd.randint(380, 420)):
            rows.append((rnd.randrange(HOUR), [steady_en[j % 5]], "en%d" % rnd.randrange(5000), "en"))
        # #music in English: steady with noise (about 200 accounts an hour)
        for j in range(rnd.randint(180, 220)):
            rows.append((rnd.randrange(HOUR), ["music"], "en%d" % rnd.randrange(5000), "en"))
        # Portuguese background, some as pt-BR and PT (one language: pt)
        for j in range(rnd.randint(70, 90)):
            lang = ("pt", "pt-BR", "PT")[j % 3]
            rows.append((rnd.randrange(HOUR), [("bomdia", "futebol")[j % 2]], "pt%d" % rnd.randrange(800), lang))
        # Spanish background
        for j in range(rnd.randint(40, 60)):
            rows.append((rnd.randrange(HOUR), ["hola"], "es%d" % rnd.randrange(500), "es"))
        # a few posts without a language, and Japanese ones
        rows.append((rnd.randrange(HOUR), ["news"], "x%d" % h, None))
        rows.append((rnd.randrange(HOUR), ["nihon"], "ja%d" % rnd.randrange(50), "ja"))
        # the planted trend: #music in Portuguese from hour 30 to 35
        if 30 <= h <= 35:
            for j in range(35 + 3 * (h - 30)):
                rows.append((rnd.randrange(HOUR), ["music"], "ptm%d_%d" % (h, j), "pt"))
        rows.sort(key=lambda r: r[0])
        for ms, tags, user, lang in rows:
            post(base + ms, tags, user, lang)
    # the last language to appear (for --max-languages)
    post(T0 + 47 * HOUR + HOUR - 1, ["fika"], "sv1", "sv")
    out.close()


def jsonl(text):
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def tags_of(events, lang=None):
    return sorted(e["tag"] for e in events if lang is None or e.get("language") == lang)


def without_language(events):
    return [{k: v for k, v in e.items() if k != "language"} for e in events]


def get(port, path):
    try:
        with urllib.request.urlopen("http://127.0.0.1:%d%s" % (port, path), timeout=20) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


def serve_checks(d, data, batch_pt, batch_all):
    portfile = os.path.join(d, "port")
    err = open(os.path.join(d, "serve.err"), "wb")
    p = subprocess.Popen([BIN, "serve", "--listen", "127.0.0.1:0", "--port-file", portfile,
                          "--source", data, "--close-idle", "1s", "--by-language"],
                         stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=err)
    try:
        port = tap.wait_port(p, portfile)
        ok(port is not None, "serve --by-language starts")
        if port is None:
            return
        deadline = time.time() + 120
        st = None
        while time.time() < deadline:
            s, _, b = get(port, "/api/groundswell/v1/stats")
            if s == 200 and json.loads(b).get("idle_closed"):
                st = json.loads(b)
                break
            time.sleep(0.2)
        ok(st is not None, "serve reads the file and closes its buckets")
        s, _, b = get(port, "/api/groundswell/v1/trends?language=pt")
        live_pt = json.loads(b) if s == 200 else None
        ok(s == 200 and live_pt == batch_pt,
           "serve's /trends?language=pt equals 'trends --language pt --json' (%d events)" % len(batch_pt),
           (s, b[:500]))
        s, _, b = get(port, "/api/groundswell/v1/trends")
        overall = json.loads(b) if s == 200 else []
        ok(s == 200 and "music" not in tags_of(overall), "serve's /trends (no language): no #music",
           tags_of(overall))
        s, h, b = get(port, "/api/v1/trends/tags?language=pt&limit=20")
        names = [t["name"] for t in json.loads(b)] if s == 200 else []
        ok(s == 200 and "music" in names and all(len(t["history"]) == 7 for t in json.loads(b)),
           "Mastodon's /api/v1/trends/tags?language=pt lists #music with its history", (s, b[:300]))
        s, _, b = get(port, "/api/v1/trends/tags?limit=20")
        ok(s == 200 and "music" not in [t["name"] for t in json.loads(b)],
           "... and without ?language= it does not", b[:300])
        s, _, b = get(port, "/api/groundswell/v1/languages")
        langs = json.loads(b) if s == 200 else {}
        codes = [x["language"] for x in langs.get("languages", [])]
        want = sorted(set(e["language"] for e in batch_all) | {"en", "es", "ja", "pt", "sv"})
        ok(s == 200 and codes == want and langs.get("posts_without_language") == 48,
           "/languages lists the languages served, and the posts without one", (codes, want, langs))
        s, _, b = get(port, "/api/groundswell/v1/trends?language=xx")
        ok(s == 404 and b"no post in language 'xx'" in b, "?language=xx: 404, said", (s, b))
        s, _, b = get(port, "/api/v1/trends/tags?language=p1")
        ok(s == 400, "?language=p1: 400", (s, b))
    finally:
        p.terminate()
        try:
            p.wait(10)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
        err.close()
    # without --by-language: said
    p = subprocess.Popen([BIN, "serve", "--listen", "127.0.0.1:0", "--port-file", portfile + "2",
                          "--source", data], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL)
    try:
        port = tap.wait_port(p, portfile + "2")
        s, _, b = get(port, "/api/groundswell/v1/trends?language=pt") if port else (0, {}, b"")
        ok(s == 400 and b"--by-language" in b, "serve without --by-language: ?language= is a 400 naming it",
           (s, b))
    finally:
        p.terminate()
        p.wait(10)


def main():
    d = tempfile.mkdtemp(prefix="gs-languages-")
    try:
        data = os.path.join(d, "langs.jsonl")
        write_stream(data)
        ok(os.path.getsize(data) > 16 << 20, "the stream is past 16 MB (a big file splits)")

        r = run("trends", "--json", data)
        overall = jsonl(r.stdout)
        ok(r.returncode == 0 and "music" not in tags_of(overall),
           "overall, #music does not trend (steady in English)", tags_of(overall))
        r = run("trends", "--language", "pt", "--json", data)
        pt = jsonl(r.stdout)
        ok(r.returncode == 0 and "music" in tags_of(pt) and all(e["language"] == "pt" for e in pt),
           "--language pt: #music trends in Portuguese", (r.returncode, tags_of(pt), r.stderr))
        music = [e for e in pt if e["tag"] == "music"]
        ok(music and music[0]["start"].startswith("2017-10-14T0") and
           "2017-10-14T06:00:00Z" <= music[0]["start"] <= "2017-10-14T08:00:00Z",
           "... starting with the planted rise (hour 30, 2017-10-14T06:00Z)", music)
        r = run("trends", "--language", "en", "--json", data)
        ok(r.returncode == 0 and "music" not in tags_of(jsonl(r.stdout)), "--language en: #music does not trend",
           tags_of(jsonl(r.stdout)))
        lang_pt = jsonl(run("trends", "--lang", "pt", "--json", data).stdout)
        ok(without_language(pt) == lang_pt, "--language pt gives what --lang pt gives, with \"language\"",
           (tags_of(pt), tags_of(lang_pt)))

        r = run("trends", "--by-language", "--json", data)
        allj = jsonl(r.stdout)
        ok(r.returncode == 0 and [e for e in allj if e.get("language") == "pt"] == pt,
           "--by-language: Portuguese's events are --language pt's", tags_of(allj, "pt"))
        ok("music" not in tags_of(allj, "en") and "music" in tags_of(allj, "pt"),
           "--by-language: #music trends in pt, not in en")
        ok("48 posts without a language" in r.stderr, "posts without a language are said", r.stderr)
        langs_seen = [e.get("language") for e in allj]
        ok(langs_seen == sorted(langs_seen), "--by-language: languages in order of their codes", langs_seen)

        # threads: byte-identical text, JSON and CSV
        same = True
        detail = ""
        for fmt in ([], ["--json"], ["--csv"]):
            outs = [run("trends", "--by-language", "--threads", str(t), *fmt, data).stdout for t in (1, 2, 3)]
            if not (outs[0] == outs[1] == outs[2]):
                same = False
                detail = (fmt, [len(o) for o in outs])
        ok(same, "--by-language text, JSON and CSV are byte-identical with --threads 1, 2, 3", detail)
        csv = run("trends", "--by-language", "--csv", data).stdout.splitlines()
        ok(csv and csv[0].startswith("language,tag,") and any(l.startswith("pt,music,") for l in csv),
           "--csv: a language column", csv[:3])
        txt = run("trends", "--by-language", data).stdout
        ok("language pt: " in txt and "#music" in txt.split("language pt: ")[1].split("language ")[0],
           "text: a section per language, #music in pt's", txt[:400])

        # .gz equals plain
        gz = data + ".gz"
        with open(data, "rb") as f, gzip.open(gz, "wb", compresslevel=1) as g:
            shutil.copyfileobj(f, g)
        ok(run("trends", "--by-language", "--json", gz).stdout == r.stdout,
           "--by-language on the .gz equals the plain file's")
        os.unlink(gz)

        # live equals batch
        live = run("trends", "--by-language", "--json", "--live", data)
        ok(live.returncode == 0 and live.stdout == r.stdout, "--by-language --live equals the batch run")

        # the cap: the first languages to appear, the rest said as other
        r2 = run("trends", "--by-language", "--max-languages", "2", "--json", data)
        kept = sorted(set(e.get("language") for e in jsonl(r2.stdout)))
        ok(r2.returncode == 0 and set(kept) <= {"en", "pt"} and "in 3 other languages" in r2.stderr and
           "--max-languages" in r2.stderr,
           "--max-languages 2: en and pt kept (first to appear), the rest said as other", (kept, r2.stderr))
        outs = [run("trends", "--by-language", "--max-languages", "2", "--threads", str(t), "--json",
                    data).stdout + "|" +
                run("trends", "--by-language", "--max-languages", "2", "--threads", str(t), data).stderr
                for t in (1, 3)]
        ok(outs[0] == outs[1], "--max-languages: the same languages and 'other' with --threads 1 and 3",
           [o[-300:] for o in outs])

        # unknown and invalid languages
        r3 = run("trends", "--language", "pt,xx", "--json", data)
        ok(r3.returncode == 1 and "no post in language 'xx'" in r3.stderr and
           jsonl(r3.stdout) == pt, "--language pt,xx: pt's trends, xx said, exit 1", (r3.returncode, r3.stderr))
        r4 = run("trends", "--language", "pt-BR", data)
        ok(r4.returncode == 2 and "--lang" in r4.stderr, "--language pt-BR: invalid, pointing to --lang",
           r4.stderr)
        r5 = run("trends", "--language", "pt", "--by-language", data)
        ok(r5.returncode == 2, "--language with --by-language: refused", r5.stderr)

        # the real corpus files
        real = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "real")
        files = sorted(os.path.join(dp, f) for dp, _, fs in os.walk(real) for f in fs
                       if f.endswith((".jsonl", ".jsonl.gz")))
        bad = []
        for f in files:
            rr = run("trends", "--by-language", "--json", f)
            if rr.returncode not in (0, 1, 4) or (rr.returncode == 1 and "no post has a language" not in
                                                  rr.stderr):
                bad.append((f, rr.returncode, rr.stderr[-200:]))
                continue
            for lang in sorted(set(e["language"] for e in jsonl(rr.stdout) if "language" in e))[:3]:
                a = without_language(jsonl(run("trends", "--language", lang, "--json", f).stdout))
                b = jsonl(run("trends", "--lang", lang, "--json", f).stdout)
                if a != b:
                    bad.append((f, lang))
        if files:
            ok(not bad, "real corpus files (%d): --by-language reads them; --language X equals --lang X"
               % len(files), bad)
        else:
            tap.skip("real corpus files", "tests/real not present")

        serve_checks(d, data, pt, allj)
    finally:
        shutil.rmtree(d, ignore_errors=True)
    done()


main()
