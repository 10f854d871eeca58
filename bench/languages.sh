#!/bin/sh
# bench/languages.sh - `trends --by-language` beside `trends` (issue 13
# part 3): CPU time (user + system) and peak memory, on the bench files.
#
#   sh bench/languages.sh [BINARY]
#
# Runs each of `trends --json` and `trends --by-language --json` RUNS times
# in round robin on each FILE, and prints the best CPU time and the peak
# resident memory of each, with the ratios, as a markdown table. Then the
# instructions of both on a 30 MB slice of each file (callgrind, --threads
# 1), which a busy machine does not disturb. Environment: RUNS (3), FILES
# (default: the Jetstream 500 MB and Twitter v1.1 1.1 GB bench files).
set -eu
cd "$(dirname "$0")/.."
BIN=${1:-build/groundswell}
RUNS=${RUNS:-3}
FILES=${FILES:-"/work/bench-data/jetstream-500M.jsonl /work/bench-data/twitter1-1100M.jsonl"}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

# "CPU MAXRSS_KB" of one run of "$@"
run1() {
	/usr/bin/time -f '%U %S %M' -o "$T/t" "$@" >/dev/null 2>&1 || true
	awk '{ printf "%.2f %d", $1 + $2, $3 }' "$T/t"
}

echo "| file | command | CPU s (best of $RUNS) | peak MB | CPU / trends | memory / trends |"
echo "|---|---|---:|---:|---:|---:|"
for f in $FILES; do
	[ -s "$f" ] || { echo "no $f" >&2; continue; }
	b0=999999 b1=999999 m0=0 m1=0
	i=0
	while [ $i -lt "$RUNS" ]; do
		set -- $(run1 "$BIN" trends --json "$f")
		b0=$(echo "$b0 $1" | awk '{ print ($2 < $1) ? $2 : $1 }')
		m0=$(echo "$m0 $2" | awk '{ print ($2 > $1) ? $2 : $1 }')
		set -- $(run1 "$BIN" trends --by-language --json "$f")
		b1=$(echo "$b1 $1" | awk '{ print ($2 < $1) ? $2 : $1 }')
		m1=$(echo "$m1 $2" | awk '{ print ($2 > $1) ? $2 : $1 }')
		i=$((i + 1))
	done
	n=$(basename "$f")
	echo "| $n | trends | $b0 | $((m0 / 1024)) | | |"
	echo "| $n | trends --by-language | $b1 | $((m1 / 1024)) | $(echo "$b1 $b0" | awk '{ printf "%.2f", $1 / $2 }') | $(echo "$m1 $m0" | awk '{ printf "%.2f", $1 / $2 }') |"
done

if command -v valgrind >/dev/null; then
	echo
	echo "| slice | command | instructions | ratio |"
	echo "|---|---|---:|---:|"
	for f in $FILES; do
		[ -s "$f" ] || continue
		head -c 30000000 "$f" >"$T/slice.jsonl"
		i0=$(valgrind --tool=callgrind --callgrind-out-file=/dev/null "$BIN" trends --threads 1 --json "$T/slice.jsonl" 2>&1 >/dev/null | sed -n 's/.*Collected : //p')
		i1=$(valgrind --tool=callgrind --callgrind-out-file=/dev/null "$BIN" trends --threads 1 --by-language --json "$T/slice.jsonl" 2>&1 >/dev/null | sed -n 's/.*Collected : //p')
		n=$(basename "$f")
		echo "| $n, 30 MB | trends | $i0 | |"
		echo "| $n, 30 MB | trends --by-language | $i1 | $(echo "$i1 $i0" | awk '{ printf "%.3f", $1 / $2 }') |"
	done
fi
