#!/bin/sh
# Installs the Debian packages groundswell needs to build and test, when they
# are missing: with apt-get as root, through sudo otherwise, or prints the
# exact apt-get line when neither can be used.
set -e
PKGS="build-essential pkg-config libutf8proc-dev libzstd-dev zlib1g-dev libxxhash-dev libsodium-dev libmicrohttpd-dev libwebsockets-dev libcurl4-openssl-dev python3 zstd gzip"
[ -n "$GS_EXTRA_PKGS" ] && PKGS="$PKGS $GS_EXTRA_PKGS"
missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" = 0 ]; then
	SUDO=""
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
	SUDO="sudo"
else
	echo "groundswell needs these Debian packages:$missing" >&2
	echo "run: sudo apt-get install -y$missing" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq || true
$SUDO apt-get install -y -qq $missing
