. "$(dirname "$0")/lib.sh"
plan 46
# 35_local_time — a store's time zone (schema/tz.h): storage stays UTC,
# what people read and type is local, and order and ticket numbers and
# dates carry the local business day. The machine's clock is moved with
# faketime; the process zone is UTC, so only the store's zone can make the
# business day Beijing's.
export TZ=UTC
DB=$OUTPOST_DB
q() { sql "$DB" "$1"; }
# at 'YYYY-MM-DD HH:MM:SS' CMD...: run CMD with the clock at that UTC time
at() { t=$1; shift; FAKETIME_DONT_FAKE_MONOTONIC=1 faketime -f "@$t" "$@"; }
if ! faketime -f '+1d' "$OUTPOST" --version >/dev/null 2>&1; then
	skip 46 "faketime cannot run the binaries here (missing, or a sanitizer build)"
	done_testing
fi

echo "-- init --tz"
expect_rc 65 "unknown zone refused" $OUTPOST init --site HQ --hq --tz Mars/Olympus
expect_err "names the field and the zone" "tz: unknown time zone 'Mars/Olympus'"
ok_if '[ ! -e "$DB" ]' "a refused zone leaves no store behind"
expect_rc 0 "init with a zone" $OUTPOST init --site HQ --hq --tz Asia/Shanghai
expect_out "init says the zone" "time zone Asia/Shanghai"
expect_eq "zone kept in the store" "$(q "SELECT value FROM meta WHERE key = 'tz'")" "Asia/Shanghai"
expect_eq "offset the numbering triggers use" "$(q "SELECT value FROM meta WHERE key = 'utc_offset'")" "+480 minutes"
expect_rc 0 "default zone is the system's ($TZ)" $OUTPOST --db "$T/other.db" init --site SH01
expect_out "the system zone named" "time zone (UTC|Etc/UTC)"
$OUTPOST product add --sku CUR-1 --name 遮光窗帘 --price 100 >/dev/null
$OUTPOST customer add --name 张三 --phone 13800138000 >/dev/null

echo "-- the business day"
# 07:30 on 2 December in Beijing is 23:30 on 1 December in UTC.
expect_rc 0 "order at 07:30 Beijing time" at "2026-12-01 23:30:00" $OUTPOST --json order add \
	--customer 13800138000 --item CUR-1:1
got=$(printf '%s' "$OUT" | python3 -c 'import json,sys; j=json.load(sys.stdin); print(j["order_no"], j["date"])')
expect_eq "numbered and dated 2 December" "$got" "HQ-20261202-0001 2026-12-02"
expect_rc 0 "order at 23:00 Beijing time, 1 December" at "2026-12-01 15:00:00" $OUTPOST --json order add \
	--customer 13800138000 --item CUR-1:1
got=$(printf '%s' "$OUT" | python3 -c 'import json,sys; j=json.load(sys.stdin); print(j["order_no"], j["date"])')
expect_eq "numbered and dated 1 December" "$got" "HQ-20261201-0001 2026-12-01"
expect_rc 0 "ticket at 07:30 Beijing time" at "2026-12-01 23:30:00" $OUTPOST ticket open \
	--customer 13800138000 --problem 轨道松了
expect_out "ticket numbered 2 December" "^ticket_no +HQ-T-20261202-0001$"
expect_out "received_at shown in local time" "^received_at +2026-12-02 07:3[0-9]:[0-9]{2}$"
expect_eq "received_at stored as UTC" "$(q "SELECT substr(received_at, 1, 16) FROM ticket")" "2026-12-01 23:30"
expect_rc 0 "ticket list --json" $OUTPOST --json ticket list
got=$(printf '%s' "$OUT" | python3 -c 'import json,sys; j=json.load(sys.stdin); print(j[0]["received_at"][:16])')
expect_eq "--json keeps the stored UTC value" "$got" "2026-12-01 23:30"
# a ticket typed in by any SQLite client numbers the same way
sql "$DB" "INSERT INTO ticket(id, customer_id, kind, problem, received_at, branch)
	SELECT 'x1', id, 'repair', 'p', '2026-12-02 20:00:00', 'HQ' FROM customer LIMIT 1"
expect_eq "trigger uses the local day (04:00 on 3 December)" \
	"$(q "SELECT ticket_no FROM ticket WHERE id = 'x1'")" "HQ-T-20261203-0001"

echo "-- typed times are local"
expect_rc 0 "followup --at local" $OUTPOST followup add --customer 张三 --at "2026-12-02 07:30" \
	--next-due 2026-12-02
expect_eq "stored as UTC" "$(q "SELECT at FROM followup")" "2026-12-01 23:30:00"
expect_out "shown as typed" "^at +2026-12-02 07:30:00$"

echo "-- followup due and remind agree on the local day"
expect_rc 0 "followup due at 07:30 on 2 December" at "2026-12-01 23:30:00" $OUTPOST --json followup due
got=$(printf '%s' "$OUT" | python3 -c 'import json,sys; j=json.load(sys.stdin); print(len(j), j[0]["days_left"], j[0]["when"])')
expect_eq "due today, not tomorrow" "$got" "1 0 due today"
expect_rc 0 "remind at the same moment" at "2026-12-01 23:30:00" $OUTPOST --json remind --days 0
got=$(printf '%s' "$OUT" | python3 -c '
import json,sys; j=json.load(sys.stdin)
rows=[r for r in j["reminders"] if r["kind"] == "followup"]
print(len(rows), rows[0]["state"] if rows else "-")')
expect_eq "remind lists it as due (not overdue)" "$got" "1 due"
expect_rc 0 "followup due at 23:00 on 1 December" at "2026-12-01 15:00:00" $OUTPOST --json followup due
expect_eq "not due yet the evening before" "$OUT" "[]"
expect_rc 0 "remind the evening before" at "2026-12-01 15:00:00" $OUTPOST --json remind --days 0
got=$(printf '%s' "$OUT" | python3 -c '
import json,sys; j=json.load(sys.stdin)
print(len([r for r in j["reminders"] if r["kind"] == "followup"]))')
expect_eq "remind agrees: nothing yet" "$got" "0"
expect_rc 0 "remind --now is local time" $OUTPOST remind --days 0 --now "2026-12-02 07:30"
expect_out "title in local time and zone" "due by 2026-12-02 07:30:00 \(Asia/Shanghai\)"

echo "-- campaigns and coupons count local business days"
# 07:30 on 2 December in Beijing (23:30 UTC on the 1st): the day is the 2nd.
BJ="2026-12-01 23:30:00"
$OUTPOST segment add 全部 --points-min 0 >/dev/null
expect_rc 0 "campaign added at 07:30 Beijing time" at "$BJ" $OUTPOST --json campaign add 早场 \
	--segment 全部 --kind promotion --channel sms --template '{姓名}您好'
expect_out "starts on the local day" '"starts": "2026-12-02"'
expect_rc 0 "coupon made at that moment" at "$BJ" $OUTPOST --json coupon add --value 20 --until 2026-12-31
expect_out "valid from the local day" '"valid_from": "2026-12-02"'
expect_rc 0 "a coupon that ran to 1 December" $OUTPOST coupon add --code DEC01 --value 20 --from 2026-11-01 --until 2026-12-01
expect_rc 65 "expired at 07:30 on 2 December" at "$BJ" $OUTPOST coupon check DEC01 --customer 张三 --amount 100
expect_err "says it expired" "expired on 2026-12-01"
expect_rc 0 "still good at 23:00 on 1 December" at "2026-12-01 15:00:00" $OUTPOST coupon check DEC01 --customer 张三 --amount 100
expect_rc 0 "a campaign that ends on 1 December" $OUTPOST campaign add 十一月 --segment 全部 --kind promotion \
	--channel sms --template '{姓名}您好' --starts 2026-11-01 --ends 2026-12-01
expect_rc 65 "ended at 07:30 on 2 December" at "$BJ" $OUTPOST campaign prepare 十一月
expect_err "says when it ended" "ended on 2026-12-01"
expect_rc 0 "prepared at 23:00 on 1 December" at "2026-12-01 15:00:00" $OUTPOST campaign prepare 十一月
expect_eq "prepared_at is the UTC moment" "$(q "SELECT prepared_at FROM campaign_outbox LIMIT 1")" "2026-12-01 15:00:00"

done_testing
