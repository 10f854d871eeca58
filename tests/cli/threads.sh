#!/bin/sh
# The split of a big file across threads never changes an output (issue
# 16): every output with a ranked list (report text, JSON, CSV and HTML,
# trends text and JSON, network JSON and summary and its co-tag network,
# tag text and JSON) is byte for byte the same with --threads 1, 2 and 3,
# on a generated file made of ties, and (report, trends, network and
# the top tag) on the real archives of tests/real (if present) repeated
# past the 16 MB a split needs. Lists are ordered by count, then by the bytes of their key; of two
# first posts of the same millisecond the smaller id is a tag's first (it
# was the earlier in the file: trends' "examples" differed, and this test
# failed before). A tag's co-tags, languages, mentioned accounts, links
# and domains are
# Space-Saving summaries: exact, and then equal, while they hold fewer
# than 16 (10 mentions, links, domains) entries; past that only lower bounds are
# guaranteed, which depend on the split: there only the rest of the tag's
# output is compared.
BIN=${GS_BIN:-build/groundswell}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
n=0
ok() {
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fi
}

# tags in groups of ten (at most 9 co-tags each), counts that tie, 5
# languages, 5 mentioned accounts; a movement '#tie' whose first two posts
# share a millisecond, the larger id first in the file, the smaller at its
# end (another part once split); about 20 MB
python3 - "$T/ties.jsonl" <<'EOF'
import json, sys
T0 = 1507852800000  # 2017-10-13T00:00:00Z
pad = "x" * 1500
out = open(sys.argv[1], "w")
def post(i, ms, tags, user, lang="en", ment=None):
    d = {"timestamp_ms": str(ms), "id_str": str(i),
         "text": " ".join("#" + t for t in tags) + " " + pad,
         "user": {"id_str": user}, "lang": lang,
         "entities": {"hashtags": [{"text": t} for t in tags],
                      "user_mentions": [{"id_str": ment}] if ment else []}}
    out.write(json.dumps(d, separators=(",", ":")) + "\n")
groups = [["g%dt%d" % (g, k) for k in range(10)] for g in range(6)]
langs = ["en", "es", "fr", "de", "ja"]
post(900000, T0 + 1000, ["tie", "calm"], "u1")
n = 1000
for h in range(40):
    for j in range(300):
        g = groups[(h + j) % 6]
        a = j % 10
        post(n, T0 + h * 3600000 + j * 10000, [g[a], g[(a + 1 + h % 3) % 10]],
             "u%d" % (j % 97), langs[j % 5], "m%d" % (j % 5))
        n += 1
    if 24 <= h <= 26:
        for j in range(80):
            post(n, T0 + h * 3600000 + j * 40000 + 7, ["tie", "calm"], "v%d" % j)
            n += 1
post(100000, T0 + 1000, ["tie", "calm"], "u2")
EOF

# runs every output of file $1 with --threads $2 into $T/o$2 (a run
# writes two outputs where it can: the tests must stay fast)
outputs() {
	f=$1 d=$T/o$2
	rm -rf "$d"
	mkdir -p "$d"
	set -- --threads "$2"
	"$BIN" report --top 0 "$@" "$f" >"$d/report.txt" 2>/dev/null
	"$BIN" report --json --top 0 "$@" --html "$d/report.html" "$f" >"$d/report.json" 2>/dev/null
	"$BIN" trends --json "$@" "$f" >"$d/trends.json" 2>/dev/null
	"$BIN" network "$@" --output "$d/network.json" "$f" >"$d/network.txt" 2>/dev/null
	if [ "$all" = 1 ]; then
		"$BIN" report --csv --top 0 "$@" "$f" >"$d/report.csv" 2>/dev/null
		"$BIN" trends "$@" "$f" >"$d/trends.txt" 2>/dev/null
		"$BIN" network --kind cotags --format json "$@" "$f" >"$d/cotags.json" 2>/dev/null
	fi
	for t in $tags; do
		"$BIN" tag "$@" "$t" "$f" >"$d/tag-$t.txt" 2>/dev/null
		"$BIN" tag --json --top 100 "$@" "$t" "$f" >"$d/tag-$t.json" 2>/dev/null
	done
}

# compares $T/o1 with $T/o2 and $T/o3, named $1
compare() {
	for out in "$T"/o1/*; do
		b=$(basename "$out")
		case $b in
		tag-*) continue ;;
		esac
		cmp -s "$out" "$T/o2/$b" && cmp -s "$out" "$T/o3/$b"
		ok $? "$1: $b the same with --threads 1, 2 and 3"
	done
	for t in $tags; do
		# exact summaries: the whole output; else all but the lists
		python3 - "$T" "$t" <<'EOF'
import json, sys
d, t = sys.argv[1], sys.argv[2]
runs = [json.load(open(f"{d}/o{k}/tag-{t}.json")) for k in (1, 2, 3)]
lists = (("co_tags", 16), ("languages", 16), ("mentions", 10), ("urls", 10),
         ("domains", 10))
exact = all(len(runs[0][k]) < m for k, m in lists)
raw = [open(f"{d}/o{k}/tag-{t}.txt", "rb").read() for k in (1, 2, 3)]
if exact:
    sys.exit(not (raw[0] == raw[1] == raw[2] and runs[0] == runs[1] == runs[2]))
for r in runs:
    for k, m in lists:
        del r[k]
sys.exit(not (runs[0] == runs[1] == runs[2]))
EOF
		ok $? "$1: tag $t (text, JSON) the same with --threads 1, 2 and 3"
	done
}

tags="tie g0t0" all=1
for th in 1 2 3; do outputs "$T/ties.jsonl" $th; done
compare "ties"

here=$(cd "$(dirname "$0")/../.." && pwd)
real=$(ls "$here"/tests/real/*/*.jsonl 2>/dev/null)
if [ -n "$real" ]; then
	i=0
	while [ $i -lt 20 ]; do
		# shellcheck disable=SC2086
		cat $real
		i=$((i + 1))
	done >"$T/real.jsonl"
	tags=$("$BIN" report --csv --top 1 "$T/real.jsonl" 2>/dev/null | sed 1d | cut -d, -f2) all=0
	for th in 1 2 3; do outputs "$T/real.jsonl" $th; done
	compare "real archives x20"
else
	ok 0 "# SKIP no real archives in tests/real: sh scripts/fetch-real.sh (make deps runs it)"
fi
echo "1..$n"
