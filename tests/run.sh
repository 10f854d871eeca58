#!/bin/sh
# Runs every unit test binary in $GS_TESTS, every fuzz target's replay of its
# saved inputs there (replay_NAME: fuzz/corpus/NAME and fuzz/regress/NAME,
# one line per input; see fuzz/replay.c) and every integration script in
# tests/cli/, reads their TAP lines, and ends with "N passed, N failed".
# A check that could not run here ("ok ... # SKIP why") is not counted as
# passed: every one is listed before that line with its reason, under
# "N skipped" (on its own line, so that the last line keeps its form).
# Run from the checkout's top (the replays and scripts find their files there).
# GS_RUN_TESTS (space-separated paths) runs those instead of every test.
GS_BIN=${GS_BIN:-build/groundswell}
GS_TESTS=${GS_TESTS:-build/tests}
export GS_BIN
pass=0
fail=0
skip=0
log=$(mktemp)
skips=$(mktemp)
for t in ${GS_RUN_TESTS:-"$GS_TESTS"/test_* "$GS_TESTS"/replay_* tests/cli/*.sh}; do
	[ -e "$t" ] || continue
	case "$t" in *.sh) cmd="sh $t" ;; *) cmd="$t" ;; esac
	$cmd >"$log" 2>&1
	rc=$?
	# TAP: a directive is "# SKIP" in any case, after the description; a
	# plan "1..0 # SKIP why" skips the whole file
	sk='^ok .*# *skip|^1\.\.0 *# *skip'
	s=$(grep -c -i -E "$sk" "$log")
	grep -i -E "$sk" "$log" | sed "s|^|    $t: |" >>"$skips"
	p=$(($(grep -c '^ok ' "$log") - $(grep -c -i '^ok .*# *skip' "$log")))
	f=$(grep -c '^not ok ' "$log")
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		f=1
		echo "not ok - $t exited with status $rc" >>"$log"
	fi
	pass=$((pass + p))
	fail=$((fail + f))
	skip=$((skip + s))
	if [ "$f" -ne 0 ]; then
		echo "FAIL $t"
		grep -v '^ok ' "$log" | sed 's/^/    /' | head -60
	elif [ "$s" -ne 0 ]; then
		echo "ok   $t ($p, $s skipped)"
	else
		echo "ok   $t ($p)"
	fi
done
if [ "$skip" -ne 0 ]; then
	echo "$skip skipped (not run here; each with its reason):"
	cat "$skips"
else
	echo "0 skipped"
fi
rm -f "$log" "$skips"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
