#!/bin/sh
# bench/run.sh - the whole performance comparison in one command.
#
#   sh bench/run.sh          (or: make bench)
#
# Generates the inputs with build/groundswell generate into bench/data/
# (reused when present with the same parameters and the same generator),
# runs groundswell (report on all cores and on one, trends), a Python
# standard-library counter, DuckDB (npm @duckdb/node-api), jq 1.6 and a
# simdjson parse-only loop on the same files, RUNS times each in round robin
# (best wall time kept), checks that the top-20 tags agree, and prints a
# markdown table that is also written to bench/results.md. See bench/README.md.
#
# Environment: RUNS (default 3), BIG (default 1100M), SMALL (default 110M),
# JET (default 500M), SEED (default 1), JQ_FILE=big to run jq on the big file
# too (slow: about 3 minutes a run), BIG10=11000M to add memory figures on a
# file ten times the big one (11 GB on disk, about a minute more).
set -eu

cd "$(dirname "$0")/.."
RUNS=${RUNS:-3}
BIG=${BIG:-1100M}
SMALL=${SMALL:-110M}
JET=${JET:-500M}
SEED=${SEED:-1}
JQ_FILE=${JQ_FILE:-small}
GS=build/groundswell
DATA=bench/data
OUT=$DATA/out
started=$(date +%s)

# ---- prerequisites ----------------------------------------------------------
missing=""
[ -x /usr/bin/time ] || missing="$missing time"
command -v jq >/dev/null 2>&1 || missing="$missing jq"
command -v node >/dev/null 2>&1 || missing="$missing nodejs"
command -v npm >/dev/null 2>&1 || missing="$missing npm"
command -v g++ >/dev/null 2>&1 || missing="$missing g++"
[ -f /usr/include/simdjson.h ] || missing="$missing libsimdjson-dev"
command -v python3 >/dev/null 2>&1 || missing="$missing python3"
if [ -n "$missing" ]; then
	echo "bench: missing prerequisites:$missing" >&2
	echo "run: apt-get install -y$missing" >&2
	exit 2
fi
if [ ! -d bench/node_modules/@duckdb/node-api ]; then
	echo "bench: installing DuckDB (npm ci in bench/)" >&2
	(cd bench && npm ci --no-audit --no-fund >&2)
fi

if ! make -s -j2 "$GS" >&2; then
	[ -x "$GS" ] || exit 2
	echo "bench: warning: the build failed; measuring the existing $GS" >&2
fi
mkdir -p "$OUT"
rm -f "$OUT"/*
# A private copy, so that a rebuild during the run cannot change what is
# measured.
cp "$GS" "$OUT/groundswell"
dirty=$(git status --porcelain -- src include Makefile 2>/dev/null | wc -l)
commit="$(git rev-parse --short HEAD 2>/dev/null || echo unknown)$([ "$dirty" -gt 0 ] && echo " + $dirty uncommitted file(s)" || true)"
GS=$OUT/groundswell

# ---- inputs -----------------------------------------------------------------
# gen NAME ARGS...: bench/data/NAME.jsonl from `groundswell generate ARGS`,
# regenerated only when ARGS or the generator's output changed (a fingerprint
# of a small sample of each format is kept beside the file).
fingerprint() {
	for f in twitter1 jetstream; do
		"$GS" generate --seed 7 --posts 300 -f "$f" | cksum
	done | cksum
}
FP=$(fingerprint)
gen() {
	name=$1
	shift
	file=$DATA/$name.jsonl
	params="$* | generator $FP"
	if [ -f "$file" ] && [ -f "$DATA/$name.params" ] &&
		[ "$(cat "$DATA/$name.params")" = "$params" ]; then
		echo "bench: reusing $file" >&2
		return
	fi
	echo "bench: generating $file ($*)" >&2
	rm -f "$DATA/$name.params"
	"$GS" generate "$@" -o "$file"
	echo "$params" >"$DATA/$name.params"
}
gen "twitter1-$BIG" --seed "$SEED" -f twitter1 --bytes-target "$BIG"
gen "twitter1-$SMALL" --seed "$SEED" -f twitter1 --bytes-target "$SMALL"
gen "jetstream-$JET" --seed "$SEED" -f jetstream --bytes-target "$JET"
BIGF=$DATA/twitter1-$BIG.jsonl
SMALLF=$DATA/twitter1-$SMALL.jsonl
JETF=$DATA/jetstream-$JET.jsonl
if [ "$JQ_FILE" = big ]; then JQF=$BIGF; else JQF=$SMALLF; fi
# The small stream ten times over: ten times the posts with the same tags,
# accounts and hours, to see what posts alone cost in memory.
REPF=$DATA/twitter1-$SMALL-x10.jsonl
if [ ! -s "$REPF" ] || [ "$SMALLF" -nt "$REPF" ]; then
	for i in 1 2 3 4 5 6 7 8 9 10; do cat "$SMALLF"; done >"$REPF"
fi

SJ=$OUT/simdjson_parse
g++ -O3 -march=native -std=c++17 -o "$SJ" bench/simdjson_parse.cpp -lsimdjson

# Everything read from the page cache: the files are read once here.
for f in "$BIGF" "$SMALLF" "$JETF" "$REPF"; do cat "$f" >/dev/null; done

# ---- measurements -----------------------------------------------------------
# run1 ID OUTPUT CMD...: one timed run; appends "ID wall_us peak_kb user_s sys_s" to
# times.txt. Wall time is taken with date +%s%N (finer than time's %e);
# peak RSS is /usr/bin/time's %M.
run1() {
	id=$1
	out=$2
	shift 2
	t0=$(date +%s%N)
	if ! /usr/bin/time -f "%e %M %U %S" -o "$OUT/$id.time" "$@" >"$out" 2>"$OUT/$id.err"; then
		echo "bench: FAILED: $*" >&2
		cat "$OUT/$id.time" "$OUT/$id.err" >&2
		exit 1
	fi
	t1=$(date +%s%N)
	set -- $(tail -n 1 "$OUT/$id.time")
	echo "$id $(((t1 - t0) / 1000)) $2 $3 $4" >>"$OUT/times.txt"
	printf '  %-14s %8.3f s wall %6.2f s cpu %8d KB\n' "$id" \
		"$(echo "$t1 $t0" | awk '{print ($1-$2)/1e9}')" \
		"$(echo "$3 $4" | awk '{print $1+$2}')" "$2" >&2
}

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
case $load_before in
0.[0-4]*) ;;
*) echo "bench: warning: load average $load_before before the run: other processes use the CPU, timings will be noisy (RUNS=5 helps)" >&2 ;;
esac
r=1
while [ "$r" -le "$RUNS" ]; do
	echo "bench: round $r of $RUNS" >&2
	run1 gs "$OUT/gs.json" "$GS" report --json --top 0 "$BIGF"
	run1 gs_t1 "$OUT/gs_t1.json" "$GS" report --json --top 0 --threads 1 "$BIGF"
	run1 trends "$OUT/trends.json" "$GS" trends --json "$BIGF"
	run1 python /dev/null python3 bench/count_python.py "$BIGF" "$OUT/python.json"
	run1 duckdb /dev/null node bench/count_duckdb.mjs "$BIGF" "$OUT/duckdb.json" 2
	run1 simdjson "$OUT/simdjson.txt" "$SJ" "$BIGF"
	run1 jq "$OUT/jq.json" jq -n -c -f bench/count.jq "$JQF"
	run1 gs_small "$OUT/gs_small.json" "$GS" report --json --top 0 "$SMALLF"
	run1 gs_small_t1 "$OUT/gs_small_t1.json" "$GS" report --json --top 0 --threads 1 "$SMALLF"
	run1 gs_rep "$OUT/gs_rep.json" "$GS" report --json --top 0 "$REPF"
	run1 gs_rep_t1 "$OUT/gs_rep_t1.json" "$GS" report --json --top 0 --threads 1 "$REPF"
	run1 gs_jet_t1 "$OUT/gs_jet_t1.json" "$GS" report --json --top 0 --threads 1 "$JETF"
	# reading and counting alone (no report, no trend detection): `tag`
	# prints one tag of the full engine
	run1 gs_jet_ingest "$OUT/gs_jet_ingest.txt" "$GS" tag news --threads 1 "$JETF"
	run1 gs_ingest_t1 "$OUT/gs_ingest_t1.txt" "$GS" tag news --threads 1 "$BIGF"
	# memory with the tag table full in both files (diagnostic)
	run1 gs_cap "$OUT/gs_cap.json" "$GS" report --json --top 0 --threads 1 --max-tags 2000 "$BIGF"
	run1 gs_small_cap "$OUT/gs_small_cap.json" "$GS" report --json --top 0 --threads 1 --max-tags 2000 "$SMALLF"
	r=$((r + 1))
done
# BIG10=11000M: ten times the big file's posts (and window), once, for
# memory as archives grow; --max-memory 0 shows it without the bound.
if [ -n "${BIG10:-}" ]; then
	gen "twitter1-$BIG10" --seed "$SEED" -f twitter1 --bytes-target "$BIG10"
	B10=$DATA/twitter1-$BIG10.jsonl
	run1 gs_b10 "$OUT/gs_b10.json" "$GS" report --json --top 20 "$B10"
	run1 gs_b10_t1 "$OUT/gs_b10_t1.json" "$GS" report --json --top 20 --threads 1 "$B10"
	run1 gs_b10_48 "$OUT/gs_b10_48.json" "$GS" report --json --top 0 --threads 1 --max-memory 48M "$B10"
	run1 gs_b10_nob "$OUT/gs_b10_nob.json" "$GS" report --json --top 0 --threads 1 --max-memory 0 "$B10"
	echo "big10=$B10" >"$OUT/big10.txt"
fi

# ---- table and checks -------------------------------------------------------
{
	echo "nproc=$(nproc)"
	echo "cpu=$(grep -m1 '^model name' /proc/cpuinfo | sed 's/^[^:]*: *//')"
	echo "date=$(date -u '+%Y-%m-%d %H:%M UTC')"
	echo "kernel=$(uname -sr)"
	echo "groundswell=$("$GS" --version 2>/dev/null | head -n 1 || true)"
	echo "commit=$commit"
	echo "python=$(python3 -c 'import sys; print(sys.version.split()[0])')"
	echo "node=$(node --version)"
	echo "jq=$(jq --version)"
	echo "simdjson=$(sed -n 's/^#define SIMDJSON_VERSION //p' /usr/include/simdjson.h | head -n 1)"
	echo "gxx=$(g++ -dumpfullversion)"
	echo "runs=$RUNS"
	echo "big=$BIGF"
	echo "small=$SMALLF"
	echo "jet=$JETF"
	echo "jqfile=$JQF"
	echo "jet_lines=$(wc -l <"$JETF")"
	echo "seconds=$(($(date +%s) - started))"
	echo "load_before=$load_before"
	echo "load_after=$(cut -d' ' -f1-3 /proc/loadavg)"
} >"$OUT/env.txt"
python3 bench/report.py "$OUT" bench/results.md
