#!/bin/sh
# bench/profile.sh - where `groundswell report --threads 1` spends its time:
# callgrind on a 50 MB slice of the big benchmark file (run bench/run.sh
# first), top functions by instructions, self and inclusive.
#   sh bench/profile.sh [BYTES]     (default 50000000; GS=binary to profile)
set -eu
cd "$(dirname "$0")/.."
BYTES=${1:-50000000}
GS=${GS:-build/groundswell}
BIGF=$(ls bench/data/twitter1-*.jsonl | sort -V | tail -n 1)
command -v valgrind >/dev/null 2>&1 || { echo "run: apt-get install -y valgrind" >&2; exit 2; }
OUT=bench/data/profile
mkdir -p "$OUT"
head -c "$BYTES" "$BIGF" | sed '$d' >"$OUT/slice.jsonl"
valgrind --tool=callgrind --callgrind-out-file="$OUT/callgrind.out" \
	"$GS" report --json --top 0 --threads 1 "$OUT/slice.jsonl" \
	>/dev/null 2>"$OUT/valgrind.err"
grep 'refs' "$OUT/valgrind.err" | sed 's/^==[0-9]*== *//'
clean() { sed -e "s|$(pwd)/||" -e 's| \[[^]]*\]$||' -e 's|\./[^ ]*/||'; }
echo "Top 15 by self instructions:"
callgrind_annotate "$OUT/callgrind.out" 2>/dev/null |
	sed -n '/file:function/,$p' | sed -n 3,17p | clean
echo "Inclusive, selected:"
callgrind_annotate --inclusive=yes "$OUT/callgrind.out" 2>/dev/null |
	sed -n '/file:function/,/^$/p' |
	grep -E 'read_part|gs_parser_parse$|read_account_obj|read_entities|gs_utf8_check$|gs_engine_add|report_write|gs_trend_run_batch|gs_reader_next' |
	clean | awk '!seen[$0]++'
