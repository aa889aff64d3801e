#!/bin/sh
# 95_install.sh — `make install` into a DESTDIR (issue 13): both binaries,
# the systemd units with their paths set to PREFIX, and never an empty man
# page (without scdoc the pages are left out, and `make man` fails without
# leaving one behind).
. "$(dirname "$0")/lib.sh"
plan 9

if [ "$(cd "$BIN" && pwd)" != "$ROOT/bin" ]; then
	skip 9 "installs the default build, not $BIN"
	done_testing
fi
D=$T/root
expect_rc 0 "make install without scdoc" make -s -C "$ROOT" install DESTDIR="$D" PREFIX=/usr SCDOC=outpost-no-scdoc
expect_err "says the man pages were left out" "man pages not installed"
expect_eq "both binaries" "$(ls "$D/usr/bin" | tr '\n' ' ')" "outpost outpostd "
expect_eq "the units" "$(ls "$D/usr/lib/systemd/system" | tr '\n' ' ')" \
	"outpost-backup.service outpost-backup.timer outpostd.service "
expect_eq "their ExecStart under PREFIX" \
	"$(grep -h '^ExecStart=' "$D"/usr/lib/systemd/system/*.service | cut -d' ' -f1 | sort -u)" \
	"ExecStart=/usr/bin/outpostd"
expect_eq "no man page at all, so no empty one" "$(find "$D" -name '*.[18]' | wc -l)" 0
expect_eq "the daemon runs as outpost, group-writable files, a watchdog" \
	"$(grep -Ec '^(User=outpost|Group=outpost|UMask=0007|WatchdogSec=)' "$D/usr/lib/systemd/system/outpostd.service")" 4
rm -f "$ROOT"/build/outpost.1 "$ROOT"/build/outpostd.8
expect_rc 2 "make man with a failing scdoc fails" make -s -C "$ROOT" man SCDOC=false
expect_eq "and leaves no page, empty or not" "$(ls "$ROOT"/build/outpost.1* "$ROOT"/build/outpostd.8* 2>/dev/null | wc -l)" 0
done_testing
