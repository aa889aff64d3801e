#!/bin/sh
# 58_health.sh — what an operator watches (issue 13, docs/OPERATIONS.md):
# `sync status` at HQ gives every branch a state (ok, behind, stale,
# refused) and `--stale` turns a silent or refused branch, or a failing
# history, into exit 69; a branch that gave up on HQ (exit 69) says why in
# its own status; the daemon tells systemd READY=, STATUS= and feeds the
# watchdog; log lines carry ISO timestamps in a file, one line per round.
. "$(dirname "$0")/lib.sh"
plan 51

sql() { sqlite3 -batch -cmd '.timeout 5000' "$1" "$2"; }
json() { printf '%s\n' "$OUT" | python3 -c "import json,sys; d=json.load(sys.stdin); print($1)" 2>&1; }
S=$T/s
mkdir -p "$S"
on() { st=$1; shift; "$OUTPOST" --db "$S/$st.db" "$@"; }
branch() {
	on "$2" init --site "$1" >/dev/null && on "$2" keys init >/dev/null 2>&1 &&
		on hq peer enrol "$1" "$(cat "$S/$2.db.pub")" >/dev/null &&
		on "$2" peer hq "$(cat "$S/hq.db.pub")" >/dev/null
}
on hq init --site HQ --hq >/dev/null && on hq keys init >/dev/null 2>&1 && branch A a && branch B b
expect_eq "HQ and two branches set up" "$?" 0

# A datagram listener standing in for systemd's NOTIFY_SOCKET.
python3 -c "
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); s.bind('$S/notify')
with open('$S/notified', 'a') as f:
    while True:
        m = s.recv(4096).decode(); f.write(m + '\n'); f.flush()" &
track $!
i=0; while [ ! -S "$S/notify" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i+1)); done

PORT=$(free_port)
EP=tcp://127.0.0.1:$PORT
NOTIFY_SOCKET=$S/notify WATCHDOG_USEC=1000000 \
	"$OUTPOSTD" --hq --db "$S/hq.db" --listen "$EP" 2>>"$S/hq.log" &
HQPID=$!
track $HQPID
i=0; while ! grep -q 'listening on' "$S/hq.log" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done
sync() { timeout 60 "$OUTPOSTD" --branch --db "$S/$1.db" --connect "$EP" --once --timeout 10 \
	2>>"$S/$1.log"; }

echo "-- logs an operator can read"
expect_eq "the start-up line names the role once" \
	"$(grep -c "listening on $EP as HQ site HQ (schema" "$S/hq.log")" 1
expect_eq "a log file gets ISO timestamps" \
	"$(head -1 "$S/hq.log" | grep -Ec '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z <6>outpostd: ')" 1
sqlite3 -batch "$S/a.db" "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20000)
	INSERT INTO customer(name, phone) SELECT '客户' || i, '+86139' || printf('%08d', i) FROM n"
expect_rc 0 "A syncs 20,000 customers" sync a
expect_rc 0 "B syncs" sync b
expect_eq "HQ logged A's round as one line" "$(grep -c 'received [0-9]* changes from A in [0-9]* batches' "$S/hq.log")" 1
expect_eq "and no line per batch" "$(grep -c 'applied [0-9]* changes from A' "$S/hq.log")" 0
expect_eq "B got them in one line too" "$(grep -c 'received [0-9]* changes from HQ in [0-9]* batches' "$S/b.log")" 1

# Under systemd: stderr is the journal stream; lines go to journald's
# socket (a stand-in here) with the level and BRANCH=, else "<N>..." on stderr.
python3 -c "
import socket
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); s.bind('$S/journal')
with open('$S/journaled', 'a') as f:
    while True:
        f.write(s.recv(4096).decode().replace('\n', '|') + '\n'); f.flush()" &
track $!
wait_for 5 "the journal stand-in" '[ -S "$S/journal" ]'
: >"$S/a-journal.log"
JS=$(stat -c '%d:%i' "$S/a-journal.log")
JOURNAL_STREAM=$JS OUTPOST_TEST_JOURNAL_SOCKET=$S/journal \
	"$OUTPOSTD" --branch --db "$S/a.db" --connect "$EP" --once --timeout 10 2>>"$S/a-journal.log"
wait_for 5 "journal lines" 'grep -q "in sync with HQ" "$S/journaled" 2>/dev/null'
expect_eq "journal lines carry the level, the identifier and BRANCH=" \
	"$(grep -c '^PRIORITY=6|SYSLOG_IDENTIFIER=outpostd|BRANCH=A|MESSAGE=in sync with HQ|$' "$S/journaled")" 1
expect_eq "and nothing went to stderr" "$(wc -c <"$S/a-journal.log" | tr -d ' ')" 0
JOURNAL_STREAM=$JS OUTPOST_TEST_JOURNAL_SOCKET=$S/nobody \
	"$OUTPOSTD" --branch --db "$S/a.db" --connect "$EP" --once --timeout 10 2>>"$S/a-journal.log"
expect_eq "without journald's socket: the level prefix on stderr" \
	"$(grep -c '^<6>outpostd: in sync with HQ$' "$S/a-journal.log")" 1

echo "-- sync status at HQ: every branch's state"
expect_rc 0 "status --stale 6h: all fresh" on hq sync status --stale 6h
expect_rc 0 "status --json" on hq sync status --json
expect_eq "states" "$(json '[(b["site"], b["state"]) for b in d["branches"]]')" "[('A', 'ok'), ('B', 'ok')]"
expect_eq "lag, schema, drift known" \
	"$(json '[(b["pending"], b["unreceived"], b["schema_version"] > 0, b["drift_ms"] is not None) for b in d["branches"]]')" \
	"[(0, 0, True, True), (0, 0, True, True)]"
sql "$S/hq.db" "UPDATE peer SET last_contact = datetime('now', '-7 hours') WHERE site = 'A'"
expect_rc 69 "A silent for 7 hours: --stale 6h exits 69" on hq sync status --stale 6h
expect_err "naming A" "A is stale: last contact 7h 0[0-9]m ago"
expect_rc 0 "--stale 8h does not mind" on hq sync status --stale 8h
expect_rc 0 "without --stale the status is information only (stale after 24h)" on hq sync status --json
expect_eq "A ok by that measure" "$(json '[b["state"] for b in d["branches"]]')" "['ok', 'ok']"
expect_rc 69 "--stale 6h --json" on hq sync status --stale 6h --json
expect_eq "A is stale, B ok" "$(json '[b["state"] for b in d["branches"]]')" "['stale', 'ok']"
expect_rc 64 "a duration it cannot read" on hq sync status --stale soon
on hq peer enrol C "$(python3 -c 'print("x" * 40)')" >/dev/null 2>&1 ||
	sql "$S/hq.db" "INSERT INTO peer(site, pubkey) VALUES ('C', 'rC2n!XwOT+pIHxqKLt(w8M6gS@}Nd&ve*D0Gb^Z=')"
expect_rc 69 "a branch never seen is stale" on hq sync status --stale 8h
expect_err "naming C" "C is stale: last contact never"
sql "$S/hq.db" "DELETE FROM peer WHERE site = 'C'"
expect_rc 0 "A syncs again" sync a
expect_rc 0 "fresh again" on hq sync status --stale 6h
sql "$S/hq.db" "UPDATE peer SET refused = refused + 1, last_error = 'a forged HELLO' WHERE site = 'B'"
expect_rc 69 "B refused since its last good contact" on hq sync status --stale 6h
expect_err "naming B" "B is refused"
expect_rc 0 "B syncs: a good contact" sync b
expect_rc 0 "B is ok again" on hq sync status --stale 6h --json
expect_eq "B's refusal still counted" "$(json '[(b["state"], b["refused"]) for b in d["branches"] if b["site"] == "B"]')" "[('ok', 1)]"
on hq peer revoke B >/dev/null
expect_rc 0 "a revoked branch is refused, but no alarm" on hq sync status --stale 6h --json
expect_eq "its state" "$(json '[b["state"] for b in d["branches"] if b["site"] == "B"]')" "['refused']"

echo "-- systemd"
i=0; while ! grep -q '^STATUS=branches' "$S/notified" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done
expect_eq "READY=1" "$(grep -c '^READY=1$' "$S/notified")" 1
expect_eq "a STATUS= line with the branches' states" \
	"$(grep -c '^STATUS=branches: [0-9]* ok, [0-9]* behind, [0-9]* stale, [0-9]* refused; history ok' "$S/notified" | awk '{print ($1 >= 1)}')" 1
expect_eq "the watchdog is fed" "$(grep -c '^WATCHDOG=1$' "$S/notified" | awk '{print ($1 >= 2)}')" 1

echo "-- a branch that cannot reach HQ says why"
on a sync status --json >"$S/before.json"
LAST=$(python3 -c "import json; print(json.load(open('$S/before.json'))['last_contact'])")
DEAD=$(free_port)
expect_rc 69 "outpostd --once with HQ unreachable exits 69" \
	"$OUTPOSTD" --branch --db "$S/a.db" --connect "tcp://127.0.0.1:$DEAD" --once --timeout 2
expect_rc 0 "A's status" on a sync status --json
expect_eq "last_error says why" "$(json '"did not answer within 2 s" in d["last_error"]')" True
expect_eq "last_contact is still the last real one" "$(json 'd["last_contact"]')" "$LAST"
expect_rc 0 "a sync clears it" sync a
expect_rc 0 "A's status" on a sync status --json
expect_eq "no last_error" "$(json 'd["last_error"]')" None
on n init --site N >/dev/null && on n keys init >/dev/null 2>&1 && on n peer hq "$(cat "$S/hq.db.pub")" >/dev/null
expect_rc 69 "a new branch that never reached HQ" \
	"$OUTPOSTD" --branch --db "$S/n.db" --connect "tcp://127.0.0.1:$DEAD" --once --timeout 1
run on n sync status
expect_out "keeps why too" "^last_error +HQ at tcp://127.0.0.1:$DEAD did not answer"
expect_rc 69 "and --stale says it never reached HQ" on n sync status --stale 1h

echo "-- a history that fails shows in sync status and the health check"
kill -TERM $HQPID; wait $HQPID 2>/dev/null
echo "not a repository" >"$S/notgit"
"$OUTPOSTD" --hq --db "$S/hq.db" --listen "$EP" --history "$S/notgit" 2>>"$S/hq2.log" &
track $!
i=0; while ! grep -q 'listening on' "$S/hq2.log" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done
on a customer add --name 又来 --phone 13900000001 >/dev/null
expect_rc 0 "A syncs" sync a
expect_rc 69 "HQ's health check fails" on hq sync status --stale 6h --json
expect_eq "history_error names the repository" "$(json '"notgit" in d["history_error"]')" True
expect_eq "with its time" "$(json 'd["history_error_at"] is not None')" True
done_testing
