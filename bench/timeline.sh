#!/bin/sh
# bench/timeline.sh - `report --timeline --csv --top 100` beside `report`,
# on the same file, in one pass each (issue 12, "Done when": within 1.3x).
#
#   sh bench/timeline.sh [BINARY [OLD_BINARY]]
#
# Runs, RUNS times in round robin, on FILE (default: the 1.1 GB Twitter
# v1.1 bench file): `report` (the table and the trends), `report --timeline
# --csv --top 100`, and with --threads 1 both again; with OLD_BINARY also
# its `report` (the build before the per-bucket reposts and replies were
# counted: what that costs every report). Prints the best wall time of
# each (wall and CPU: user + system), the ratio to `report` of the same
# binary and threads, and the timeline's size, as a markdown table.
# Environment: RUNS (5), FILE.
set -eu
cd "$(dirname "$0")/.."
NEW=${1:-build/groundswell}
OLD=${2:-}
RUNS=${RUNS:-5}
FILE=${FILE:-/work/main/bench/data/twitter1-1100M.jsonl}
[ -s "$FILE" ] || {
	echo "no $FILE: make it with 'groundswell generate --seed 1 -f twitter1 --bytes-target 1100M -o FILE'" >&2
	exit 2
}

# "WALL CPU" seconds of one run of "$@" (CPU: user + system, which a
# busy machine disturbs less than the wall time)
run1() {
	/usr/bin/time -f '%e %U %S' -o /tmp/gs-timeline-bench.t "$@" >/dev/null 2>&1 || true
	awk '{ printf "%.3f %.3f", $1, $2 + $3 }' /tmp/gs-timeline-bench.t
}
min() { awk -v a="$1" -v b="$2" 'BEGIN { print (a == "" || b < a) ? b : a }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b / a }'; }

echo "file: $FILE ($(wc -c <"$FILE") bytes); best of $RUNS, round robin; load before: $(cut -d' ' -f1-3 /proc/loadavg)"
"$NEW" report --timeline --csv --top 100 "$FILE" 2>/dev/null >/tmp/gs-timeline-bench.csv
echo "timeline: $(wc -l </tmp/gs-timeline-bench.csv) lines, $(wc -c </tmp/gs-timeline-bench.csv) bytes"
rm -f /tmp/gs-timeline-bench.csv
printf '| threads | command | wall s | CPU s | wall / report | CPU / report |\n|---|---|---:|---:|---:|---:|\n'
for threads in "" "--threads 1"; do
	rw=""; rc=""; tw=""; tc=""; ow=""; oc=""
	for _ in $(seq "$RUNS"); do
		set -- $(run1 "$NEW" report $threads "$FILE")
		rw=$(min "$rw" "$1"); rc=$(min "$rc" "$2")
		set -- $(run1 "$NEW" report --timeline --csv --top 100 $threads "$FILE")
		tw=$(min "$tw" "$1"); tc=$(min "$tc" "$2")
		if [ -n "$OLD" ]; then
			set -- $(run1 "$OLD" report $threads "$FILE")
			ow=$(min "$ow" "$1"); oc=$(min "$oc" "$2")
		fi
	done
	label=${threads:-all cores}
	printf '| %s | report | %.3f | %.3f | | |\n' "$label" "$rw" "$rc"
	printf '| %s | report --timeline --csv --top 100 | %.3f | %.3f | %s | %s |\n' "$label" \
		"$tw" "$tc" "$(ratio "$rw" "$tw")" "$(ratio "$rc" "$tc")"
	if [ -n "$OLD" ]; then
		printf '| %s | old report (new report / old) | %.3f | %.3f | %s | %s |\n' "$label" \
			"$ow" "$oc" "$(ratio "$ow" "$rw")" "$(ratio "$oc" "$rc")"
	fi
done
rm -f /tmp/gs-timeline-bench.t
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
