#!/bin/sh
# 10_customer_store.sh — the store and its customers through the real CLI:
# --version and --help on every command, init, customer add/edit/show/list/
# search/delete with every refusal writing nothing, Chinese search and
# pinyin order, the journal seen through the stock sqlite3 shell and
# `outpost log`, export, and spreadsheet import (UTF-8, UTF-8 with BOM,
# GBK; all or nothing).
. "$(dirname "$0")/lib.sh"
plan 308

DB=$OUTPOST_DB
jcount() { sql "$DB" "SELECT count(*) FROM journal"; }
ccount() { sql "$DB" "SELECT count(*) FROM customer"; }
json_ok() { printf '%s\n' "$OUT" | python3 -c 'import json,sys; json.load(sys.stdin)' 2>/dev/null; }
# json_len: the length of the JSON array in $OUT
json_len() { printf '%s\n' "$OUT" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))' 2>&1; }
# refused CODE DESC CMD...: exits CODE and leaves customers and journal alone.
refused() {
	r_want=$1; r_desc=$2; shift 2
	r_before="$(ccount)/$(jcount)"
	expect_rc "$r_want" "$r_desc" "$@"
	expect_eq "$r_desc: nothing written" "$(ccount)/$(jcount)" "$r_before"
}

echo "-- version and help (no store needed)"
expect_rc 0 "--version" $OUTPOST --version
expect_out "--version names program and schema" '^outpost [0-9]+\.[0-9]+\.[0-9]+ \(schema [0-9]+\)$'
expect_rc 0 "--help" $OUTPOST --help
expect_out "--help has the usage line" '^usage: outpost '
expect_out "--help lists customer add" '^  customer +add '
expect_out "--help lists import customers" '^  import +customers '
expect_rc 0 "-h" $OUTPOST -h
expect_rc 64 "no command is a usage error" $OUTPOST
expect_rc 64 "unknown global option" $OUTPOST --bogus
expect_err "unknown global option named" "unknown option '--bogus'"
expect_rc 64 "unknown command" $OUTPOST frobnicate
expect_err "unknown command named" "unknown command 'frobnicate'"
expect_rc 64 "unknown subcommand" $OUTPOST customer frobnicate
expect_err "unknown subcommand named" "unknown command 'customer frobnicate'"

# Every command `outpost --help` lists: "  GROUP     SUB        help" (a group
# name wider than its column pushes SUB right), or "  CMD  help" for a
# command without subcommands; continuation lines leave the group blank
# (and SUB too for a group's own command, e.g. `classify [--as-of DATE]`).
$OUTPOST --help | awk '
	/^Commands:/ { on = 1; next }
	on && /^  [^ ]/ {
		g = $1; w = length(g) > 10 ? length(g) : 10
		rest = substr($0, 3 + w + 1)
		if (rest ~ /^[^ ]/) { split(rest, a, " "); print g, a[1] } else print g
		next
	}
	on && /^   / {
		rest = substr($0, 14)
		if (rest ~ /^[^ ]/) { split(rest, a, " "); print g, a[1] } else print g
	}' >"$T/commands"
ncmds=$(wc -l <"$T/commands")
# the groups whose own --help lists their commands (see below)
grps=$(awk 'NF == 2 { sub_[$1] = 1 } NF == 1 { own[$1] = 1 }
		END { for (g in sub_) if (!(g in own)) print g }' "$T/commands" | sort)
# one check per command and per group
plan_more $((ncmds + $(echo $grps | wc -w)))
ok_if '[ "$ncmds" -ge 20 ]' "--help lists $ncmds commands"
ok_if 'grep -qx "customer add" "$T/commands" && grep -qx "import customers" "$T/commands" && grep -qx init "$T/commands"' \
	"the command list has customer add, import customers, init"
while read -r g s <&3; do
	run $OUTPOST $g $s --help
	if [ "$RC" -eq 0 ] && printf '%s\n' "$OUT" | grep -q "^usage: outpost $g"; then
		ok "$g${s:+ $s} --help"
	else
		bad "$g${s:+ $s} --help (exit $RC, stdout: $(printf '%s' "$OUT" | head -1))"
		printf '%s\n' "$ERR" | sed 's/^/       /' | head -3
	fi
done 3<"$T/commands"
# `outpost GROUP --help` lists a group's commands (unless the group is also
# a command of its own, which then takes --help).
for g in $grps; do
	run $OUTPOST $g --help
	if [ "$RC" -eq 0 ] && printf '%s\n' "$OUT" | grep -q "^usage: outpost $g COMMAND"; then
		ok "$g --help lists its commands"
	else
		bad "$g --help lists its commands (exit $RC)"
	fi
done
ok_if '[ ! -e "$DB" ]' "help created no store"

echo "-- init"
expect_rc 66 "customer list before init: no store" $OUTPOST customer list
expect_err "no store message says what to do" "outpost init --site"
expect_rc 64 "init without --site" $OUTPOST init
expect_rc 65 "bad site code refused" $OUTPOST --db "$T/bad.db" init --site 'SH 01'
expect_err "bad site code message" "site: 'SH 01' is not a site code"
expect_rc 65 "too long site code refused" $OUTPOST --db "$T/bad.db" init --site ABCDEFGHIJKLMNOPQ
ok_if '[ ! -e "$T/bad.db" ]' "refused init created no file"
expect_rc 0 "init --site sh01" $OUTPOST init --site sh01
expect_out "init names the site, upper case" 'is site SH01 \(branch\)'
expect_rc 0 "re-init with the same site is harmless" $OUTPOST init --site SH01
expect_rc 65 "re-init with a different site refused" $OUTPOST init --site BJ02
expect_err "re-init message" 'already initialised as site SH01'
expect_eq "site kept" "$(sql "$DB" "SELECT value FROM meta WHERE key='site'")" SH01
expect_eq "fresh store has an empty journal" "$(jcount)" 0

echo "-- customer add"
expect_rc 0 "add 张伟 with +86 phone" $OUTPOST customer add --name 张伟 \
	--phone '+86 138-0013-8000' --email Zw@Example.COM --gender 男 --birthday 1985/3/7 \
	--budget '¥1,200.5' --channel 门店
expect_out "add shows the normalised phone" '^phone +\+8613800138000$'
expect_out "add shows the lowercased email domain" '^email +Zw@example\.com$'
expect_out "add shows canonical gender" '^gender +male$'
expect_out "add shows the birthday" '^birthday +1985-03-07$'
expect_out "add shows money" '^budget +1200\.50$'
expect_out "add shows the canonical channel" '^channel +walk-in$'
expect_out "add defaults the branch to the site" '^branch +SH01$'
zw=$(sql "$DB" "SELECT id FROM customer WHERE name='张伟'")
expect_eq "budget stored in cents" "$(sql "$DB" "SELECT budget FROM customer WHERE id='$zw'")" 120050
expect_rc 0 "add 王伟 with 0086 prefix" $OUTPOST customer add --name 王伟 --phone '0086 139 0013 9000'
expect_eq "0086 normalised to E.164" "$(sql "$DB" "SELECT phone FROM customer WHERE name='王伟'")" +8613900139000
expect_rc 0 "add 张三丰" $OUTPOST customer add --name 张三丰 --email sanfeng@wudang.cn --address 湖北武当山
expect_rc 0 "add 安然, by li.na" $OUTPOST --as li.na customer add --name 安然 --phone 010-12345678
expect_out "landline normalised without the trunk 0" '^phone +\+861012345678$'
expect_out "--as makes the owner" '^owner +li\.na$'
expect_rc 0 "add 白雪 at another branch" $OUTPOST customer add --name 白雪 --branch BJ02
expect_out "explicit branch kept" '^branch +BJ02$'
expect_eq "five customers" "$(ccount)" 5
expect_eq "five journal inserts (tbl 3, op 1)" \
	"$(sql "$DB" "SELECT count(*) FROM journal WHERE tbl=3 AND op=1")" 5
expect_eq "journal records the actor" \
	"$(sql "$DB" "SELECT staff FROM journal j JOIN customer c ON c.id=j.gid WHERE c.name='安然'")" li.na

echo "-- refusals write nothing"
refused 65 "bad phone (10 digits)" $OUTPOST customer add --name x --phone 1380013800
expect_err "bad phone says why" '^outpost: phone: mobile numbers have 11 digits, got 10$'
refused 65 "bad email" $OUTPOST customer add --name x --email not-an-email
expect_err "bad email names the field" '^outpost: email: '
refused 65 "bad date" $OUTPOST customer add --name x --birthday 2023-02-30
expect_err "bad date names the field" '^outpost: birthday: '
refused 65 "bad money" $OUTPOST customer add --name x --budget 12.345
expect_err "bad money names the field" '^outpost: budget: '
refused 65 "bad enum (gender)" $OUTPOST customer add --name x --gender alien
expect_err "bad enum lists the choices" 'gender: .*male, female or other'
refused 65 "bad enum (channel)" $OUTPOST customer add --name x --channel tv
refused 65 "points out of range" $OUTPOST customer add --name x --points -1
refused 64 "unknown option" $OUTPOST customer add --name x --bogus 1
expect_err "unknown option named" "unknown option '--bogus'"
expect_err "unknown option prints usage" '^usage: outpost customer add'
refused 64 "option without its value" $OUTPOST customer add --name x --phone
refused 65 "missing --name" $OUTPOST customer add --phone 13800138009
expect_err "missing name message" 'name: is required'
refused 65 "blank --name" $OUTPOST customer add --name '  '
refused 64 "edit with nothing to change" $OUTPOST customer edit 张伟
expect_err "nothing to change message" 'nothing to change'
refused 65 "edit with a bad phone" $OUTPOST customer edit 张伟 --phone 12345
refused 65 "edit with a bad email" $OUTPOST customer edit 张伟 --email 'a b@c.com'
refused 65 "edit clearing the name" $OUTPOST customer edit 张伟 --name ''
refused 65 "edit with a bad date" $OUTPOST customer edit 张伟 --birthday 19850307x
refused 64 "edit with an unknown option" $OUTPOST customer edit 张伟 --colour red --nope 1
refused 66 "edit of an unknown customer" $OUTPOST customer edit nobody --notes x
refused 66 "show of an unknown customer" $OUTPOST customer show nobody
refused 66 "delete of an unknown customer" $OUTPOST customer delete nobody
refused 64 "search with an empty query" $OUTPOST customer search ' '
refused 65 "list with a bad --limit" $OUTPOST customer list --limit x
expect_eq "张伟 unchanged by the refused edits" \
	"$(sql "$DB" "SELECT phone || ' ' || email || ' ' || birthday FROM customer WHERE id='$zw'")" \
	"+8613800138000 Zw@example.com 1985-03-07"

echo "-- show, edit"
expect_rc 0 "show by name" $OUTPOST customer show 张伟
expect_out "show by name finds 张伟" "^id +$zw\$"
expect_rc 0 "show by phone as typed" $OUTPOST customer show '138 0013 8000'
expect_out "show by phone finds 张伟" "^id +$zw\$"
expect_rc 0 "show by id prefix" $OUTPOST customer show "$(echo "$zw" | cut -c1-13)"
expect_out "show by prefix finds 张伟" '^name +张伟$'
expect_rc 0 "show --json" $OUTPOST --json customer show 张伟
ok_if json_ok "show --json parses"
j0=$(jcount)
expect_rc 0 "edit as li.na" $OUTPOST --as li.na customer edit 张伟 --notes 'VIP, 喜欢浅色' --email ''
expect_out "edit shows the notes" '^notes +VIP, 喜欢浅色$'
expect_eq "edit cleared the email" "$(sql "$DB" "SELECT email IS NULL FROM customer WHERE id='$zw'")" 1
expect_eq "edit is one journal row" "$(jcount)" $((j0 + 1))
expect_eq "edit journaled as update by li.na" \
	"$(sql "$DB" "SELECT op || ' ' || staff FROM journal ORDER BY seq DESC LIMIT 1")" "2 li.na"
expect_rc 0 "edit --add-points" $OUTPOST customer edit 张伟 --add-points 15
expect_out "points added" '^points +15$'
expect_eq "points journaled as a delta" \
	"$(sql "$DB" "SELECT delta FROM journal ORDER BY seq DESC LIMIT 1")" 15

echo "-- search"
expect_rc 0 "search 张伟 (2 characters)" $OUTPOST customer search 张伟
expect_out "张伟 found" '张伟'
expect_no_out "王伟 not found by 张伟" '王伟'
expect_no_out "张三丰 not found by 张伟" '张三丰'
expect_rc 0 "search 伟 (1 character)" $OUTPOST customer search 伟
expect_out "伟 finds 张伟" '张伟'
expect_out "伟 finds 王伟" '王伟'
expect_no_out "伟 does not find 张三丰" '张三丰'
expect_rc 0 "search 张三丰 (3 characters: FTS)" $OUTPOST customer search 张三丰
expect_out "张三丰 found" '张三丰'
expect_no_out "张三丰 search finds no 张伟" '张伟'
expect_rc 0 "search 三丰 (middle of a name)" $OUTPOST customer search 三丰
expect_out "三丰 finds 张三丰" '张三丰'
expect_rc 0 "search 武当山 (address, FTS)" $OUTPOST customer search 武当山
expect_out "address search finds 张三丰" '张三丰'
expect_rc 0 "search by phone digits" $OUTPOST customer search 13900139000
expect_out "phone digits find 王伟" '王伟'
expect_no_out "phone digits do not find 张伟" '张伟'
expect_rc 0 "search by partial phone, with spaces" $OUTPOST customer search '138 0013'
expect_out "partial phone finds 张伟" '张伟'
expect_no_out "partial phone does not find 王伟" '王伟'
expect_rc 0 "search by landline with trunk 0" $OUTPOST customer search 010-12345678
expect_out "landline finds 安然" '安然'
expect_rc 0 "search by email part (FTS)" $OUTPOST customer search wudang
expect_out "email part finds 张三丰" '张三丰'
expect_rc 0 "search by email part, other case" $OUTPOST customer search WUDANG
expect_out "email search ignores case" '张三丰'
expect_rc 0 "search by 2-letter email part" $OUTPOST customer search sa
expect_out "short email part finds 张三丰" '张三丰'
expect_rc 0 "search with a quote is literal" $OUTPOST customer search 'a"b c'
expect_rc 0 "search --json" $OUTPOST --json customer search 伟
ok_if json_ok "search --json parses"
expect_eq "search --json has 2 rows" "$(json_len)" 2
expect_rc 0 "search with no match" $OUTPOST customer search 不存在的人
expect_no_out "no match lists nobody" '伟'

echo "-- list in pinyin order"
expect_rc 0 "customer list" $OUTPOST customer list
order=$($OUTPOST --csv customer list | sed 1d | cut -d, -f2 | tr '\n' ' ')
expect_eq "list sorted by pinyin (an bai wang zhang-san zhang-wei)" "$order" "安然 白雪 王伟 张三丰 张伟 "
expect_rc 0 "list --json" $OUTPOST --json customer list
ok_if json_ok "list --json parses"
expect_eq "list --json has every customer" "$(json_len)" 5
expect_rc 0 "list --branch" $OUTPOST customer list --branch BJ02
expect_out "branch filter keeps 白雪" '白雪'
expect_no_out "branch filter drops 张伟" '张伟'
expect_rc 0 "list --owner" $OUTPOST customer list --owner li.na
expect_out "owner filter keeps 安然" '安然'
expect_no_out "owner filter drops 王伟" '王伟'
expect_eq "owner filter lists every customer li.na owns, and only those" \
	"$($OUTPOST --csv customer list --owner li.na | sed 1d | cut -d, -f2 | sort | tr '\n' ' ')" \
	"$(sql "$DB" "SELECT name FROM customer WHERE owner = 'li.na' ORDER BY name" | sort | tr '\n' ' ')"

echo "-- the stock sqlite3 shell is journaled too"
sql "$DB" "INSERT INTO customer(name, phone) VALUES ('Shell Ins', '+8613700137000')"
gid=$(sql "$DB" "SELECT id FROM customer WHERE name='Shell Ins'")
expect_eq "shell insert got a 36-character id" "${#gid}" 36
expect_eq "shell insert id is UUIDv7 (version 7)" "$(echo "$gid" | cut -c15)" 7
ok_if 'echo "$gid" | grep -Eq "^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$"' \
	"shell insert id is UUID-shaped with the RFC variant"
expect_eq "shell insert journaled (op 1)" \
	"$(sql "$DB" "SELECT count(*) FROM journal WHERE tbl=3 AND gid='$gid' AND op=1")" 1
expect_eq "shell insert: no actor" \
	"$(sql "$DB" "SELECT staff IS NULL FROM journal WHERE gid='$gid' AND op=1")" 1
expect_rc 0 "shell-inserted customer found by search" $OUTPOST customer search 'Shell Ins'
expect_out "found through the FTS index" 'Shell Ins'
sql "$DB" "UPDATE customer SET notes = 'from the shell' WHERE id = '$gid'"
expect_eq "shell update journaled (op 2)" \
	"$(sql "$DB" "SELECT count(*) FROM journal WHERE tbl=3 AND gid='$gid' AND op=2")" 1
expect_eq "shell update marks the notes column (bit 19)" \
	"$(sql "$DB" "SELECT cols FROM journal WHERE gid='$gid' AND op=2")" $((1 << 19))
j0=$(jcount)
sql "$DB" "UPDATE customer SET notes = notes WHERE id = '$gid'"
expect_eq "an update that changes nothing is not journaled" "$(jcount)" "$j0"
if sql "$DB" "UPDATE customer SET id = 'x' WHERE id = '$gid'" 2>/dev/null; then
	bad "changing an id from the shell refused"
else
	ok "changing an id from the shell refused"
fi
sql "$DB" "DELETE FROM customer WHERE id = '$gid'"
expect_eq "shell delete journaled (op 3)" \
	"$(sql "$DB" "SELECT count(*) FROM journal WHERE tbl=3 AND gid='$gid' AND op=3")" 1
expect_eq "journal ops for the shell row in order" \
	"$(sql "$DB" "SELECT group_concat(op, '') FROM (SELECT op FROM journal WHERE gid='$gid' ORDER BY seq)")" 123

echo "-- log"
expect_rc 0 "log" $OUTPOST log
expect_out "log shows li.na's update of a customer" 'li\.na +update +customer'
expect_out "log shows the site" 'SH01'
expect_out "log names the changed columns" 'email, notes'
# lists show the random tail of an id (the head of a UUIDv7 is its time)
expect_rc 0 "log --table customer --id TAIL" $OUTPOST log --table customer --id "$(echo "$zw" | cut -c29-36)"
expect_out "log --id shows the row's insert" "insert +customer +$zw"
expect_out "log --id shows the row's update" "update +customer +$zw"
expect_no_out "log --id shows no other row" "$gid"
expect_eq "log --id has only that row" "$(printf '%s\n' "$OUT" | sed 1,2d | grep -vc "$zw")" 0
expect_eq "log --id lists every journal entry of that row" \
	"$(printf '%s\n' "$OUT" | sed 1,2d | grep -c "$zw")" "$(sql "$DB" "SELECT count(*) FROM journal WHERE gid='$zw'")"
expect_rc 0 "log --id of a deleted row" $OUTPOST log --table customer --id "$gid"
expect_out "deleted row's history is readable" "delete +customer +$gid"
expect_rc 0 "log --staff li.na" $OUTPOST log --staff li.na
expect_eq "log --staff rows are all li.na's" "$(printf '%s\n' "$OUT" | sed 1,2d | grep -vc 'li\.na')" 0
expect_eq "log --staff lists every one of li.na's journal entries" \
	"$(printf '%s\n' "$OUT" | sed 1,2d | grep -c 'li\.na')" "$(sql "$DB" "SELECT count(*) FROM journal WHERE staff='li.na'")"
ok_if '[ "$(sql "$DB" "SELECT count(*) FROM journal WHERE staff='"'li.na'"'")" -ge 2 ]' "li.na has journal entries to list"
expect_rc 0 "log --json" $OUTPOST --json log
ok_if json_ok "log --json parses"
expect_rc 64 "log --id without --table" $OUTPOST log --id "$zw"
expect_rc 65 "log --table of no table" $OUTPOST log --table nosuch

echo "-- delete"
sql "$DB" "INSERT INTO product(sku, name, price) VALUES ('CUR-1', '遮光窗帘', 19900)"
expect_rc 0 "order for 张伟" $OUTPOST order add --customer 张伟 --item CUR-1:2
refused 65 "delete of a customer with an order" $OUTPOST customer delete 张伟
expect_err "delete refusal says why" 'still has orders'
j0=$(jcount)
bx=$(sql "$DB" "SELECT id FROM customer WHERE name='白雪'")
expect_rc 0 "delete 白雪" $OUTPOST --as li.na customer delete 白雪
expect_out "delete names the id" "deleted customer $bx"
expect_eq "白雪 gone" "$(sql "$DB" "SELECT count(*) FROM customer WHERE name='白雪'")" 0
expect_eq "delete journaled (op 3, li.na)" \
	"$(sql "$DB" "SELECT op || ' ' || staff FROM journal WHERE gid='$bx' ORDER BY seq DESC LIMIT 1")" "3 li.na"
expect_rc 0 "deleted customer no longer found" $OUTPOST customer search 白雪
expect_no_out "search misses the deleted customer" '白雪'

echo "-- export"
n=$(ccount)
expect_rc 0 "export customer --csv" $OUTPOST export customer --csv
expect_out "csv header" '^id,name,gender,birthday,phone,email,'
expect_out "csv quotes a value with a comma" '"VIP, 喜欢浅色"'
expect_eq "csv has a line per customer plus the header" "$(printf '%s\n' "$OUT" | wc -l | tr -d ' ')" $((n + 1))
printf '%s\n' "$OUT" >"$T/export.csv"
expect_eq "csv parses with a real CSV reader" \
	"$(python3 -c 'import csv,sys; r=list(csv.DictReader(open(sys.argv[1], encoding="utf-8"))); print(len(r), [x["notes"] for x in r if x["name"]=="张伟"][0])' "$T/export.csv")" \
	"$n VIP, 喜欢浅色"
expect_rc 0 "export customer --json" $OUTPOST export customer --json
ok_if json_ok "export --json parses"
expect_eq "export --json has every customer" "$(json_len)" "$n"
expect_eq "export --json keeps numbers as numbers" \
	"$(printf '%s\n' "$OUT" | python3 -c 'import json,sys; print([c["budget"] for c in json.load(sys.stdin) if c["name"]=="张伟"][0])')" 120050
expect_rc 0 "export defaults to csv" $OUTPOST export customer
expect_out "default export is csv" '^id,name,'
expect_rc 65 "export of no table" $OUTPOST export nosuch

echo "-- import"
# UTF-8, English headers with blanks around them, CRLF ends, an empty line.
printf 'name , phone,email,birthday,budget,gender\r\nAlice Wang,138 0013 8001,alice@example.com,1990/1/2,"1,000.50",女\r\n\r\nBob Li,+86 139-0013-9001,,,,male\r\n' >"$T/en.csv"
c0=$(ccount); j0=$(jcount)
expect_rc 0 "import UTF-8 with English headers" $OUTPOST --as wang.fang import customers "$T/en.csv"
expect_out "import reports count and encoding" "^imported 2 customers from $T/en.csv \\(encoding utf-8\\)$"
expect_eq "two customers added" "$(ccount)" $((c0 + 2))
expect_eq "imported values normalised" \
	"$(sql "$DB" "SELECT phone || ' ' || birthday || ' ' || budget || ' ' || gender || ' ' || home_branch FROM customer WHERE name='Alice Wang'")" \
	"+8613800138001 1990-01-02 100050 female SH01"
expect_eq "blank cells are NULL" "$(sql "$DB" "SELECT email IS NULL AND budget IS NULL FROM customer WHERE name='Bob Li'")" 1
expect_eq "import journaled: 2 inserts by wang.fang" \
	"$(sql "$DB" "SELECT count(*) FROM journal WHERE seq > (SELECT max(seq) - 2 FROM journal) AND op=1 AND staff='wang.fang'")" 2
expect_eq "nothing else journaled" "$(jcount)" $((j0 + 2))

# UTF-8 with a byte-order mark (Excel's "CSV UTF-8"), Chinese headers.
printf '\357\273\277姓名,电话,邮箱,地址,门店\n李娜,13800138002,lina@example.com,上海市徐汇区漕溪北路1号,\n赵敏,13800138003,,北京市朝阳区,BJ02\n' >"$T/bom.csv"
expect_rc 0 "import UTF-8 with BOM, Chinese headers" $OUTPOST import customers "$T/bom.csv"
expect_out "BOM reported" '^imported 2 customers from .*bom\.csv \(encoding utf-8 with BOM\)$'
expect_eq "Chinese-header values land in their columns" \
	"$(sql "$DB" "SELECT phone || ' ' || email || ' ' || address || ' ' || home_branch FROM customer WHERE name='李娜'")" \
	"+8613800138002 lina@example.com 上海市徐汇区漕溪北路1号 SH01"
expect_eq "an explicit 门店 is kept" "$(sql "$DB" "SELECT home_branch FROM customer WHERE name='赵敏'")" BJ02
expect_eq "the BOM is not part of the first header" "$(sql "$DB" "SELECT count(*) FROM customer WHERE name='李娜'")" 1
expect_rc 0 "imported customers are searchable (2 chars)" $OUTPOST customer search 李娜
expect_out "search finds the imported 李娜" '李娜'
expect_rc 0 "imported customers are searchable (FTS)" $OUTPOST customer search 漕溪北路
expect_out "FTS finds the imported address" '李娜'

# GBK, as Excel in a Chinese locale writes it.
printf '姓名,电话\n张三,13800138098\n' | iconv -f UTF-8 -t GBK >"$T/gbk.csv"
expect_rc 0 "import GBK" $OUTPOST import customers "$T/gbk.csv"
expect_out "GBK reported" '^imported 1 customer from .*gbk\.csv \(encoding gbk\)$'
expect_eq "GBK name decoded" "$(sql "$DB" "SELECT phone FROM customer WHERE name='张三'")" +8613800138098
# 镕 is in GBK but not in GB2312: a GB2312 decoder refuses this file.
printf '姓名,电话,地址\n王镕,13800138099,浙江省杭州市西湖区\n' | iconv -f UTF-8 -t GBK >"$T/gbk2.csv"
ok_if '! iconv -f GB2312 -t UTF-8 <"$T/gbk2.csv" >/dev/null 2>&1' "the GBK file is not GB2312"
expect_rc 0 "import GBK with a character outside GB2312" $OUTPOST import customers "$T/gbk2.csv"
expect_eq "王镕 decoded" "$(sql "$DB" "SELECT phone || ' ' || address FROM customer WHERE name='王镕'")" \
	"+8613800138099 浙江省杭州市西湖区"

# Quoting: commas, doubled quotes; a line break inside a quoted field keeps
# the record whole and the line count right.
printf 'name,notes,address\n"Li, Na","She said ""hi""","Room 1, ""Block"" 2"\n' >"$T/quoted.csv"
expect_rc 0 "import quoted fields" $OUTPOST import customers "$T/quoted.csv"
expect_eq "comma inside quotes kept" "$(sql "$DB" "SELECT count(*) FROM customer WHERE name='Li, Na'")" 1
expect_eq "doubled quotes unescaped" "$(sql "$DB" "SELECT notes || '|' || address FROM customer WHERE name='Li, Na'")" \
	'She said "hi"|Room 1, "Block" 2'
printf 'name,notes,phone\n"Multi","two\nlines",13800138097\nNext,,123\n' >"$T/multiline.csv"
refused 65 "import with a bad row after a multi-line cell" $OUTPOST import customers "$T/multiline.csv"
expect_err "the next record's line counts the embedded break" '^outpost: line 4: phone: '
ok_if '! printf "%s\n" "$ERR" | grep -q "line [23]:"' "the multi-line notes cell is not refused"
printf 'name,notes\n"Multi Line","first\nsecond"\n' >"$T/multiline-ok.csv"
expect_rc 0 "import of a multi-line notes cell" $OUTPOST import customers "$T/multiline-ok.csv"
expect_eq "the line break is kept in the notes" \
	"$(sql "$DB" "SELECT notes = 'first' || char(10) || 'second' FROM customer WHERE name='Multi Line'")" 1
printf 'name\n"Two\nLines"\n' >"$T/multiline-name.csv"
refused 65 "import of a name with a line break" $OUTPOST import customers "$T/multiline-name.csv"
expect_err "a name is one line" '^outpost: line 2: name: contains a line break'

# From standard input.
printf '姓名,手机\n周芷若,13800138004\n' >"$T/stdin.csv"
expect_rc 0 "import from stdin (-)" sh -c '"$0" import customers - <"$1"' "$OUTPOST" "$T/stdin.csv"
expect_out "stdin reported" '^imported 1 customer from standard input \(encoding utf-8\)$'

# A bad row on line 3: nothing at all is imported.
printf '姓名,电话,邮箱\n孙一,13800138011,a@example.com\n孙二,1380013801,b@example.com\n孙三,13800138013,c@example.com\n' >"$T/bad3.csv"
refused 65 "import with a bad phone on line 3" $OUTPOST import customers "$T/bad3.csv"
expect_err "bad row named by line and field" '^outpost: line 3: phone: mobile numbers have 11 digits, got 10$'
expect_err "summary says nothing imported" 'bad3\.csv: 1 bad row; nothing imported'
expect_eq "no row of the bad file added" "$(sql "$DB" "SELECT count(*) FROM customer WHERE name LIKE '孙%'")" 0

printf 'name,phone,email\nok1,13800138021,\nshort,13800138022\nbad,13800138023,nope\nok2,,\n' >"$T/many.csv"
refused 65 "import with several bad rows" $OUTPOST import customers "$T/many.csv"
expect_err "field count mismatch reported" '^outpost: line 3: 2 fields, header has 3$'
expect_err "every bad row reported" '^outpost: line 4: email: '
expect_err "count of bad rows" '2 bad rows; nothing imported'

printf 'name,phone\n"unterminated,13800138031\n' >"$T/quote.csv"
refused 65 "import with an unterminated quote" $OUTPOST import customers "$T/quote.csv"
expect_err "unterminated quote reported with its line" 'line 2: unterminated quote'

printf 'name,phone\n,13800138041\n' >"$T/noname.csv"
refused 65 "import of a row without a name" $OUTPOST import customers "$T/noname.csv"
expect_err "missing name reported" 'line 2: name: is required'

# --dry-run validates everything and writes nothing.
printf 'name,phone\nDry One,13800138051\nDry Two,13800138052\n' >"$T/dry.csv"
refused 0 "import --dry-run" $OUTPOST import customers "$T/dry.csv" --dry-run
expect_out "dry run says what it would do" '^would import 2 customers from .*dry\.csv \(encoding utf-8\)$'
printf '姓名,电话\n甲,13800138061\n乙,138\n' | iconv -f UTF-8 -t GBK >"$T/drybad.csv"
refused 65 "import --dry-run of a bad GBK file" $OUTPOST import customers --dry-run "$T/drybad.csv"
expect_err "dry run reports the bad row" 'line 3: phone: '

# Headers.
printf '姓名,电话,QQ号\n钱七,13800138071,qian7\n' >"$T/unknown.csv"
refused 65 "import --strict with an unknown header" $OUTPOST import customers --strict "$T/unknown.csv"
expect_err "unknown header named" "unknown column 'QQ号'"
expect_err "accepted names listed" '^  phone, 电话, 手机'
printf '电话,邮箱\n13800138081,x@example.com\n' >"$T/nonamecol.csv"
refused 65 "import without a name column" $OUTPOST import customers "$T/nonamecol.csv"
expect_err "no name column message" 'no name column'
printf '姓名,电话,手机\n钱八,13800138091,13800138092\n' >"$T/twice.csv"
refused 65 "import with two columns for one field" $OUTPOST import customers "$T/twice.csv"
expect_err "duplicate column message" "columns '电话' and '手机' both give the phone"
: >"$T/empty.csv"
refused 65 "import of an empty file" $OUTPOST import customers "$T/empty.csv"
refused 66 "import of a missing file" $OUTPOST import customers "$T/nope.csv"
refused 64 "import without a file" $OUTPOST import customers
refused 64 "import with an unknown option" $OUTPOST import customers "$T/dry.csv" --force
printf 'name,phone\377\376\n' >"$T/binary.csv"
refused 65 "import of a file that is neither UTF-8 nor GBK" $OUTPOST import customers "$T/binary.csv"

# A large sheet: one transaction, in reasonable time.
awk 'BEGIN { print "姓名,电话,邮箱,地址"
	for (i = 0; i < 20000; i++)
		printf "客户%05d,139%08d,u%d@example.com,上海市徐汇区%d号\n", i, i, i, i }' >"$T/big.csv"
c0=$(ccount); j0=$(jcount)
start=$(date +%s)
expect_rc 0 "import 20000 rows" $OUTPOST import customers "$T/big.csv"
took=$(( $(date +%s) - start ))
expect_out "20000 reported" '^imported 20000 customers'
expect_eq "20000 customers added" "$(ccount)" $((c0 + 20000))
expect_eq "20000 journal inserts" "$(jcount)" $((j0 + 20000))
ok_if '[ "$took" -lt 60 ]' "20000 rows imported in ${took}s"
expect_rc 0 "a customer from the big sheet is searchable" $OUTPOST customer search 13900012345
expect_out "found by phone" '客户12345'
done_testing
