#!/bin/sh
# The load figure of "groundswell serve": wrk against each endpoint in turn
# with many connections while the server ingests a large generated file as
# fast as it can. Loopback only, bounded time (about 25 s a run: three
# minutes and a half with the defaults, plus generating the file once).
# Writes the table of bench/serve-load.md (between its "generated" markers;
# the text around them is kept).
#   sh bench/serve-load.sh            (after make)
# Each run starts a server on the file from its start, lets it ingest
# unloaded for WARM seconds (the last 5 measured: "unloaded"), then runs wrk
# for D while it keeps ingesting ("held"), so that every run sees the same
# stretch of the stream; the server's peak memory (VmHWM) is read before wrk
# and after. The verdict: held / unloaded >= 80 %, and held / the control
# run's rate over the same seconds (the endpoint "none": no load) >= 80 %.
# Runs each endpoint x
# connection count REPEAT times; the endpoint "gexf8" is always 8
# connections on /network?format=gexf (the whole network in GEXF).
# Environment: GS_BIN (build/groundswell), GS_LOAD_HOURS (300: hours of the
# generated stream at 10 posts/s, ~14.7M Jetstream lines, ~9 GB in
# bench/data, reused), EPS (endpoints by name, "none trends mtags mtags40 tag
# stats metrics network gexf8": /api/groundswell/v1/trends,
# /api/v1/trends/tags, its offset=40 page, /tags/news, /stats, /metrics,
# /network), WRK_C (connection counts, "100"), WRK_T (2), WRK_D (10s),
# WARM (8), REPEAT (1), OUT (bench/serve-load.md).
set -e
cd "$(dirname "$0")/.."
BIN=${GS_BIN:-build/groundswell}
HOURS=${GS_LOAD_HOURS:-300}
CS=${WRK_C:-100}
EPS=${EPS:-none trends mtags mtags40 tag stats metrics network gexf8}
T=${WRK_T:-2}
D=${WRK_D:-10s}
WARM=${WARM:-8}
REPEAT=${REPEAT:-1}
OUT=${OUT:-bench/serve-load.md}
if ! command -v wrk >/dev/null 2>&1; then
	echo "serve-load: wrk is missing; run: sudo apt-get install -y wrk" >&2
	exit 1
fi
[ -x "$BIN" ] || { echo "serve-load: build first (make)" >&2; exit 1; }
[ "$WARM" -ge 6 ] || { echo "serve-load: WARM must be at least 6 (seconds)" >&2; exit 1; }
mkdir -p bench/data
DATA=bench/data/load-jetstream-${HOURS}h.jsonl
if [ ! -s "$DATA" ]; then
	echo "generating $DATA ..." >&2
	"$BIN" generate --seed 11 --hours "$HOURS" --rate 10 -f jetstream --output "$DATA.tmp"
	mv "$DATA.tmp" "$DATA"
fi
SIZE=$(wc -c <"$DATA")
TMP=$(mktemp -d)
PID=
trap '[ -n "$PID" ] && kill "$PID" 2>/dev/null; wait 2>/dev/null; rm -rf "$TMP"' EXIT INT TERM

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
# the pipeline thread (the one with the most CPU time): its schedstat
# (on-CPU ns, waiting-to-run ns) and the wall clock
pipe_tid() {
	for t in /proc/"$PID"/task/*; do
		echo "$(cut -d' ' -f1 "$t/schedstat") ${t##*/}"
	done | sort -n | tail -1 | cut -d' ' -f2
}
sched() { echo "$(cut -d' ' -f1,2 /proc/"$PID"/task/"$1"/schedstat) $(date +%s.%N)"; }
hwm() { awk '/^VmHWM/ {printf "%.0f", $2 / 1024}' /proc/"$PID"/status; } # MB
path_of() {
	case $1 in
	trends) echo /api/groundswell/v1/trends ;;
	mtags) echo /api/v1/trends/tags ;;
	mtags40) echo '/api/v1/trends/tags?offset=40' ;;
	tag) echo /api/groundswell/v1/tags/news ;;  # a steady tag, there from the start
	stats) echo /api/groundswell/v1/stats ;;
	metrics) echo /metrics ;;
	network) echo /api/groundswell/v1/network ;;
	gexf8) echo '/api/groundswell/v1/network?format=gexf' ;;
	none) echo '(none: the control run)' ;;
	*) echo "serve-load: unknown endpoint '$1' (see EPS)" >&2; exit 1 ;;
	esac
}
share() { # "on-CPU% / waiting%" between two sched lines
	python3 -c 'import sys; a=list(map(float,sys.argv[1].split())); b=list(map(float,sys.argv[2].split())); w=(b[2]-a[2])*1e9; print("%.0f%% / %.0f%%" % (100*(b[0]-a[0])/w, 100*(b[1]-a[1])/w))' "$1" "$2"
}

rows=""
idles=""
run=0
for r in $(seq 1 "$REPEAT"); do
for C0 in $CS; do
for name in $EPS; do
	ep=$(path_of "$name")
	C=$C0
	if [ "$name" = gexf8 ]; then
		# once per repeat, whatever the connection counts
		[ "$C0" = "$(echo $CS | cut -d' ' -f1)" ] || continue
		C=8
	fi
	run=$((run + 1))
	rm -f "$TMP/port"
	"$BIN" serve --listen 127.0.0.1:0 --port-file "$TMP/port" --source "$DATA" \
		--max-connections 512 --max-connections-per-address 512 2>"$TMP/err" &
	PID=$!
	i=0
	while [ ! -s "$TMP/port" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
	BASE=http://127.0.0.1:$(cat "$TMP/port")
	sleep $((WARM - 5))
	tid=$(pipe_tid)
	s0=$(stat); sleep 5; s1=$(stat)
	idle=$(rate "$s0" "$s1")
	idles="$idles $idle"
	m0=$(hwm)
	a=$(stat); ka=$(sched "$tid")
	if [ "$name" = none ]; then
		# the control: no load over the same seconds of the same stream
		sleep "$D"
		: >"$TMP/wrk"
	else
		wrk -t "$T" -c "$C" -d "$D" --timeout 10s --latency "$BASE$ep" >"$TMP/wrk" 2>&1
	fi
	kb=$(sched "$tid"); b=$(stat)
	m1=$(hwm)
	cat "$TMP/wrk" >&2
	rps=$(awk '/^Requests\/sec/ {print $2}' "$TMP/wrk")
	p50=$(awk '$1 == "50%" {print $2}' "$TMP/wrk")
	p99=$(awk '$1 == "99%" {print $2}' "$TMP/wrk")
	errs=$(awk '/Non-2xx|Socket errors/ {sub(/^ +/, ""); printf "%s; ", $0}' "$TMP/wrk")
	held=$(rate "$a" "$b")
	[ "$name" = none ] && ctrl=$held
	vs=$(python3 -c 'import sys; print("%.0f%%" % (100 * int(sys.argv[1]) / int(sys.argv[2])) if sys.argv[2] else "-")' "$held" "${ctrl:-}")
	verdict2=$(python3 -c 'import sys; print(("yes" if int(sys.argv[1]) >= 0.8 * int(sys.argv[2]) else "**no**") if sys.argv[2] else "-")' "$held" "${ctrl:-}")
	pct=$(python3 -c 'import sys; print("%.0f%%" % (100 * int(sys.argv[1]) / max(1, int(sys.argv[2]))))' "$held" "$idle")
	verdict=$(python3 -c 'import sys; print("yes" if int(sys.argv[1]) >= 0.8 * int(sys.argv[2]) else "**no**")' "$held" "$idle")
	sh_=$(share "$ka" "$kb")
	bytes=$(curl -s "$BASE$ep" | wc -c)
	off=$(echo "$b" | cut -d' ' -f2)
	eof=""
	[ "$off" -ge "$SIZE" ] && eof=" (file ended during the run)"
	rows="$rows| \`$ep\` | $C | $r | $rps | $p50 | $p99 | $idle | $held$eof | $pct | $verdict | ${ctrl:--} | $vs | $verdict2 | $sh_ | $m0 | $m1 | $bytes | ${errs:-none} |
"
	echo "run $run: $ep -c $C: $rps req/s, p50 $p50, p99 $p99, ingest $idle unloaded, $held held ($pct), pipeline on-CPU / waiting $sh_, peak RSS $m0 -> $m1 MB" >&2
	kill "$PID"
	wait "$PID" || true
	PID=
done
done
done
range=$(echo "$idles" | tr ' ' '\n' | sort -n | sed '/^$/d' | sed -n '1p;$p' | tr '\n' ' ')
{
	echo "<!-- generated by bench/serve-load.sh: do not edit between these markers -->"
	echo "Made by \`sh bench/serve-load.sh\` on $(date -u +%Y-%m-%d) ($($BIN --version 2>/dev/null | head -1 || echo groundswell),"
	echo "commit $(git rev-parse --short HEAD 2>/dev/null || echo '?')$(git diff --quiet HEAD -- src 2>/dev/null || echo ', modified')): each run starts \`groundswell serve\` on"
	echo "\`$DATA\` ($(awk "BEGIN {printf \"%.1f\", $SIZE / 1e9}") GB of generated Jetstream lines) from its start, lets it"
	echo "ingest unloaded for $WARM s, then runs \`wrk -t $T -c C -d $D --latency\` on one endpoint"
	echo "over loopback while it keeps ingesting. Machine: $(nproc) CPUs ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')),"
	echo "shared by the server, its ingest thread and wrk (and, here, by other work)."
	echo
	echo "Ingest with no HTTP load (the 5 s before each run): **$(echo $range | sed 's/ / to /') posts/s**."
	echo
	echo "The first run of each repeat (\`none\`) is the control: the same start, no load, so that"
	echo "each run's held rate is also compared with the unloaded rate over the same seconds of the"
	echo "same stream (the 5 s before a run are an earlier, lighter stretch of it)."
	echo
	echo "Peak memory: the server's VmHWM (MB) after the unloaded ingest and after the load."
	echo
	echo "| endpoint | connections | run | requests/s | p50 latency | p99 latency | ingest unloaded (posts/s) | ingest held under load | held / unloaded | held >= 80 %? | control run's ingest, same seconds (posts/s) | held / control | held >= 80 % of control? | pipeline thread on-CPU / waiting for a CPU | peak RSS before load (MB) | peak RSS after (MB) | answer bytes | errors |"
	echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
	printf "%s" "$rows"
	echo "<!-- end generated -->"
} >"$TMP/table"
if [ -f "$OUT" ] && grep -q '^<!-- generated by bench/serve-load.sh' "$OUT" && grep -q '^<!-- end generated -->' "$OUT"; then
	awk -v t="$TMP/table" '
		/^<!-- generated by bench\/serve-load.sh/ { while ((getline l < t) > 0) print l; skip = 1; next }
		/^<!-- end generated -->/ { skip = 0; next }
		!skip { print }' "$OUT" >"$TMP/out"
	cat "$TMP/out" >"$OUT"
else
	{ echo "# groundswell serve under load"; echo; cat "$TMP/table"; } >"$OUT"
fi
cat "$TMP/table"
