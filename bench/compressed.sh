#!/bin/sh
# bench/compressed.sh - compressed archives side by side (issue 17), in one
# command:
#
#   sh bench/compressed.sh                 (RUNS=3, bench/data)
#   DATA=/work/bench-data DATA2=/tmp/gsz sh bench/compressed.sh
#
# On the bench's two files (twitter1-$BIG and jetstream-$JET, generated as
# bench/run.sh makes them when missing) and their compressed forms - gzip -1,
# zstd -3, bgzip -l 1 (BGZF: many small members), split -n 8 + gzip -1 + cat
# (8 members), pzstd -3 -p 2 (many frames) and, for twitter1, 8 .gz files
# read in one run - it times, RUNS times in round robin (best wall, that
# run's peak RSS, smallest user+sys):
#   - groundswell report --json --top 0, all cores and --threads 1, on every
#     form; on the gzip forms also with GROUNDSWELL_INFLATE=zlib;
#   - DuckDB (bench/count_duckdb.mjs, threads=2) on plain, .gz, .zst and the
#     8 files (a glob);
#   - the decoders alone: igzip, gzip, pigz and zstd -dc to /dev/null;
# then prints a markdown table and the issue's checks (bench/compressed.py),
# also written to $RESULTS, and exits 1 when a check fails.
#
# Environment: RUNS (3); DATA (bench/data): where the plain files are, or
# are generated when missing (never regenerated when present); DATA2 (DATA):
# where the compressed forms that are missing in DATA are made (once; again
# when older than their plain file); OUT (DATA2/out-compressed): the
# outputs, times and the binary's copy; GS (build/groundswell, built with
# make first): the binary, copied to OUT before the runs; BIG (1100M), JET
# (500M), SEED (1); BIG10 (unset; 11000M as run.sh): also report --top 20 on
# twitter1-$BIG10 against twitter1-$BIG for memory as archives grow;
# RESULTS (bench/compressed.md); NOTE: a line put at the top of the results.
# Exit status: 0 all checks pass, 1 a check failed, 2 could not run (or
# compressed.py failed).
set -eu

cd "$(dirname "$0")/.."
RUNS=${RUNS:-3}
BIG=${BIG:-1100M}
JET=${JET:-500M}
SEED=${SEED:-1}
DATA=${DATA:-bench/data}
DATA2=${DATA2:-$DATA}
OUT=${OUT:-$DATA2/out-compressed}
RESULTS=${RESULTS:-bench/compressed.md}
NOTE=${NOTE:-}
started=$(date +%s)

# ---- prerequisites ----------------------------------------------------------
missing=""
[ -x /usr/bin/time ] || missing="$missing time"
for t in node:nodejs npm:npm python3:python3 gzip:gzip zstd:zstd pzstd:zstd \
	pigz:pigz igzip:isal bgzip:tabix split:coreutils; do
	command -v "${t%%:*}" >/dev/null 2>&1 || missing="$missing ${t#*:}"
done
if [ -n "$missing" ]; then
	echo "compressed: missing prerequisites:$missing" >&2
	echo "run: apt-get install -y$missing" >&2
	exit 2
fi
if [ ! -d bench/node_modules/@duckdb/node-api ]; then
	echo "compressed: installing DuckDB (npm ci in bench/)" >&2
	(cd bench && npm ci --no-audit --no-fund >&2) || exit 2
fi
if [ -z "${GS:-}" ]; then
	GS=build/groundswell
	if ! make -s -j2 "$GS" >&2; then
		[ -x "$GS" ] || exit 2
		echo "compressed: warning: the build failed; measuring the existing $GS" >&2
	fi
	dirty=$(git status --porcelain -- src include Makefile 2>/dev/null | wc -l)
	build="$(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
	[ "$dirty" -eq 0 ] || build="$build + $dirty uncommitted file(s)"
else
	build="$GS"
fi
[ -x "$GS" ] || {
	echo "compressed: no binary '$GS'" >&2
	exit 2
}
mkdir -p "$DATA" "$DATA2" "$OUT" || exit 2
rm -f "$OUT"/*.json "$OUT"/*.new "$OUT"/*.time "$OUT"/*.err "$OUT"/*.txt
# A private copy, so that a rebuild during the run cannot change what is
# measured.
cp "$GS" "$OUT/groundswell"
GS=$OUT/groundswell

# ---- inputs -----------------------------------------------------------------
# plain NAME FORMAT SIZE: DATA/NAME.jsonl, generated as run.sh does when
# missing (a file present is used as it is).
plain() {
	f=$DATA/$1.jsonl
	if [ ! -s "$f" ]; then
		echo "compressed: generating $f" >&2
		"$GS" generate --seed "$SEED" -f "$2" --bytes-target "$3" -o "$f.tmp"
		mv "$f.tmp" "$f"
	fi
}
# form SRC NAME CMD...: the path of compressed form NAME of SRC, printed:
# DATA/NAME when present and not older than SRC, else DATA2/NAME, made by
# CMD (which reads $src and writes stdout) when missing or older than SRC.
form() {
	src=$1
	name=$2
	shift 2
	# shellcheck disable=SC3013 # -nt: in dash and bash, as run.sh uses it
	if [ -s "$DATA/$name" ] && [ ! "$src" -nt "$DATA/$name" ]; then
		echo "$DATA/$name"
		return
	fi
	# shellcheck disable=SC3013
	if [ ! -s "$DATA2/$name" ] || [ "$src" -nt "$DATA2/$name" ]; then
		echo "compressed: making $DATA2/$name" >&2
		"$@" >"$DATA2/$name.tmp"
		mv "$DATA2/$name.tmp" "$DATA2/$name"
	fi
	echo "$DATA2/$name"
}
c_gz() { gzip -1 -c "$src"; }
c_zst() { zstd -q -3 -c "$src"; }
c_bgzf() { bgzip -l 1 -@ 2 -c "$src"; }
c_pzst() { pzstd -q -3 -p 2 -c "$src"; }
# split -n 8 cuts at bytes, so members end mid-line
c_m8() { for i in 1 2 3 4 5 6 7 8; do split -n "$i/8" "$src" | gzip -1 -c; done; }
# part I of 8, cut at line ends (a file of its own)
c_part() { split -n "l/$i/8" "$src" | gzip -1 -c; }

plain "twitter1-$BIG" twitter1 "$BIG"
plain "jetstream-$JET" jetstream "$JET"
# forms.txt: "FORM DATASET KIND PLAIN_BYTES COMPRESSED_BYTES FILE..." per
# form; FORM is DATASETKIND_FORM (twitter1_gz...), KIND plain, gz or zst.
: >"$OUT/forms.txt"
# add FORM DATASET KIND PLAIN FILE...: one line of forms.txt
add() {
	a_form=$1 a_ds=$2 a_kind=$3 a_plain=$4
	shift 4
	echo "$a_form $a_ds $a_kind $(wc -c <"$a_plain") $(cat "$@" | wc -c) $*" >>"$OUT/forms.txt"
}
# files FORM: its file(s), from forms.txt
files() { awk -v f="$1" '$1 == f { $1 = $2 = $3 = $4 = $5 = ""; sub(/^ +/, ""); print }' "$OUT/forms.txt"; }
for ds in "twitter1-$BIG" "jetstream-$JET"; do
	p=$DATA/$ds.jsonl
	k=${ds%%-*}
	add "${k}_plain" "$ds" plain "$p" "$p"
	add "${k}_gz" "$ds" gz "$p" "$(form "$p" "$ds.jsonl.gz" c_gz)"
	add "${k}_zst" "$ds" zst "$p" "$(form "$p" "$ds.jsonl.zst" c_zst)"
	add "${k}_bgzf" "$ds" gz "$p" "$(form "$p" "$ds.bgzf.jsonl.gz" c_bgzf)"
	add "${k}_m8" "$ds" gz "$p" "$(form "$p" "$ds.m8.jsonl.gz" c_m8)"
	add "${k}_pzst" "$ds" zst "$p" "$(form "$p" "$ds.pzstd.jsonl.zst" c_pzst)"
done
BIGF=$DATA/twitter1-$BIG.jsonl
P8=""
i=1
while [ "$i" -le 8 ]; do
	P8="$P8 $(form "$BIGF" "twitter1-$BIG.part$i-of-8.jsonl.gz" c_part)"
	i=$((i + 1))
done
P8=${P8# }
# shellcheck disable=SC2086 # P8 is a list of paths without blanks
add twitter1_f8 "twitter1-$BIG" gz "$BIGF" $P8
# DuckDB reads the 8 parts through a glob: it must name exactly them
P8GLOB="${P8%%.part1-of-8.jsonl.gz*}.part*-of-8.jsonl.gz"
# shellcheck disable=SC2086,SC2116 # expands the glob
[ "$(echo $P8GLOB)" = "$P8" ] || {
	echo "compressed: the 8 parts are not all in one directory: $P8" >&2
	exit 2
}

# Everything read from the page cache: the files are read once here.
cut -d' ' -f6- "$OUT/forms.txt" | tr ' ' '\n' | while read -r f; do cat "$f" >/dev/null; done

# ---- measurements -----------------------------------------------------------
# run1 ID OUTPUT CMD...: one timed run; appends "ID wall_us peak_kb user_s
# sys_s" to times.txt (wall from date +%s%N, peak RSS from time's %M). An
# OUTPUT that differs from the previous round's is recorded in unstable.txt,
# a groundswell run that fails in failed.txt ("ID STATUS"; the run goes on).
run1() {
	id=$1
	o=$2
	shift 2
	n=$o.new
	[ "$o" = /dev/null ] && n=/dev/null
	t0=$(date +%s%N)
	rc=0
	/usr/bin/time -f "%e %M %U %S" -o "$OUT/$id.time" "$@" >"$n" 2>"$OUT/$id.err" || rc=$?
	if [ "$rc" -ne 0 ]; then
		echo "compressed: FAILED (exit $rc): $*" >&2
		tail -n 3 "$OUT/$id.err" >&2
		# groundswell failing on a form is a result (the checks fail);
		# a reference tool failing means the bench cannot run
		case $id in gs* | b10*) echo "$id $rc" >>"$OUT/failed.txt" ;; *) exit 2 ;; esac
	fi
	t1=$(date +%s%N)
	if [ "$n" != /dev/null ]; then
		if [ -f "$o" ] && ! cmp -s "$o" "$n"; then echo "$id" >>"$OUT/unstable.txt"; fi
		mv "$n" "$o"
	fi
	# shellcheck disable=SC2046 # the four fields of time's line
	set -- $(tail -n 1 "$OUT/$id.time")
	echo "$id $(((t1 - t0) / 1000)) $2 $3 $4" >>"$OUT/times.txt"
	printf '  %-22s %8.3f s wall %6.2f s cpu %8d KB\n' "$id" \
		"$(echo "$t1 $t0" | awk '{print ($1-$2)/1e9}')" \
		"$(echo "$3 $4" | awk '{print $1+$2}')" "$2" >&2
}
# gs FORM FILE...: report on all cores and on one (and with zlib for .gz);
# (sh has no local variables: run1's are id, o, n, rc)
gs() {
	g=$1
	shift
	run1 "gs.$g" "$OUT/gs.$g.json" "$GS" report --json --top 0 "$@"
	run1 "gs1.$g" "$OUT/gs1.$g.json" "$GS" report --json --top 0 --threads 1 "$@"
	case $g in *_plain | *_zst | *_pzst) return ;; esac
	run1 "gsz.$g" "$OUT/gsz.$g.json" env GROUNDSWELL_INFLATE=zlib "$GS" report --json --top 0 "$@"
	run1 "gsz1.$g" "$OUT/gsz1.$g.json" env GROUNDSWELL_INFLATE=zlib "$GS" report --json --top 0 --threads 1 "$@"
}
# duck ID FILE FORMAT: DuckDB's count, threads=2
duck() {
	run1 "dd.$1" /dev/null node bench/count_duckdb.mjs "$2" "$OUT/dd.$1.json" 2 "$3"
}

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
case $load_before in
0.[0-4]*) ;;
*) echo "compressed: warning: load average $load_before before the run: other processes use the CPU, timings will be noisy (RUNS=5 helps)" >&2 ;;
esac
r=1
while [ "$r" -le "$RUNS" ]; do
	echo "compressed: round $r of $RUNS" >&2
	for k in twitter1 jetstream; do
		for f in plain gz zst bgzf m8 pzst; do
			gs "${k}_$f" "$(files "${k}_$f")"
		done
		for f in plain gz zst; do
			duck "${k}_$f" "$(files "${k}_$f")" "$k"
		done
		run1 "igzip.${k}_gz" /dev/null igzip -dc "$(files "${k}_gz")"
		run1 "gzip.${k}_gz" /dev/null gzip -dc "$(files "${k}_gz")"
		run1 "pigz.${k}_gz" /dev/null pigz -dc "$(files "${k}_gz")"
		run1 "zstd.${k}_zst" /dev/null zstd -q -dc "$(files "${k}_zst")"
	done
	# shellcheck disable=SC2086 # P8 is the list of the 8 parts
	gs twitter1_f8 $P8
	duck twitter1_f8 "$P8GLOB" twitter1
	r=$((r + 1))
done
# BIG10: ten times the big file's hours; report --top 20 with the default
# options on both, once, for the peak RSS ratio.
if [ -n "${BIG10:-}" ]; then
	plain "twitter1-$BIG10" twitter1 "$BIG10"
	B10=$DATA/twitter1-$BIG10.jsonl
	run1 b10.big "$OUT/b10.big.json" "$GS" report --json --top 20 "$BIGF"
	run1 b10.big10 "$OUT/b10.big10.json" "$GS" report --json --top 20 "$B10"
	run1 b10_t1.big "$OUT/b10_t1.big.json" "$GS" report --json --top 20 --threads 1 "$BIGF"
	run1 b10_t1.big10 "$OUT/b10_t1.big10.json" "$GS" report --json --top 20 --threads 1 "$B10"
	echo "$B10 $(wc -c <"$B10")" >"$OUT/big10.txt"
	# H10: the big file's posts over ten times its hours (a tenth of the
	# generator's default rate of 2 a second): what the hours alone cost,
	# apart from the posts (BIG10 has ten times both)
	hours=$(python3 -c 'import json, sys, datetime as d
s = json.load(open(sys.argv[1]))["summary"]
t = lambda x: d.datetime.fromisoformat(x.replace("Z", "+00:00"))
print(int((t(s["last_seen"]) - t(s["first_seen"])).total_seconds() // 3600 + 1))' "$OUT/b10.big.json")
	H10=$DATA/twitter1-$BIG-h10.jsonl
	[ -s "$H10" ] || H10=$DATA2/twitter1-$BIG-h10.jsonl
	if [ ! -s "$H10" ]; then
		echo "compressed: generating $H10" >&2
		"$GS" generate --seed "$SEED" -f twitter1 --hours $((10 * hours)) \
			--rate 0.2 -o "$H10.tmp"
		mv "$H10.tmp" "$H10"
	fi
	run1 h10.h10 "$OUT/h10.h10.json" "$GS" report --json --top 20 "$H10"
	run1 h10_t1.h10 "$OUT/h10_t1.h10.json" "$GS" report --json --top 20 --threads 1 "$H10"
	echo "$H10 $(wc -c <"$H10") $((10 * hours))" >"$OUT/h10.txt"
fi

# ---- table and checks -------------------------------------------------------
inflate_switch=no
grep -q -a GROUNDSWELL_INFLATE "$GS" && inflate_switch=yes
isal=no
if ldd "$GS" 2>/dev/null | grep -q libisal || grep -q -a isal_inflate "$GS"; then isal=yes; fi
{
	echo "nproc=$(nproc)"
	echo "cpu=$(grep -m1 '^model name' /proc/cpuinfo | sed 's/^[^:]*: *//')"
	echo "date=$(date -u '+%Y-%m-%d %H:%M UTC')"
	echo "kernel=$(uname -sr)"
	echo "groundswell=$("$GS" --version 2>/dev/null | head -n 1 || true)"
	echo "build=$build"
	echo "sha256=$(sha256sum "$GS" | cut -c1-12)"
	echo "inflate_switch=$inflate_switch"
	echo "isal=$isal"
	echo "node=$(node --version)"
	echo "gzip=$(gzip --version | head -n 1)"
	echo "zstd=$(zstd --version | head -n 1)"
	echo "pigz=$(pigz --version 2>&1 | head -n 1)"
	echo "igzip=$(igzip --version 2>&1 | head -n 1)"
	echo "bgzip=$(bgzip --version 2>&1 | head -n 1)"
	echo "runs=$RUNS"
	echo "note=$NOTE"
	echo "seconds=$(($(date +%s) - started))"
	echo "load_before=$load_before"
	echo "load_after=$(cut -d' ' -f1-3 /proc/loadavg)"
} >"$OUT/env.txt"
python3 bench/compressed.py "$OUT" "$RESULTS"
