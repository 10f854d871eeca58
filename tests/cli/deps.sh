#!/bin/sh
# make deps (which make test and make demo run first) and
# scripts/install-deps.sh, on a copy of the Makefile, the script and web's
# and bench's package files, with fake dpkg-query, apt-get, sudo, id, npm and git that log
# their calls, on a PATH that holds only the tools the script needs: the
# stamp makes a second run call none of them; a changed lock file or a
# removed web/ or bench/node_modules runs the check again and npm ci only
# where needed; missing packages are installed as root, through sudo, or named in
# the exact command to run (failing); GS_NO_INSTALL=1 installs nothing and
# says what is missing; a node older than playwright-core needs, and a
# real-data corpus that cannot be fetched, are warned about. TAP output.
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

mkdir -p "$T/src/scripts" "$T/src/web" "$T/src/bench" "$T/fake" "$T/bin"
cp "$here/Makefile" "$T/src/"
cp "$here/scripts/install-deps.sh" "$T/src/scripts/"
cp "$here/web/package.json" "$here/web/package-lock.json" "$T/src/web/"
cp "$here/bench/package.json" "$here/bench/package-lock.json" "$T/src/bench/"
mkdir -p "$T/src/tests/real"
cp "$here/scripts/fetch-real.sh" "$T/src/scripts/"
cp "$here/tests/real/convert.py" "$T/src/tests/real/"
LOG=$T/log
export LOG

# the only tools on PATH: no chromium, node, sudo or real apt-get
for tool in sh make mkdir touch sed grep cat rm cp chmod env basename tr; do
	ln -s "$(command -v "$tool")" "$T/bin/$tool"
done
# the interpreter itself (python3 may be a wrapper that needs bash)
ln -s "$(python3 -c 'import sys; print(sys.executable)')" "$T/bin/python3"
# dpkg-query: every package is installed but those in $FAKE_MISSING
cat >"$T/fake/dpkg-query" <<'EOF'
#!/bin/sh
echo "dpkg-query" >>"$LOG"
shift 2
for p; do
	case " $FAKE_MISSING " in *" $p "*) echo "$p deinstall ok config-files" ;;
	*) echo "$p install ok installed" ;; esac
done
EOF
# git: cannot reach the network
cat >"$T/fake/git" <<'EOF'
#!/bin/sh
echo "git $*" >>"$LOG"
case "$*" in *fetch*) echo "fatal: unable to access: Could not resolve host" >&2; exit 128 ;; *cat-file*) exit 1 ;; esac
exit 0
EOF
cat >"$T/fake/apt-get" <<'EOF'
#!/bin/sh
echo "apt-get $*" >>"$LOG"
EOF
cat >"$T/fake/id" <<'EOF'
#!/bin/sh
echo "${FAKE_UID:-0}"
EOF
# npm ci: writes each locked package's package.json at its version
cat >"$T/fake/npm" <<'EOF'
#!/bin/sh
echo "npm $* in $(basename "$PWD")" >>"$LOG"
python3 - <<'PY'
import json, os
lock = json.load(open("package-lock.json"))
for path, meta in lock["packages"].items():
    if path:
        os.makedirs(path, exist_ok=True)
        pkg = {"version": meta["version"]}
        if "engines" in meta:
            pkg["engines"] = meta["engines"]
        json.dump(pkg, open(path + "/package.json", "w"))
open("node_modules/.package-lock.json", "w").write("{}")
PY
EOF
cat >"$T/sudo" <<'EOF'
#!/bin/sh
echo "sudo $*" >>"$LOG"
[ "$1" = -n ] && [ "$2" = true ] && exit 0
exec "$@"
EOF
chmod +x "$T/fake/"* "$T/sudo"
PATH=$T/fake:$T/bin
export PATH

cd "$T/src" || exit 1
run() {
	: >"$LOG"
	make --no-print-directory deps >"$T/out" 2>&1
	echo $? >"$T/rc"
}
logged() { tr '\n' ';' <"$LOG"; }

run
ok "$(cat "$T/rc")" "fresh: make deps succeeds" "$(cat "$T/out")"
! grep -q '^apt-get' "$LOG"
ok $? "fresh, every package there: apt-get not called" "$(logged)"
grep -q '^npm ci --no-audit --no-fund in web$' "$LOG"
ok $? "fresh: npm ci in web/" "$(logged)"
grep -q '^npm ci --no-audit --no-fund in bench$' "$LOG"
ok $? "fresh: npm ci in bench/ (DuckDB, for the benchmarks' smoke test)" "$(logged)"
[ -f build/.deps-stamp ]
ok $? "the stamp is written"
grep -q '^git .*fetch -q --depth 1 --filter=blob:none origin [0-9a-f]\{40\}$' "$LOG" &&
	grep -q 'warning: the real-data corpus could not be fetched' "$T/out"
ok $? "no real-data corpus: fetched; offline, a warning, not a failure" "$(logged) $(cat "$T/out")"

run
[ "$(cat "$T/rc")" = 0 ] && [ ! -s "$LOG" ]
ok $? "second run: no dpkg-query, apt-get or npm call" "$(logged) $(cat "$T/out")"

touch web/package-lock.json
run
[ "$(cat "$T/rc")" = 0 ] && grep -q dpkg-query "$LOG" && ! grep -q -e apt-get -e npm "$LOG"
ok $? "lock file changed: checked again; node_modules current: no npm ci" "$(logged)"

mkdir -p tests/real/twitter1 tests/real/twitter2 tests/real/jetstream tests/real/mastodon
rm -rf web/node_modules
run
[ "$(cat "$T/rc")" = 0 ] && grep -q '^npm ci' "$LOG" && ! grep -q '^git' "$LOG"
ok $? "web/node_modules removed: npm ci again; the corpus there: no git" "$(logged)"

run
[ ! -s "$LOG" ]
ok $? "then nothing again" "$(logged)"

rm -rf bench/node_modules
run
[ "$(cat "$T/rc")" = 0 ] && grep -q '^npm ci --no-audit --no-fund in bench$' "$LOG" &&
	! grep -q 'in web$' "$LOG"
ok $? "bench/node_modules removed: npm ci in bench/ only" "$(logged)"

# missing packages, as root: apt-get installs them; chromium and nodejs
# are asked for as packages because no chromium or node command is on PATH,
# npm not, as an npm command is
export FAKE_MISSING="libsodium-dev zstd chromium nodejs npm"
touch scripts/install-deps.sh
run
[ "$(cat "$T/rc")" = 0 ] && grep -q '^apt-get update' "$LOG" &&
	grep -q '^apt-get install -y -qq libsodium-dev zstd chromium nodejs$' "$LOG"
ok $? "as root: apt-get installs the missing ones, chromium and nodejs (no such commands), not npm (there)" "$(logged)"

# not root, no sudo: the exact command, and a failure
rm -f build/.deps-stamp
FAKE_UID=1000 run
[ "$(cat "$T/rc")" != 0 ] && ! grep -q apt-get "$LOG" &&
	grep -q 'run: sudo apt-get update && sudo apt-get install -y libsodium-dev zstd chromium nodejs$' "$T/out" &&
	[ ! -f build/.deps-stamp ]
ok $? "not root, no sudo: fails, printing the apt-get line to run" "$(cat "$T/out") $(logged)"

# not root, with sudo
cp "$T/sudo" "$T/fake/sudo"
FAKE_UID=1000 run
[ "$(cat "$T/rc")" = 0 ] &&
	grep -q '^sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libsodium-dev zstd chromium nodejs$' "$LOG"
ok $? "not root, with sudo: apt-get through sudo" "$(logged)"

# GS_NO_INSTALL: nothing installed, what is missing said, no stamp
rm -f build/.deps-stamp
rm -rf web/node_modules bench/node_modules
: >"$LOG"
make --no-print-directory deps GS_NO_INSTALL=1 >"$T/out" 2>&1
rc=$?
[ $rc = 0 ] && ! grep -q -e apt-get -e npm "$LOG" && [ ! -f build/.deps-stamp ] &&
	grep -q 'not installing the missing Debian packages: libsodium-dev zstd chromium nodejs' "$T/out" &&
	grep -q 'not running: cd web && npm ci' "$T/out" &&
	grep -q 'not running: cd bench && npm ci' "$T/out"
ok $? "GS_NO_INSTALL=1: installs nothing, names what is missing, leaves no stamp" "$(cat "$T/out") $(logged)"

# a node older than playwright-core's engines (16; it takes 18): said, not fatal
unset FAKE_MISSING
printf '#!/bin/sh\necho v16.20.2\n' >"$T/fake/node"
chmod +x "$T/fake/node"
rm -f build/.deps-stamp
run
[ "$(cat "$T/rc")" = 0 ] &&
	grep -q 'warning: node v16.20.2 is older than playwright-core needs (>=18): the dashboard.s browser checks will be skipped' "$T/out"
ok $? "a node older than playwright-core needs: a warning, not a failure" "$(cat "$T/out")"
echo "1..$n"
