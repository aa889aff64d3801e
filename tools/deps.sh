#!/bin/sh
# Make sure the Debian packages Outpost builds and tests with are present.
# Run by `make` before anything compiles: installs what is missing when we
# are root (after `apt-get update`), otherwise stops with the exact command.
set -u
need=""
have_pc() { pkg-config --exists "$1" 2>/dev/null; }
have_cmd() { command -v "$1" >/dev/null 2>&1; }

command -v pkg-config >/dev/null 2>&1 || need="$need pkg-config"
have_pc sqlite3   || need="$need libsqlite3-dev"
have_pc libzmq    || need="$need libzmq3-dev"
have_pc zlib      || need="$need zlib1g-dev"
have_pc libgit2   || need="$need libgit2-dev"
have_pc libsodium || need="$need libsodium-dev"
have_pc icu-i18n  || need="$need libicu-dev"
if [ "${1:-}" = test ]; then
	have_pc criterion || need="$need libcriterion-dev"
	have_cmd sqlite3  || need="$need sqlite3"
	have_cmd git      || need="$need git"
	have_cmd python3  || need="$need python3"
	have_cmd faketime || need="$need faketime"
	# sales slips are printed in Chinese: without a CJK font chromium draws tofu
	dpkg-query -W -f '${Status}' fonts-noto-cjk 2>/dev/null | grep -q 'ok installed' ||
		need="$need fonts-noto-cjk"
fi
# scdoc is optional: `make install` skips the man pages without it
have_cmd cc   || need="$need gcc"
have_cmd make || need="$need make"

[ -z "$need" ] && exit 0
cmd="apt-get update && apt-get install -y --no-install-recommends$need"
if [ "$(id -u)" -ne 0 ]; then
	echo "outpost: missing packages:$need" >&2
	echo "outpost: run as root:  $cmd" >&2
	exit 1
fi
echo "outpost: installing missing packages:$need" >&2
export DEBIAN_FRONTEND=noninteractive
if ! { apt-get update -q >&2 && apt-get install -y -q --no-install-recommends $need >&2; }; then
	echo "outpost: could not install packages; run:  $cmd" >&2
	exit 1
fi
