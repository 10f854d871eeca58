#!/bin/sh
# Runs every unit test binary in $GS_TESTS, every fuzz target's replay of its
# saved inputs there (replay_NAME: fuzz/corpus/NAME and fuzz/regress/NAME,
# one line per input; see fuzz/replay.c) and every integration script in
# tests/cli/, reads their TAP lines, and ends with "N passed, N failed".
# Run from the checkout's top (the replays and scripts find their files there).
GS_BIN=${GS_BIN:-build/groundswell}
GS_TESTS=${GS_TESTS:-build/tests}
export GS_BIN
pass=0
fail=0
log=$(mktemp)
for t in "$GS_TESTS"/test_* "$GS_TESTS"/replay_* tests/cli/*.sh; do
	[ -e "$t" ] || continue
	case "$t" in *.sh) cmd="sh $t" ;; *) cmd="$t" ;; esac
	$cmd >"$log" 2>&1
	rc=$?
	p=$(grep -c '^ok ' "$log")
	f=$(grep -c '^not ok ' "$log")
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		f=1
		echo "not ok - $t exited with status $rc" >>"$log"
	fi
	pass=$((pass + p))
	fail=$((fail + f))
	if [ "$f" -ne 0 ]; then
		echo "FAIL $t"
		grep -v '^ok ' "$log" | sed 's/^/    /' | head -60
	else
		echo "ok   $t ($p)"
	fi
done
rm -f "$log"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
