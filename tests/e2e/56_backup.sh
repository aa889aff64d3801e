#!/bin/sh
# 56_backup.sh — snapshots of the store (issue 13, docs/OPERATIONS.md):
# taken while a 100,000-row import runs, each one consistent (all of the
# import or none), verified and usable; retention keeps exactly 7 daily and
# 4 weekly; a branch daemon that cannot reach HQ for a "week" (the backup
# clock sped up for the test) still takes its dailies; `outpostd
# --backup-now` for a systemd timer; restoring a snapshot re-baselines the
# branch, so what HQ already had comes back.
. "$(dirname "$0")/lib.sh"
plan 34

sql() { sqlite3 -batch -cmd '.timeout 5000' "$1" "$2"; }
export TZ=UTC
S=$T/s
mkdir -p "$S/bk" "$S/bk2" "$S/ret" "$S/off"
on() { st=$1; shift; "$OUTPOST" --db "$S/$st.db" "$@"; }

echo "-- 1. snapshots during a 100,000-row import"
on a init --site A >/dev/null
on a customer add --name 先来 --phone 13800000001 >/dev/null
python3 -c "
print('name,phone')
for i in range(100000): print('客户%d,139%08d' % (i, i))" >"$S/big.csv"
on a import customers "$S/big.csv" >"$S/import.out" 2>&1 &
IMP=$!
track $IMP
n=0; during=0; bad=""
while [ $n -lt 200 ]; do
	alive=0; kill -0 $IMP 2>/dev/null && alive=1
	# a directory each: retention keeps one snapshot a day
	mkdir -p "$S/bk/$n"
	on a backup "$S/bk/$n" >/dev/null 2>>"$S/bk.err" || bad="$bad backup-failed"
	if [ $alive -eq 1 ] && kill -0 $IMP 2>/dev/null; then during=$((during+1)); fi
	[ $alive -eq 0 ] && break
	n=$((n+1))
	sleep 0.2
done
wait $IMP
expect_eq "the import finished" "$(cat "$S/import.out")" \
	"imported 100000 customers from $S/big.csv (encoding utf-8)"
expect_eq "every backup command succeeded" "$bad" ""
if [ $during -ge 1 ]; then ok "$during snapshot(s) taken while the import ran"; else
	bad "no snapshot was taken while the import ran"; fi
counts=""; unusable=""
for f in "$S"/bk/*/A-*.db; do
	c=$(sql "$f" "SELECT count(*) FROM customer")
	counts="$counts $c"
	case $c in 1|100001) ;; *) unusable="$unusable $(basename "$f"):$c" ;; esac
	"$OUTPOST" backup verify "$f" >/dev/null 2>&1 || unusable="$unusable $(basename "$f"):verify"
	"$OUTPOST" --db "$f" customer search 先来 >/dev/null 2>&1 || unusable="$unusable $(basename "$f"):open"
done
expect_eq "every snapshot holds the import whole or not at all, verifies and opens" "$unusable" ""
echo "     customers per snapshot:$counts"
case " $counts " in *" 1 "*) ok "a snapshot taken before the import committed is without it" ;;
	*) bad "no snapshot saw the store before the import committed" ;; esac
expect_eq "no half-written snapshot is left" "$(ls "$S"/bk/* | grep -c partial)" 0
expect_eq "snapshots are not world-readable" "$(stat -c %a "$(ls "$S"/bk/0/A-*.db)")" 640
run on a backup list "$S/bk/0" --json
expect_eq "backup list --json names it" \
	"$(printf '%s\n' "$OUT" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')" 1
expect_rc 74 "a target that is not there is an error" on a backup "$S/nowhere"
expect_err "which names the target" "backup target '$S/nowhere' is not a directory"
run sql "$S/a.db" "SELECT value FROM meta WHERE key = 'backup_error'"
expect_out "the failure is kept for sync status" "nowhere"

echo "-- 2. retention: exactly 7 daily and 4 weekly"
# 40 days, two snapshots on most days (09:00 and 18:00), from 2026-01-05 (a Monday).
on r init --site A >/dev/null
on r customer add --name 小店 --phone 13800000009 >/dev/null
d0=$(date -u -d 2026-01-05 +%s)
fails=0
for i in $(seq 0 39); do
	for h in 9 18; do
		[ $h -eq 9 ] && [ $((i % 5)) -eq 3 ] && continue
		OUTPOST_TEST_BACKUP_NOW=$((d0 + i * 86400 + h * 3600)) on r backup "$S/ret" \
			>/dev/null 2>&1 || fails=$((fails+1))
	done
done
expect_eq "every retention round succeeded" "$fails" 0
want=$(python3 -c "
import datetime as D
d0 = D.datetime(2026, 1, 5)
ts = sorted((d0 + D.timedelta(days=i, hours=h) for i in range(40) for h in (9, 18)
             if not (h == 9 and i % 5 == 3)), reverse=True)
keep, days, weeks = set(), [], []
for t in ts:
    if t.date() not in days and len(days) < 7: days.append(t.date()); keep.add(t)
    w = t.isocalendar()[:2]
    if w not in weeks and len(weeks) < 4: weeks.append(w); keep.add(t)
print(' '.join(sorted('A-' + t.strftime('%Y%m%dT%H%M%SZ') + '.db' for t in keep)))")
expect_eq "the kept snapshots are the newest of the last 7 days and of the last 4 weeks" \
	"$(ls "$S/ret" | sort | tr '\n' ' ' | sed 's/ $//')" "$want"
# the last day is Friday 2026-02-13: its 7 days reach into the week before,
# so the 4 weeks add the newest of 2 more
expect_eq "that is 9 snapshots (7 days over 2 weeks, 2 more weeks)" "$(ls "$S/ret" | wc -l)" 9

echo "-- 3. a branch that cannot reach HQ for a week keeps its dailies"
on b init --site B >/dev/null && on b keys init >/dev/null 2>&1 && on hq init --site HQ --hq >/dev/null &&
	on hq keys init >/dev/null 2>&1 && on b peer hq "$(cat "$S/hq.db.pub")" >/dev/null
on b customer add --name 离线 --phone 13800000002 >/dev/null
DEAD=$(free_port)	# nothing listens there
OUTPOST_TEST_BACKUP_NOW=$(date -u -d 2026-03-02 +%s) OUTPOST_TEST_BACKUP_SPEED=86400 \
	"$OUTPOSTD" --branch --db "$S/b.db" --connect "tcp://127.0.0.1:$DEAD" --backup "$S/off" \
	2>"$S/off.log" &
OFF=$!
track $OFF
i=0
while [ "$(ls "$S/off" | grep -c '^B-')" -lt 9 ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i+1)); done
kill -TERM $OFF
wait $OFF 2>/dev/null
days=$(ls "$S/off" | sed -n 's/^B-\([0-9]\{8\}\)T.*/\1/p' | sort -u | tail -7 | wc -l)
expect_eq "seven daily snapshots while HQ was unreachable" "$days" 7
expect_eq "each a whole store" "$(for f in "$S"/off/B-*.db; do "$OUTPOST" backup verify "$f" >/dev/null 2>&1 || echo "$f"; done)" ""
expect_eq "the daemon logged them" "$(grep -c 'backup: snapshot B-' "$S/off.log" | awk '{print ($1 >= 7)}')" 1
run sql "$S/b.db" "SELECT value FROM meta WHERE key = 'backup_last'"
expect_out "sync status can see the last one" "B-2026"

echo "-- 4. outpostd --backup-now, for a systemd timer"
expect_rc 0 "one snapshot, then exit" "$OUTPOSTD" --db "$S/b.db" --backup "$S/bk2" --backup-now
expect_eq "it is there" "$(ls "$S/bk2" | grep -c '^B-.*\.db$')" 1
expect_rc 64 "--backup-now without a target" "$OUTPOSTD" --db "$S/b.db" --backup-now

echo "-- 5. restoring a snapshot re-baselines: what HQ had comes back"
PORT=$(free_port)
EP=tcp://127.0.0.1:$PORT
on hq peer enrol B "$(cat "$S/b.db.pub")" >/dev/null
"$OUTPOSTD" --hq --db "$S/hq.db" --listen "$EP" --no-history 2>>"$S/hq.log" &
track $!
i=0
while ! grep -q 'listening on' "$S/hq.log" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done
sync() { timeout 60 "$OUTPOSTD" --branch --db "$S/b.db" --connect "$EP" --once --timeout 10 \
	--no-history 2>>"$S/b.log"; }
expect_rc 0 "B syncs" sync
rm -f "$S"/bk2/*
expect_rc 0 "B takes a snapshot" on b backup "$S/bk2"
SNAP=$(ls "$S"/bk2/B-*.db)
on b customer add --name 后来 --phone 13800000003 >/dev/null
expect_rc 0 "B syncs a customer made after the snapshot" sync
expect_eq "HQ has it" "$(sql "$S/hq.db" "SELECT count(*) FROM customer WHERE name = '后来'")" 1
expect_rc 0 "backup restore puts the snapshot back" on b backup restore "$SNAP"
expect_out "and says where the old store went" "replaced is at $S/b.db.before-restore-"
expect_eq "the restored store lacks the later customer" \
	"$(sql "$S/b.db" "SELECT count(*) FROM customer WHERE name = '后来'")" 0
expect_eq "the old store is kept beside it" "$(ls "$S" | grep -c '^b.db.before-restore-.*Z$')" 1
expect_rc 0 "B syncs after the restore" sync
expect_rc 0 "and once more" sync
expect_eq "HQ re-baselined it" "$(grep -c 're-baselined' "$S/hq.log" | awk '{print ($1 >= 1)}')" 1
expect_eq "the customer made after the snapshot is back at B" \
	"$(sql "$S/b.db" "SELECT count(*) FROM customer WHERE name = '后来'")" 1
expect_rc 65 "a file that is not a store is not restored" on b backup restore "$S/big.csv"
done_testing
