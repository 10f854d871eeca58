#!/bin/sh
# Fails when the lines a change touched are not formatted as .clang-format
# says (tabs, Linux braces, 80 columns): runs
# `git clang-format --diff --extensions c,h BASE`, which formats only the
# C lines that differ between BASE and the work tree, prints the diff it
# would apply and exits 1; exits 0 when there is nothing to change.
#
#   sh scripts/check-format.sh [BASE]
#
# BASE is the argument, else $GS_FORMAT_BASE, else HEAD~1: in CI's clone of
# main, the last commit's (or the last merge's) lines. Only C files are
# checked (never .json or .js). To fix: `git clang-format --extensions c,h
# BASE` formats the same lines in place.
cd "$(dirname "$0")/.." || exit 2
base=${1:-${GS_FORMAT_BASE:-}}
if [ -z "$base" ]; then
	if ! git rev-parse -q --verify 'HEAD~1^{commit}' >/dev/null; then
		# a clone of depth 1, or the first commit: nothing to compare
		echo "check-format: HEAD has no parent here; set GS_FORMAT_BASE (or fetch deeper) to check" >&2
		exit 0
	fi
	base=HEAD~1
fi
if ! command -v clang-format >/dev/null 2>&1 ||
	! git clang-format -h >/dev/null 2>&1; then
	echo "check-format: clang-format and git-clang-format are needed (Debian package clang-format)" >&2
	exit 2
fi
out=$(git clang-format --diff --extensions c,h "$base" 2>&1)
rc=$?
# clang-format 14 exits 0 even with a diff (15 and later exit 1): read the
# text it prints when it has nothing to change
case "$out" in
"no modified files to format" | "clang-format did not modify any files")
	echo "check-format: the C lines changed since $base are formatted"
	exit 0
	;;
esac
printf '%s\n' "$out"
if [ "$rc" -gt 1 ]; then
	echo "check-format: git clang-format failed (status $rc)" >&2
	exit 2
fi
echo "check-format: the C lines changed since $base are not formatted as .clang-format says; run: git clang-format --extensions c,h $base" >&2
exit 1
