#!/bin/sh
# What --snapshot-every 1s costs "groundswell serve" while its state is large:
# /stats latency (wrk) and the ingest rate, with and without --state, for
# one or two builds. Loopback only, bounded time (about 50 s a run).
#   sh bench/serve-snapshot.sh                  (after make)
#   REF=/path/to/old/build sh bench/serve-snapshot.sh   (before and after)
# Each run starts a server on DATA from its start, lets it ingest for WARM
# seconds (the state grows to tens of MB), then runs wrk -c C -d D on /stats
# while it keeps ingesting, and reads the posts counted before and after.
# With --state, the snapshot's size and (builds that say it) the time it
# held the lock are read from /stats. Prints a Markdown table (and writes
# it to OUT when set). Environment: GS_BIN (build/groundswell), REF (none),
# DATA (bench/data/jetstream-2G.jsonl, generated when missing), WARM (20),
# D (10s), C (10), REPEAT (1).
set -e
cd "$(dirname "$0")/.."
BIN=${GS_BIN:-build/groundswell}
DATA=${DATA:-bench/data/jetstream-2G.jsonl}
WARM=${WARM:-20}
D=${D:-10s}
C=${C:-10}
REPEAT=${REPEAT:-1}
command -v wrk >/dev/null 2>&1 || { echo "serve-snapshot: wrk is missing" >&2; exit 1; }
[ -x "$BIN" ] || { echo "serve-snapshot: build first (make)" >&2; exit 1; }
if [ ! -s "$DATA" ]; then
	mkdir -p "$(dirname "$DATA")"
	echo "generating $DATA ..." >&2
	"$BIN" generate --seed 1 -f jetstream --bytes-target 2G -o "$DATA.tmp"
	mv "$DATA.tmp" "$DATA"
fi
TMP=$(mktemp -d)
PID=
trap '[ -n "$PID" ] && kill "$PID" 2>/dev/null; wait 2>/dev/null; rm -rf "$TMP"' EXIT INT TERM

posts() {
	curl -s "$BASE/api/groundswell/v1/stats" | python3 -c '
import json, sys, time
d = json.load(sys.stdin)
s = d.get("snapshots") or {}
print(d["posts"], time.time(), s.get("bytes", "-"), s.get("locked_seconds", "-"), s.get("seconds", "-"), s.get("written", "-"), d["sources"][0]["offset"])'
}

rows=""
for r in $(seq 1 "$REPEAT"); do
for bin in ${REF:+"$REF/groundswell"} "$BIN"; do
for mode in none 1s; do
	rm -rf "$TMP/state" "$TMP/port"
	set -- --source "$DATA"
	[ "$mode" = none ] || set -- "$@" --state "$TMP/state" --snapshot-every "$mode"
	"$bin" serve --listen 127.0.0.1:0 --port-file "$TMP/port" "$@" 2>"$TMP/err" &
	PID=$!
	i=0
	while [ ! -s "$TMP/port" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
	BASE=http://127.0.0.1:$(cat "$TMP/port")
	w0=$(posts)
	sleep "$WARM"
	a=$(posts)
	warm=$(python3 -c 'import sys; a=sys.argv[1].split(); b=sys.argv[2].split(); print("%.0f" % ((int(b[0])-int(a[0]))/(float(b[1])-float(a[1]))))' "$w0" "$a")
	wrk -t 2 -c "$C" -d "$D" --latency "$BASE/api/groundswell/v1/stats" >"$TMP/wrk" 2>&1
	b=$(posts)
	p50=$(awk '$1 == "50%" {print $2}' "$TMP/wrk")
	p99=$(awk '$1 == "99%" {print $2}' "$TMP/wrk")
	max=$(awk '$1 == "Latency" {print $4}' "$TMP/wrk")
	rps=$(awk '/^Requests\/sec/ {print $2}' "$TMP/wrk")
	rate=$(python3 -c 'import sys; a=sys.argv[1].split(); b=sys.argv[2].split(); print("%.0f" % ((int(b[0])-int(a[0]))/(float(b[1])-float(a[1]))))' "$a" "$b")
	[ "$(echo "$b" | cut -d' ' -f7)" -lt "$(wc -c <"$DATA")" ] || rate="$rate (the file ended: lower WARM)"
	snap="-"
	if [ "$mode" != none ]; then
		# bytes, locked and total seconds of the last snapshot, how many
		snap=$(echo "$b" | awk '{ if ($3 == "-") { printf "%.0f MB (on disk)", 0 } else printf "%.0f MB, lock held %s s of %s s, %s written", $3 / 1e6, $4, $5, $6 }')
		[ "$(echo "$b" | cut -d' ' -f3)" = "-" ] && snap="$(du -m "$TMP/state/state.snap" | cut -f1) MB"
	fi
	name=$bin
	[ -n "$REF" ] && [ "$bin" = "$REF/groundswell" ] && name="before ($REF)"
	[ "$bin" = "$BIN" ] && name="after ($(git rev-parse --short HEAD 2>/dev/null || echo '?'))"
	row="| $name | $([ "$mode" = none ] && echo "no --state" || echo "--snapshot-every $mode") | $rps | $p50 | $p99 | $max | $warm | $rate | $snap |"
	echo "$row" >&2
	rows="$rows$row
"
	kill "$PID"
	wait "$PID" || true
	PID=
done
done
done
{
	echo "Made by \`sh bench/serve-snapshot.sh\` on $(date -u +%Y-%m-%d): \`$DATA\` from its start, $WARM s of"
	echo "ingest, then \`wrk -t 2 -c $C -d $D --latency\` on /stats while it keeps ingesting."
	echo "Machine: $(nproc) CPUs, shared (load average $(cut -d' ' -f1-3 /proc/loadavg))."
	echo
	echo "| build | snapshots | /stats requests/s | p50 | p99 | max | ingest, first $WARM s (posts/s) | ingest under wrk (posts/s) | last snapshot |"
	echo "|---|---|---|---|---|---|---|---|---|"
	printf "%s" "$rows"
} >"$TMP/table"
cat "$TMP/table"
[ -z "$OUT" ] || cp "$TMP/table" "$OUT"
