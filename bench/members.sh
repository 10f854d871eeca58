#!/bin/sh
# bench/members.sh - compressed inputs whose pieces decode independently
# (issue 17): `report` on one file as bgzip (BGZF members), as pzstd
# (frames), and the same bytes as 8 .gz files in one run, with --threads 1
# and 2, against the plain file and a reference binary (the one-thread read
# of before). Prints one line per run: wall s, peak RSS KB, user s, sys s
# (wall is indicative on a shared machine: compare user+sys), and checks
# that every report is the plain file's.
#
#   sh bench/members.sh OLD_BINARY NEW_BINARY [FILE]
#
# FILE: /work/bench-data/twitter1-1100M.jsonl by default. The compressed
# forms are made once into bench/data/members/ (bgzip -@2 -l 1, pzstd -3
# -p 2, split -n l/8 + gzip -1).
set -eu
cd "$(dirname "$0")/.."
OLD=$1
NEW=$2
F=${3:-/work/bench-data/twitter1-1100M.jsonl}
D=bench/data/members
mkdir -p "$D"
[ -s "$D/all.bgzf.gz" ] || bgzip -@2 -l 1 -c "$F" >"$D/all.bgzf.gz"
[ -s "$D/all.pzstd.zst" ] || pzstd -q -3 -p 2 -c "$F" >"$D/all.pzstd.zst"
if [ ! -s "$D/part07.gz" ]; then
	split -d -n l/8 "$F" "$D/part"
	for p in "$D"/part0?; do gzip -1 "$p"; done
fi
"$NEW" report --top 0 --threads 1 "$F" >"$D/plain.txt"
run() { # LABEL BINARY ARGS...
	label=$1
	bin=$2
	shift 2
	/usr/bin/time -f "%e %M %U %S" -o "$D/time" "$bin" report --top 0 "$@" >"$D/out.txt" 2>/dev/null || true
	same=same
	cmp -s "$D/out.txt" "$D/plain.txt" || same=DIFFERENT
	printf '%-34s %s  (wall s, KB, user s, sys s) %s\n' "$label" "$(cat "$D/time")" "$same"
}
run "plain, old, 1 thread" "$OLD" --threads 1 "$F"
run "plain, new, 2 threads" "$NEW" --threads 2 "$F"
for t in 1 2; do
	run "bgzip, old, $t thread(s)" "$OLD" --threads $t "$D/all.bgzf.gz"
	run "bgzip, new, $t thread(s)" "$NEW" --threads $t "$D/all.bgzf.gz"
	run "pzstd, old, $t thread(s)" "$OLD" --threads $t "$D/all.pzstd.zst"
	run "pzstd, new, $t thread(s)" "$NEW" --threads $t "$D/all.pzstd.zst"
	run "8 .gz files, old, $t thread(s)" "$OLD" --threads $t "$D"/part0?.gz
	run "8 .gz files, new, $t thread(s)" "$NEW" --threads $t "$D"/part0?.gz
done
