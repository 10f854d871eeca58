#!/bin/sh
# Several files in one run (issue 17): compressed and small files are read
# --threads at once, each into an engine of its own merged in the order
# given, and a compressed file of several members or frames (bgzip, pzstd,
# cat of .gz files) is decoded on several threads. Every output, every
# message on stderr and the exit status must be those of --threads 1 (one
# file after the other): for each format, a stream cut into five files
# (plain, .gz, .zst, BGZF, pzstd mixed) with malformed lines, Bluesky
# reposts whose original is in an earlier file, a file without a post in
# the middle (diagnosed, the others read), a missing file (an error, as
# before), --strict, and a damaged file. The same stream in one BGZF or
# pzstd file gives what the plain file gives.
BIN=${GS_BIN:-build/groundswell}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
n=0
ok() {
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fi
}

# BGZF as bgzip writes it: members of at most 65280 input bytes with a 'BC'
# extra field holding the member's size, then an empty member
bgzf() {
	python3 - "$1" "$2" <<'EOF'
import struct, sys, zlib
data = open(sys.argv[1], "rb").read()
out = open(sys.argv[2], "wb")
def member(d):
    c = zlib.compressobj(6, zlib.DEFLATED, -15)
    body = c.compress(d) + c.flush()
    out.write(b"\x1f\x8b\x08\x04\0\0\0\0\0\xff\x06\0BC\x02\0" +
              struct.pack("<H", 18 + len(body) + 8 - 1) + body +
              struct.pack("<II", zlib.crc32(d), len(d)))
for o in range(0, len(data), 65280):
    member(data[o:o + 65280])
member(b"")
EOF
}

# JSON output without the Space-Saving lists that are full: those are
# exact, and then equal, only while they hold fewer entries than they keep
# (see threads.sh); past that they depend on how the input was split
exact_json() {
	python3 - "$1" <<'EOF'
import json, sys
caps = {"co_tags": 16, "languages": 16, "mentions": 10, "urls": 10,
        "domains": 10}
def strip(x):
    if isinstance(x, dict):
        return {k: strip(v) for k, v in x.items()
                if not (k in caps and isinstance(v, list) and len(v) >= caps[k])}
    if isinstance(x, list):
        return [strip(v) for v in x]
    return x
f = sys.argv[1]
json.dump(strip(json.load(open(f))), open(f + ".exact", "w"), sort_keys=True)
EOF
}

# runs "$@" on --threads 1, 2 and 3: stdout (JSON: its exact part), stderr
# and the status must agree
same3() {
	what=$1
	shift
	for t in 1 2 3; do
		"$BIN" "$@" --threads $t >"$T/out$t" 2>"$T/err$t"
		echo "status $?" >>"$T/err$t"
		case "$*" in
		*--json*) exact_json "$T/out$t" && mv "$T/out$t.exact" "$T/out$t" ;;
		esac
	done
	cmp -s "$T/out1" "$T/out2" && cmp -s "$T/out1" "$T/out3" &&
		cmp -s "$T/err1" "$T/err2" && cmp -s "$T/err1" "$T/err3"
	r=$?
	ok $r "$what: --threads 2 and 3 give what --threads 1 gives"
	[ $r -eq 0 ] || diff "$T/err1" "$T/err2" | head -5 | sed 's/^/# /'
}

for fmt in twitter1 twitter2 jetstream mastodon; do
	d=$T/$fmt
	mkdir -p "$d"
	"$BIN" generate -f $fmt --seed 3 --hours 2 --rate 1 --malformed 0.002 \
		-o "$d/all.jsonl" || exit 2
	# five consecutive files, cut at lines
	lines=$(wc -l <"$d/all.jsonl")
	split -d -l $((lines / 5 + 1)) "$d/all.jsonl" "$d/p"
	gzip -1 -c "$d/p00" >"$d/p00.gz"
	zstd -q -3 -c "$d/p01" >"$d/p01.zst"
	bgzf "$d/p02" "$d/p02.gz"
	pzstd -q -3 -p 2 -c "$d/p03" >"$d/p03.zst" 2>/dev/null ||
		zstd -q -c "$d/p03" >"$d/p03.zst"
	set -- "$d/p00.gz" "$d/p01.zst" "$d/p02.gz" "$d/p03.zst" "$d/p04"
	same3 "$fmt: report over five files" report --top 0 "$@"
	same3 "$fmt: report --json" report --json --top 20 "$@"
	same3 "$fmt: trends --json" trends --json "$@"
	same3 "$fmt: network" network --format json "$@"
	tag=$("$BIN" report --json --top 1 "$d/all.jsonl" 2>/dev/null |
		python3 -c 'import json,sys; print(json.load(sys.stdin)["tags"][0]["tag"])')
	same3 "$fmt: tag $tag" tag --json --top 100 "$tag" "$@"
	"$BIN" report --top 0 --threads 1 "$d/all.jsonl" >"$T/whole" 2>/dev/null
	"$BIN" report --top 0 --threads 2 "$@" >"$T/parts" 2>/dev/null
	cmp -s "$T/whole" "$T/parts"
	ok $? "$fmt: five files report what the one file they were cut from reports"
done

d=$T/jetstream
# Bluesky reposts of posts in an earlier file are resolved as when read in
# one file
python3 - "$d/all.jsonl" <<'EOF'
import json, sys
reposts = 0
for line in open(sys.argv[1], "rb"):
    try:
        c = json.loads(line)["commit"]
        reposts += c["collection"] == "app.bsky.feed.repost"
    except (ValueError, KeyError, TypeError):
        continue
sys.exit(0 if reposts > 100 else 1)
EOF
ok $? "jetstream: the stream has reposts to resolve across files"

# no post in a file in the middle: diagnosed, the others read, status 3 or
# whatever --threads 1 gives
printf 'id,text\n1,#csv\n' >"$T/export.csv"
set -- "$d/p00.gz" "$d/p01.zst" "$T/export.csv" "$d/p02.gz" "$d/p04"
same3 "a file without a post among them" report --top 0 "$@"
grep -q "export.csv" "$T/err1"
ok $? "the file without a post is diagnosed"

# a missing file: an error as before, the files after it not read
set -- "$d/p00.gz" "$d/p01.zst" "$T/missing.gz" "$d/p02.gz" "$d/p03.zst"
same3 "a missing file among them" report --top 0 "$@"
grep -q "missing.gz" "$T/err1" && ! grep -q "status 0" "$T/err1"
ok $? "the missing file is an error"

# --strict stops at the first bad line, in the first file that has one
set -- "$d/p01.zst" "$d/p02.gz" "$d/p03.zst" "$d/p00.gz"
same3 "--strict over several files" report --strict --top 0 "$@"

# a damaged file among others: read up to the damage, warned about
head -c 20000 "$d/p02.gz" >"$T/cut.gz"
set -- "$d/p00.gz" "$T/cut.gz" "$d/p03.zst" "$d/p04"
same3 "a damaged file among them" report --top 0 "$@"
grep -q "truncated" "$T/err1"
ok $? "the damaged file is warned about"

# one file of many members or frames, decoded on threads, reports what the
# plain file reports (--threads 8: decoded on 3 threads, parsed on 8;
# fewer threads decode it on the parsing ones, ingest_pipe.c)
d=$T/twitter1
bgzf "$d/all.jsonl" "$T/all.gz"
pzstd -q -3 -p 2 -c "$d/all.jsonl" >"$T/all.zst" 2>/dev/null ||
	zstd -q -c "$d/all.jsonl" >"$T/all.zst"
cat "$d/p00.gz" "$d/p00.gz" "$d/p02.gz" >"$T/cat.gz"
cat "$d/p00" "$d/p00" "$d/p02" >"$T/cat.jsonl"
"$BIN" report --top 0 --threads 1 "$d/all.jsonl" >"$T/plain" 2>"$T/plain.err"
for f in all.gz all.zst; do
	for t in 1 2 3 8; do
		"$BIN" report --top 0 --threads $t "$T/$f" >"$T/got" 2>"$T/got.err"
		cmp -s "$T/plain" "$T/got" &&
			[ "$(sed "s|$T/$f|F|" "$T/got.err")" = "$(sed "s|$d/all.jsonl|F|" "$T/plain.err")" ]
		ok $? "$f, --threads $t: the report and messages of the plain file"
	done
done
"$BIN" report --top 0 --threads 1 "$T/cat.jsonl" >"$T/plain" 2>/dev/null
for t in 2 8; do
	"$BIN" report --top 0 --threads $t "$T/cat.gz" >"$T/got" 2>/dev/null
	cmp -s "$T/plain" "$T/got"
	ok $? "cat of .gz files, --threads $t: the report of the plain file"
done
echo "1..$n"
