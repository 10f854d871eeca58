#!/bin/sh
# bench/movements.sh - the cost of `groundswell movements` side by side with
# `groundswell report` on the same ~1 GB file: CPU time (user + sys, the
# figure that survives a busy machine), wall time and peak memory, with
# --threads 1 and 2, and the ratios; prints a markdown table and writes it
# to bench/movements.md.
#
#   sh bench/movements.sh [FILE]
#
# Input: FILE; else /work/bench-data/twitter1-1100M.jsonl or
# bench/data/twitter1-1100M.jsonl when present (only read); else it is
# generated once (--seed 1 -f twitter1 --bytes-target 1100M) into
# $MV_DATA (default ${TMPDIR:-/tmp}/groundswell-bench). Each command runs
# RUNS times (default 3), alternating; the run of least CPU time is kept.
# With CALLGRIND=1 (and valgrind installed), the instructions of both on
# the file's first 30 MB (--threads 1) are counted too: the same for the
# same binary and input, whatever else the machine runs.
set -eu

cd "$(dirname "$0")/.."
RUNS=${RUNS:-3}
MV_DATA=${MV_DATA:-${TMPDIR:-/tmp}/groundswell-bench}
GS=build/groundswell
MD=bench/movements.md

[ -x /usr/bin/time ] || { echo "bench: needs /usr/bin/time (apt-get install -y time)" >&2; exit 2; }
make -s -j2 "$GS" >&2 || [ -x "$GS" ] || exit 2
mkdir -p "$MV_DATA"
cp "$GS" "$MV_DATA/groundswell-mv"
GS=$MV_DATA/groundswell-mv

IN=${1:-}
if [ -z "$IN" ]; then
	for f in /work/bench-data/twitter1-1100M.jsonl bench/data/twitter1-1100M.jsonl; do
		if [ -s "$f" ]; then IN=$f; break; fi
	done
fi
if [ -z "$IN" ]; then
	IN=$MV_DATA/twitter1-1100M.jsonl
	if [ ! -s "$IN" ]; then
		echo "bench: generating $IN (about 1.1 GB)" >&2
		"$GS" generate --seed 1 -f twitter1 --bytes-target 1100M -o "$IN.tmp"
		mv "$IN.tmp" "$IN"
	fi
fi
mb=$(awk -v b="$(wc -c <"$IN")" 'BEGIN { printf "%.0f", b / 1e6 }')
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

# one run: appends "cpu wall kib" to $T/NAME
once() {
	name=$1
	shift
	/usr/bin/time -f "%U %S %e %M" -o "$T/time" "$GS" "$@" "$IN" >"$T/out" 2>"$T/err" || {
		rc=$?
		# movements exits 1 when it finds nothing: still a measure
		[ "$rc" -eq 1 ] || { cat "$T/err" >&2; exit 2; }
	}
	awk '{ printf "%.2f %.2f %d\n", $1 + $2, $3, $4 }' "$T/time" >>"$T/$name"
}

for th in 1 2; do
	: >"$T/report$th"
	: >"$T/movements$th"
	i=0
	while [ $i -lt "$RUNS" ]; do
		once "report$th" report --threads "$th" --no-progress
		once "movements$th" movements --threads "$th" --no-progress
		i=$((i + 1))
	done
done

best() { sort -n "$T/$1" | head -1; }
{
	echo "Input: $IN ($mb MB); best of $RUNS runs by CPU time (user + sys), \`/usr/bin/time\`."
	echo
	echo "| threads | command | CPU s | wall s | peak RSS MB | CPU vs report | RSS vs report |"
	echo "|---|---|---|---|---|---|---|"
	for th in 1 2; do
		set -- $(best "report$th")
		rc=$1 rw=$2 rm=$3
		set -- $(best "movements$th")
		awk -v th="$th" -v rc="$rc" -v rw="$rw" -v rm="$rm" -v mc="$1" -v mw="$2" -v mm="$3" 'BEGIN {
			printf "| %s | report | %.2f | %.2f | %.0f | 1.00 | 1.00 |\n", th, rc, rw, rm / 1024
			printf "| %s | movements | %.2f | %.2f | %.0f | %.2f | %.2f |\n", th, mc, mw, mm / 1024, mc / rc, mm / rm
		}'
	done
	if [ "${CALLGRIND:-0}" = 1 ] && command -v valgrind >/dev/null 2>&1; then
		head -c 30000000 "$IN" >"$T/slice.jsonl"
		for c in report movements; do
			valgrind --tool=callgrind --callgrind-out-file="$T/cg" "$GS" $c \
				--threads 1 --no-progress "$T/slice.jsonl" >/dev/null 2>"$T/cg.err" || true
			sed -n 's/.*Collected : //p' "$T/cg.err" >"$T/ir.$c"
		done
		awk -v r="$(cat "$T/ir.report")" -v m="$(cat "$T/ir.movements")" 'BEGIN {
			printf "\nInstructions on the first 30 MB (callgrind, --threads 1): report %.1f M, movements %.1f M: %.2f x.\n", r / 1e6, m / 1e6, m / r
		}'
	fi
} | tee "$MD.tmp"
mv "$MD.tmp" "$MD"
