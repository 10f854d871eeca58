#!/bin/sh
# Rebuilds the real-data corpus (tests/real/<format>/, git-ignored: it is
# third-party data) when it is missing: fetches the one pinned commit of
# each repository that tests/real/convert.py reads (tests/real/SOURCES),
# shallow and without blobs, into build/real-src/OWNER+NAME/repo, then
# runs convert.py, which fetches the few files it reads (about 10 MB in
# all). make deps runs it; tests/cli/real.sh and threads.sh use the corpus.
#   sh scripts/fetch-real.sh
# Does nothing when tests/real/ already has the corpus, or $GS_REAL_CORPUS
# is set. Needs git, python3-yaml and the network; GS_REAL_GIT (default
# https://github.com) is where OWNER/NAME is fetched from. Fails (status
# 1, saying why) when a fetch fails: the tests then skip, listed.
# Run from the checkout's top.
set -e
[ -n "$GS_REAL_CORPUS" ] && exit 0
for f in tests/real/twitter1 tests/real/twitter2 tests/real/jetstream tests/real/mastodon; do
	[ -d "$f" ] || missing=1
done
[ -z "$missing" ] && exit 0
base=${GS_REAL_GIT:-https://github.com}
src=build/real-src
# OWNER/NAME COMMIT, one a line, from convert.py's own table
list=$(python3 -c 'import sys; sys.path.insert(0, "tests/real"); import convert
for r, c in convert.REPOS.items(): print(r, c)')
echo "groundswell: fetching the real-data corpus's sources (tests/real/SOURCES) into $src" >&2
echo "$list" | while read -r repo commit; do
	git=$src/$(echo "$repo" | tr / +)/repo
	if ! git --git-dir="$git" cat-file -e "$commit^{commit}" 2>/dev/null; then
		rm -rf "$git"
		git init -q --bare "$git"
		# a partial clone: the commit's trees now, and only the blobs
		# that convert.py reads, fetched when it reads them
		git --git-dir="$git" config gc.auto 0
		git --git-dir="$git" remote add origin "$base/$repo"
		git --git-dir="$git" config remote.origin.promisor true
		git --git-dir="$git" config remote.origin.partialclonefilter blob:none
		git --git-dir="$git" fetch -q --depth 1 --filter=blob:none origin "$commit" || {
			echo "groundswell: could not fetch $repo $commit from $base: the real-data tests will be skipped" >&2
			exit 1
		}
	fi
done
python3 tests/real/convert.py --mirror "$src" >/dev/null
echo "groundswell: tests/real/ rebuilt" >&2
