#!/bin/sh
# A compressed file read with --threads > 1 is decoded on one thread and
# parsed in blocks on the others (src/count/ingest_pipe.c, issue 17): every
# output, every bad line's FILE:LINE, every warning and the exit status
# must be those of the plain file read by one thread. GS_PIPE_BLOCK (a
# test-only knob: the block size in bytes, default 4 MB) makes small files
# span hundreds of blocks, so that lines, Bluesky reposts of posts in
# earlier blocks, bad lines and merges cross block boundaries everywhere.
BIN=${GS_BIN:-build/groundswell}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
n=0
ok() {
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fi
}

# runs report --json, tag --json (tag $tag), trends --json, network gexf and
# report's stderr (the file's name made FILE) and exit status on file $1
# with --threads $2, into directory $3; more options after
run() {
	file=$1 th=$2 d=$3
	shift 3
	mkdir -p "$d"
	"$BIN" report --json --top 0 --threads "$th" "$@" "$file" >"$d/report.json" 2>"$d/report.err"
	echo "exit $?" >>"$d/report.err"
	sed -i "s|$file|FILE|g" "$d/report.err"
	[ -n "$tag" ] && "$BIN" tag --json --threads "$th" "$@" "$tag" "$file" >"$d/tag.json" 2>/dev/null
	"$BIN" trends --json --threads "$th" "$@" "$file" >"$d/trends.json" 2>/dev/null
	"$BIN" network --format gexf --threads "$th" "$@" "$file" >"$d/network.gexf" 2>/dev/null
}

# directories $1 and $2 hold the same outputs; a tag's Space-Saving lists
# (co-tags, languages, mentions, links, domains) only while they are exact
# (fewer entries than their capacity): past that they are lower bounds that
# depend on how the merges were grouped (as in threads.sh)
same() {
	diff -r -x tag.json "$1" "$2" >"$T/diff" 2>&1 || return 1
	[ -e "$1/tag.json" ] || return 0
	python3 - "$1/tag.json" "$2/tag.json" <<'EOF'
import json, sys
runs = [json.load(open(f)) for f in sys.argv[1:]]
lists = (("co_tags", 16), ("languages", 16), ("mentions", 10), ("urls", 10),
         ("domains", 10))
for k, m in lists:
    if len(runs[0][k]) >= m:
        for r in runs:
            del r[k]
sys.exit(runs[0] != runs[1])
EOF
}

# 1. four formats, with bad lines, as .gz and .zst, --threads 1 2 3 8
for fmt in twitter1 twitter2 mastodon jetstream; do
	"$BIN" generate -f $fmt --posts 1500 --malformed 0.02 -o "$T/$fmt.jsonl" 2>/dev/null
	gzip -1 -k "$T/$fmt.jsonl"
	zstd -q -3 "$T/$fmt.jsonl"
	tag=$("$BIN" report --csv --top 1 "$T/$fmt.jsonl" 2>/dev/null | sed 1d | cut -d, -f2)
	run "$T/$fmt.jsonl" 1 "$T/$fmt.ref"
	for z in gz zst; do
		for th in 1 2 3 8; do
			GS_PIPE_BLOCK=4096 run "$T/$fmt.jsonl.$z" $th "$T/$fmt.$z.$th"
			same "$T/$fmt.ref" "$T/$fmt.$z.$th"
			ok $? "$fmt .$z --threads $th: report, tag $tag, trends, network, bad lines as the plain file's"
		done
	done
done
# the Bluesky reposts of posts in earlier blocks were resolved
python3 - "$T/jetstream.gz.2/report.json" <<'EOF'
import json, sys
s = json.load(open(sys.argv[1]))["summary"]
sys.exit(not (s["reposts"] - s["reposts_unresolved"] > 100 and s["malformed"] > 10))
EOF
ok $? "jetstream: reposts resolved across 4 KB blocks, bad lines met"

# 2. lines: too long (over --max-line, across blocks), CRLF, blank,
# garbage, a last line without newline, and lines longer than a block
tag=
python3 - "$T/twitter1.jsonl" "$T/lines.jsonl" <<'EOF'
import sys
posts = [l for l in open(sys.argv[1], "rb").read().split(b"\n") if l.startswith(b"{")]
out = open(sys.argv[2], "wb")
for i, p in enumerate(posts[:400]):
    if i % 37 == 5:
        out.write(b"{\"x\": \"" + b"y" * 12000 + b"\"}\n")  # over --max-line 10000
    if i % 29 == 3:
        out.write(b"\n\n")
    if i % 31 == 7:
        out.write(b"not json at all\n")
    out.write(p + (b"\r\n" if i % 5 == 0 else b"\n"))
out.write(posts[400])  # no newline at the end
EOF
gzip -1 -k "$T/lines.jsonl"
zstd -q -3 "$T/lines.jsonl"
run "$T/lines.jsonl" 1 "$T/lines.ref" --max-line 10000
for z in gz zst; do
	for bs in 1000 4096 65536; do
		for th in 2 3; do
			GS_PIPE_BLOCK=$bs run "$T/lines.jsonl.$z" $th "$T/lines.$z.$bs.$th" --max-line 10000
			same "$T/lines.ref" "$T/lines.$z.$bs.$th"
			ok $? "lines .$z, blocks of $bs bytes, --threads $th: too long, CRLF, blank, bad, unterminated lines as the plain file's"
		done
	done
done
grep -q "FILE:8: line longer than 10000 bytes" "$T/lines.ref/report.err" &&
	grep -q "FILE:50: line longer than 10000 bytes" "$T/lines.ref/report.err"
ok $? "the too long lines are reported at their lines (8 and 50)"

# 3. damaged: cut short, trailing garbage; --strict
for z in gz zst; do
	size=$(wc -c <"$T/twitter1.jsonl.$z")
	head -c $((size * 3 / 5)) "$T/twitter1.jsonl.$z" >"$T/cut.jsonl.$z"
	cp "$T/twitter1.jsonl.$z" "$T/junk.jsonl.$z"
	printf 'garbage after the end\n' >>"$T/junk.jsonl.$z"
	for f in cut junk; do
		for strict in "" --strict; do
			tag=
			run "$T/$f.jsonl.$z" 1 "$T/$f.$z.1$strict" $strict
			GS_PIPE_BLOCK=4096 run "$T/$f.jsonl.$z" 3 "$T/$f.$z.3$strict" $strict
			same "$T/$f.$z.1$strict" "$T/$f.$z.3$strict"
			ok $? "$f .$z $strict: --threads 3 counts, warns and exits as --threads 1"
		done
	done
	grep -q "exit 0" "$T/cut.$z.3/report.err" &&
		grep -q "exit 3" "$T/cut.$z.3--strict/report.err" &&
		grep -q "truncated" "$T/cut.$z.3/report.err"
	ok $? "cut .$z: read to the damage, warned, exit 0 (3 under --strict)"
done

# 4. --strict stops at the first bad line in file order
for z in gz zst; do
	"$BIN" report --strict --threads 1 "$T/twitter1.jsonl" >/dev/null 2>"$T/strict1.err"
	echo "exit $?" >>"$T/strict1.err"
	GS_PIPE_BLOCK=4096 "$BIN" report --strict --threads 3 "$T/twitter1.jsonl.$z" >/dev/null 2>"$T/strict3.err"
	echo "exit $?" >>"$T/strict3.err"
	sed -i "s|$T/twitter1.jsonl.$z|$T/twitter1.jsonl|g" "$T/strict3.err"
	cmp -s "$T/strict1.err" "$T/strict3.err" && grep -q "exit 3" "$T/strict3.err"
	ok $? "--strict .$z --threads 3: the first bad line, exit 3"
done

# 5. a JSON array over many lines stays one document
python3 - "$T/twitter1.jsonl" "$T/doc.json" <<'EOF'
import sys
posts = [l for l in open(sys.argv[1], "rb").read().split(b"\n") if l.startswith(b"{\"")][:50]
open(sys.argv[2], "wb").write(b"[\n" + b",\n".join(posts) + b"\n]\n")
EOF
gzip -1 "$T/doc.json"
"$BIN" report --json --top 0 --threads 1 "$T/doc.json.gz" >"$T/doc1.json" 2>/dev/null
GS_PIPE_BLOCK=4096 "$BIN" report --json --top 0 --threads 3 "$T/doc.json.gz" >"$T/doc3.json" 2>/dev/null
cmp -s "$T/doc1.json" "$T/doc3.json" && grep -q '"posts":50' "$T/doc3.json"
ok $? "a JSON array over many lines (.gz) is read as one document with --threads 3"

# 6. progress is reported while the blocks are read
GS_PIPE_BLOCK=4096 "$BIN" report --json --top 0 --threads 2 --progress "$T/twitter1.jsonl.zst" >"$T/prog.json" 2>/dev/null
cmp -s "$T/prog.json" "$T/twitter1.ref/report.json"
ok $? "--progress: the same report"

# 7. with one parser beside the decoder and the decoder not parsing
# (GS_PIPE_HELP=0, a test-only knob), every block is parsed in file order
# straight into the file's engine, as one thread reads it: even the
# outputs that depend on how merges are grouped (tags evicted under
# --max-tags, posts_error, Space-Saving lists) are --threads 1's, byte for
# byte. Blocks with engines of their own, merged, gave other ones.
tag=
for fmt in twitter1 jetstream; do
	run "$T/$fmt.jsonl" 1 "$T/$fmt.mt.ref" --max-tags 50
	grep -q '"tags_evicted":[1-9]' "$T/$fmt.mt.ref/report.json"
	ok $? "$fmt --max-tags 50: tags are evicted"
	for z in gz zst; do
		GS_PIPE_HELP=0 GS_PIPE_BLOCK=4096 run "$T/$fmt.jsonl.$z" 2 "$T/$fmt.mt.$z" --max-tags 50
		diff -r "$T/$fmt.mt.ref" "$T/$fmt.mt.$z" >"$T/diff" 2>&1
		ok $? "$fmt .$z --threads 2 --max-tags 50, blocks parsed in order: outputs, evictions included, as --threads 1's"
	done
done
# 8. which blocks get an engine of their own is fixed by their index, not
# by timing: with the parsers stalled (the decoder parses every block it
# may) or the decoder stalled (it parses none), the same command gives the
# same outputs byte for byte, those that depend on how merges are grouped
# (evictions under --max-tags, posts_error, full Space-Saving lists)
# included. Until session 26 the decoder parsed whichever block was
# newest when the ring was full, and #metoo's links changed between runs.
for fmt in twitter1 jetstream; do
	for z in gz zst; do
		for th in 2 3; do
			GS_PIPE_BLOCK=4096 run "$T/$fmt.jsonl.$z" $th "$T/$fmt.st.$z.$th" --max-tags 50
			for st in parsers decoder; do
				GS_PIPE_STALL=$st GS_PIPE_BLOCK=4096 run "$T/$fmt.jsonl.$z" $th "$T/$fmt.st.$z.$th.$st" --max-tags 50
				diff -r "$T/$fmt.st.$z.$th" "$T/$fmt.st.$z.$th.$st" >"$T/diff" 2>&1
				ok $? "$fmt .$z --threads $th --max-tags 50, $st stalled: the same outputs"
			done
		done
	done
done
echo "1..$n"
