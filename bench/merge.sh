#!/bin/sh
# bench/merge.sh - `groundswell merge` of N state files (issue 14 part 4)
# beside one run over the whole: the file is cut into N shards by lines,
# each shard's state written with `report --json --save-state S
# --no-output` (one thread each, as the jobs of a cluster), then merged;
# prints a markdown table (wall, CPU user+sys, peak RSS) and writes it to
# bench/merge.md. Also checks that the merged JSON equals the one run's,
# Space-Saving lists past their cap aside (tests/cli/merge_cmp.py).
#
#   sh bench/merge.sh [FILE...]
#
# FILE: default /work/bench-data/twitter1-1100M.jsonl and
# jetstream-500M.jsonl when present, else bench/data/twitter1-1100M.jsonl,
# else one generated as bench/run.sh does (--seed 1 -f twitter1
# --bytes-target 1100M); N=$MERGE_N shards (default 100). Shards and
# states go to $MERGE_DATA (default ${TMPDIR:-/tmp}/groundswell-merge),
# removed at the end. Timings on a busy machine are noisy: CPU time is the
# figure to compare.
set -eu

cd "$(dirname "$0")/.."
N=${MERGE_N:-100}
MERGE_DATA=${MERGE_DATA:-${TMPDIR:-/tmp}/groundswell-merge}
GS=build/groundswell
MD=bench/merge.md

[ -x /usr/bin/time ] || { echo "bench: needs /usr/bin/time (apt-get install -y time)" >&2; exit 2; }
make -s -j2 "$GS" >&2 || [ -x "$GS" ] || exit 2
mkdir -p "$MERGE_DATA"
trap 'rm -rf "$MERGE_DATA/shards" "$MERGE_DATA/states"' EXIT
cp "$GS" "$MERGE_DATA/groundswell"
GS=$MERGE_DATA/groundswell

FILES="$*"
if [ -z "$FILES" ]; then
	for f in /work/bench-data/twitter1-1100M.jsonl /work/bench-data/jetstream-500M.jsonl; do
		[ -s "$f" ] && FILES="$FILES $f"
	done
fi
if [ -z "$FILES" ] && [ -s bench/data/twitter1-1100M.jsonl ]; then
	FILES=bench/data/twitter1-1100M.jsonl
fi
if [ -z "$FILES" ]; then
	FILES=$MERGE_DATA/twitter1-1100M.jsonl
	[ -s "$FILES" ] || "$GS" generate --seed 1 -f twitter1 --bytes-target 1100M -o "$FILES"
fi

# "wall cpu rss_mb" of a command (stdout to $OUT)
measure() {
	/usr/bin/time -f "%e %U %S %M" -o "$MERGE_DATA/t" "$@" >"$OUT" 2>/dev/null
	awk '{printf "%.2f %.2f %.0f", $1, $2 + $3, $4 / 1024}' "$MERGE_DATA/t"
}

# one file: cut, shard runs, merge, one run; a markdown section
bench_one() {
	IN=$1
	rm -rf "$MERGE_DATA/shards" "$MERGE_DATA/states"
	mkdir -p "$MERGE_DATA/shards" "$MERGE_DATA/states"
	split -n "l/$N" -a 3 -d "$IN" "$MERGE_DATA/shards/s."
	OUT=$MERGE_DATA/one.json
	one=$(measure "$GS" report --json --threads 1 "$IN")
	OUT=/dev/null
	one2=$(measure "$GS" report --json "$IN")
	# the shard runs one after the other (a cluster runs them at once),
	# timed as one: the children's CPU time adds up in sh's, where a
	# hundredth of a second per run would be lost to rounding
	shards=$(measure sh -c 'for s in "$2"/shards/s.*; do
		"$1" report --json --threads 1 --save-state \
			"$2/states/${s##*/}.state" --no-output "$s" || exit 1
	done' sh "$GS" "$MERGE_DATA")
	states=$(du -cm "$MERGE_DATA"/states/*.state | tail -1 | cut -f1)
	OUT=$MERGE_DATA/merged.json
	m=$(measure "$GS" merge "$MERGE_DATA"/states/*.state)
	same=no
	python3 tests/cli/merge_cmp.py "$MERGE_DATA/one.json" "$MERGE_DATA/merged.json" && same=yes
	set -- $shards $m
	total_w=$(echo "$1 + $4" | bc)
	total_c=$(echo "$2 + $5" | bc)
	echo "## $(basename "$IN") ($(du -m "$IN" | cut -f1) MB) in $N shards by lines"
	echo
	echo "| what | wall s | CPU s (user+sys) | peak RSS MB |"
	echo "|---|---:|---:|---:|"
	set -- $one
	echo "| one run, report --json --threads 1 | $1 | $2 | $3 |"
	set -- $one2
	echo "| one run, report --json (all cores) | $1 | $2 | $3 |"
	set -- $shards
	echo "| $N shard runs, --save-state --no-output, one after the other (peak: one run's) | $1 | $2 | $3 |"
	set -- $m
	echo "| merge of the $N states ($states MB) | $1 | $2 | $3 |"
	echo "| shard runs + merge | $total_w | $total_c | |"
	echo
	echo "Merged JSON equal to the one run's (Space-Saving lists past their cap aside): $same."
	echo
}

{
	echo "# merge of $N states ($(date -u +%Y-%m-%d), $(nproc) cores shared, \`sh bench/merge.sh\`)"
	echo
	for f in $FILES; do bench_one "$f"; done
} | tee "$MD"
