#!/bin/sh
# tests/run.sh, the runner of make test, on fake suites in a scratch
# checkout: a skipped check ("ok N - what # SKIP why", any case, or a whole
# file's "1..0 # SKIP why") is not counted as passed and is listed, with
# its file and reason, under "N skipped" before the last line, which stays
# "N passed, N failed"; a run without skips says "0 skipped"; a failure
# still fails the run. TAP output.
here=$(cd "$(dirname "$0")/../.." && pwd)
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
n=0
ok() {
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then echo "ok $n - $2"; else
		echo "not ok $n - $2"
		[ -n "$3" ] && printf '%s\n' "$3" | sed 's/^/#   /'
	fi
}

mkdir -p "$T/tests/cli" "$T/none"
cp "$here/tests/run.sh" "$T/tests/"
cat >"$T/tests/cli/a.sh" <<'EOF'
echo "ok 1 - a check that ran"
echo "ok 2 - the widget check # SKIP no widget on this machine"
echo "ok 3 - another # skip lower case directive"
echo "1..3"
EOF
cat >"$T/tests/cli/b.sh" <<'EOF'
echo "1..0 # SKIP nothing to test without the corpus"
EOF
cat >"$T/tests/cli/c.sh" <<'EOF'
echo "ok 1 - first"
echo "ok 2 - second: the word SKIP in a description is no directive"
echo "1..2"
EOF
cd "$T" || exit 1
out=$(GS_TESTS=$T/none sh tests/run.sh 2>&1)
rc=$?
ok $rc "a run with skips and no failure succeeds" "$out"
last=$(printf '%s\n' "$out" | tail -1)
[ "$last" = "3 passed, 0 failed" ]
ok $? "the last line counts only what ran: 3 passed, 0 failed" "$out"
printf '%s\n' "$out" | tail -5 | head -1 | grep -q '^3 skipped'
ok $? "'3 skipped' on its own line before the list" "$out"
printf '%s\n' "$out" | grep -q '^    tests/cli/a.sh: ok 2 - the widget check # SKIP no widget on this machine$' &&
	printf '%s\n' "$out" | grep -q '^    tests/cli/a.sh: ok 3 - another # skip lower case directive$' &&
	printf '%s\n' "$out" | grep -q '^    tests/cli/b.sh: 1..0 # SKIP nothing to test without the corpus$'
ok $? "each skip listed with its file and reason" "$out"
printf '%s\n' "$out" | grep -q '^ok   tests/cli/a.sh (1, 2 skipped)$'
ok $? "a file's line says how many of its checks were skipped" "$out"

rm "$T/tests/cli/a.sh" "$T/tests/cli/b.sh"
out=$(GS_TESTS=$T/none sh tests/run.sh 2>&1)
[ $? = 0 ] && [ "$(printf '%s\n' "$out" | tail -2)" = "0 skipped
2 passed, 0 failed" ]
ok $? "no skip: '0 skipped' before the last line" "$out"

printf 'echo "not ok 1 - broken"\necho "ok 2 - fine # SKIP why"\n' >"$T/tests/cli/d.sh"
out=$(GS_TESTS=$T/none sh tests/run.sh 2>&1)
rc=$?
[ $rc != 0 ] && [ "$(printf '%s\n' "$out" | tail -1)" = "2 passed, 1 failed" ] &&
	printf '%s\n' "$out" | grep -q '^    tests/cli/d.sh: ok 2 - fine # SKIP why$'
ok $? "a failure fails the run; its file's skips are listed too" "$out"
echo "1..$n"
