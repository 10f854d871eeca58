#!/bin/sh
# Runs every libFuzzer target built by `make fuzz` for a short timed run, as
# CI does: each starts from a copy of its seeds (fuzz/corpus/NAME and
# fuzz/regress/NAME) in a temporary folder, so the checkout is not written.
# A crash, leak, timeout or out-of-memory fails the run; the input is kept
# and its path and Base64 printed, for fuzz/regress/README.md.
#
#   sh scripts/fuzz-run.sh [SECONDS [NAME...]]
#
# SECONDS per target: the argument, else $GS_FUZZ_SECONDS, else 15. NAME is
# a target without "fuzz_" (parser, json, ...); all of build-fuzz/ when none.
cd "$(dirname "$0")/.." || exit 2
secs=${1:-${GS_FUZZ_SECONDS:-15}}
[ $# -gt 0 ] && shift
if [ $# -eq 0 ]; then
	for t in build-fuzz/fuzz_*; do
		[ -x "$t" ] && set -- "$@" "${t#build-fuzz/fuzz_}"
	done
fi
if [ $# -eq 0 ]; then
	echo "fuzz-run: no targets in build-fuzz/ (make fuzz)" >&2
	exit 2
fi
work=$(mktemp -d "${TMPDIR:-/tmp}/gs-fuzz.XXXXXX") || exit 2
failed=0
for name in "$@"; do
	bin=build-fuzz/fuzz_$name
	dir=$work/$name
	mkdir -p "$dir/corpus" "$dir/artifacts"
	for f in fuzz/corpus/"$name"/* fuzz/regress/"$name"/*; do
		case "${f##*/}" in README* | .*) continue ;; esac
		[ -f "$f" ] && cp "$f" "$dir/corpus/"
	done
	start=$(date +%s)
	"$bin" -max_total_time="$secs" -artifact_prefix="$dir/artifacts/" \
		"$dir/corpus" >"$dir/log" 2>&1
	rc=$?
	took=$(($(date +%s) - start))
	# libFuzzer's last status line: "#RUNS DONE cov: ... ft: ... corp: ..."
	last=$(grep -E '^#[0-9]+' "$dir/log" | tail -1)
	if [ "$rc" -eq 0 ]; then
		echo "ok   fuzz_$name ${took}s: $last"
		rm -rf "$dir"
		continue
	fi
	failed=$((failed + 1))
	echo "FAIL fuzz_$name (status $rc after ${took}s)"
	tail -60 "$dir/log" | sed 's/^/    /'
	for a in "$dir"/artifacts/*; do
		[ -f "$a" ] || continue
		echo "    input kept: $a ($(wc -c <"$a") bytes)"
		if [ "$(wc -c <"$a")" -le 65536 ]; then
			echo "    base64: $(base64 -w0 "$a")"
		fi
	done
done
[ "$failed" -eq 0 ] && rm -rf "$work"
echo "fuzz-run: $# targets, ${secs}s each, $failed failed"
[ "$failed" -eq 0 ]
