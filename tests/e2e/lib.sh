# lib.sh — sourced by every end-to-end test (tests/e2e/*.sh).
#
# Gives each test a private temp dir ($T), the binaries ($OUTPOST,
# $OUTPOSTD), and assertions that count into the runner's totals. Every
# process a test starts in the background must be registered with
# `track PID`; they are killed by pid (never by name) when the test exits.
#
# Every script says how many checks it makes, `plan N` near the top, and
# ends with `done_testing`. Its last line is
#     RESULT PASSED FAILED SKIPPED PLANNED DONE
# and it exits non-zero unless every check passed, the checks reached
# (passed + failed + skipped) equal the plan and done_testing was reached.
# So a shell error, an `exit` or a loop that runs short cannot pass for a
# success: tests/run.sh reads the same line and fails such a script too.
# With OUTPOST_BAIL=1 (make mutate), the first failed check ends the script.
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
SKIP=0
PLAN=
DONE=0
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
	reached=$((PASS + FAIL + SKIP))
	[ "$DONE" = 1 ] || echo "  FAIL ended early, before done_testing (exit $rc, $reached of ${PLAN:-?} checks reached)"
	[ -n "$PLAN" ] || echo "  FAIL no plan: the script never called plan N"
	[ -z "$PLAN" ] || [ "$reached" -eq "$PLAN" ] || echo "  FAIL reached $reached checks, planned $PLAN"
	echo "RESULT $PASS $FAIL $SKIP ${PLAN:--} $DONE"
	[ "$FAIL" -eq 0 ] && [ "$DONE" = 1 ] && [ -n "$PLAN" ] && [ "$reached" -eq "$PLAN" ] || exit 1
	exit 0
}
trap 'rc=$?; cleanup' EXIT

# plan N: the number of checks this script makes. plan_more N adds checks
# counted at run time (one per command --help lists); skip N WHY counts N
# checks as reached but not run (a tool the machine lacks).
plan() { PLAN=$1; }
plan_more() { PLAN=$((PLAN + $1)); }
skip() { SKIP=$((SKIP + $1)); shift; echo "  skip $*"; }
# done_testing: the last line of every script.
done_testing() { DONE=1; exit 0; }

ok()   { PASS=$((PASS+1)); echo "  ok   $*"; }
bad()  {
	FAIL=$((FAIL+1)); echo "  FAIL $*"
	[ -z "${OUTPOST_BAIL:-}" ] || exit 1
}

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
# ok_if COND DESC: a check written as a shell condition.
ok_if() { if eval "$1"; then ok "$2"; else bad "$2"; fi; }
# sql DB QUERY: one value from the stock sqlite3 shell.
sql() { sqlite3 -batch "$1" "$2"; }

# A free TCP port on loopback.
free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# wait_for SECONDS WHAT CONDITION: polls the shell CONDITION every 0.05 s
# until it holds; after SECONDS without it, says so and returns 1. Tests
# wait for the event they need (a log line, a row, a port) with this,
# never for a fixed time.
wait_for() {
	wf_end=$(($(date +%s) + $1))
	while ! eval "$3"; do
		if [ "$(date +%s)" -ge "$wf_end" ]; then
			echo "  info gave up after $1 s waiting for $2"
			return 1
		fi
		sleep 0.05
	done
}
# port_open PORT: something accepts TCP connections on 127.0.0.1:PORT.
port_open() {
	python3 -c 'import socket,sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])), 1).close()' "$1" 2>/dev/null
}
# wait_listening PORT PID: PID (a daemon just started) listens on PORT within
# 10 s, and is still alive; a check.
wait_listening() {
	if wait_for 10 "a daemon on port $1" "port_open $1 || ! kill -0 $2 2>/dev/null" && kill -0 "$2" 2>/dev/null
	then ok "daemon (pid $2) listening on port $1"; else bad "daemon (pid $2) listening on port $1"; fi
}
# clock_passes STAMP: waits (at most 3 s) until the UTC time in seconds,
# as "YYYY-MM-DD HH:MM:SS", is past STAMP, so that what comes next has a
# later time stamp.
clock_passes() {
	cp_at=$1
	wait_for 3 "the clock to pass $cp_at" '[ "$(date -u "+%Y-%m-%d %H:%M:%S")" \> "$cp_at" ]'
}
# hq_and_branches SITE...: in the current directory, hq.db (site HQ) and a
# store per branch (site.db, lower case) with keys, each branch enrolled at
# HQ and HQ's key pinned at it; HQ's outpostd listening on $P (a check),
# logging to hq.log. sync1 SITE then runs one --once for a branch.
hq_and_branches() {
	"$OUTPOST" --db hq.db init --site HQ --hq >/dev/null
	"$OUTPOST" --db hq.db keys init >/dev/null 2>&1
	for hb in "$@"; do
		hb_db=$(echo "$hb" | tr A-Z a-z).db
		"$OUTPOST" --db "$hb_db" init --site "$hb" >/dev/null
		"$OUTPOST" --db "$hb_db" keys init >/dev/null 2>&1
		"$OUTPOST" --db hq.db peer enrol "$hb" "$(cat "$hb_db.pub")" >/dev/null
		"$OUTPOST" --db "$hb_db" peer hq "$(cat hq.db.pub)" >/dev/null
	done
	P=$(free_port)
	"$OUTPOSTD" --hq --db hq.db --listen "tcp://127.0.0.1:$P" 2>hq.log &
	track $!
	wait_listening "$P" $!
}
sync1() {
	timeout 60 "$OUTPOSTD" --branch --db "$1.db" --connect "tcp://127.0.0.1:$P" --once \
		--timeout 10 2>>"$1.log"
}

# png_ink FILE: "colours inked" of a PNG: distinct colours, and pixels
# not of the page's background (its most common colour), decoded here.
png_ink() {
	python3 - "$1" <<'PY'
import struct, sys, zlib
d = open(sys.argv[1], 'rb').read()
assert d[:8] == b'\x89PNG\r\n\x1a\n'
i, idat = 8, b''
while i < len(d):
    n, kind = struct.unpack('>I4s', d[i:i + 8]); body = d[i + 8:i + 8 + n]; i += 12 + n
    if kind == b'IHDR': w, h, depth, ctype = struct.unpack('>IIBB', body[:10])
    elif kind == b'IDAT': idat += body
assert depth == 8 and ctype in (2, 6)
bpp = 3 if ctype == 2 else 4
raw, stride, prev, rows = zlib.decompress(idat), w * bpp, bytearray(w * bpp), []
for y in range(h):
    f, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
    for x in range(stride):
        a = line[x - bpp] if x >= bpp else 0; b = prev[x]; c = prev[x - bpp] if x >= bpp else 0
        if f == 1: line[x] = (line[x] + a) & 255
        elif f == 2: line[x] = (line[x] + b) & 255
        elif f == 3: line[x] = (line[x] + (a + b) // 2) & 255
        elif f == 4:
            p = a + b - c; pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
    rows.append(bytes(line)); prev = line
count = {}
for r in rows:
    for x in range(0, stride, bpp): k = r[x:x + 3]; count[k] = count.get(k, 0) + 1
print(len(count), w * h - max(count.values()))
PY
}
