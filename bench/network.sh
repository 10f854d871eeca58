#!/bin/sh
# bench/network.sh - wall time and peak memory of `groundswell network` on a
# ~1 GB file; prints a markdown table and writes it to bench/network.md.
#
#   sh bench/network.sh [FILE]
#
# Input: FILE; else bench/data/twitter1-1g.jsonl or bench/data/twitter1-1100M.jsonl
# when bench/run.sh has made one (only read here, never written); else it is
# generated once, with bench/run.sh's parameters (--seed 1 -f twitter1
# --bytes-target 1100M), into $NET_DATA (default ${TMPDIR:-/tmp}/groundswell-bench).
# Each command runs RUNS times (default 3); the best wall time is kept, with
# that run's peak RSS (/usr/bin/time -f '%e %M').
set -eu

cd "$(dirname "$0")/.."
RUNS=${RUNS:-3}
NET_DATA=${NET_DATA:-${TMPDIR:-/tmp}/groundswell-bench}
GS=build/groundswell
MD=bench/network.md

[ -x /usr/bin/time ] || { echo "bench: needs /usr/bin/time (apt-get install -y time)" >&2; exit 2; }
make -s -j2 "$GS" >&2 || [ -x "$GS" ] || exit 2
mkdir -p "$NET_DATA"
# a private copy: a rebuild during the run cannot change what is measured
cp "$GS" "$NET_DATA/groundswell"
GS=$NET_DATA/groundswell

IN=${1:-}
if [ -z "$IN" ]; then
	for f in bench/data/twitter1-1g.jsonl bench/data/twitter1-1100M.jsonl; do
		if [ -s "$f" ]; then IN=$f; break; fi
	done
fi
if [ -z "$IN" ]; then
	IN=$NET_DATA/twitter1-1100M.jsonl
	if [ ! -s "$IN" ]; then
		echo "bench: generating $IN (about 1.1 GB)" >&2
		"$GS" generate --seed 1 -f twitter1 --bytes-target 1100M -o "$IN.tmp"
		mv "$IN.tmp" "$IN"
	fi
fi
bytes=$(wc -c <"$IN")
mb=$(awk -v b="$bytes" 'BEGIN { printf "%.0f", b / 1e6 }')
OUT=$NET_DATA/out
mkdir -p "$OUT"

# measure NAME ARGS...: best of RUNS; prints "wall peak_kib"
measure() {
	name=$1
	shift
	best=""
	for i in $(seq "$RUNS"); do
		/usr/bin/time -o "$OUT/time" -f '%e %M' "$GS" "$@" >"$OUT/$name.out" 2>"$OUT/$name.err" || {
			echo "bench: '$name' failed:" >&2
			cat "$OUT/$name.err" >&2
			exit 2
		}
		t=$(tail -1 "$OUT/time")
		if [ -z "$best" ] || awk -v a="$t" -v b="$best" 'BEGIN { split(a, x, " "); split(b, y, " "); exit !(x[1] < y[1]) }'; then
			best=$t
		fi
	done
	echo "$best"
}

row() { # row NAME DESCRIPTION ARGS...
	name=$1
	what=$2
	shift 2
	r=$(measure "$name" "$@")
	wall=${r% *}
	kib=${r#* }
	lines=$(wc -l <"$OUT/$name.out")
	size=$(wc -c <"$OUT/$name.out")
	printf '| %s | `%s` | %s | %s | %.1f | %s | %.1f |\n' "$what" "$*" "$wall" \
		"$(awk -v b="$bytes" -v t="$wall" 'BEGIN { printf "%.0f", b / 1e6 / (t > 0 ? t : 0.001) }')" \
		"$(awk -v k="$kib" 'BEGIN { print k / 1024 }')" "$lines" \
		"$(awk -v s="$size" 'BEGIN { print s / 1e6 }')"
}

load_before=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown)
table=$OUT/table.md
{
	echo "| run | command (after \`groundswell\`) | wall s | MB/s | peak MiB | output lines | output MB |"
	echo "|---|---|---:|---:|---:|---:|---:|"
	row accounts "accounts, all cores" network --kind replies,mentions,reposts,quotes --format csv "$IN"
	row accounts_t1 "accounts, one thread" network --kind replies,mentions,reposts,quotes --format csv --threads 1 "$IN"
	row cotags "co-tags, all cores" network --kind cotags --format csv "$IN"
	row gexf "dynamic GEXF (1h spells)" network --format gexf --dynamic "$IN"
	row bounded "bounded: 20k edges, 10k nodes" network --format csv --max-edges 20000 --max-nodes 10000 "$IN"
	row report "reference: report" report --top 20 "$IN"
} >"$table"

summary=$OUT/summary.txt
"$GS" network --format summary --top 5 "$IN" >"$summary"
"$GS" network --kind cotags --format summary --top 5 "$IN" >>"$summary"
"$GS" network --format summary --top 0 --max-edges 20000 --max-nodes 10000 "$IN" >>"$summary"

cpu=$(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null || echo unknown)
commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
{
	echo "# groundswell network: time and memory on ~1 GB"
	echo
	echo "- Machine: $(nproc) cores, $cpu, $(uname -sr)"
	echo "- Date: $(date -u '+%Y-%m-%d %H:%M UTC'); groundswell $("$GS" --version | cut -d' ' -f2) (commit $commit)"
	echo "- Input: \`$IN\`, $mb MB of Twitter v1.1 (\`groundswell generate --seed 1 -f twitter1 --bytes-target 1100M\`)"
	echo "- Command: \`sh bench/network.sh\` (RUNS=$RUNS: best wall time, peak RSS of that run from \`/usr/bin/time -f '%e %M'\`)"
	echo "- Load average (1, 5, 15 min) before the runs: $load_before; after: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown). Other work on the machine shows up in the wall times, not in the memory figures."
	echo
	cat "$table"
	echo
	echo "Notes: the input is read from the page cache (the report run reads the same way, for comparison)."
	echo "Peak memory is the process's whole RSS (parser buffers, one network per reading thread until they"
	echo "are merged, and the sorted output view). The default caps (--max-edges 2,000,000, --max-nodes"
	echo "1,000,000) are not reached on this input; the bounded run shows the eviction path with caps far"
	echo "below the network's size: memory stays at the caps, and evictions are counted in the summary below."
	echo "Dynamic GEXF keeps one 8-byte bucket per active hour per node and edge."
	echo
	echo "The networks measured (summaries):"
	echo
	echo '```'
	cat "$summary"
	echo '```'
} >"$MD"
cat "$MD"
