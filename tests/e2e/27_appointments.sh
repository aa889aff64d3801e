#!/bin/sh
# 27_appointments.sh — home visits: a measurement (上门测量) booked, done
# with its measurements per window; an installation; a repair visit made
# from a complaint's ticket; reminders the day before and on the day, and
# overdue visits on the reminder list.
. "$(dirname "$0")/lib.sh"
plan 64

expect_rc 0 "init" $OUTPOST init --site SH01
expect_rc 0 "customer with an address" $OUTPOST customer add --name 张伟 --phone 13800138000 \
	--address '上海市徐汇区漕溪北路 88 号 1202'
today=$(sql "$OUTPOST_DB" "SELECT date('now', 'localtime')")
tomorrow=$(sql "$OUTPOST_DB" "SELECT date('now', 'localtime', '+1 day')")
later=$(sql "$OUTPOST_DB" "SELECT date('now', 'localtime', '+5 days')")

echo "-- a measurement visit"
expect_rc 0 "book 上门测量 tomorrow 10:00-11:30" $OUTPOST --as li.na appt add --customer 13800138000 \
	--kind 上门测量 --at "$tomorrow 10:00" --until 11:30
expect_out "kind" '^kind +measure$'
expect_out "slot start" "^starts_at +$tomorrow 10:00:00$"
expect_out "slot end on the same day" "^ends_at +$tomorrow 11:30:00$"
expect_out "the customer's address" '^address +上海市徐汇区漕溪北路 88 号 1202$'
expect_out "who goes" '^staff +li\.na$'
m=$(printf '%s\n' "$OUT" | sed -n 's/^id  *//p')
expect_rc 65 "a bad time refused" $OUTPOST appt add --customer 13800138000 --at 'tomorrow'
expect_err "names the field" '^outpost: at: '
expect_rc 64 "a customer or a ticket is needed" $OUTPOST appt add --at "$tomorrow 10:00"

echo "-- reminders"
expect_rc 0 "remind" $OUTPOST remind --days 1
expect_out "the day before" "upcoming +visit +张伟 .* li\.na +measure visit $tomorrow 10:00-11:30"
expect_rc 0 "book an installation in five days" $OUTPOST appt add --customer 13800138000 --kind 安装 --at "$later 14:00"
expect_rc 0 "remind" $OUTPOST remind --days 1
expect_no_out "not yet listed five days ahead" "install visit"
expect_rc 0 "remind on the day" $OUTPOST remind --days 0 --now "$tomorrow 08:00:00"
expect_out "on the day" "today +visit +张伟 .*measure visit $tomorrow 10:00"
expect_rc 0 "the day after, still scheduled" $OUTPOST remind --days 0 --now "$later 09:00:00"
expect_out "overdue" "overdue +visit +张伟 .*measure visit $tomorrow 10:00"
expect_rc 0 "remind for li.na" $OUTPOST remind --staff li.na --days 1
expect_out "her visit" "measure visit $tomorrow"

echo "-- done, with measurements per window"
expect_rc 0 "appt done" $OUTPOST appt done "$m" --result 已测量，客户选亚麻 \
	--measure '客厅=2.8x2.6' --measure '主卧=1.8×2.45' --measure '阳台=L 形, 3 扇'
expect_out "status done" '^status +done$'
expect_out "result" '^result +已测量，客户选亚麻$'
expect_eq "measurements, one line per window, in metres" \
	"$(sql "$OUTPOST_DB" "SELECT measurements FROM appointment WHERE id='$m'")" \
	"$(printf '客厅: 2.80 x 2.60\n主卧: 1.80 x 2.45\n阳台: L 形, 3 扇')"
expect_rc 65 "a measurement needs ROOM=" $OUTPOST appt done "$m" --measure 2.8x2.6
expect_rc 65 "done twice refused" $OUTPOST appt done "$m"
expect_err "says why" "is not scheduled any more"
expect_rc 0 "remind" $OUTPOST remind --days 0 --now "$later 09:00:00"
expect_no_out "a done visit leaves the list" "measure visit"

echo "-- a ticket spawns a repair visit"
expect_rc 0 "complaint" $OUTPOST ticket open --customer 13800138000 --problem '轨道异响'
tno=$(printf '%s\n' "$OUT" | sed -n 's/^ticket_no  *//p')
expect_rc 0 "repair visit from the ticket" $OUTPOST --as zhao.lei appt add --ticket "$tno" --at "$tomorrow 15:00"
expect_out "kind repair by default" '^kind +repair$'
expect_out "the ticket's customer" '^customer +张伟$'
expect_out "names the ticket" "^ticket_no +$tno$"
expect_rc 0 "appt list" $OUTPOST appt list
expect_out "the repair visit" "$tomorrow 15:00:00 .* repair +张伟"
expect_out "the installation" "$later 14:00:00 .* install +张伟"
expect_no_out "not the done one" "measure"
expect_rc 0 "appt list --all" $OUTPOST appt list --all
expect_out "with the done one" "measure .* done"
expect_eq "visits are journaled (table 25)" "$(sql "$OUTPOST_DB" "SELECT count(*) FROM journal WHERE tbl=25 AND op=1")" 3
echo "-- stored in UTC, typed and shown in the store's zone"
# A Beijing store: 07:00 on 11 December is 23:00 UTC on the 10th.
export OUTPOST_DB=$T/bj.db
expect_rc 0 "init at Asia/Shanghai" $OUTPOST init --site BJ01 --tz Asia/Shanghai
$OUTPOST customer add --name 王芳 --phone 13900139000 --address 北京 >/dev/null
expect_rc 0 "book 07:00-08:30 local" $OUTPOST appt add --customer 王芳 --at "2030-12-11 07:00" --until 08:30
expect_out "shown local" "^starts_at +2030-12-11 07:00:00$"
expect_out "the end shown local" "^ends_at +2030-12-11 08:30:00$"
a=$(printf '%s\n' "$OUT" | sed -n 's/^id  *//p')
expect_eq "stored UTC" "$(sql "$OUTPOST_DB" "SELECT starts_at || ' ' || ends_at FROM appointment WHERE id = '$a'")" \
	"2030-12-10 23:00:00 2030-12-11 00:30:00"
expect_rc 0 "--json" $OUTPOST --json appt show "$a"
expect_out "--json gives UTC like the other times" '"starts_at": "2030-12-10 23:00:00"'
expect_rc 0 "appt list" $OUTPOST appt list --from 2030-12-11 --to 2030-12-11
expect_out "listed on its local day, shown local" "2030-12-11 07:00:00 +08:30 +measure +王芳"
expect_rc 0 "appt list the day before" $OUTPOST appt list --from 2030-12-10 --to 2030-12-10
expect_no_out "not on the UTC day" "王芳"
expect_rc 0 "remind on the local day" $OUTPOST remind --days 0 --now "2030-12-11 06:00:00"
expect_out "today, at the local time" "today +visit +王芳 .*measure visit 2030-12-11 07:00-08:30"
expect_rc 0 "remind the local day before" $OUTPOST remind --days 1 --now "2030-12-10 09:00:00"
expect_out "upcoming the day before" "upcoming +visit +王芳 .*measure visit 2030-12-11 07:00"

echo "-- migration 025: visits booked as wall-clock time become UTC"
export OUTPOST_DB=$T/old.db
expect_rc 0 "a store of schema 23" env OUTPOST_TEST_SCHEMA_CAP=23 $OUTPOST init --site SH02 --tz Asia/Shanghai
env OUTPOST_TEST_SCHEMA_CAP=23 $OUTPOST customer add --name 赵六 --phone 13700137000 >/dev/null
sql "$OUTPOST_DB" "INSERT INTO appointment(customer_id, starts_at, ends_at, branch)
	SELECT id, '2030-03-01 09:00:00', '2030-03-01 10:00:00', 'SH02' FROM customer"
expect_eq "still schema 23" "$(sql "$OUTPOST_DB" "PRAGMA user_version")" 23
expect_rc 0 "opened by this outpost" $OUTPOST appt list --all
expect_out "the same wall time as before" "2030-03-01 09:00:00 +10:00 +measure +赵六"
expect_eq "stored UTC by the migration" "$(sql "$OUTPOST_DB" "SELECT starts_at || ' ' || ends_at FROM appointment")" \
	"2030-03-01 01:00:00 2030-03-01 02:00:00"
expect_ok_journal=$(sql "$OUTPOST_DB" "SELECT count(*) FROM journal WHERE tbl = 25 AND op = 2")
expect_eq "the change is journaled, so HQ gets the UTC time" "$expect_ok_journal" 1
done_testing
