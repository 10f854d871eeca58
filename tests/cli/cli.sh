#!/bin/sh
# Integration tests of the real binary: help, exit codes, stdin, compressed
# input, output formats, pseudonymisation. TAP output.
BIN=${GS_BIN:-build/groundswell}
G=$(dirname "$0")/../golden
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
n=0
fail=0
ok() { # ok COND-EXIT-STATUS DESCRIPTION
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fail=$((fail + 1)); fi
}

"$BIN" --help >"$T/h" 2>&1; ok $? "--help exits 0"
grep -q '^Examples:' "$T/h"; ok $? "--help leads with examples"
for c in report tag generate demo; do
	"$BIN" $c --help >"$T/h" 2>&1; ok $? "$c --help exits 0"
	sed -n 3p "$T/h" | grep -q '^Examples:'; ok $? "$c --help leads with examples"
done
"$BIN" frobnicate >/dev/null 2>"$T/e"; [ $? -eq 2 ]; ok $? "unknown command exits 2"
grep -q "'frobnicate' is not a groundswell command" "$T/e"; ok $? "and says so"
"$BIN" report --top x "$G/twitter1.jsonl" >/dev/null 2>&1; [ $? -eq 2 ]; ok $? "bad option value exits 2"
"$BIN" report /nonexistent.jsonl >/dev/null 2>"$T/e"; [ $? -eq 2 ]; ok $? "missing file exits 2"
grep -q "cannot read '/nonexistent.jsonl'" "$T/e"; ok $? "and names the file"
"$BIN" tag NoSuchTag "$G/twitter1.jsonl" >/dev/null 2>&1; [ $? -eq 1 ]; ok $? "unknown tag exits 1"
"$BIN" report --strict "$G/twitter1.jsonl" >/dev/null 2>&1; [ $? -eq 3 ]; ok $? "--strict on a bad line exits 3"
"$BIN" report --input-format mastodon "$G/twitter1.jsonl" --show-errors 0 --json >"$T/o" 2>/dev/null
python3 -c "import json,sys; s=json.load(open(sys.argv[1]))['summary']; sys.exit(0 if s['posts']==0 and s['malformed']==9 else 1)" "$T/o"; ok $? "--input-format rejects other formats' lines"

# the same answer from a file, stdin, gzip and zstd, and several files
"$BIN" report --json "$G/twitter1.jsonl" >"$T/plain" 2>/dev/null
gzip -c "$G/twitter1.jsonl" >"$T/t.jsonl.gz"
zstd -q -c "$G/twitter1.jsonl" >"$T/t.jsonl.zst"
"$BIN" report --json "$T/t.jsonl.gz" >"$T/gz" 2>/dev/null; cmp -s "$T/plain" "$T/gz"; ok $? "gzip input gives the same report"
"$BIN" report --json "$T/t.jsonl.zst" >"$T/zst" 2>/dev/null; cmp -s "$T/plain" "$T/zst"; ok $? "zstd input gives the same report"
"$BIN" report --json - <"$G/twitter1.jsonl" >"$T/stdin" 2>/dev/null; cmp -s "$T/plain" "$T/stdin"; ok $? "stdin gives the same report"
head -4 "$G/twitter1.jsonl" >"$T/a.jsonl"; tail -n +5 "$G/twitter1.jsonl" >"$T/b.jsonl"
"$BIN" report --json "$T/a.jsonl" "$T/b.jsonl" >"$T/two" 2>/dev/null; cmp -s "$T/plain" "$T/two"; ok $? "two files give the report of their concatenation"
cat "$G/twitter1.jsonl" "$G/mastodon.jsonl" "$G/jetstream.jsonl" >"$T/mixed.jsonl"
"$BIN" report --json --top 0 "$T/mixed.jsonl" >"$T/mixed" 2>/dev/null
python3 -c "import json,sys; s=json.load(open(sys.argv[1]))['summary']; sys.exit(0 if s['posts']==14 else 1)" "$T/mixed"; ok $? "formats are detected per line in a mixed file"

# error messages: FILE:LINE: reason, at most --show-errors, then a count
"$BIN" report "$G/twitter1.jsonl" --show-errors 1 >/dev/null 2>"$T/e"
[ "$(grep -c 'twitter1.jsonl:[0-9]*:' "$T/e")" -eq 1 ]; ok $? "--show-errors caps the lines shown"
grep -q "3 malformed lines in all, 1 shown" "$T/e"; ok $? "and counts the rest"
"$BIN" report "$G/twitter1.jsonl" >/dev/null 2>"$T/e"; cr=$(printf '\r'); grep -q "$cr" "$T/e"; [ $? -ne 0 ]; ok $? "no progress line when stderr is not a terminal"

# outputs
"$BIN" report --csv --top 0 "$G/twitter1.jsonl" >"$T/csv" 2>/dev/null
head -1 "$T/csv" | grep -q '^rank,tag,display,accounts,accounts_error,posts'; ok $? "CSV header"
python3 -c "import csv,sys; r=list(csv.DictReader(open(sys.argv[1]))); sys.exit(0 if r[0]['tag']=='metoo' and r[0]['posts']=='6' and len(r)==5 else 1)" "$T/csv"; ok $? "CSV rows parse"
"$BIN" tag MeToo --csv "$G/twitter1.jsonl" 2>/dev/null | head -1 | grep -q '^time,posts,accounts$'; ok $? "tag --csv is the timeline"
"$BIN" tag '#ＭｅＴｏｏ' --json "$G/twitter1.jsonl" >"$T/tag" 2>/dev/null; ok $? "tag accepts any spelling with a hash sign"
python3 - "$T/tag" <<'PY'; ok $? "tag --json has every documented field"
import json, sys
t = json.load(open(sys.argv[1]))
need = ["tag", "display", "posts", "originals", "reposts", "replies", "accounts", "accounts_error",
        "first_seen", "last_seen", "peak", "timeline", "co_tags", "languages", "mentions"]
assert all(k in t for k in need), [k for k in need if k not in t]
assert set(t["peak"]) == {"time", "posts"}
assert all(set(b) == {"time", "posts", "accounts"} for b in t["timeline"])
assert t["first_seen"].endswith("Z") and t["timeline"][0]["time"] == "2017-10-15T20:00:00Z"
assert t["mentions"][0]["account"] == "1001"
PY
"$BIN" tag MeToo --json --pseudonymize-key s3cret "$G/twitter1.jsonl" >"$T/p1" 2>/dev/null
printf 's3cret\n' >"$T/key"
"$BIN" tag MeToo --json --pseudonymize-key-file "$T/key" "$G/twitter1.jsonl" >"$T/p2" 2>/dev/null
python3 -c "
import json,sys
a=json.load(open(sys.argv[1])); b=json.load(open(sys.argv[2]))
m=a['mentions'][0]['account']
sys.exit(0 if m!='1001' and m.startswith('u') and len(m)==17 and a==b else 1)" "$T/p1" "$T/p2"; ok $? "pseudonymised ids replace account ids, same from a key file"
! grep -q '"1001"' "$T/p1"; ok $? "no raw account id left in pseudonymised output"
# Bluesky post ids (at://DID/...) name their author: trends' examples
# show them with the DID pseudonymised, as the accounts are
"$BIN" generate --seed 3 --hours 30 --rate 0.5 -f jetstream --output "$T/js.jsonl" 2>/dev/null
"$BIN" trends --json "$T/js.jsonl" >"$T/tr0" 2>/dev/null
"$BIN" trends --json --pseudonymize-key s3cret "$T/js.jsonl" >"$T/tr1" 2>/dev/null
grep -q '"id":"at://did:' "$T/tr0" && ! grep -q 'did:' "$T/tr1" &&
	grep -q '"id":"at://u[0-9a-f]\{16\}/' "$T/tr1"
ok $? "pseudonymised trends name no DID in their examples' post ids"
"$BIN" report --bucket 1d --json "$G/twitter1.jsonl" 2>/dev/null | grep -q '"bucket":"1d"'; ok $? "--bucket is applied"
"$BIN" report --bucket 5x "$G/twitter1.jsonl" >/dev/null 2>&1; [ $? -eq 2 ]; ok $? "bad --bucket exits 2"
printf '%s\n' "$(head -c 3000 /dev/zero | tr '\0' 'x')" >"$T/long"; cat "$G/mastodon.jsonl" >>"$T/long"
"$BIN" report --max-line 2000 --json "$T/long" 2>"$T/e" >"$T/o"
grep -q "long:1: line longer than 2000 bytes" "$T/e"; ok $? "lines over --max-line are rejected with file:line"
python3 -c "import json,sys; s=json.load(open(sys.argv[1]))['summary']; sys.exit(0 if s['posts']==3 else 1)" "$T/o"; ok $? "and the lines after it are still read"

# --max-memory: sizes with suffixes, a bound that evicts the long tail only
"$BIN" report --max-memory 10x "$G/twitter1.jsonl" >/dev/null 2>"$T/e"; [ $? -eq 2 ]; ok $? "bad --max-memory exits 2"
grep -q "invalid --max-memory '10x'" "$T/e"; ok $? "and says why"
"$BIN" report --max-memory 1000 "$G/twitter1.jsonl" >/dev/null 2>&1; [ $? -eq 2 ]; ok $? "--max-memory below 1M is refused"
"$BIN" generate --seed 3 --hours 6 --rate 20 -o "$T/gen.jsonl" 2>/dev/null
"$BIN" report --json --top 10 --max-memory 0 "$T/gen.jsonl" >"$T/unb" 2>/dev/null; ok $? "--max-memory 0: no bound"
"$BIN" report --json --top 10 --max-memory 1M "$T/gen.jsonl" >"$T/b1m" 2>/dev/null; ok $? "--max-memory 1M"
python3 - "$T/unb" "$T/b1m" <<'PY'; ok $? "a 1M bound evicts rare tags; the top tags' posts lie within posts_error"
import json, sys
u, b = (json.load(open(f)) for f in sys.argv[1:3])
assert u["summary"].get("tags_evicted", 0) == 0
assert b["summary"]["tags_evicted"] > 0, b["summary"]
assert b["summary"]["tags"] < u["summary"]["tags"]
exact = {t["tag"]: t["posts"] for t in u["tags"]}
assert [t["tag"] for t in u["tags"][:5]] == [t["tag"] for t in b["tags"][:5]]
for t in b["tags"][:5]:
    assert t["posts"] <= exact[t["tag"]] <= t["posts"] + t.get("posts_error", 0), t
# a tag evicted again and again (the slow rise starts rare) still has a bound
assert any(t.get("posts_error", 0) > 0 for t in b["tags"][:5])
PY

# conflicting options are refused (exit 2, naming both), never one silently winning
refuse() { # refuse "DESCRIPTION" 'PATTERN' ARGS...: exit 2, PATTERN on stderr, nothing on stdout
	d=$1 pat=$2; shift 2
	"$BIN" "$@" >"$T/co" 2>"$T/ce"; rc=$?
	[ $rc -eq 2 ] && grep -q -- "$pat" "$T/ce" && [ ! -s "$T/co" ]; ok $? "$d"
}
refuse "report --json --csv is refused" "options '--json' and '--csv' cannot be used together" report --json --csv "$G/twitter1.jsonl"
refuse "tag --csv --json is refused" "options '--csv' and '--json' cannot be used together" tag MeToo --csv --json "$G/twitter1.jsonl"
refuse "trends --json --csv is refused" "options '--json' and '--csv'" trends --json --csv "$G/twitter1.jsonl"
refuse "network --json --csv is refused" "options '--json' and '--csv'" network --json --csv "$G/twitter1.jsonl"
refuse "demo --json --csv is refused" "options '--json' and '--csv'" demo --hours 1 --json --csv
refuse "network --format gexf --output x.graphml is refused" "options '--format gexf' and '--output $T/x.graphml' cannot be used together (the extension says graphml)" network --format gexf --output "$T/x.graphml" "$G/twitter1.jsonl"
[ ! -e "$T/x.graphml" ]; ok $? "and writes no file"
refuse "network --json --output x.csv is refused" "options '--json' and '--output $T/x.csv'" network --json --output "$T/x.csv" "$G/twitter1.jsonl"
refuse "network --format gexf --json is refused" "options '--format gexf' and '--json'" network --format gexf --json "$G/twitter1.jsonl"
refuse "network --format csv --json is refused" "options '--format csv' and '--json'" network --json --format csv "$G/twitter1.jsonl"
"$BIN" network --format json --json --output "$T/x.json" "$G/twitter1.jsonl" >/dev/null 2>&1 && [ -s "$T/x.json" ]; ok $? "network: --format, --json and the extension that agree are taken"
"$BIN" network --format graphml --output "$T/x.net" "$G/twitter1.jsonl" >/dev/null 2>&1 && grep -q graphml "$T/x.net"; ok $? "network: --format names the format of a file without a known extension"
refuse "report --html - --json is refused" "options '--html -' and '--json'" report --html - --json "$G/twitter1.jsonl"
refuse "a key and a key file are refused" "options '--pseudonymize-key' and '--pseudonymize-key-file'" tag MeToo --pseudonymize-key a --pseudonymize-key-file "$T/key" "$G/twitter1.jsonl"
refuse "trends --scorer posts --threshold is refused" "options '--threshold' and '--scorer posts' cannot be used together (the posts scorer does not use it; its option is --posts-threshold)" trends --scorer posts --threshold 5 "$G/twitter1.jsonl"
refuse "trends --threshold before --scorer mastodon is refused" "options '--threshold' and '--scorer mastodon'" trends --threshold 5 --scorer mastodon "$G/twitter1.jsonl"
refuse "trends --posts-threshold with the default scorer is refused" "option '--posts-threshold' applies to '--scorer posts' only; the scorer is significance (the default)" trends --posts-threshold 5 "$G/twitter1.jsonl"
refuse "trends --scorer mastodon --halflife is refused" "options '--halflife' and '--scorer mastodon'" trends --scorer mastodon --halflife 6 "$G/twitter1.jsonl"
timeout 20 "$BIN" serve --source "$T/none.jsonl" --scorer posts --noise-floor 2 >/dev/null 2>"$T/ce"; [ $? -eq 2 ] && grep -q "options '--noise-floor' and '--scorer posts'" "$T/ce"; ok $? "serve refuses a trend option of another scorer"
"$BIN" trends --scorer posts --posts-threshold 2 --warmup 0 --json "$G/twitter1.jsonl" >/dev/null 2>&1; ok $? "trends: a scorer's own options and --warmup are taken"

# input shorter than the trend warm-up: said so, not "nothing rose"
"$BIN" generate --seed 2 --hours 10 --rate 1 -o "$T/short.jsonl" 2>/dev/null
"$BIN" trends "$T/short.jsonl" >"$T/o" 2>"$T/e"; ok $? "trends on a 10-bucket input exits 0"
grep -q "groundswell: the input spans 10 buckets; the first 12 never flag" "$T/e"; ok $? "and notes on stderr that the first 12 buckets never flag"
grep -q "none could start: the input spans 10 buckets; the first 12 never flag" "$T/o"; ok $? "and says it in the table"
"$BIN" trends --json "$T/short.jsonl" 2>/dev/null >"$T/o"
python3 -c "
import json,sys
l=[json.loads(x) for x in open(sys.argv[1])]
sys.exit(0 if l==[{'note':'the input spans 10 buckets; the first 12 never flag','buckets':10,'warmup':12,'scorer':'significance'}] else 1)" "$T/o"; ok $? "trends --json: one note line with buckets and warmup"
"$BIN" trends --json --scorer mastodon "$T/short.jsonl" 2>/dev/null | grep -q '"warmup":24,"scorer":"mastodon"'; ok $? "the mastodon scorer's warm-up is a day of buckets"
"$BIN" report --json "$T/short.jsonl" 2>/dev/null | python3 -c "import json,sys; sys.exit(0 if json.load(sys.stdin)['trends_note']=='the input spans 10 buckets; the first 12 never flag' else 1)"; ok $? "report --json: trends_note"
"$BIN" report "$T/short.jsonl" 2>/dev/null | grep -q "Trends: none could start (the input spans 10 buckets"; ok $? "report's table says why no trend could start"
"$BIN" trends --json --warmup 4 "$T/short.jsonl" 2>"$T/e" | grep -q '"note"'; [ $? -ne 0 ] && ! grep -q "never flag" "$T/e"; ok $? "no note once the input is longer than --warmup"
"$BIN" generate --seed 2 --hours 14 --rate 1 2>/dev/null | "$BIN" report --json - 2>/dev/null | grep -q '"trends_note":null}$'; ok $? "report --json: trends_note is null on a longer input"
for f in README.md docs/groundswell.1; do
	! grep -q "first 6 buckets\|warm-up | 6 buckets" "$(dirname "$0")/../../$f"; ok $? "$f gives the warm-up the code has (12)"
done
"$BIN" trends --help | grep -q -- "--warmup N         first buckets that never flag (default 12)"; ok $? "trends --help: warm-up 12"

# tag --json: the timeline covers the input's range, zero buckets included,
# past the 100,000 buckets where it used to stop; shortened only past
# 1,048,576 buckets, and then said so
python3 - "$T/sec.jsonl" <<'PY'
import json, sys
with open(sys.argv[1], "w") as f:
    def post(i, t, tag):
        f.write(json.dumps({"id_str": str(i), "timestamp_ms": str(t), "user": {"id_str": str(1000 + i)},
                            "text": "#%s x" % tag, "entities": {"hashtags": [{"text": tag}], "user_mentions": []},
                            "lang": "en"}) + "\n")
    for i in range(31):
        post(i, 1508097600000 + i * 3600 * 1000, "MeToo")
PY
"$BIN" tag MeToo --bucket 1s --json "$T/sec.jsonl" >"$T/o" 2>"$T/e"
python3 -c "
import json,sys
t=json.load(open(sys.argv[1]))
tl=t['timeline']
sys.exit(0 if len(tl)==108001 and t['timeline_covers']=='input' and sum(b['posts'] for b in tl)==31 and tl[1]['posts']==0 else 1)" "$T/o"; ok $? "tag --json: 108,001 one-second buckets, zero buckets included"
! grep -q shortened "$T/e"; ok $? "and no note when nothing is shortened"
"$BIN" tag MeToo --bucket 1s --csv "$T/sec.jsonl" 2>/dev/null | tail -n +2 | wc -l | grep -qx 108001; ok $? "tag --csv: the same timeline"
python3 -c "
import json
print(json.dumps({'id_str':'99','timestamp_ms':str(1508097600000+20*86400000),'user':{'id_str':'9'},'text':'#far','entities':{'hashtags':[{'text':'far'}],'user_mentions':[]}}))" >>"$T/sec.jsonl"
"$BIN" tag MeToo --bucket 1s --json "$T/sec.jsonl" >"$T/o" 2>"$T/e"
python3 -c "
import json,sys
t=json.load(open(sys.argv[1]))
sys.exit(0 if len(t['timeline'])==108001 and t['timeline_covers']=='tag' else 1)" "$T/o"; ok $? "past 1,048,576 buckets: the tag's own span, timeline_covers 'tag'"
grep -q "groundswell: the input spans more than 1048576 buckets: the timeline of 'metoo' is shortened to the tag's own span (zero buckets included)" "$T/e"; ok $? "and a note on stderr says so"

# an estimate is never shown above an exact bound: buckets where each post
# is by another account (per-bucket sketches in estimate mode past 64)
python3 - "$T/once.jsonl" <<'PY'
import json, sys
with open(sys.argv[1], "w") as f:
    i = 0
    for b in range(30):
        for k in range(100 + 7 * b):
            i += 1
            f.write(json.dumps({"id_str": str(i), "timestamp_ms": str(1508097600000 + b * 3600000 + k),
                                "user": {"id_str": "b%dk%d" % (b, k)}, "text": "#Once #other",
                                "entities": {"hashtags": [{"text": "Once"}, {"text": "other"}], "user_mentions": []}}) + "\n")
PY
"$BIN" report --json "$T/once.jsonl" >"$T/r" 2>/dev/null
"$BIN" tag Once --json "$T/once.jsonl" >"$T/t" 2>/dev/null
"$BIN" trends --json --warmup 0 --threshold 0.5 "$T/once.jsonl" >"$T/tr" 2>/dev/null
python3 - "$T/r" "$T/t" "$T/tr" <<'PY'; ok $? "report, tag, trends: accounts never above posts (bucket, tag, input, trend span, peak)"
import json, sys
r, t = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
tr = [json.loads(l) for l in open(sys.argv[3])]
s = r["summary"]
assert s["accounts"] <= s["posts"], s
assert all(x["accounts"] <= x["posts"] for x in r["tags"])
assert t["accounts"] <= t["posts"]
tl = t["timeline"]
assert all(b["accounts"] <= b["posts"] for b in tl), [b for b in tl if b["accounts"] > b["posts"]]
assert sum(b["accounts"] == b["posts"] for b in tl) > 0  # the bound was reached
assert tr and all(e["accounts"] <= e["posts"] and e["peak_accounts"] <= e["peak_posts"] for e in tr), tr
assert all(e["accounts"] <= t["accounts"] for e in tr)
assert s["tags_distinct"] == s["tags"] == 2, s
PY
python3 - "$T/b1m" <<'PY'; ok $? "evicted tags: the distinct tags lie between the tags tracked and tracked + evicted"
import json, sys
s = json.load(open(sys.argv[1]))["summary"]
assert s["tags"] <= s["tags_distinct"] <= s["tags"] + s["tags_evicted"], s
PY
"$BIN" report "$T/once.jsonl" 2>/dev/null | sed -n 2p | grep -q '^2 distinct tags;'; ok $? "report: nothing evicted, the distinct tags are counted exactly"
"$BIN" report --max-memory 1M "$T/gen.jsonl" 2>/dev/null | sed -n 2p | grep -q '^[0-9]* tags tracked (~[0-9]* distinct, [0-9]* rare ones evicted)'; ok $? "report: after evictions, an estimate of the distinct tags"

# one meaning for "tag": the folded key everywhere, the spelling as "display"
"$BIN" tag MeToo --json "$G/network-twitter1.jsonl" 2>/dev/null | python3 -c "
import json,sys
t=json.load(sys.stdin)
sys.exit(0 if {'tag':'believe','display':'Believe','posts':4} in t['co_tags'] else 1)"; ok $? "tag --json: co_tags[].tag is the folded key, with display beside it"
"$BIN" tag MeToo "$G/network-twitter1.jsonl" 2>/dev/null | grep -q "co-tags    #Believe (4)"; ok $? "tag: the table shows co-tags by their spelling"
"$BIN" generate --seed 5 --hours 30 --rate 1 -o "$T/g30.jsonl" 2>/dev/null
"$BIN" report --json --top 0 "$T/g30.jsonl" >"$T/r30" 2>/dev/null
"$BIN" trends --json "$T/g30.jsonl" >"$T/t30" 2>/dev/null
"$BIN" report --csv --top 0 "$T/g30.jsonl" >"$T/c30" 2>/dev/null
python3 - "$T/r30" "$T/t30" "$T/c30" <<'PY'; ok $? "trends --json: co_tags[].tag joins report's tag keys (JSON and CSV), display beside it"
import csv, json, sys
keys = {t["tag"] for t in json.load(open(sys.argv[1]))["tags"]}
ev = [json.loads(l) for l in open(sys.argv[2])]
co = [c for e in ev for c in e["co_tags"]]
assert ev and co, "no trends with co-tags"
assert all(set(c) == {"tag", "display", "posts"} for c in co), co[:3]
assert all(c["tag"] in keys for c in co), [c for c in co if c["tag"] not in keys]
assert any(c["tag"] != c["display"] for c in co)  # spellings differ from keys
assert all(e["tag"] in keys for e in ev)
assert {r["tag"] for r in csv.DictReader(open(sys.argv[3]))} == keys
PY

# the option groups: one table and one parser each (src/cli/options.c)
"$BIN" report --max-line 1k --max-memory 2m --max-tags 16 --json "$G/twitter1.jsonl" >/dev/null 2>&1; ok $? "sizes take k, m (either case); --max-tags 16 is the least"
"$BIN" report --max-tags 15 "$G/twitter1.jsonl" >/dev/null 2>"$T/e"; [ $? -eq 2 ] && grep -q "invalid --max-tags '15' (at least 16)" "$T/e"; ok $? "--max-tags 15 is refused"
"$BIN" report --max-tags -20 "$G/twitter1.jsonl" >/dev/null 2>&1; [ $? -eq 2 ]; ok $? "a count with a '-' is refused, not wrapped around"
"$BIN" report --max-line 2G "$G/twitter1.jsonl" >/dev/null 2>"$T/e"; [ $? -eq 2 ] && grep -q "at most 1G" "$T/e"; ok $? "--max-line over 1G is refused"
"$BIN" report --hll-precision 17 "$G/twitter1.jsonl" >/dev/null 2>"$T/e"; [ $? -eq 2 ] && grep -q "invalid --hll-precision '17' (4 to 16)" "$T/e"; ok $? "--hll-precision outside 4..16 is refused, with the bounds"
"$BIN" report --help | grep -q '1.04/sqrt(2^P) error (14)'; ok $? "the help names the default precision"
"$BIN" network --max-memory 1M "$G/twitter1.jsonl" >/dev/null 2>"$T/e"; [ $? -eq 2 ] && grep -q "'--max-memory' does not apply to 'network'" "$T/e"; ok $? "network refuses the tag engine's bounds by name"
"$BIN" network --max-edges 1023 "$G/twitter1.jsonl" >/dev/null 2>"$T/e"; [ $? -eq 2 ] && grep -q "invalid --max-edges (1024 to 2147483647): '1023'" "$T/e"; ok $? "network's counts go through the count parser"
"$BIN" trends --halflife -1 "$G/twitter1.jsonl" >/dev/null 2>"$T/e"; [ $? -eq 2 ] && grep -q "invalid value '-1'" "$T/e"; ok $? "trends refuses a negative trend option"
"$BIN" trends --posts-threshold 3 "$G/twitter1.jsonl" >/dev/null 2>"$T/e"; [ $? -eq 2 ] && grep -q "applies to '--scorer posts' only" "$T/e"; ok $? "trends refuses another scorer's option"
"$BIN" demo --hours 0 >/dev/null 2>"$T/e"; [ $? -eq 2 ] && grep -q "invalid value '0' for --hours" "$T/e"; ok $? "demo names the option of a bad value"
for a in "--lateness -1" "--max-request 4095" "--tag-network-edges 1023" "--hll-precision 3" "--scorer nope" "--halflife x"; do
	timeout 20 "$BIN" serve --source - $a </dev/null >/dev/null 2>"$T/e"; [ $? -eq 2 ] && grep -q "invalid\|unknown" "$T/e"; ok $? "serve refuses $a"
done
for a in --json --csv --strict --threads=2 --progress --no-progress; do
	timeout 20 "$BIN" serve --source - $a </dev/null >/dev/null 2>"$T/e"; [ $? -eq 2 ] && grep -q "see 'groundswell serve --help'" "$T/e"; ok $? "serve does not take $a"
done

echo "1..$n"
[ "$fail" -eq 0 ]
