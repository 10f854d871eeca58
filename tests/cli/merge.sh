#!/bin/sh
# groundswell merge (issue 14 part 4): generated streams in each format
# (Twitter v1.1 with malformed lines, v2, Jetstream, Mastodon) cut into
# shards by lines (one of them .gz) and by time (odd and even hours, so
# that shards interleave); each shard's state written with --save-state
# --no-output; merged; the output compared with one run over the shards
# in the same order: report, trends and tag JSON, network GEXF, CSV and
# JSON, byte for byte except the Space-Saving lists that reached their
# cap (lower bounds that depend on arrival order, as tests/cli/threads.sh
# has it: tests/cli/merge_cmp.py). Also: under a pseudonymisation key and
# under filters; another command's output from the same states; a merge
# of merges; states with other buckets, precisions, caps, keys or
# filters, and damaged ones, refused naming the file (exit 2).
# Before 'merge' every check here failed (no such command, no option).
BIN=${GS_BIN:-build/groundswell}
HERE=$(cd "$(dirname "$0")" && pwd)
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
n=0
ok() {
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fi
}
same() { python3 "$HERE/merge_cmp.py" "$@"; }

# $1 name, $2 command line of the run (without inputs): each shard of
# "$shards" saved, merged; compared with one run over the shards
check() {
	name=$1
	shift
	i=0
	states=
	for s in $shards; do
		i=$((i + 1))
		# shellcheck disable=SC2086
		"$BIN" "$@" --save-state "$T/st.$i" --no-output $s >"$T/so" 2>/dev/null
		[ -s "$T/so" ] && echo "# --no-output wrote to stdout"
		states="$states $T/st.$i"
	done
	# shellcheck disable=SC2086
	"$BIN" "$@" $shards >"$T/one" 2>/dev/null
	# shellcheck disable=SC2086
	"$BIN" merge $states >"$T/merged" 2>"$T/err"
	r=$?
	[ $r -eq 0 ] && [ -s "$T/one" ] && same $shown "$T/one" "$T/merged"
	ok $? "$name: merge of $i states = one run ($*)"
	[ $r -eq 0 ] || sed 's/^/# /' "$T/err"
}

cut_lines() { # $1 file, $2 prefix: 3 shards by lines, the second .gz
	split -n l/3 -d "$1" "$2."
	gzip -1 "$2.01"
	shards="$2.00 $2.01.gz $2.02"
}
cut_hours() { # $1 file, $2 prefix: odd and even hours of the posts
	python3 - "$1" "$2" <<'PY'
import sys, re
src, pre = sys.argv[1], sys.argv[2]
out = [open(pre + ".even", "wb"), open(pre + ".odd", "wb")]
k = 0
for line in open(src, "rb"):
    m = re.search(rb'T(\d\d):|\d\d (\d\d):\d\d:\d\d \+0000|"time_us":\s*(\d+)', line)
    if m and m.group(3):
        h = int(m.group(3)) // 3600000000
    elif m:
        h = int(m.group(1) or m.group(2))
    else:
        h = k  # malformed: anywhere
    k += 1
    out[h % 2].write(line)
PY
	shards="$2.even $2.odd"
}

shown=
for f in twitter1 twitter2-flat jetstream mastodon; do
	extra=
	[ $f = twitter1 ] && extra="--malformed 0.01"
	# shellcheck disable=SC2086
	"$BIN" generate --seed 5 --hours 30 --rate 0.5 -f $f $extra \
		-o "$T/$f.jsonl" 2>/dev/null
	cut_lines "$T/$f.jsonl" "$T/$f.l"
	check "$f by lines" report --json
	check "$f by lines" tag metoo --json --top 16
	shown="--shown co_tags=5 --shown examples=3"
	check "$f by lines" trends --json
	shown=
	check "$f by lines" network --format json
	cut_hours "$T/$f.jsonl" "$T/$f.h"
	check "$f by hours" report --json
	check "$f by hours" network --format gexf --dynamic
done
shards="$T/twitter1.l.00 $T/twitter1.l.01.gz $T/twitter1.l.02"
check "cotags" network --kind cotags --format csv
check "mentions" network --kind mentions,replies --format csv
check "5m buckets" report --json --bucket 5m --hll-precision 12
check "a tag list" report --json --tag MeToo --tag news
check "timeline" report --timeline --csv

# pseudonymisation: the key again at merge, its fingerprint checked
printf 'secret-one\n' >"$T/k1"
printf 'secret-two\n' >"$T/k2"
i=0
for s in $shards; do
	i=$((i + 1))
	"$BIN" tag metoo --json --top 16 --pseudonymize-key-file "$T/k1" \
		--save-state "$T/p.$i" --no-output "$s" 2>/dev/null
done
# shellcheck disable=SC2086
"$BIN" tag metoo --json --top 16 --pseudonymize-key-file "$T/k1" $shards >"$T/one" 2>/dev/null
"$BIN" merge --pseudonymize-key-file "$T/k1" "$T/p.1" "$T/p.2" "$T/p.3" >"$T/merged" 2>/dev/null
same "$T/one" "$T/merged"
ok $? "pseudonymised: merge with the key = one run"
! grep -q 'secret-one' "$T/p.1"
ok $? "pseudonymised: the state holds no key"
"$BIN" merge "$T/p.1" "$T/p.2" >/dev/null 2>"$T/err"
[ $? -eq 2 ] && grep -q "'$T/p.1' was made with a pseudonymisation key" "$T/err"
ok $? "pseudonymised: merge without the key refused, naming the file"
"$BIN" merge --pseudonymize-key-file "$T/k2" "$T/p.1" >/dev/null 2>"$T/err"
[ $? -eq 2 ] && grep -q "another pseudonymisation key" "$T/err"
ok $? "pseudonymised: merge with another key refused"
"$BIN" merge "$T/st.1" "$T/p.2" >/dev/null 2>"$T/err"
[ $? -eq 2 ] && grep -q "pseudonymisation key" "$T/err"
ok $? "states with and without a key refused together"
# under a key no raw id is on disk (issue 14): the state is encrypted
# whole; the accounts and handles of the input, found in a plain state,
# are in none of the encrypted ones (before: all of them were)
rawids() { # $1 input, $2 state: how many of the input's account ids and
	# handles (of at least 6 bytes) the state holds
	python3 - "$1" "$2" <<'PY'
import json, re, sys
ids = set()
for line in open(sys.argv[1], "rb"):
    try:
        p = json.loads(line)
    except ValueError:
        continue
    if not isinstance(p, dict):
        continue
    users = [p.get("user")] + ((p.get("entities") or {}).get("user_mentions") or [])
    for u in users:
        for k in ("id_str", "screen_name"):
            if isinstance(u, dict) and len(str(u.get(k, ""))) >= 6:
                ids.add(str(u[k]).encode())
st = open(sys.argv[2], "rb").read()
# every id or handle lies inside a run of [A-Za-z0-9_]: one pass over the
# runs' substrings, not one search of the state an id
lens = {len(i) for i in ids}
found = set()
for run in re.findall(rb"[A-Za-z0-9_]{6,}", st):
    for n in lens:
        found.update(run[k:k + n] for k in range(len(run) - n + 1) if run[k:k + n] in ids)
print(len(found))
PY
}
s1=$T/twitter1.l.00
"$BIN" network --format json --save-state "$T/np" --no-output "$s1" 2>/dev/null
"$BIN" network --format json --pseudonymize-key-file "$T/k1" --save-state "$T/nk.1" --no-output "$s1" 2>/dev/null
"$BIN" network --format json --pseudonymize-key secret-one --save-state "$T/nk.2" --no-output "$T/twitter1.l.02" 2>/dev/null
"$BIN" network --format json --pseudonymize-key secret-one --save-state "$T/nk.3" --no-output "$T/jetstream.l.00" 2>/dev/null
plain=$(rawids "$s1" "$T/np")
[ "$plain" -gt 100 ] && [ "$(rawids "$s1" "$T/nk.1")" -eq 0 ] &&
	[ "$(rawids "$s1" "$T/p.1")" -eq 0 ] &&
	[ "$(head -c 4 "$T/nk.1")" = GSXS ] && [ "$(head -c 4 "$T/p.1")" = GSXS ] &&
	[ "$(head -c 4 "$T/np")" = GSST ]
ok $? "pseudonymised: no account id or handle in the state ($plain of them in a plain one)"
did=$(grep -o 'did:plc:[a-z0-9]*' "$T/jetstream.l.00" | head -1)
[ -n "$did" ] && grep -q "$did" "$T/jetstream.l.00" && ! grep -q "$did" "$T/nk.3"
ok $? "pseudonymised: no Bluesky DID in a Jetstream state"
"$BIN" network --format json --pseudonymize-key secret-one "$s1" "$T/twitter1.l.02" >"$T/one" 2>/dev/null
"$BIN" merge --pseudonymize-key secret-one "$T/nk.1" "$T/nk.2" >"$T/merged" 2>"$T/err"
[ -s "$T/one" ] && cmp -s "$T/one" "$T/merged"
ok $? "pseudonymised: merge of encrypted network states (key and key file) = one run"
# shellcheck disable=SC2086
"$BIN" tag metoo --json --top 16 --pseudonymize-key-file "$T/k1" $shards >"$T/one.p" 2>/dev/null
"$BIN" merge --pseudonymize-key-file "$T/k1" --save-state "$T/pm" --no-output "$T/p.1" "$T/p.2" 2>/dev/null
"$BIN" merge --pseudonymize-key-file "$T/k1" "$T/pm" "$T/p.3" >"$T/mm" 2>/dev/null
[ "$(head -c 4 "$T/pm")" = GSXS ] && [ "$(rawids "$s1" "$T/pm")" -eq 0 ] &&
	[ -s "$T/mm" ] && same "$T/one.p" "$T/mm"
ok $? "pseudonymised: merge --save-state writes an encrypted state; a merge of merges = one run"
"$BIN" merge "$T/nk.1" >/dev/null 2>"$T/err"
[ $? -eq 2 ] && grep -q "'$T/nk.1' was made with a pseudonymisation key and is encrypted" "$T/err"
ok $? "pseudonymised: an encrypted state without the key refused, naming the file"
"$BIN" merge --pseudonymize-key secret-two "$T/nk.1" "$T/nk.2" >/dev/null 2>"$T/err"
[ $? -eq 2 ] && grep -q "'$T/nk.1' is encrypted and cannot be read: cannot decrypt the record at byte 32: another pseudonymisation key" "$T/err"
ok $? "pseudonymised: another key refused, naming the file"
"$BIN" merge --pseudonymize-key secret-one "$T/nk.1" "$T/np" >/dev/null 2>"$T/err"
[ $? -eq 2 ] && grep -q "'$T/np' is not encrypted and '$T/nk.1' is encrypted" "$T/err"
ok $? "pseudonymised: a plain state after an encrypted one refused"
"$BIN" merge "$T/np" "$T/nk.1" >/dev/null 2>"$T/err"
[ $? -eq 2 ] && grep -q "'$T/nk.1' is encrypted and '$T/np' is not" "$T/err"
ok $? "pseudonymised: an encrypted state after a plain one refused"
"$BIN" merge --pseudonymize-key secret-one "$T/np" "$T/nk.1" >/dev/null 2>"$T/err"
[ $? -eq 2 ] && grep -q "'$T/np' was made without a pseudonymisation key" "$T/err"
ok $? "pseudonymised: a plain state first, with the key given, refused"
size=$(wc -c <"$T/nk.1")
for at in 6 40 $((size / 2)) $((size - 1)); do
	head -c $at "$T/nk.1" >"$T/cut"
	"$BIN" merge --pseudonymize-key secret-one "$T/nk.2" "$T/cut" >/dev/null 2>"$T/err"
	[ $? -eq 2 ] && grep -q "'$T/cut' is encrypted and cannot be read: truncated at byte" "$T/err"
	ok $? "pseudonymised: an encrypted state cut at byte $at refused"
done
python3 -c 'import sys; b=bytearray(open(sys.argv[1],"rb").read()); b[len(b)//2]^=1; open(sys.argv[2],"wb").write(b)' "$T/nk.1" "$T/flip"
"$BIN" merge --pseudonymize-key secret-one "$T/nk.2" "$T/flip" >/dev/null 2>"$T/err"
[ $? -eq 2 ] && grep -q "'$T/flip' is encrypted and cannot be read: cannot decrypt the record at byte 32" "$T/err"
ok $? "pseudonymised: a flipped byte of an encrypted state refused"
{ cat "$T/nk.1"; printf x; } >"$T/twice"
"$BIN" merge --pseudonymize-key secret-one "$T/twice" >/dev/null 2>"$T/err"
[ $? -eq 2 ] && grep -q "trailing bytes after byte $size" "$T/err"
ok $? "pseudonymised: a byte after an encrypted state refused"

# filters: merged as one run with them; other filters refused
check "filtered" report --json --lang en --since 2017-10-13T06:00:00Z
"$BIN" report --lang en --save-state "$T/f1" --no-output "$T/twitter1.l.00" 2>/dev/null
"$BIN" report --lang fr --save-state "$T/f2" --no-output "$T/twitter1.l.02" 2>/dev/null
"$BIN" merge "$T/f1" "$T/f2" >/dev/null 2>"$T/err"
[ $? -eq 2 ] && grep -q "'$T/f2' cannot be merged with '$T/f1', they differ in filters" "$T/err"
ok $? "other filters refused, naming the file"

# another output from the same states; a merge of merges
"$BIN" report --json --save-state "$T/r.1" --no-output "$T/twitter1.l.00" 2>/dev/null
"$BIN" report --json --save-state "$T/r.2" --no-output "$T/twitter1.l.01.gz" 2>/dev/null
"$BIN" report --json --save-state "$T/r.3" --no-output "$T/twitter1.l.02" 2>/dev/null
# shellcheck disable=SC2086
"$BIN" trends --csv $shards >"$T/one" 2>/dev/null
"$BIN" merge trends --csv "$T/r.1" "$T/r.2" "$T/r.3" >"$T/merged" 2>/dev/null
cmp -s "$T/one" "$T/merged"
ok $? "merge trends --csv from report states = trends --csv"
"$BIN" merge --save-state "$T/r.12" --no-output "$T/r.1" "$T/r.2" 2>/dev/null
"$BIN" merge "$T/r.12" "$T/r.3" >"$T/mm" 2>/dev/null
"$BIN" merge "$T/r.1" "$T/r.2" "$T/r.3" >"$T/m3" 2>/dev/null
[ -s "$T/mm" ] && same "$T/m3" "$T/mm"
ok $? "a merge of merges = one merge"
# shellcheck disable=SC2086
"$BIN" report --json $shards >"$T/one" 2>/dev/null
same "$T/one" "$T/mm"
ok $? "a merge of merges = one run"
"$BIN" merge --json "$T/r.1" >/dev/null 2>"$T/err"
[ $? -eq 2 ] && grep -q "name it with its command" "$T/err"
ok $? "an output option without a command refused"
"$BIN" merge network "$T/r.1" >/dev/null 2>"$T/err"
[ $? -eq 2 ] && grep -q "holds tag counts" "$T/err"
ok $? "tag counts refused by merge network"

# mismatches: each refused, naming the file and the setting
mism() { # $1 what the message names, then the options of the second state
	what=$1
	shift
	"$BIN" report "$@" --save-state "$T/x" --no-output "$T/twitter1.l.02" 2>/dev/null
	"$BIN" merge "$T/r.1" "$T/x" >/dev/null 2>"$T/err"
	[ $? -eq 2 ] && grep -q "'$T/x' cannot be merged with '$T/r.1', they differ in $what" "$T/err"
	ok $? "refused: $what"
}
mism "--bucket: 1h against 5m" --bucket 5m
mism "--hll-precision" --hll-precision 12
mism "--max-tags" --max-tags 5000
mism "--max-memory" --max-memory 64M
"$BIN" network --save-state "$T/nw" --no-output "$T/twitter1.l.02" 2>/dev/null
"$BIN" merge "$T/r.1" "$T/nw" >/dev/null 2>"$T/err"
[ $? -eq 2 ] && grep -q "differ in what they hold" "$T/err"
ok $? "refused: a network with tag counts"
"$BIN" merge --bucket 5m report "$T/r.1" >/dev/null 2>&1
[ $? -eq 2 ]
ok $? "refused: merge given another --bucket"

# damaged states: cut anywhere, a byte flipped
size=$(wc -c <"$T/r.1")
for at in 3 20 100 $((size / 2)) $((size - 1)); do
	head -c $at "$T/r.1" >"$T/cut"
	"$BIN" merge "$T/cut" "$T/r.2" >/dev/null 2>"$T/err"
	r=$?
	[ $at -lt 4 ] && grep -q "no state file" "$T/err" && r=2
	[ $r -eq 2 ] && grep -q "'$T/cut'\|no state file" "$T/err"
	ok $? "a state cut at byte $at refused"
done
python3 -c 'import sys; b=bytearray(open(sys.argv[1],"rb").read()); b[len(b)//3]^=1; open(sys.argv[2],"wb").write(b)' "$T/r.1" "$T/flip"
"$BIN" merge "$T/r.2" "$T/flip" >/dev/null 2>"$T/err"
[ $? -eq 2 ] && grep -q "'$T/flip' is damaged: checksum mismatch" "$T/err"
ok $? "a flipped byte refused: checksum mismatch, naming the file"
cat "$T/r.1" "$T/r.1" >"$T/twice"
"$BIN" merge "$T/twice" >/dev/null 2>"$T/err"
[ $? -eq 2 ] && grep -q "trailing bytes" "$T/err"
ok $? "bytes after the last section refused"
"$BIN" report --no-output "$T/twitter1.l.02" >/dev/null 2>"$T/err"
[ $? -eq 2 ] && grep -q "needs\|without --save-state" "$T/err"
ok $? "--no-output without --save-state refused"
"$BIN" trends --live --save-state "$T/y" "$T/twitter1.l.02" >/dev/null 2>&1
[ $? -eq 2 ] && [ ! -e "$T/y" ]
ok $? "trends --live with --save-state refused"
"$BIN" trends --by-language --save-state "$T/y" "$T/twitter1.l.02" >/dev/null 2>"$T/err"
[ $? -eq 2 ] && [ ! -e "$T/y" ] && grep -q "the languages' own counts" "$T/err"
ok $? "trends --by-language with --save-state refused: a state holds no language's counts"
"$BIN" trends --language en --save-state "$T/y" "$T/twitter1.l.02" >/dev/null 2>"$T/err"
[ $? -eq 2 ] && [ ! -e "$T/y" ] && grep -q "^groundswell: --language cannot go with --save-state" "$T/err"
ok $? "trends --language with --save-state refused"
"$BIN" merge "$T/twitter1.jsonl" >/dev/null 2>"$T/err"
[ $? -eq 2 ] && grep -q "'$T/twitter1.jsonl' is not a state file" "$T/err"
ok $? "an input file given to merge refused: not a state file"
"$BIN" merge "$T/r.1" "$T/twitter1.jsonl" >/dev/null 2>"$T/err"
[ $? -eq 2 ] && grep -q "'$T/twitter1.jsonl' is not a state file of this version, or it is damaged" "$T/err"
ok $? "an input file among states refused, naming it"
echo "1..$n"
