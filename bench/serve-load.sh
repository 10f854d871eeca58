#!/bin/sh
# The load figure of "groundswell serve": wrk against the trends endpoints
# with many connections while the server ingests a large generated file as
# fast as it can. Loopback only, bounded time (about a minute and a half,
# plus generating the file once). Writes bench/serve-load.md.
#   sh bench/serve-load.sh            (after make)
# Environment: GS_BIN (build/groundswell), GS_LOAD_HOURS (300: hours of the
# generated stream at 10 posts/s, ~14.7M Jetstream lines, ~9 GB in
# bench/data, reused), WRK_C (connection counts, "10 100"), WRK_T (2),
# WRK_D (10s).
set -e
cd "$(dirname "$0")/.."
BIN=${GS_BIN:-build/groundswell}
HOURS=${GS_LOAD_HOURS:-300}
CS=${WRK_C:-10 100}
T=${WRK_T:-2}
D=${WRK_D:-10s}
OUT=bench/serve-load.md
if ! command -v wrk >/dev/null 2>&1; then
	echo "serve-load: wrk is missing; run: sudo apt-get install -y wrk" >&2
	exit 1
fi
[ -x "$BIN" ] || { echo "serve-load: build first (make)" >&2; exit 1; }
mkdir -p bench/data
DATA=bench/data/load-jetstream-${HOURS}h.jsonl
if [ ! -s "$DATA" ]; then
	echo "generating $DATA ..." >&2
	"$BIN" generate --seed 11 --hours "$HOURS" --rate 10 -f jetstream --output "$DATA.tmp"
	mv "$DATA.tmp" "$DATA"
fi
SIZE=$(wc -c <"$DATA")
TMP=$(mktemp -d)
trap 'kill "$PID" 2>/dev/null; wait "$PID" 2>/dev/null; rm -rf "$TMP"' EXIT INT TERM
"$BIN" serve --listen 127.0.0.1:0 --port-file "$TMP/port" --source "$DATA" \
	--max-connections 512 2>"$TMP/err" &
PID=$!
i=0
while [ ! -s "$TMP/port" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
PORT=$(cat "$TMP/port")
BASE=http://127.0.0.1:$PORT
# stats: posts, source offset, wall time
stat() {
	curl -s "$BASE/api/groundswell/v1/stats" | python3 -c '
import json, sys, time
d = json.load(sys.stdin)
print(d["posts"], d["sources"][0]["offset"], time.time())'
}
rate() { # posts/s between two stat lines
	python3 -c 'import sys; a=sys.argv[1].split(); b=sys.argv[2].split(); print("%.0f" % ((int(b[0])-int(a[0]))/(float(b[2])-float(a[2]))))' "$1" "$2"
}
sleep 1
s0=$(stat); sleep 5; s1=$(stat)
idle=$(rate "$s0" "$s1")
echo "ingest without HTTP load: $idle posts/s" >&2
rows=""
for C in $CS; do
for ep in /api/v1/trends/tags /api/groundswell/v1/trends; do
	a=$(stat)
	wrk -t "$T" -c "$C" -d "$D" --latency "$BASE$ep" >"$TMP/wrk" 2>&1
	b=$(stat)
	cat "$TMP/wrk" >&2
	rps=$(awk '/^Requests\/sec/ {print $2}' "$TMP/wrk")
	p50=$(awk '$1 == "50%" {print $2}' "$TMP/wrk")
	p99=$(awk '$1 == "99%" {print $2}' "$TMP/wrk")
	errs=$(awk '/Non-2xx|Socket errors/ {sub(/^ +/, ""); printf "%s; ", $0}' "$TMP/wrk")
	held=$(rate "$a" "$b")
	off=$(echo "$b" | cut -d' ' -f2)
	eof=""
	[ "$off" -ge "$SIZE" ] && eof=" (file ended during the run)"
	rows="$rows| \`$ep\` | $C | $rps | $p50 | $p99 | $held$eof | ${errs:-none} |
"
	echo "$ep -c $C: $rps req/s, p99 $p99, ingest held $held posts/s$eof" >&2
done
done
body=$(curl -s "$BASE/api/v1/trends/tags" | wc -c)
{
	echo "# groundswell serve under load"
	echo
	echo "Made by \`sh bench/serve-load.sh\` on $(date -u +%Y-%m-%d): \`groundswell serve\` follows"
	echo "\`$DATA\` ($(awk "BEGIN {printf \"%.1f\", $SIZE / 1e9}") GB of generated Jetstream lines) from its start, ingesting as"
	echo "fast as it can, while \`wrk -t $T -c C -d $D --latency\` hits one endpoint"
	echo "at a time over loopback. Machine: $(nproc) CPUs ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')),"
	echo "shared by the server, its ingest thread and wrk."
	echo
	echo "Ingest rate with no HTTP load: **$idle posts/s**."
	echo
	echo "| endpoint | connections | requests/s | p50 latency | p99 latency | ingest held (posts/s) during the run | errors |"
	echo "|---|---|---|---|---|---|---|"
	printf "%s" "$rows"
	echo
	echo "\"ingest held\" is the posts counted during the wrk run divided by its"
	echo "wall time (from \`/api/groundswell/v1/stats\` before and after). A"
	echo "\`/api/v1/trends/tags\` answer was $body bytes at the end. HTTP handlers"
	echo "take the read lock and the pipeline the write lock per batch of lines,"
	echo "so requests and ingest contend for the lock and, here, for the $(nproc) CPUs:"
	echo "libmicrohttpd runs a thread per connection, so with C busy connections the"
	echo "ingest thread is one of C + 1 runnable threads (plus wrk's) and the rate it"
	echo "holds falls well below the unloaded one. Figures vary up to 2-3x from run"
	echo "to run on this shared machine (the trending list, hence the answer size,"
	echo "also changes as the stream advances)."
} >"$OUT"
cat "$OUT"
