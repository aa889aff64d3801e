. "$(dirname "$0")/lib.sh"
plan 220
# Local time is China's (UTC+8, no daylight saving), so that "stored as
# UTC" can fail: on a machine whose zone is UTC, local time is UTC.
export TZ=Asia/Shanghai
# 30_ticket_followup_staff — branches, staff, after-sales tickets and
# follow-ups through the real CLI: every command, every validation error,
# the ticket step trail, first replies, due reminders, JSON output and the
# acting staff in the journal.

DB=$OUTPOST_DB
q() { sql "$DB" "$1"; }
last_staff() { q "SELECT coalesce(staff, '') FROM journal ORDER BY seq DESC LIMIT 1"; }
# json_ok DESC: the last run's stdout is valid JSON.
json_ok() {
	if printf '%s\n' "$OUT" | python3 -c 'import json,sys; json.load(sys.stdin)' 2>/dev/null
	then ok "$1"; else bad "$1 (not JSON)"; printf '%s\n' "$OUT" | head -5; fi
}
# json_eval DESC EXPR WANT: python EXPR over the parsed stdout (as j).
json_eval() {
	got=$(printf '%s\n' "$OUT" | python3 -c "import json,sys; j=json.load(sys.stdin); print($2)" 2>&1 | tail -1)
	expect_eq "$1" "$got" "$3"
}

echo "-- setup"
expect_rc 0 "init a branch store" $OUTPOST init --site SH01

echo "-- branch"
expect_rc 0 "branch add" $OUTPOST --as admin branch add --code sh02 --name 浦东店 --region 上海
expect_out "branch code is upper-cased like site codes" "^code +SH02$"
expect_eq "branch add journaled with the acting staff" "$(last_staff)" "admin"
expect_rc 0 "branch add this store" $OUTPOST branch add --code SH01 --name 徐汇店
expect_rc 65 "duplicate branch code refused" $OUTPOST branch add --code SH02 --name x
expect_err "duplicate branch names the code" "branch 'SH02' already exists"
expect_rc 65 "bad branch code refused" $OUTPOST branch add --code "sh 03" --name x
expect_err "bad code explains the rule" "letters A-Z, digits"
expect_rc 65 "over-long branch code refused" $OUTPOST branch add --code ABCDEFGHIJKLMNOPQ --name x
expect_rc 64 "branch add without --name" $OUTPOST branch add --code SH03
expect_rc 64 "branch add unknown option" $OUTPOST branch add --code SH03 --name x --bogus 1
expect_rc 0 "branch list" $OUTPOST branch list
expect_out "branch list shows both" "SH02 +浦东店 +上海"
expect_rc 0 "branch list --json" $OUTPOST --json branch list
json_ok "branch list --json is JSON"
json_eval "branch list --json has 2 rows" "len(j)" 2

echo "-- staff"
expect_rc 0 "staff add (role alias 售后, phone normalised)" \
	$OUTPOST --as admin staff add --code li.na --name 李娜 --role 售后 --phone "138 0013 8001"
expect_out "role stored canonical" "^role +service$"
expect_out "phone stored E.164" "^phone +\+8613800138001$"
expect_out "staff default to this branch" "^branch +SH01$"
expect_eq "staff add journaled with the acting staff" "$(last_staff)" "admin"
expect_rc 0 "staff add at another branch" $OUTPOST staff add --code wang_wei --name 王伟 --branch sh02
expect_out "staff branch upper-cased" "^branch +SH02$"
expect_out "role defaults to sales" "^role +sales$"
expect_rc 0 "staff add manager" $OUTPOST staff add --code zhao-1 --name 赵敏 --role 店长
expect_rc 65 "bad role refused" $OUTPOST staff add --code x1 --name x --role boss
expect_err "bad role lists the roles" "role: .*sales.*admin"
expect_rc 65 "bad phone refused" $OUTPOST staff add --code x2 --name x --phone 12345
expect_err "bad phone names the field" "^outpost: phone:"
expect_rc 65 "bad staff code refused" $OUTPOST staff add --code "li na" --name x
expect_rc 65 "staff code over 32 characters refused" \
	$OUTPOST staff add --code abcdefghijabcdefghijabcdefghijabc --name x
expect_rc 0 "staff code of 32 characters accepted" \
	$OUTPOST staff add --code abcdefghijabcdefghijabcdefghijab --name 长名
expect_rc 65 "duplicate staff code refused" $OUTPOST staff add --code li.na --name x
expect_err "duplicate staff names the code" "staff 'li.na' already exists"
expect_rc 64 "staff add without --code" $OUTPOST staff add --name x
expect_eq "refused adds wrote nothing" "$(q "SELECT count(*) FROM staff")" 4
expect_rc 0 "staff list" $OUTPOST staff list
expect_out "staff list shows li.na" "li.na +李娜 +service +SH01"
expect_rc 0 "staff list --branch" $OUTPOST staff list --branch sh02
expect_out "staff list --branch shows wang_wei" "wang_wei"
expect_no_out "staff list --branch hides other branches" "li.na"
expect_rc 0 "staff list --json" $OUTPOST --json staff list
json_ok "staff list --json is JSON"
json_eval "staff list --json has 4 rows" "len(j)" 4
expect_rc 0 "staff add --help" $OUTPOST staff add --help
expect_out "staff add --help prints usage" "usage: outpost staff add"

echo "-- customers for the rest"
expect_rc 0 "customer 张三" $OUTPOST customer add --name 张三 --phone 13800138000
expect_rc 0 "customer 李四" $OUTPOST customer add --name 李四 --phone 13900139000
expect_rc 0 "customer 王五" $OUTPOST customer add --name 王五 --phone 13700137000
expect_rc 0 "customer 赵六" $OUTPOST customer add --name 赵六 --phone 13600136000
expect_rc 0 "customer 钱七" $OUTPOST customer add --name 钱七 --phone 13500135000
C1=$(q "SELECT id FROM customer WHERE name = '张三'")
C2=$(q "SELECT id FROM customer WHERE name = '李四'")
# An order of 张三's and one of 李四's, straight into the store.
q "INSERT INTO sales_order(customer_id, total) VALUES ('$C1', 10000)"
q "INSERT INTO sales_order(customer_id, total) VALUES ('$C2', 20000)"
O1=$(q "SELECT order_no FROM sales_order WHERE customer_id = '$C1'")
O2=$(q "SELECT order_no FROM sales_order WHERE customer_id = '$C2'")

echo "-- ticket open"
expect_rc 0 "ticket open by phone, with order and handler" \
	$OUTPOST --as li.na ticket open --customer "138-0013-8000" --problem "窗帘轨道松动" \
	--kind 维修 --order "$O1" --handler li.na
expect_out "ticket number carries the site" "^ticket_no +SH01-T-[0-9]{8}-0001$"
expect_out "kind alias stored canonical" "^kind +repair$"
expect_out "order shown by number" "^order_no +$O1$"
expect_out "status open" "^status +open$"
T1=$(q "SELECT ticket_no FROM ticket ORDER BY rowid LIMIT 1")
TID1=$(q "SELECT id FROM ticket WHERE ticket_no = '$T1'")
expect_eq "ticket branch is the site" "$(q "SELECT branch FROM ticket WHERE id = '$TID1'")" SH01
expect_eq "ticket has its first step" \
	"$(q "SELECT count(*) || ' ' || action || ' ' || status || ' ' || staff FROM ticket_step WHERE ticket_id = '$TID1'")" \
	"1 opened open li.na"
ok_if '[ "$(date +%H)" != "$(date -u +%H)" ]' "local time is not UTC here (TZ=$TZ)"
expect_eq "received_at is UTC now" \
	"$(q "SELECT abs(strftime('%s', received_at) - strftime('%s', 'now')) < 60 FROM ticket WHERE id = '$TID1'")" 1
expect_eq "first step at received_at" \
	"$(q "SELECT s.at = t.received_at FROM ticket t JOIN ticket_step s ON s.ticket_id = t.id WHERE t.id = '$TID1'")" 1
expect_eq "no first reply yet" "$(q "SELECT first_reply_at IS NULL FROM ticket WHERE id = '$TID1'")" 1
expect_eq "ticket open journaled with the acting staff" "$(last_staff)" "li.na"
expect_eq "ticket and first step journaled, all by the acting staff" \
	"$(q "SELECT count(DISTINCT gid) || ' ' || group_concat(DISTINCT staff) FROM journal WHERE gid IN ('$TID1', (SELECT id FROM ticket_step WHERE ticket_id = '$TID1'))")" "2 li.na"

expect_rc 0 "ticket open by name, defaults" $OUTPOST ticket open --customer 李四 --problem "送货晚了"
expect_out "kind defaults to complaint" "^kind +complaint$"
T2=$(q "SELECT ticket_no FROM ticket ORDER BY rowid LIMIT 1 OFFSET 1")
expect_eq "second ticket numbered 0002" "${T2##*-}" 0002

n=$(q "SELECT count(*) FROM ticket")
expect_rc 66 "ticket open: unknown customer" $OUTPOST ticket open --customer 13000000000 --problem x
expect_err "unknown customer named" "no customer matches"
expect_rc 64 "ticket open: no --problem" $OUTPOST ticket open --customer 张三
expect_rc 64 "ticket open: no --customer" $OUTPOST ticket open --problem x
expect_rc 65 "ticket open: empty problem" $OUTPOST ticket open --customer 张三 --problem "  "
expect_rc 65 "ticket open: bad kind" $OUTPOST ticket open --customer 张三 --problem x --kind nonsense
expect_err "bad kind lists kinds" "kind: .*complaint"
expect_rc 66 "ticket open: unknown handler" $OUTPOST ticket open --customer 张三 --problem x --handler nobody
expect_err "unknown handler named" "handler: no staff member 'nobody'"
expect_rc 66 "ticket open: unknown order" $OUTPOST ticket open --customer 张三 --problem x --order NOPE-1
expect_rc 65 "ticket open: another customer's order" $OUTPOST ticket open --customer 张三 --problem x --order "$O2"
expect_err "another customer's order explained" "belongs to another customer"
expect_eq "refused opens wrote nothing" "$(q "SELECT count(*) FROM ticket")" "$n"
expect_eq "refused opens wrote no steps" "$(q "SELECT count(*) FROM ticket_step")" 2

echo "-- ticket update"
expect_rc 0 "update: first reply, status alias 处理中" \
	$OUTPOST --as wang_wei ticket update "$T1" --action "电话联系客户，约上门" --status 处理中
expect_out "status in_progress" "^status +in_progress$"
expect_eq "first_reply_at set by the first step" \
	"$(q "SELECT first_reply_at IS NOT NULL FROM ticket WHERE id = '$TID1'")" 1
FR=$(q "SELECT first_reply_at FROM ticket WHERE id = '$TID1'")
expect_eq "update journaled with the acting staff" "$(last_staff)" "wang_wei"
expect_eq "step recorded with staff and status" \
	"$(q "SELECT staff || ' ' || status FROM ticket_step WHERE ticket_id = '$TID1' ORDER BY rowid DESC LIMIT 1")" \
	"wang_wei in_progress"
clock_passes "$FR"
expect_rc 0 "update: note only, new handler" \
	$OUTPOST --as li.na ticket update "$T1" --action "上门更换轨道" --handler wang_wei
expect_out "status kept" "^status +in_progress$"
expect_out "handler changed" "^handler +wang_wei$"
expect_eq "first_reply_at not moved by later steps" \
	"$(q "SELECT first_reply_at FROM ticket WHERE id = '$TID1'")" "$FR"
expect_rc 0 "update: in_progress -> resolved" $OUTPOST ticket update "$T1" --action 已修好 --status resolved
expect_rc 65 "update: unknown status word" $OUTPOST ticket update "$T1" --action x --status reopen-is-not-a-word
expect_err "unknown status lists statuses" "status: .*in_progress"
expect_rc 0 "update: resolved -> in_progress (reopen)" $OUTPOST ticket update "$T1" --action 客户说又松了 --status in-progress
expect_rc 65 "update: in_progress -> open refused" $OUTPOST ticket update "$T1" --action x --status open
expect_err "bad transition explained" "cannot go from in_progress to open"
expect_rc 65 "update: to the same status refused" $OUTPOST ticket update "$T1" --action x --status in_progress
expect_err "same status explained" "already in_progress"
expect_rc 64 "update: no --action" $OUTPOST ticket update "$T1" --status resolved
expect_rc 64 "update: no ticket" $OUTPOST ticket update --action x
expect_rc 65 "update: empty action" $OUTPOST ticket update "$T1" --action ""
expect_rc 66 "update: unknown handler" $OUTPOST ticket update "$T1" --action x --handler nobody
expect_rc 66 "update: unknown ticket" $OUTPOST ticket update SH01-T-19990101-0001 --action x
expect_rc 0 "update by id prefix" $OUTPOST ticket update "$(printf '%.13s' "$TID1")" --action 再次上门 --status resolved
expect_eq "every step kept (open + 5 updates)" \
	"$(q "SELECT count(*) FROM ticket_step WHERE ticket_id = '$TID1'")" 6
expect_eq "step statuses in order" \
	"$(q "SELECT group_concat(status, ',') FROM (SELECT status FROM ticket_step WHERE ticket_id = '$TID1' ORDER BY rowid)")" \
	"open,in_progress,in_progress,resolved,in_progress,resolved"

echo "-- ticket close"
expect_rc 65 "close: satisfaction 0 refused" $OUTPOST ticket close "$T1" --satisfaction 0
expect_err "satisfaction range explained" "satisfaction: .*1 and 5"
expect_rc 65 "close: satisfaction 6 refused" $OUTPOST ticket close "$T1" --satisfaction 6
expect_rc 65 "close: satisfaction not a number" $OUTPOST ticket close "$T1" --satisfaction good
expect_eq "refused closes left it resolved" "$(q "SELECT status FROM ticket WHERE id = '$TID1'")" resolved
expect_rc 64 "close: no ticket" $OUTPOST ticket close --satisfaction 5
expect_rc 0 "close with result and satisfaction" \
	$OUTPOST --as li.na ticket close "$T1" --result "更换新轨道，客户满意" --satisfaction 5
expect_out "status closed" "^status +closed$"
expect_out "satisfaction stored" "^satisfaction +5$"
expect_eq "closed_at set" "$(q "SELECT closed_at IS NOT NULL AND closed_at >= received_at FROM ticket WHERE id = '$TID1'")" 1
expect_eq "close step recorded" \
	"$(q "SELECT status || ' ' || action || ' ' || staff FROM ticket_step WHERE ticket_id = '$TID1' ORDER BY rowid DESC LIMIT 1")" \
	"closed closed: 更换新轨道，客户满意 li.na"
expect_eq "close journaled with the acting staff" "$(last_staff)" "li.na"
expect_rc 65 "close again refused" $OUTPOST ticket close "$T1"
expect_err "closed is final" "is closed"
expect_rc 65 "update after close refused" $OUTPOST ticket update "$T1" --action x
expect_rc 65 "closed -> in_progress refused" $OUTPOST ticket update "$T1" --action x --status in_progress
expect_eq "every step kept (7 after close)" \
	"$(q "SELECT count(*) FROM ticket_step WHERE ticket_id = '$TID1'")" 7

# A ticket closed straight from open: the close is its first reply.
expect_rc 0 "close straight from open" $OUTPOST ticket close "$T2"
expect_eq "close sets first_reply_at when missing" \
	"$(q "SELECT first_reply_at IS NOT NULL AND result IS NULL AND satisfaction IS NULL FROM ticket WHERE ticket_no = '$T2'")" 1
expect_rc 0 "a third ticket, left open" $OUTPOST ticket open --customer 张三 --problem 安装咨询 --kind enquiry
T3=$(q "SELECT ticket_no FROM ticket ORDER BY rowid DESC LIMIT 1")
expect_rc 0 "update third ticket to resolved" $OUTPOST ticket update "$T3" --action 已答复 --status 已解决

echo "-- ticket show"
expect_rc 0 "ticket show by number" $OUTPOST ticket show "$T1"
expect_out "show has the customer" "^customer +张三$"
expect_out "show lists the opened step" "open +opened"
expect_out "show lists the close step" "closed +closed: 更换新轨道"
expect_eq "show lists every step" "$(printf '%s\n' "$OUT" | grep -cE '^[0-9]{4}-[0-9]{2}-[0-9]{2} ')" 7
expect_rc 0 "ticket show --json" $OUTPOST --json ticket show "$T1"
json_ok "ticket show --json is JSON"
json_eval "JSON is one object with all steps" "len(j['steps'])" 7
json_eval "JSON steps in order" "j['steps'][0]['action'] + '|' + j['steps'][-1]['status']" "opened|closed"
json_eval "JSON satisfaction is a number" "j['satisfaction']" 5
expect_rc 0 "ticket show --csv" $OUTPOST --csv ticket show "$T1"
expect_out "csv has the steps header" "^at,staff,status,action"
expect_rc 66 "ticket show unknown" $OUTPOST ticket show SH01-T-19990101-0009
expect_rc 64 "ticket show without REF" $OUTPOST ticket show

echo "-- ticket list"
expect_rc 0 "ticket list" $OUTPOST ticket list
expect_eq "list has 3 tickets" "$(printf '%s\n' "$OUT" | grep -c '^SH01-T-')" 3
expect_rc 0 "ticket list --status closed" $OUTPOST ticket list --status 已关闭
expect_eq "two closed" "$(printf '%s\n' "$OUT" | grep -c '^SH01-T-')" 2
expect_rc 0 "ticket list --open" $OUTPOST ticket list --open
expect_eq "one not closed" "$(printf '%s\n' "$OUT" | grep -c '^SH01-T-')" 1
expect_out "--open shows the resolved one" "^$T3 .*resolved"
expect_rc 0 "ticket list --customer" $OUTPOST ticket list --customer 13900139000
expect_out "--customer shows 李四's" "^$T2 "
expect_no_out "--customer hides others" "^$T1 "
expect_rc 65 "ticket list bad status" $OUTPOST ticket list --status done
expect_rc 66 "ticket list unknown customer" $OUTPOST ticket list --customer 陌生人
expect_rc 0 "ticket list --json" $OUTPOST --json ticket list --open
json_ok "ticket list --json is JSON"
json_eval "ticket list --json row" "j[0]['ticket_no'] + ' ' + j[0]['status']" "$T3 resolved"
# A complaint received two days ago and never answered is late.
q "UPDATE ticket SET status = 'open', kind = 'complaint', first_reply_at = NULL,
   received_at = datetime('now', '-2 days') WHERE ticket_no = '$T3'"
expect_rc 0 "ticket list flags a late first reply" $OUTPOST --json ticket list --open
json_eval "reply_late yes" "j[0]['reply_late']" yes

echo "-- followup add"
TODAY=$(q "SELECT date('now', 'localtime')")
past() { q "SELECT date('now', 'localtime', '-$1 days')"; }
future() { q "SELECT date('now', 'localtime', '+$1 days')"; }
# 张三: an old reminder, superseded by a later follow-up due far ahead.
expect_rc 0 "followup add with every option" \
	$OUTPOST --as li.na followup add --customer 张三 --kind 电话 --purpose 售后回访 \
	--opinion 满意 --next-action 推荐新品 --next-due "$(past 10)" --at "$(past 12) 10:30"
expect_out "kind alias stored canonical" "^kind +call$"
expect_out "staff is the acting staff" "^staff +li.na$"
expect_out "branch is the site" "^branch +SH01$"
expect_out "at: local time typed, shown local" "^at +$(past 12) 10:30:00$"
expect_eq "at: stored as UTC" "$(q "SELECT at FROM followup ORDER BY rowid DESC LIMIT 1")" "$(past 12) 02:30:00"
expect_eq "followup add journaled with the acting staff" "$(last_staff)" "li.na"
expect_rc 0 "later follow-up supersedes" \
	$OUTPOST --as li.na followup add --customer 张三 --kind visit --next-due "$(future 30)"
# 李四: overdue by 3 days (wang_wei's).
expect_rc 0 "followup overdue" $OUTPOST --as wang_wei followup add --customer 李四 --next-due "$(past 3)" --next-action 报价
# 王五: due today.
expect_rc 0 "followup due today" $OUTPOST --as li.na followup add --customer 13700137000 --kind 微信 --next-due "$TODAY"
# 赵六: due in 3 days.
expect_rc 0 "followup due soon" $OUTPOST --as li.na followup add --customer 赵六 --next-due "$(future 3)"
# 钱七: an overdue reminder, then a follow-up that set none.
expect_rc 0 "followup old overdue" $OUTPOST followup add --customer 钱七 --next-due "$(past 5)" --at "$(past 6)"
expect_rc 0 "followup without next-due" $OUTPOST followup add --customer 钱七 --opinion 暂不需要
expect_eq "no staff without --as" "$(q "SELECT staff IS NULL FROM followup ORDER BY rowid DESC LIMIT 1")" 1
# --at is local wall time, stored as UTC.
TZ=Asia/Shanghai run $OUTPOST followup add --customer 赵六 --at "2024-01-10 15:00" --kind visit
expect_eq "followup --at converts local time to UTC" \
	"$(q "SELECT at FROM followup ORDER BY rowid DESC LIMIT 1")" "2024-01-10 07:00:00"
n=$(q "SELECT count(*) FROM followup")
expect_rc 66 "followup add: unknown customer" $OUTPOST followup add --customer 13000000000
expect_rc 64 "followup add: no customer" $OUTPOST followup add --purpose x
expect_rc 65 "followup add: bad next-due" $OUTPOST followup add --customer 张三 --next-due 2024-02-30
expect_err "bad date explained" "next-due: "
expect_rc 65 "followup add: next-due not a date" $OUTPOST followup add --customer 张三 --next-due tomorrow
expect_rc 65 "followup add: bad --at" $OUTPOST followup add --customer 张三 --at "2024-01-01 25:00"
expect_rc 65 "followup add: bad kind" $OUTPOST followup add --customer 张三 --kind fax
expect_err "bad kind lists kinds" "kind: .*call.*visit.*message"
expect_eq "refused follow-ups wrote nothing" "$(q "SELECT count(*) FROM followup")" "$n"

echo "-- followup list"
expect_rc 0 "followup list" $OUTPOST followup list
expect_eq "followup list has every row" "$(printf '%s\n' "$OUT" | grep -cE '^[0-9]{4}-')" "$n"
expect_rc 0 "followup list --customer" $OUTPOST followup list --customer 张三
expect_eq "张三 has two" "$(printf '%s\n' "$OUT" | grep -c '张三')" 2
expect_rc 0 "followup list --staff" $OUTPOST followup list --staff wang_wei
expect_eq "wang_wei has one" "$(printf '%s\n' "$OUT" | grep -cE '^[0-9]{4}-')" 1
expect_out "wang_wei's is 李四" "李四"
expect_rc 66 "followup list unknown customer" $OUTPOST followup list --customer 陌生人
expect_rc 0 "followup list --json" $OUTPOST --json followup list
json_ok "followup list --json is JSON"
json_eval "followup list --json row count" "len(j)" "$n"

echo "-- followup due"
expect_rc 0 "followup due" $OUTPOST --json followup due
json_ok "followup due --json is JSON"
json_eval "due today: overdue 李四 then today 王五" \
	"','.join(r['customer'] for r in j)" "李四,王五"
json_eval "days left counted, negative when overdue" "[r['days_left'] for r in j]" "[-3, 0]"
json_eval "when says it in words" "[r['when'] for r in j]" "['3 days overdue', 'due today']"
json_eval "due rows carry phone and next action" "j[0]['phone'] + ' ' + j[0]['next_action']" "+8613900139000 报价"
expect_rc 0 "followup due --days 3" $OUTPOST --json followup due --days 3
json_eval "--days 3 adds 赵六" "','.join(r['customer'] for r in j)" "李四,王五,赵六"
json_eval "not yet due is ahead, positive" "j[2]['days_left'], j[2]['when']" "3 in 3 days"
expect_rc 0 "followup due --days 2" $OUTPOST --json followup due --days 2
json_eval "--days 2 still without 赵六" "len(j)" 2
expect_rc 0 "followup due --staff" $OUTPOST --json followup due --staff li.na
json_eval "--staff li.na: only 王五" "','.join(r['customer'] for r in j)" "王五"
expect_rc 0 "followup due (table)" $OUTPOST followup due --days 365
expect_no_out "superseded reminder of 张三 not shown" "^$(past 10) "
expect_out "张三's newest reminder shown instead, reading right" "^$(future 30) +in 30 days +30 +张三"
expect_no_out "reminder cleared by a later follow-up not shown" "钱七"
expect_out "table shows days overdue" "$(past 3) +3 days overdue +-3 +李四"
expect_rc 65 "followup due: negative days" $OUTPOST followup due --days -1
expect_rc 65 "followup due: days not a number" $OUTPOST followup due --days soon
expect_rc 64 "followup due: unknown option" $OUTPOST followup due --when 3

echo "-- help"
expect_rc 0 "ticket --help lists subcommands" $OUTPOST ticket --help
expect_out "ticket group usage" "ticket open"
expect_rc 0 "followup due --help" $OUTPOST followup due --help
expect_rc 0 "branch --help" $OUTPOST branch --help
expect_out "branch group usage" "branch list"
done_testing
