#!/bin/sh
# Installs what groundswell needs to build, to run the demo with its
# dashboard and to run every test, when it is missing; does nothing (and
# touches no network) when everything is there. `make demo`, `make test`
# and `make deps` run it once, then again only when web/package-lock.json
# or bench/package-lock.json or this script changes, or web/node_modules
# or bench/node_modules goes (build/.deps-stamp).
#
#   - Debian packages (checked with dpkg-query): the build's libraries,
#     python3, zstd, gzip, git, python3-yaml; pigz, tabix (bgzip) and isal
#     (igzip), which write the multi-member gzip forms the inflate tests
#     and the compressed bench read; chromium (the browser tests:
#     tests/cli/web.sh and html.sh) unless a chromium command is there;
#     nodejs and npm unless node and npm are (NodeSource's nodejs carries
#     npm; Debian's does not). Installed with apt-get as root, through
#     sudo otherwise (sudo -n, or sudo asking for the password on a
#     terminal); when neither can be used it prints the exact apt-get line
#     and fails.
#   - web/node_modules (uPlot, which the dashboard embeds; playwright-core
#     and masto for the browser and Mastodon-client tests) and
#     bench/node_modules (DuckDB, which the benchmarks and their smoke test
#     tests/cli/bench_compressed.sh run beside groundswell): `npm ci` in
#     that folder when a package of its package-lock.json is missing there
#     or has another version (checked offline, from each package.json).
#   - the real-data corpus, tests/real/<format>/ (scripts/fetch-real.sh,
#     from the pinned commits of tests/real/SOURCES; git, python3-yaml),
#     when it is missing; a failure there is a warning, not an error.
#
# GS_EXTRA_PKGS adds Debian packages (CI: clang, clang-format...).
# GS_NO_INSTALL=1 (packagers) installs nothing: it lists what is missing on
# stderr and exits 0; the build then fails on a missing library, and the
# tests that need a missing tool say "# SKIP" with the reason, listed at the
# end of `make test`.
# Run from the checkout's top (web/ is found there).
set -e
PKGS="build-essential pkg-config libutf8proc-dev libzstd-dev zlib1g-dev libisal-dev libxxhash-dev libsodium-dev libmicrohttpd-dev libwebsockets-dev libcurl4-openssl-dev librdkafka-dev kcat python3 zstd gzip pigz tabix isal git python3-yaml"
have() { command -v "$1" >/dev/null 2>&1; }
have chromium || PKGS="$PKGS chromium"
have node || PKGS="$PKGS nodejs"
have npm || PKGS="$PKGS npm"
[ -n "$GS_EXTRA_PKGS" ] && PKGS="$PKGS $GS_EXTRA_PKGS"

# 0 when every package DIR/package-lock.json pins is in DIR/node_modules
# at its version (no network: npm is not asked)
node_current() {
	[ -f "$1/package-lock.json" ] || return 0
	have python3 || return 1
	python3 - "$1" <<'EOF'
import json, os, sys
top = sys.argv[1]
lock = json.load(open(os.path.join(top, "package-lock.json")))
for path, meta in lock.get("packages", {}).items():
    if not path or meta.get("optional") or meta.get("link"):
        continue
    try:
        with open(os.path.join(top, path, "package.json")) as f:
            ok = json.load(f).get("version") == meta.get("version")
    except (OSError, ValueError):
        ok = False
    if not ok:
        sys.exit(1)
EOF
}

missing=""
if have dpkg-query; then
	# one dpkg-query for all: it lists the installed ones
	# shellcheck disable=SC2086
	ok=$(dpkg-query -W -f='${Package} ${Status}\n' $PKGS 2>/dev/null | sed -n 's/ install ok installed$//p' || true)
	for p in $PKGS; do
		case " $(echo $ok) " in *" $p "*) ;; *) missing="$missing $p" ;; esac
	done
else
	echo "groundswell: not a Debian system (no dpkg-query): make sure the equivalents of these packages are installed: $PKGS" >&2
fi

if [ -n "$GS_NO_INSTALL" ]; then
	[ -n "$missing" ] && echo "groundswell: GS_NO_INSTALL is set; not installing the missing Debian packages:$missing" >&2
	node_current web || echo "groundswell: GS_NO_INSTALL is set; web/node_modules is missing or stale, not running: cd web && npm ci (the dashboard page then says it was not built; the browser tests skip)" >&2
	node_current bench || echo "groundswell: GS_NO_INSTALL is set; bench/node_modules is missing or stale, not running: cd bench && npm ci (the benchmarks' DuckDB side and their smoke test skip)" >&2
	[ -d tests/real/twitter1 ] || [ -n "$GS_REAL_CORPUS" ] || echo "groundswell: GS_NO_INSTALL is set; the real-data corpus is missing, not running: sh scripts/fetch-real.sh (the real-data tests skip)" >&2
	exit 0
fi

if [ -n "$missing" ]; then
	if [ "$(id -u)" = 0 ]; then
		SUDO=""
	elif have sudo && { sudo -n true 2>/dev/null || [ -t 0 ]; }; then
		SUDO="sudo"
	else
		echo "groundswell needs these Debian packages:$missing" >&2
		echo "run: sudo apt-get update && sudo apt-get install -y$missing" >&2
		echo "(or, to install nothing: GS_NO_INSTALL=1 make ...)" >&2
		exit 1
	fi
	echo "groundswell: installing$missing" >&2
	# sudo resets the environment: the variable goes through env
	$SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq || true
	# shellcheck disable=SC2086
	$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing
fi

for dir in web bench; do
	node_current $dir && continue
	if ! have npm; then
		echo "groundswell: npm is needed for $dir/node_modules (web: the dashboard and its tests; bench: DuckDB beside groundswell): apt-get install npm, then: cd $dir && npm ci" >&2
		exit 1
	fi
	echo "groundswell: cd $dir && npm ci" >&2
	(cd $dir && npm ci --no-audit --no-fund)
done

# the real-data corpus (third-party files, not in git): when it cannot be
# fetched, the tests that read it skip, listed at the end of make test
if [ -f scripts/fetch-real.sh ] && ! sh scripts/fetch-real.sh; then
	echo "groundswell: warning: the real-data corpus could not be fetched: tests/cli/real.sh and threads.sh will skip it; sh scripts/fetch-real.sh tries again" >&2
fi

# playwright-core (the dashboard's browser test) refuses a node older than
# its engines say: Debian 12's nodejs is 18, and playwright-core is pinned
# to 1.61, the last release that takes 18
need=$(sed -n '/"node": *">=/{s/.*"node": *">= *\([0-9][0-9]*\)".*/\1/p;q;}' web/node_modules/playwright-core/package.json 2>/dev/null || true)
got=$(node --version 2>/dev/null | sed -n 's/^v\([0-9][0-9]*\).*/\1/p' || true)
if [ -n "$need" ] && [ -n "$got" ] && [ "$got" -lt "$need" ]; then
	echo "groundswell: warning: node $(node --version) is older than playwright-core needs (>=$need): the dashboard's browser checks will be skipped (listed at the end of make test); install Node.js $need or later, e.g. NodeSource's nodejs" >&2
fi
