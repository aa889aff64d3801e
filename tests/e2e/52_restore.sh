#!/bin/sh
# 52_restore.sh — a branch PC's ordinary life through real outpostd
# processes on loopback (issue 8): points given before the first sync, a
# branch restored from its own backup, a branch PC replaced by a fresh
# store, a key that claims another site, a deleted id inserted again with
# the sqlite3 shell, and a branch upgrading its schema. Every check compares
# with what a replica must hold, not only replicas with each other.
. "$(dirname "$0")/lib.sh"
plan 58

sql() { sqlite3 -batch -cmd '.timeout 5000' "$1" "$2"; }
S=$T/s
mkdir -p "$S"
PORT=$(free_port)
EP=tcp://127.0.0.1:$PORT
on() { st=$1; shift; "$OUTPOST" --db "$S/$st.db" "$@"; }

# branch SITE STORE [init options]: a branch store with a key, enrolled at
# HQ (replacing an earlier key of that site) and pinned to HQ's key.
branch() {
	on "$2" init --site "$1" ${3:-} >/dev/null &&
		on "$2" keys init >/dev/null &&
		on hq peer enrol "$1" "$(cat "$S/$2.db.pub")" >/dev/null &&
		on "$2" peer hq "$(cat "$S/hq.db.pub")" >/dev/null
}
on hq init --site HQ --hq >/dev/null && on hq keys init >/dev/null &&
	branch A a && branch B b && branch C c
expect_eq "HQ and three branches set up" "$?" 0
on hq product add --sku CUR-1 --name 亚麻窗帘布 --price 35 >/dev/null
expect_eq "HQ has a product" "$?" 0

"$OUTPOSTD" --hq --db "$S/hq.db" --listen "$EP" 2>>"$S/hq.log" &
HQPID=$!
track $HQPID
i=0
while ! grep -q 'listening on' "$S/hq.log" 2>/dev/null && [ $i -lt 100 ]; do
	sleep 0.1; i=$((i+1)); done
expect_eq "HQ listening" "$(grep -c 'listening on' "$S/hq.log")" 1

# sync STORE: one --once run; its exit status in $SRC, its log in STORE.log
sync() {
	timeout 60 "$OUTPOSTD" --branch --db "$S/$1.db" --connect "$EP" --once \
		--timeout 10 2>>"$S/$1.log"
	SRC=$?
}
# rounds STORE...: each store syncs twice (its changes up, then everyone's
# down); one check that every run exited 0.
rounds() {
	fails=""
	for r in 1 2; do for b in "$@"; do sync "$b"; [ $SRC -eq 0 ] || fails="$fails $b:$SRC"; done; done
	expect_eq "sync rounds of $* exit 0" "$fails" ""
}
cid() { sql "$S/$1.db" "SELECT id FROM customer WHERE name = '$2'"; }
pts() { sql "$S/$1.db" "SELECT points FROM customer WHERE name = '$2'"; }

echo "-- 1. points given before a branch's first sync"
on a customer add --name 甲一 --phone 13800000001 --points 10 >/dev/null
on a customer add --name 甲二 --phone 13800000002 >/dev/null
on a customer edit 13800000001 --notes 老客户 >/dev/null
rounds a b c
expect_eq "HQ holds the initial points" "$(pts hq 甲一)" 10
expect_eq "another branch holds them" "$(pts b 甲一)" 10
expect_eq "the note travelled too" "$(sql "$S/hq.db" "SELECT notes FROM customer WHERE name = '甲一'")" 老客户
expect_eq "HQ logged no change without its row" "$(grep -c 'does not have' "$S/hq.log")" 0

echo "-- 2. a branch restored from its own backup"
sqlite3 "$S/a.db" ".backup '$S/a.backup'"
on a customer add --name 甲三 --phone 13800000003 --points 5 >/dev/null
on a customer edit 13800000001 --points 13 >/dev/null
run on a order add --customer 13800000003 --item CUR-1:2
expect_eq "an order at the branch" "$RC" 0
run on a followup add --customer 13800000003 --purpose 回访
expect_eq "a follow-up at the branch" "$RC" 0
NORD=$(sql "$S/a.db" "SELECT count(*) FROM sales_order")
NFU=$(sql "$S/a.db" "SELECT count(*) FROM followup")
rounds a
expect_eq "HQ has the order made after the backup" "$(sql "$S/hq.db" "SELECT count(*) FROM sales_order")" "$NORD"
rm -f "$S/a.db-wal" "$S/a.db-shm"
cp "$S/a.backup" "$S/a.db"
expect_eq "the restored store lacks what came after the backup" "$(cid a 甲三)" ""
on a customer add --name 甲四 --phone 13800000004 --points 2 >/dev/null
on a customer edit 13800000001 --points 11 >/dev/null	# +1 on the restored 10
rounds a b
expect_eq "no frame-cap loop" "$(grep -c 'frame cap' "$S/a.log")" 0
expect_eq "HQ logged the re-baseline" "$(grep -c 're-baselined as incarnation' "$S/hq.log")" 1
expect_eq "HQ got the restored store's new customer" "$(pts hq 甲四)" 2
expect_eq "the restored branch got its lost customer back" "$(pts a 甲三)" 5
expect_eq "and its own order (an HQ-bound table)" "$(sql "$S/a.db" "SELECT count(*) FROM sales_order")" "$NORD"
expect_eq "and its own follow-up" "$(sql "$S/a.db" "SELECT count(*) FROM followup")" "$NFU"
# 10 initial +3 (old copy, synced) +1 (restored copy): every increment counts
expect_eq "points: every increment of both copies counts, at HQ" "$(pts hq 甲一)" 14
expect_eq "points at the restored branch" "$(pts a 甲一)" 14
expect_eq "points at another branch" "$(pts b 甲一)" 14
sync a
expect_eq "a later run is in sync (exit 0)" "$SRC" 0
# the old copy (the backup's incarnation) coming back is refused
cp "$S/a.backup" "$S/old.db"
cp "$S/a.db.key" "$S/old.db.key"
sync old
expect_eq "a stale copy of the store is refused (exit 78)" "$SRC" 78
expect_eq "with a message naming the rebuild" "$(grep -c 'from-hq' "$S/old.log")" 1

echo "-- 3. a branch PC replaced by a fresh store"
on b customer add --name 乙一 --phone 13900000001 --points 7 >/dev/null
run on b order add --customer 13900000001 --item CUR-1:1
expect_eq "an order at branch B" "$RC" 0
BORD=$(sql "$S/b.db" "SELECT count(*) FROM sales_order")
rounds b
mv "$S/b.db" "$S/b.dead"; rm -f "$S/b.db-wal" "$S/b.db-shm" "$S/b.db.key" "$S/b.db.pub"
branch B b --from-hq
expect_eq "init --from-hq, new key enrolled" "$?" 0
on b customer add --name 乙二 --phone 13900000002 >/dev/null
rounds b
expect_eq "the new PC has its own customer back" "$(pts b 乙一)" 7
expect_eq "and its own orders" "$(sql "$S/b.db" "SELECT count(*) FROM sales_order")" "$BORD"
expect_eq "and the chain's customers" "$(pts b 甲四)" 2
expect_eq "its new customer reached HQ" "$(cid hq 乙二 | wc -c | tr -d ' ')" 37
expect_eq "init --from-hq refuses an existing store" \
	"$(on b init --site B --from-hq >/dev/null 2>&1; echo $?)" 73

echo "-- 4. a key that claims another site"
on x init --site C >/dev/null
cp "$S/b.db.key" "$S/x.db.key"
on x peer hq "$(cat "$S/hq.db.pub")" >/dev/null
on x customer add --name 冒充 --phone 13700000001 --points 99 >/dev/null
sync x
expect_eq "HQ refuses it (exit 78)" "$SRC" 78
expect_eq "logged as an error at HQ" "$(grep -c "error: refused B\|<3>outpostd: refused B" "$S/hq.log")" 1
expect_eq "and counted in sync status" "$(on hq sync status --json | grep -o '"site": "B"[^}]*"refused": 1' | wc -l | tr -d ' ')" 1
expect_eq "nothing of it applied" "$(cid hq 冒充)" ""

echo "-- 5. a deleted id inserted again with the sqlite3 shell"
on a customer add --name 甲五 --phone 13800000005 >/dev/null
rounds a c
ID5=$(cid a 甲五)
run on a customer delete "$ID5"
expect_eq "customer deleted at the branch" "$RC" 0
rounds a c
run sqlite3 -batch "$S/a.db" "INSERT INTO customer(id, name) VALUES ('$ID5', '甲五')"
expect_eq "the shell's insert is refused" "$([ "$RC" -ne 0 ] && echo refused)" refused
expect_err "with a message saying why" "deleted row cannot come back"
expect_eq "the row stays gone at the branch" "$(cid a 甲五)" ""
expect_eq "and everywhere" "$(cid hq 甲五)$(cid c 甲五)" ""
run sqlite3 -batch "$S/a.db" "INSERT INTO customer(name) VALUES ('甲五')"
expect_eq "inserting it without an id works" "$RC" 0
rounds a c
expect_eq "and reaches the other branch" "$(cid c 甲五 | wc -l | tr -d ' ')" 1

echo "-- 6. a branch on an older schema upgrades"
OLD=5
# the old build makes its store; HQ (the new build) enrols its key
OUTPOST_TEST_SCHEMA_CAP=$OLD on d init --site D >/dev/null &&
	OUTPOST_TEST_SCHEMA_CAP=$OLD on d keys init >/dev/null &&
	on hq peer enrol D "$(cat "$S/d.db.pub")" >/dev/null &&
	OUTPOST_TEST_SCHEMA_CAP=$OLD on d peer hq "$(cat "$S/hq.db.pub")" >/dev/null
expect_eq "the old build set up branch D" "$?" 0
expect_eq "a branch store at schema $OLD" "$(sql "$S/d.db" 'PRAGMA user_version')" $OLD
on hq staff add --code wang --name 王 --role sales --branch D >/dev/null 2>&1 ||
	on hq staff add --code wang --name 王 --role sales >/dev/null
OUTPOST_NEW_PIN=4321 on hq staff passwd wang >/dev/null
HASH=$(sql "$S/hq.db" "SELECT pin_hash FROM staff WHERE code = 'wang'")
fails=""
for r in 1 2; do
	OUTPOST_TEST_SCHEMA_CAP=$OLD timeout 60 "$OUTPOSTD" --branch --db "$S/d.db" --connect "$EP" \
		--once --timeout 10 --no-history 2>>"$S/d.log" || fails="$fails $?"
done
expect_eq "the old branch syncs the columns both know" "$fails" ""
expect_eq "it has the staff member" "$(sql "$S/d.db" "SELECT name FROM staff WHERE code = 'wang'")" 王
on d sync status >/dev/null	# the new build opens it: migrations run
expect_eq "upgraded" "$(sql "$S/d.db" 'PRAGMA user_version')" "$(sql "$S/hq.db" 'PRAGMA user_version')"
sync d
expect_eq "the upgraded branch syncs" "$SRC" 0
expect_eq "the PIN hash HQ set reached it" "$(sql "$S/d.db" "SELECT pin_hash FROM staff WHERE code = 'wang'")" "$HASH"
run env OUTPOST_PIN=4321 "$OUTPOST" --db "$S/d.db" --as wang customer list
expect_eq "the staff member can sign in there" "$RC" 0
run env OUTPOST_PIN=1111 "$OUTPOST" --db "$S/d.db" --as wang customer list
expect_eq "with the right PIN only" "$RC" 77
done_testing
