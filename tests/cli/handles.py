"""Handles beside account ids (issue 12, part 1), on the real binaries (TAP):
tag's mentioned accounts in text and JSON for each format's hand-built
sample; the network's and the mentions' handles the same for --threads 1,
2 and 3 (byte for byte); no handle and no account id of the input in any
output of any command under --pseudonymize-key, serve's answers included;
on the real public archives (tests/real, when present) the GEXF label of a
v1.1 and a Mastodon account is its handle. (tests/cli/network.py checks
each network format's handle fields on the samples.)"""
import glob
import gzip
import http.client
import json
import os
import subprocess
import tempfile
import time
import xml.etree.ElementTree as ET

import tap
from tap import BIN, ok

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
G = os.path.join(ROOT, "tests", "golden")
NS = "{http://gexf.net/1.3}"


def run(*args):
    return tap.outputs(*args)


def sample(fmt):
    return os.path.join(G, f"network-{fmt}.jsonl")


def lines_of(path):
    op = gzip.open if path.endswith(".gz") else open
    with op(path, "rt", encoding="utf-8", errors="replace") as f:
        for line in f:
            line = line.strip()
            if line.startswith("data:"):
                line = line[5:].strip()
            if not line.startswith(("{", "[")):
                continue
            try:
                yield json.loads(line)
            except ValueError:
                continue


def walk(x, out):
    """(id, handle) of every user-like object and mention in a JSON value."""
    if isinstance(x, dict):
        for hk in ("screen_name", "username", "acct"):
            h = x.get(hk)
            i = x.get("id_str") or x.get("id")
            if isinstance(h, str) and h and isinstance(i, (str, int)):
                out.add((str(i), h))
        for v in x.values():
            walk(v, out)
    elif isinstance(x, list):
        for v in x:
            walk(v, out)


def handles_of(path):
    s = set()
    for o in lines_of(path):
        walk(o, s)
    return s


# ---- tag: the mentioned accounts with their handles ------------------------
want = {"twitter1": ("1003", "fict_cy"), "twitter2": None, "mastodon": None}
rc, out, err = run("tag", "metoo", "--json", sample("twitter1"))
m = json.loads(out)["mentions"]
ok(rc == 0 and {(x["account"], x["handle"]) for x in m} ==
   {("1001", "fict_ada"), ("1002", "fict_bo"), ("1003", "fict_cy"), ("1004", "fict_di"), ("1005", "fict_ed")},
   "tag --json: each mentioned account's handle (v1.1 user_mentions[].screen_name)", m)
rc, out, err = run("tag", "metoo", sample("twitter1"))
ok("mentioned  @fict_cy 1003 (2)" in out, "tag: mentioned '@handle id (posts)'", out)
for fmt in ("twitter2", "mastodon"):
    pairs = handles_of(sample(fmt))
    rc, out, err = run("tag", "metoo", "--json", sample(fmt))
    m = json.loads(out)["mentions"]
    ok(rc == 0 and m and all((x["account"], x["handle"]) in pairs for x in m),
       f"tag --json: {fmt} mentions carry the input's handles", m)
rc, out, err = run("tag", "metoo", "--json", sample("jetstream"))
m = json.loads(out)["mentions"]
ok(rc == 0 and m and all(x["handle"] is None and x["account"].startswith("did:") for x in m),
   "tag --json: Bluesky mentions are DIDs, handle null", m)

with tempfile.TemporaryDirectory() as t:
    # ---- threads: the same handles for any split ---------------------------
    big = os.path.join(t, "big.jsonl")
    subprocess.run([BIN, "generate", "--seed", "3", "-f", "twitter1", "--bytes-target", "12M", "-o", big],
                   check=True)
    outs = {}
    for n in ("1", "2", "3"):
        outs[n] = (run("network", "--threads", n, "--format", "gexf", big)[1],
                   run("network", "--threads", n, "--csv", big)[1],
                   run("tag", "news", "--threads", n, "--json", "--top", "50", big)[1])
    ok(outs["1"] == outs["2"] == outs["3"], "--threads 1, 2, 3: identical network (gexf, csv) and tag bytes")
    root = ET.fromstring(outs["1"][0].encode("utf-8"))
    nodes = list(root.iter(NS + "node"))
    ok(nodes and sum(nd.get("label") != nd.get("id") for nd in nodes) > len(nodes) // 2,
       "generated v1.1: most nodes are labelled by a handle", len(nodes))

    # ---- pseudonymised: nothing of the input's accounts in any output ------
    small = os.path.join(t, "small.jsonl")
    subprocess.run([BIN, "generate", "--seed", "4", "-f", "twitter1", "--bytes-target", "1M", "-o", small],
                   check=True)
    files = [sample("twitter1"), sample("twitter2"), sample("mastodon"), small]
    secrets = set()
    for p in files:
        for i, h in handles_of(p):
            secrets.add(h)
            if len(i) > 3:
                secrets.add(i)
    key = ("--pseudonymize-key", "s3cret")
    html = os.path.join(t, "r.html")
    cmds = [["report", "--json"], ["report", "--csv"], ["report"], ["report", "--html", html],
            ["trends", "--json"], ["tag", "metoo", "--json"], ["tag", "metoo"], ["tag", "news", "--json"],
            ["network", "--json"], ["network", "--csv"], ["network", "--format", "gexf"],
            ["network", "--format", "graphml"], ["network", "--format", "summary"],
            ["network", "--json", "--tag", "metoo"], ["network", "--json", "--dynamic"]]
    leaks = []
    for c in cmds:
        for p in files:
            rc, out, err = run(*c, *key, p)
            text = out + err
            if "--html" in c and os.path.exists(html):
                text += open(html, encoding="utf-8", errors="replace").read()
            if rc not in (0, 1):
                leaks.append((c, p, "exit", rc, err[:200]))
            leaks += [(c, os.path.basename(p), s) for s in secrets if s in text]
    ok(not leaks, f"pseudonymised: no handle and no account id in {len(cmds)} commands' outputs", leaks[:10])

    # ---- serve: tags/NAME and network answers -----------------------------
    def serve_answers(*args):
        pf = os.path.join(t, "port")
        if os.path.exists(pf):
            os.unlink(pf)
        p = subprocess.Popen([BIN, "serve", "--listen", "127.0.0.1:0", "--port-file", pf, "--source",
                              sample("twitter1"), *args], stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
        try:
            port = tap.wait_port(p, pf)
            got = {}
            deadline = time.time() + 30
            while port and time.time() < deadline:
                c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
                c.request("GET", "/api/groundswell/v1/stats")
                st = json.loads(c.getresponse().read())
                c.close()
                if st.get("posts", 0) >= 9:  # the sample's 9 posts
                    break
                time.sleep(0.1)
            for path in ("/api/groundswell/v1/tags/metoo", "/api/groundswell/v1/network?format=json",
                         "/api/groundswell/v1/network?format=gexf", "/api/groundswell/v1/network?tag=metoo"):
                c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
                c.request("GET", path)
                got[path] = c.getresponse().read().decode("utf-8", "replace")
                c.close()
            return got
        finally:
            p.terminate()
            p.wait(10)

    a = serve_answers()
    tg = json.loads(a["/api/groundswell/v1/tags/metoo"])
    nw = json.loads(a["/api/groundswell/v1/network?format=json"])
    ok({x["account"]: x["handle"] for x in tg["mentions"]}.get("1003") == "fict_cy" and
       {x["id"]: x["handle"] for x in nw["nodes"]}.get("1001") == "fict_ada" and
       'label="fict_ada"' in a["/api/groundswell/v1/network?format=gexf"] and
       '"handle":"fict_ada"' in a["/api/groundswell/v1/network?tag=metoo"],
       "serve: tags/NAME mentions, /network (json, gexf, ?tag=) carry handles",
       (tg.get("mentions"), nw["nodes"][:2]))
    kf = os.path.join(t, "key")
    with open(kf, "w") as f:
        f.write("s3cret\n")
    a = serve_answers("--pseudonymize-key-file", kf)
    text = "".join(a.values())
    left = [s for s in secrets if s in text]
    ok("fict_" not in text and not left and '"handle":"u' in text,
       "serve pseudonymised: handles are the ids' pseudonyms, none leaks", left)

# ---- the real archives: a v1.1 and a Mastodon account's label --------------
for fmt, pat in (("twitter1", "rtweet-rest.jsonl*"), ("mastodon", "bigbone-tag-timeline.jsonl*")):
    got = sorted(glob.glob(os.path.join(ROOT, "tests", "real", fmt, pat)))
    if not got:
        tap.skip(f"real {fmt}: GEXF labels are handles", f"tests/real/{fmt}/{pat} is absent")
        continue
    pairs = handles_of(got[0])
    rc, out, err = run("network", "--format", "gexf", got[0])
    root = ET.fromstring(out.encode("utf-8"))
    nodes = list(root.iter(NS + "node"))
    named = [nd for nd in nodes if nd.get("label") != nd.get("id")]
    ok(rc == 0 and len(named) > len(nodes) // 2 and
       all((nd.get("id"), nd.get("label")) in pairs for nd in named),
       f"real {fmt} ({os.path.basename(got[0])}): labels are the accounts' handles "
       f"({len(named)} of {len(nodes)} nodes)", [(nd.get("id"), nd.get("label")) for nd in named
                                                if (nd.get("id"), nd.get("label")) not in pairs][:5])

tap.done()
