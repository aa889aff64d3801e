# lib.sh — sourced by every end-to-end test (tests/e2e/*.sh).
#
# Gives each test a private temp dir ($T), the binaries ($OUTPOST,
# $OUTPOSTD), and assertions that count into the runner's totals. Every
# process a test starts in the background must be registered with
# `track PID`; they are killed by pid (never by name) when the test exits.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BIN=${OUTPOST_BIN:-$ROOT/bin}
OUTPOST=$BIN/outpost
OUTPOSTD=$BIN/outpostd
T=$(mktemp -d "${TMPDIR:-/tmp}/outpost-e2e.XXXXXX")
export OUTPOST_DB=$T/store.db
unset OUTPOST_AS XDG_DATA_HOME
PASS=0
FAIL=0
PIDS=""
track() { PIDS="$PIDS $1"; }
cleanup() {
	for p in $PIDS; do kill -TERM "$p" 2>/dev/null; done
	for p in $PIDS; do
		i=0
		while kill -0 "$p" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i+1)); done
		kill -KILL "$p" 2>/dev/null
	done
	[ -n "${KEEP:-}" ] || rm -rf "$T"
	echo "RESULT $PASS $FAIL"
}
trap cleanup EXIT

ok()   { PASS=$((PASS+1)); echo "  ok   $*"; }
bad()  { FAIL=$((FAIL+1)); echo "  FAIL $*"; }

# run CMD...: runs it, keeping stdout in $OUT, stderr in $ERR, status in $RC.
run() {
	"$@" >"$T/.out" 2>"$T/.err"
	RC=$?
	OUT=$(cat "$T/.out")
	ERR=$(cat "$T/.err")
}
# expect_rc N DESC CMD...: the command exits with status N.
expect_rc() {
	want=$1; desc=$2; shift 2
	run "$@"
	if [ "$RC" -eq "$want" ]; then ok "$desc"; else
		bad "$desc (exit $RC, wanted $want)"; echo "$ERR" | sed 's/^/       /' | head -5; fi
}
# expect_out DESC PATTERN: the last run's stdout matches grep -E PATTERN.
expect_out() {
	if printf '%s\n' "$OUT" | grep -Eq -- "$2"; then ok "$1"; else
		bad "$1 (stdout lacks /$2/)"; printf '%s\n' "$OUT" | sed 's/^/       /' | head -8; fi
}
expect_no_out() {
	if printf '%s\n' "$OUT" | grep -Eq -- "$2"; then bad "$1 (stdout has /$2/)"; else ok "$1"; fi
}
# expect_err DESC PATTERN: the last run's stderr matches.
expect_err() {
	if printf '%s\n' "$ERR" | grep -Eq -- "$2"; then ok "$1"; else
		bad "$1 (stderr lacks /$2/)"; printf '%s\n' "$ERR" | sed 's/^/       /' | head -5; fi
}
# expect_eq DESC GOT WANT
expect_eq() {
	if [ "$2" = "$3" ]; then ok "$1"; else bad "$1 (got '$2', wanted '$3')"; fi
}
# sql DB QUERY: one value from the stock sqlite3 shell.
sql() { sqlite3 -batch "$1" "$2"; }

# A free TCP port on loopback.
free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}
