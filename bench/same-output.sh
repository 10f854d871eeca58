#!/bin/sh
# Same bytes before and after a change that must not change any output:
#   sh bench/same-output.sh OLD_DIR NEW_DIR
# OLD_DIR and NEW_DIR each hold a groundswell and a groundswell-serve. Every
# command runs with both on the golden inputs, generated files of every
# format and (if present) the bench files of bench/data; stdout, stderr, the
# exit status and every file written are compared. serve answers every
# endpoint once its source is read (uptime is left out). Prints one line per
# check and ends "N same, N different"; exits 1 on any difference.
set -u
OLD=$1 NEW=$2
here=$(cd "$(dirname "$0")/.." && pwd)
W=$(mktemp -d /tmp/gs-same.XXXXXX)
trap 'rm -rf "$W"' EXIT
same=0 diff=0
# run NAME ARGS...: runs both binaries in their own folder (files they write
# land there), compares everything
run() {
	name=$1; shift
	for side in old new; do
		dir=$W/$side/$name; mkdir -p "$dir"
		if [ $side = old ]; then bin=$OLD; else bin=$NEW; fi
		(cd "$dir" && "$bin/groundswell" "$@" >stdout 2>stderr; echo $? >status)
	done
	if diff -r "$W/old/$name" "$W/new/$name" >/dev/null; then
		same=$((same + 1)); echo "same: $name"
	else
		diff=$((diff + 1)); echo "DIFFERENT: $name"
		diff -r "$W/old/$name" "$W/new/$name" | head -20
	fi
}
G=$here/tests/golden
D=$W/data; mkdir -p "$D"
for f in twitter1 twitter2 jetstream mastodon; do
	"$OLD/groundswell" generate --seed 7 --hours 30 --rate 1 -f $f -o "$D/$f.jsonl" --truth "$D/$f.truth.json" 2>/dev/null
done
"$OLD/groundswell" generate --seed 9 --hours 6 --rate 1 --malformed 0.05 -o "$D/bad.jsonl" 2>/dev/null
inputs="$G/twitter1.jsonl $G/twitter2.jsonl $G/jetstream.jsonl $G/mastodon.jsonl $G/mastodon-sse.txt $D/twitter1.jsonl $D/twitter2.jsonl $D/jetstream.jsonl $D/mastodon.jsonl $D/bad.jsonl"
for r in "$here"/tests/real/*/*; do [ -f "$r" ] && inputs="$inputs $r"; done
i=0
for f in $inputs; do
	i=$((i + 1)); b=$(basename "$f")
	run "$i-$b-report" report "$f" --top 0 --threads 1
	run "$i-$b-report-json" report "$f" --json --top 30 --html r.html
	run "$i-$b-report-csv" report "$f" --csv --bucket 5m --hll-precision 10
	run "$i-$b-report-pseudo" report "$f" --json --pseudonymize-key k1
	run "$i-$b-trends" trends "$f"
	run "$i-$b-trends-json" trends "$f" --json --bucket 30m
	run "$i-$b-trends-csv" trends "$f" --csv --scorer mastodon
	run "$i-$b-trends-posts" trends "$f" --json --scorer posts --posts-threshold 20
	run "$i-$b-trends-live" trends "$f" --live --json
	run "$i-$b-network" network "$f"
	run "$i-$b-network-gexf" network "$f" -o n.gexf --dynamic
	run "$i-$b-network-graphml" network "$f" -F graphml -k replies,mentions
	run "$i-$b-network-csv" network "$f" -F csv -k reposts,quotes --min-weight 1
	run "$i-$b-network-json" network "$f" -F json -k co-tags --dynamic
	run "$i-$b-network-summary" network "$f" -F summary --json
	# the first tags of the report, one by one
	for t in $("$OLD/groundswell" report "$f" --csv --top 3 2>/dev/null | tail -n +2 | cut -d, -f2 | head -3); do
		run "$i-$b-tag-$t" tag "$t" "$f"
		run "$i-$b-tag-$t-json" tag "$t" "$f" --json --bucket 2h
		run "$i-$b-tag-$t-csv" tag "$t" "$f" --csv
	done
done
run strict report --strict "$D/bad.jsonl"
for f in twitter1 twitter2 jetstream mastodon; do
	run "gen-$f" generate --seed 11 --hours 2 --rate 3 -f $f -o g.jsonl --truth t.json
	run "gen-$f-posts" generate --seed 12 --posts 500 -f $f
done
run gen-malformed generate --seed 5 --hours 1 --malformed 0.2
run demo demo
for c in report trends tag network generate serve demo; do run "help-$c" $c --help; done
run usage report --no-such-option
run missing report /nonexistent/file.jsonl
for f in "$here"/bench/data/*.jsonl; do
	[ -f "$f" ] || continue
	b=$(basename "$f")
	run "bench-$b-report" report "$f" --json --top 50
	run "bench-$b-trends" trends "$f" --json
	case $b in *1100M*|*500M*) continue;; esac
	run "bench-$b-network" network "$f" -F summary --json
	run "bench-$b-tag" tag metoo "$f" --json
done
# serve: every endpoint, once the source is read
serve_side() {
	side=$1 bin=$2 out=$W/$side/serve; mkdir -p "$out"
	"$bin/groundswell" serve --source "$D/twitter1.jsonl" --close-idle 1s --listen 127.0.0.1:0 \
		--port-file "$out/port" >"$out/stdout" 2>"$out/stderr" &
	pid=$!
	n=0; while [ ! -s "$out/port" ] && [ $n -lt 100 ]; do sleep 0.1; n=$((n + 1)); done
	port=$(cat "$out/port"); rm -f "$out/port"
	# until the source is read and the open buckets judged: lines steady
	# for two seconds
	prev=x n=0
	while [ $n -lt 60 ]; do
		sleep 2
		cur=$(curl -s "http://127.0.0.1:$port/stats" | sed 's/.*"lines":\([0-9]*\).*/\1/')
		[ "$cur" = "$prev" ] && break
		prev=$cur n=$((n + 1))
	done
	sleep 2
	for p in /trends /trends?format=csv /api/v1/trends/tags /api/v1/trends/tags?limit=3 /tags/metoo /tags/MeToo?format=json \
		/network /network?kind=co-tags /api/groundswell/v1 /nonexistent /admin/tags; do
		curl -s -D - "http://127.0.0.1:$port$p" | grep -v -i '^date:' | sed "s/$port/PORT/g" >"$out/$(echo "$p" | tr '/?=&' '____')"
	done
	curl -s "http://127.0.0.1:$port/stats" | sed -E 's/"(uptime_seconds|posts_per_second)":[0-9.e+-]*//g' >"$out/stats"
	curl -s "http://127.0.0.1:$port/metrics" | grep -v -E "uptime|process_|seconds_total|lag_seconds|per_second" >"$out/metrics"
	kill $pid; wait $pid 2>/dev/null
	grep -v -E 'listening|port' "$out/stderr" >"$out/stderr.f"; rm "$out/stderr"
}
serve_side old "$OLD"; serve_side new "$NEW"
if diff -r "$W/old/serve" "$W/new/serve" >/dev/null; then same=$((same + 1)); echo "same: serve"
else diff=$((diff + 1)); echo "DIFFERENT: serve"; diff -r "$W/old/serve" "$W/new/serve" | head -20; fi
echo "$same same, $diff different"
[ $diff -eq 0 ]
