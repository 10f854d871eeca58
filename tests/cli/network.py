"""groundswell network (TAP): the reply network of a hand-built sample in
each input format against edges written by hand, expected outputs of every
output format (tests/golden/network/), structural checks of GEXF (namespace,
version, declared node ids and attributes, numeric weights, well-formed
spells) and GraphML (declared keys), options, exit codes, pseudonyms,
threads, and no crash on hostile input.

GS_UPDATE_GOLDEN=1 rewrites tests/golden/network/* from the binary (review
the diff before committing)."""
import csv
import datetime
import io
import json
import os
import random
import subprocess
import tempfile
import xml.etree.ElementTree as ET

import tap
from tap import BIN, ok

HERE = os.path.dirname(os.path.abspath(__file__))
G = os.path.join(HERE, "..", "golden")
EXP = os.path.join(G, "network")
UPDATE = os.environ.get("GS_UPDATE_GOLDEN") == "1"


def run(*args, stdin=None):
    """groundswell network; stdin: a file it reads"""
    return tap.outputs("network", *args, stdin=stdin)


def sample(fmt):
    return os.path.join(G, f"network-{fmt}.jsonl")


p = subprocess.run([BIN, "network", "--help"], capture_output=True, text=True)
ok(p.returncode == 0 and p.stdout.splitlines()[2] == "Examples:", "network --help exits 0, leads with examples")
p = subprocess.run([BIN, "--help"], capture_output=True, text=True)
ok("  network " in p.stdout, "groundswell --help lists network")

# ---- the hand-built samples: the same conversation in every format --------
# A posts (#MeToo #Believe); B replies to A and mentions A; C reposts A;
# A replies to B and mentions B; D quotes A and mentions C twice; E replies
# to himself; B mentions C and D (#Believe #MeToo); E replies to D (no tag);
# D reposts B's post. Mastodon and Jetstream carry no quote authors.
IDS = {
    "twitter1": dict(A="1001", B="1002", C="1003", D="1004", E="1005"),
    "twitter2": dict(A="2001", B="2002", C="2003", D="2004", E="2005"),
    "jetstream": {x: "did:plc:" + x.lower() * 24 for x in "ABCDE"},
    "mastodon": dict(A="301", B="302", C="303", D="304", E="305"),
}
REPLIES = {("B", "A"): 1, ("A", "B"): 1, ("E", "D"): 1}
MENTIONS = {("B", "A"): 1, ("A", "B"): 1, ("D", "C"): 1, ("B", "C"): 1, ("B", "D"): 1}
REPOSTS = {("C", "A"): 1, ("D", "B"): 1}
QUOTES = {("D", "A"): 1}
HAS_QUOTES = {"twitter1", "twitter2", "jetstream"}


def csv_edges(text, cols=("weight",)):
    rows = list(csv.DictReader(io.StringIO(text)))
    return {(r["source"], r["target"]): tuple(int(r[c]) for c in cols) for r in rows}


def by_id(fmt, edges):
    m = IDS[fmt]
    return {(m[a], m[b]): w for (a, b), w in edges.items()}


for fmt in IDS:
    rc, out, err = run("--kind", "replies", "--format", "csv", sample(fmt))
    ok(rc == 0 and err == "", f"{fmt}: replies network exits 0 quietly", err)
    got = csv_edges(out)
    want = {k: (v,) for k, v in by_id(fmt, REPLIES).items()}
    ok(got == want, f"{fmt}: the reply network is exactly right", f"got {got}\nwant {want}")

    rc, out, err = run("--format", "csv", sample(fmt))
    got = csv_edges(out, ("weight", "replies", "mentions", "reposts", "quotes"))
    want = {}
    for k, table in enumerate((REPLIES, MENTIONS, REPOSTS, QUOTES if fmt in HAS_QUOTES else {})):
        for e, w in by_id(fmt, table).items():
            row = want.setdefault(e, [0, 0, 0, 0, 0])
            row[0] += w
            row[1 + k] += w
    want = {e: tuple(v) for e, v in want.items()}
    ok(got == want, f"{fmt}: all four kinds combined, with per-kind counts", f"got {got}\nwant {want}")

    rc, out, err = run("--kind", "replies", "--tag", "#METOO", "--format", "csv", sample(fmt))
    want = {k: (v,) for k, v in by_id(fmt, {("B", "A"): 1, ("A", "B"): 1}).items()}
    ok(csv_edges(out) == want, f"{fmt}: --tag restricts to posts using the tag", out)

    rc, out, err = run("--kind", "cotags", "--format", "csv", sample(fmt))
    ok(out == "source,target,weight\nbelieve,metoo,4\n",
       f"{fmt}: cotags (reposts carry their original's tags)", out)

    rc, out, err = run("--kind", "reposts,mentions", "--json", sample(fmt))
    d = json.loads(out)
    s = d["summary"]
    ok(s["posts"] == 9 and s["posts_selected"] == 9 and s["reposts_unresolved"] == 0
       and s["replies"] == 0 and s["reposts"] == 2 and s["mentions"] == 5,
       f"{fmt}: JSON summary counts", s)

# ---- expected outputs of every format for the Twitter v1.1 sample ---------
os.makedirs(EXP, exist_ok=True) if UPDATE else None
cases = [
    ("twitter1.csv", ["--format", "csv"]),
    ("twitter1.json", ["--format", "json"]),
    ("twitter1.gexf", ["--format", "gexf"]),
    ("twitter1.graphml", ["--format", "graphml"]),
    ("twitter1.txt", ["--format", "summary"]),
    ("twitter1-dynamic.gexf", ["--format", "gexf", "--dynamic", "--bucket", "30m"]),
    ("twitter1-dynamic.json", ["--json", "--dynamic", "--bucket", "30m", "--kind", "replies"]),
    ("twitter1-cotags.gexf", ["--kind", "cotags", "--format", "gexf"]),
    ("twitter1-cotags.json", ["--kind", "cotags", "--json"]),
    ("twitter1-cotags.graphml", ["--kind", "cotags", "--format", "graphml"]),
    ("twitter1-tag.json", ["--tag", "METOO", "--json"]),
]
for name, args in cases:
    rc, out, err = run(*args, sample("twitter1"))
    path = os.path.join(EXP, name)
    if UPDATE:
        with open(path, "w", encoding="utf-8") as f:
            f.write(out)
    want = open(path, encoding="utf-8").read() if os.path.exists(path) else None
    ok(rc == 0 and out == want, f"expected output {name}", out if want is None else "")

# ---- one meaning for "tag": the folded key, with its spelling beside it ----
rc, out, err = run("--tag", "#ＭｅＴｏｏ", "--json", sample("twitter1"))
d = json.loads(out)
ok(d["multigraph"] is False and d["directed"] is True,
   "JSON network: \"multigraph\": false (node-link convention)", {k: d[k] for k in ("directed", "multigraph")})
ok(d["summary"]["tag"] == "metoo" and d["summary"]["display"] == "MeToo",
   "--tag: summary.tag is the folded key, summary.display the most used spelling", d["summary"])
rc, out, err = run("--json", sample("twitter1"))
d = json.loads(out)
ok(d["summary"]["tag"] is None and d["summary"]["display"] is None and d["multigraph"] is False,
   "no --tag: tag and display are null")
rc, out, err = run("--kind", "cotags", "--tag", "believe", "--json", sample("twitter1"))
d = json.loads(out)
ok(d["multigraph"] is False and d["directed"] is False and d["summary"]["display"] == "Believe" and
   {n["id"]: n["label"] for n in d["nodes"]} == {"believe": "Believe", "metoo": "MeToo"},
   "cotags: node ids are folded keys, labels their spellings", d["nodes"])

# ---- GEXF structure -------------------------------------------------------
NS = "{http://gexf.net/1.3}"


def parse_time(s):
    return datetime.datetime.strptime(s, "%Y-%m-%dT%H:%M:%SZ")


def spells_of(el):
    sp = el.find(NS + "spells")
    if sp is None:
        return None
    out = []
    for s in sp.findall(NS + "spell"):
        a, b = parse_time(s.get("start")), parse_time(s.get("end"))
        out.append((a, b))
    return out


def check_gexf(text, what, dynamic=False, directed=True):
    try:
        root = ET.fromstring(text.encode("utf-8"))
    except ET.ParseError as e:
        ok(False, f"{what}: GEXF parses", e)
        return
    ok(root.tag == NS + "gexf" and root.get("version") == "1.3",
       f"{what}: GEXF 1.3 namespace and version", root.tag)
    graph = root.find(NS + "graph")
    ok(graph is not None and graph.get("defaultedgetype") == ("directed" if directed else "undirected"),
       f"{what}: edge type declared")
    if dynamic:
        ok(graph.get("mode") == "dynamic" and graph.get("timeformat") == "dateTime",
           f"{what}: mode=dynamic timeformat=dateTime")
    attrs = {}
    for a in graph.findall(NS + "attributes"):
        attrs[a.get("class")] = {x.get("id"): x.get("type") for x in a.findall(NS + "attribute")}
    ok("node" in attrs and len(attrs["node"]) >= 4, f"{what}: node attributes declared", attrs)
    nodes = {}
    bad = []
    for nd in graph.iter(NS + "node"):
        if nd.get("id") in nodes:
            bad.append("duplicate node " + nd.get("id"))
        nodes[nd.get("id")] = nd
        for av in nd.iter(NS + "attvalue"):
            t = attrs["node"].get(av.get("for"))
            if t is None:
                bad.append("undeclared node attribute " + str(av.get("for")))
            elif t == "long" and not av.get("value").isdigit():
                bad.append("non-numeric " + av.get("value"))
    ok(not bad, f"{what}: node ids unique, attvalues declared and typed", bad)
    bad = []
    ids = set()
    edges = graph.findall(f"{NS}edges/{NS}edge")
    for e in edges:
        if e.get("source") not in nodes or e.get("target") not in nodes:
            bad.append(f"edge {e.get('id')} to an undeclared node")
        if e.get("id") in ids:
            bad.append("duplicate edge id")
        ids.add(e.get("id"))
        try:
            if float(e.get("weight")) <= 0:
                bad.append("weight <= 0")
        except (TypeError, ValueError):
            bad.append(f"weight {e.get('weight')!r} not numeric")
        for av in e.iter(NS + "attvalue"):
            if av.get("for") not in attrs.get("edge", {}):
                bad.append("undeclared edge attribute")
    ok(not bad, f"{what}: every edge's source and target is a declared node; weights numeric", bad[:5])
    if not dynamic:
        return
    bad = []

    def well_formed(sp, who):
        if not sp:
            bad.append(f"{who}: no spells")
            return
        for i, (a, b) in enumerate(sp):
            if not a < b:
                bad.append(f"{who}: spell start >= end")
            if i and not sp[i - 1][1] < a:
                bad.append(f"{who}: spells overlap, touch or are unsorted")
    for nid, nd in nodes.items():
        well_formed(spells_of(nd), "node " + nid)
    for e in edges:
        sp = spells_of(e)
        well_formed(sp, "edge " + e.get("id"))
        for end in (e.get("source"), e.get("target")):
            ns = spells_of(nodes[end]) or []
            for a, b in sp or []:
                if not any(x <= a and b <= y for x, y in ns):
                    bad.append(f"edge {e.get('id')} active outside node {end}")
    ok(not bad, f"{what}: spells parse, start < end, sorted, disjoint, edges within their nodes", bad[:5])


for fmt in IDS:
    rc, out, err = run("--format", "gexf", sample(fmt))
    check_gexf(out, f"{fmt} gexf")
    rc, out, err = run("--format", "gexf", "--dynamic", "--bucket", "10m", sample(fmt))
    check_gexf(out, f"{fmt} dynamic gexf", dynamic=True)
rc, out, err = run("--format", "gexf", "--kind", "cotags", "--dynamic", sample("jetstream"))
check_gexf(out, "cotags dynamic gexf", dynamic=True, directed=False)

# ---- GraphML --------------------------------------------------------------
GM = "{http://graphml.graphdrawing.org/xmlns}"


def check_graphml(text, what, directed=True):
    try:
        root = ET.fromstring(text.encode("utf-8"))
    except ET.ParseError as e:
        ok(False, f"{what}: GraphML parses", e)
        return None
    keys = {k.get("id"): k for k in root.findall(GM + "key")}
    ok(root.tag == GM + "graphml" and "weight" in keys and all(
        k.get("for") in ("node", "edge") and k.get("attr.name") and k.get("attr.type") for k in keys.values()),
       f"{what}: GraphML namespace, keys declared with names and types")
    graph = root.find(GM + "graph")
    ok(graph.get("edgedefault") == ("directed" if directed else "undirected"), f"{what}: edgedefault")
    nodes = {nd.get("id") for nd in graph.findall(GM + "node")}
    bad = [d.get("key") for d in graph.iter(GM + "data") if d.get("key") not in keys]
    bad += [f"{e.get('source')}->{e.get('target')}" for e in graph.findall(GM + "edge")
            if e.get("source") not in nodes or e.get("target") not in nodes]
    ok(not bad, f"{what}: every data key declared, every edge between declared nodes", bad[:5])
    return {(e.get("source"), e.get("target")): int(float(e.find(GM + "data[@key='weight']").text))
            for e in graph.findall(GM + "edge")}


for fmt in IDS:
    rc, out, err = run("--format", "graphml", "--kind", "replies", sample(fmt))
    got = check_graphml(out, f"{fmt} graphml")
    ok(got == by_id(fmt, REPLIES), f"{fmt}: GraphML reply edges exactly right", got)
rc, out, err = run("--format", "graphml", "--kind", "cotags", sample("mastodon"))
check_graphml(out, "cotags graphml", directed=False)

# the same graph in every format
edges = {}
rc, out, err = run("--format", "csv", sample("twitter2"))
edges["csv"] = {k: v[0] for k, v in csv_edges(out).items()}
rc, out, err = run("--json", sample("twitter2"))
edges["json"] = {(l["source"], l["target"]): l["weight"] for l in json.loads(out)["links"]}
rc, out, err = run("--format", "gexf", sample("twitter2"))
edges["gexf"] = {(e.get("source"), e.get("target")): int(e.get("weight"))
                 for e in ET.fromstring(out).iter(NS + "edge")}
rc, out, err = run("--format", "graphml", sample("twitter2"))
edges["graphml"] = {(e.get("source"), e.get("target")): int(float(e.find(GM + "data[@key='weight']").text))
                    for e in ET.fromstring(out).iter(GM + "edge")}
ok(len(edges["csv"]) == 9 and all(v == edges["csv"] for v in edges.values()),
   "csv, json, gexf and graphml hold the same edges", edges)

try:
    import networkx as nx  # optional: a second opinion when installed
except ImportError:
    nx = None
if nx is not None:
    with tempfile.TemporaryDirectory() as t:
        for ext in ("gexf", "graphml"):
            p = os.path.join(t, "n." + ext)
            rc, out, err = run("--output", p, sample("twitter1"))
            try:
                g = (nx.read_gexf if ext == "gexf" else nx.read_graphml)(p)
                ok(g.number_of_edges() == 9 and g.number_of_nodes() == 5 and g.is_directed(),
                   f"networkx reads the {ext} file", (g.number_of_nodes(), g.number_of_edges()))
            except Exception as e:  # noqa: BLE001 - report any reader failure
                ok(False, f"networkx reads the {ext} file", repr(e))

# ---- options and exit codes ----------------------------------------------
with tempfile.TemporaryDirectory() as t:
    rc, out, err = run("--output", os.path.join(t, "net.gexf"), sample("twitter1"))
    text = open(os.path.join(t, "net.gexf"), encoding="utf-8").read()
    ok(rc == 0 and text.startswith("<?xml") and "<gexf " in text, "--output FILE.gexf writes GEXF")
    ok(out.startswith("replies,mentions,reposts,quotes network: 5 nodes, 9 directed edges"),
       "and prints the summary on stdout", out)
    for ext, start in (("graphml", "<?xml"), ("csv", "source,target"), ("json", '{"directed"')):
        p = os.path.join(t, "net." + ext)
        rc, out, err = run("-o", p, sample("mastodon"))
        ok(rc == 0 and open(p, encoding="utf-8").read().startswith(start), f"--output .{ext} picks {ext}")
    rc, out, err = run("--output", os.path.join(t, "net.dot"), sample("twitter1"))
    ok(rc == 2 and "extension" in err, "an unknown extension exits 2", err)
    rc, out, err = run("--output", os.path.join(t, "x.dot"), "--format", "csv", sample("twitter1"))
    ok(rc == 0, "--format overrides the extension")
    rc, out, err = run("--output", os.path.join(t, "nodir", "x.csv"), sample("twitter1"))
    ok(rc == 2 and "cannot write" in err, "an unwritable output exits 2", err)

rc, out, err = run(sample("twitter1"))
ok(out.startswith("source,target,weight,replies,mentions,reposts,quotes,source_handle,target_handle\n"),
   "CSV when stdout is not a terminal")
rc, out, err = run("--csv", sample("twitter1"))
ok(out.startswith("source,target,weight,"), "--csv")
for args, what in ((["--kind", "likes"], "unknown --kind"), (["--kind", "cotags,replies"], "cotags with account kinds"),
                   (["--format", "dot"], "unknown --format"), (["--dynamic", "--format", "csv"], "--dynamic with csv"),
                   (["--min-weight", "0"], "--min-weight 0"), (["--max-edges", "10"], "--max-edges under 1024"),
                   (["--tag", "#"], "an empty --tag"), (["--frobnicate"], "an unknown option")):
    rc, out, err = run(*args, sample("twitter1"))
    ok(rc == 2, f"{what} exits 2", (rc, err))
for opt in ("--max-tags", "--max-memory", "--hll-precision"):
    rc, out, err = run(opt, "100", sample("twitter1"))
    ok(rc == 2 and "does not apply to 'network'" in err and "--max-edges" in err,
       f"{opt} (the tag engine's) is refused, pointing to network's own bounds", (rc, err))
rc, out, err = run("--tag", "NoSuchTag", sample("twitter1"))
ok(rc == 1 and "was not used" in err and out == "", "an unused --tag exits 1", (rc, err))
rc, out, err = run("/nonexistent.jsonl")
ok(rc == 2 and "cannot read" in err, "a missing file exits 2")
rc, out, err = run("--strict", os.path.join(G, "twitter1.jsonl"))
ok(rc == 3, "--strict on a bad line exits 3")
rc, out, err = run("--format", "summary", os.path.join(G, "twitter1.jsonl"))
ok(rc == 0 and "3 malformed lines" in out and "twitter1.jsonl:5:" in err,
   "malformed lines are reported and counted", out + err)
with open(sample("jetstream"), "rb") as f:
    rc, out, err = run("--json", "-", stdin=f)
rc2, out2, err2 = run("--json", sample("jetstream"))
ok(rc == 0 and out == out2, "stdin gives the same network")
rc, out, err = run("--json", sample("twitter1"), sample("mastodon"))
ok(json.loads(out)["summary"]["edges"] == 17, "several files add up")

rc, out, err = run("--min-weight", "2", "--format", "csv", sample("twitter1"))
ok(csv_edges(out) == {("1001", "1002"): (2,), ("1002", "1001"): (2,)}, "--min-weight", out)
rc, out, err = run("--top-nodes", "2", "--json", sample("twitter1"))
d = json.loads(out)
ok([x["id"] for x in d["nodes"]] == ["1002", "1001"] and len(d["links"]) == 2,
   "--top-nodes keeps the heaviest nodes and the edges among them", d["nodes"])
ok(d["summary"]["top"][0] == {"id": "1001", "handle": "fict_ada", "in": 4, "out": 2, "posts": 2},
   "summary top: most addressed by weighted in-degree", d["summary"]["top"])
ok(d["summary"]["reciprocity"] == 1.0 and d["summary"]["largest_component"]["nodes"] == 2,
   "reciprocity and components of the shown graph")
rc, out, err = run("--format", "summary", "--top", "2", sample("twitter1"))
ok("reciprocity 44.4% (4 of 9 edges have their reverse)" in out and "1001" in out
   and "1003 " not in out.split("most addressed")[1], "summary text, --top", out)

# pseudonyms
rc, out, err = run("--json", "--pseudonymize-key", "s3cret", sample("twitter1"))
rc2, out2, err2 = run("--json", "--pseudonymize-key", "s3cret", sample("twitter1"))
d = json.loads(out)
ids = [x["id"] for x in d["nodes"]]
ok(out == out2 and all(i.startswith("u") and len(i) == 17 for i in ids), "pseudonymised node ids, stable", ids)
ok(not any(v in out for v in IDS["twitter1"].values()), "no raw account id left")
rc, out, err = run("--kind", "cotags", "--csv", "--pseudonymize-key", "s3cret", sample("twitter1"))
ok("believe,metoo,4" in out, "tags are not pseudonymised")

# handles (issue 12 part 1): the label of a node, a column, a field
HANDLES = {"1001": "fict_ada", "1002": "fict_bo", "1003": "fict_cy", "1004": "fict_di", "1005": "fict_ed"}
rc, out, err = run("--format", "gexf", sample("twitter1"))
root = ET.fromstring(out.encode("utf-8"))
labels = {nd.get("id"): nd.get("label") for nd in root.iter(NS + "node")}
ok(labels == HANDLES, "gexf: a node's label is its account's handle, its id the account id", labels)
rc, out, err = run("--format", "graphml", sample("twitter1"))
ok('<node id="1001"><data key="label">fict_ada</data>' in out, "graphml: the label is the handle")
rc, out, err = run("--json", sample("twitter1"))
ok({x["id"]: x["handle"] for x in json.loads(out)["nodes"]} == HANDLES, "json: each node's handle")
rc, out, err = run("--csv", sample("twitter1"))
rows = list(csv.DictReader(io.StringIO(out)))
ok(all(r["source_handle"] == HANDLES[r["source"]] and r["target_handle"] == HANDLES[r["target"]] for r in rows),
   "csv: source_handle and target_handle", rows[:2])
rc, out, err = run("--format", "summary", sample("twitter1"))
ok("@fict_ada (1001)" in out, "summary: most addressed by handle and id", out)
rc, out, err = run("--json", sample("jetstream"))
ok(all(x["handle"] is None for x in json.loads(out)["nodes"]), "json: Bluesky gives no handle (null)")
rc, out, err = run("--format", "gexf", sample("jetstream"))
root = ET.fromstring(out.encode("utf-8"))
ok(all(nd.get("label") == nd.get("id") for nd in root.iter(NS + "node")), "gexf: no handle: the label is the DID")
# pseudonymised: the handle is the id's pseudonym, no handle anywhere
leaks = []
for args in (["--csv"], ["--json"], ["--json", "--dynamic"], ["--format", "gexf"], ["--format", "graphml"],
             ["--format", "summary"], ["--json", "--tag", "metoo"]):
    rc, out, err = run(*args, "--pseudonymize-key", "s3cret", sample("twitter1"))
    leaks += [(args, h) for h in HANDLES.values() if h in out + err]
    leaks += [(args, i) for i in HANDLES if i in out + err]
ok(rc == 0 and not leaks, "pseudonymised: no handle and no id in any format", leaks)
rc, out, err = run("--json", "--pseudonymize-key", "s3cret", sample("twitter1"))
ok(all(x["handle"] == x["id"] for x in json.loads(out)["nodes"]), "pseudonymised: handle == the id's pseudonym")
rc, out, err = run("--format", "gexf", "--pseudonymize-key", "s3cret", sample("twitter1"))
root = ET.fromstring(out.encode("utf-8"))
ok(all(nd.get("label") == nd.get("id") for nd in root.iter(NS + "node")), "pseudonymised: label == pseudonymised id")

# escaping: hostile account ids through every XML writer
with tempfile.TemporaryDirectory() as t:
    p = os.path.join(t, "esc.jsonl")
    weird = ["a&b<c>\"d'e", "tab\there", "ctl\u0001x", "ünï©ødé"]
    with open(p, "w", encoding="utf-8") as f:
        for i, w in enumerate(weird):
            f.write(json.dumps({"id": str(i), "created_at": "2017-10-15T20:00:00Z", "account": {"id": w},
                                "in_reply_to_account_id": weird[(i + 1) % 4], "tags": [{"name": "x&y"}]}) + "\n")
    rc, out, err = run("--format", "gexf", p)
    check_gexf(out, "hostile ids gexf")
    root = ET.fromstring(out.encode("utf-8"))
    got = {nd.get("id") for nd in root.iter(NS + "node")}
    ok({"a&b<c>\"d'e", "tab\there", "ünï©ødé"} <= got, "ids round-trip through XML escaping", got)
    rc, out, err = run("--format", "graphml", p)
    check_graphml(out, "hostile ids graphml")
    rc, out, err = run("--json", p)
    ok({x["id"] for x in json.loads(out)["nodes"]} == set(weird), "ids round-trip through JSON")
    rc, out, err = run("--csv", p)
    ok({r["source"] for r in csv.DictReader(io.StringIO(out))} == set(weird), "ids round-trip through CSV")

    # threads: a big plain file read in parts gives the same network
    big = os.path.join(t, "big.jsonl")
    subprocess.run([BIN, "generate", "--seed", "5", "-f", "jetstream", "--bytes-target", "20M", "-o", big], check=True)
    for args in (["--json", "--dynamic"], ["--kind", "cotags", "--json", "--tag", "metoo"]):
        r1 = run("--threads", "1", *args, big)
        r2 = run("--threads", "2", *args, big)
        ok(r1[0] == 0 and r1[1] == r2[1], f"2 threads give the network of 1 ({' '.join(args)})")
    r = run("--max-edges", "2000", "--max-nodes", "3000", "--json", big)
    s = json.loads(r[1])["summary"]
    ok(r[0] == 0 and s["held"]["edges"] <= 2000 and s["held"]["nodes"] <= 3000 and s["evicted"]["edges"] > 0,
       "--max-edges/--max-nodes bound what is held; evictions reported", s["held"])

    # no crash on hostile input
    rnd = random.Random(7)
    junk = os.path.join(t, "junk.jsonl")
    lines = open(sample("twitter1"), encoding="utf-8").read().splitlines()
    with open(junk, "wb") as f:
        for _ in range(300):
            l = rnd.choice(lines).encode()
            k = rnd.randrange(4)
            if k == 0:
                l = l[: rnd.randrange(len(l))]
            elif k == 1:
                i = rnd.randrange(len(l))
                l = l[:i] + bytes([rnd.randrange(256)]) + l[i + 1:]
            elif k == 2:
                l = l.replace(b'"1002"', b'"' + b"9" * 5000 + b'"')
            f.write(l + b"\n")
        f.write(os.urandom(4096))
    for args in ([], ["--kind", "cotags"], ["--tag", "metoo", "--format", "gexf", "--dynamic"]):
        r = run("--show-errors", "0", "--format", "json" if not args or args[0] != "--tag" else "gexf", *args, junk)
        ok(r[0] == 0 and (r[1].startswith("{") or r[1].startswith("<?xml")), f"no crash on damaged input {args}", r[2][-300:])
    r = run("--json", junk, "--show-errors", "0")
    ok(json.loads(r[1])["summary"]["ids_skipped"] > 0, "over-long ids are skipped and counted")

tap.done()
