#!/bin/sh
# 24_import_dupes.sh — spreadsheets as shops keep them (序号, 微信, a blank
# header, columns to map), duplicates at import and at the counter, the
# candidates of an ambiguous lookup, and short ids that resolve.
. "$(dirname "$0")/lib.sh"
plan 55

BR=$T/store.db
ncust() { sql "$BR" "SELECT count(*) FROM customer"; }
expect_rc 0 "init" $OUTPOST init --site SH01

echo "-- a real sheet: 序号, 微信, an unknown column, a blank header"
printf '序号,姓名,电话,微信,楼盘,,备注\n1,张伟,13800138000,zw_88,万科城,,老客户\n2,王芳,13900139000,wf-1,,x,\n3,李娜,,,,,无电话\n' >"$T/shop.csv"
expect_rc 0 "the sheet with 序号 and 微信 columns imports" $OUTPOST import customers "$T/shop.csv"
expect_out "three customers" '^imported 3 customers from '
expect_err "序号 is a row number, skipped" "column 1 '序号' is a row number; skipped"
expect_err "an unknown column is reported and skipped" "column 5 '楼盘' is not a customer field; skipped \(--map '楼盘=FIELD' imports it\)"
expect_err "the blank-header column with a value is reported once" "line 3: column 6 has values but no header; skipped"
expect_eq "rows in the store" "$(ncust)" 3
expect_eq "values of the known columns, 微信 as the WeChat id" \
	"$(sql "$BR" "SELECT phone || ' ' || wechat || ' ' || coalesce(notes, '') FROM customer WHERE name='张伟'")" "+8613800138000 zw_88 老客户"

echo "-- re-importing the same file changes nothing"
j0=$(sql "$BR" "SELECT count(*) FROM journal")
expect_rc 0 "import again" $OUTPOST import customers "$T/shop.csv"
expect_out "nothing new, three already there" '^imported 0 customers .*; 3 already there: 0 updated, 3 unchanged, 0 skipped$'
expect_err "the duplicate phone is reported on its line" "line 2: phone \+8613800138000 is already customer 张伟 \([0-9a-f]{8}\); unchanged"
expect_err "a row without phone or email matches only an identical row" "line 4: the same row is already customer 李娜"
expect_eq "still three customers" "$(ncust)" 3
expect_eq "nothing journaled" "$(sql "$BR" "SELECT count(*) FROM journal")" "$j0"

echo "-- --strict refuses what it skipped"
expect_rc 65 "--strict: an unknown column is fatal" $OUTPOST import customers --strict "$T/shop.csv"
expect_err "the old message" "unknown column '序号' \(column 1\); nothing imported"

echo "-- --map"
printf '客户,手机号码,内部编号\n赵六,13700137000,A-1\n' >"$T/map.csv"
expect_rc 0 "--map names a column's field" $OUTPOST import customers "$T/map.csv" \
	--map '手机号码=phone' --map '内部编号=skip' --map '客户=name'
expect_eq "mapped phone stored" "$(sql "$BR" "SELECT phone FROM customer WHERE name='赵六'")" "+8613700137000"
expect_no_out "a column mapped to skip is not reported" '内部编号'
expect_rc 64 "--map to an unknown field is a usage error" $OUTPOST import customers "$T/map.csv" --map '手机号码=mobile_no'
expect_err "names the bad field" "--map '手机号码=mobile_no': no customer field 'mobile_no'"

echo "-- duplicates inside the file and against the store"
printf '姓名,电话,邮箱\n张伟,138 0013 8000,zw@example.com\n孙七,13600136000,\n孙七二,13600136000,sq@example.com\n' >"$T/dup.csv"
expect_rc 0 "default: update" $OUTPOST import customers "$T/dup.csv"
expect_out "one new, two already there" '^imported 1 customer .*; 2 already there: 2 updated, 0 unchanged, 0 skipped$'
expect_err "store duplicate updated, fields named" "line 2: phone \+8613800138000 is already customer 张伟 \([0-9a-f]{8}\); updated: email"
expect_err "in-file duplicate reported on its line" "line 4: phone \+8613600136000 is already customer 孙七 .*updated: name, email"
expect_eq "no doubled phones" "$(sql "$BR" "SELECT count(*) FROM customer WHERE phone IN ('+8613800138000','+8613600136000')")" 2
printf '姓名,电话\n张伟新,13800138000\n' >"$T/dup2.csv"
expect_rc 0 "--on-duplicate skip" $OUTPOST import customers "$T/dup2.csv" --on-duplicate skip
expect_err "skip reported" "line 2: phone \+8613800138000 is already customer 张伟 .*; skipped"
expect_eq "name kept" "$(sql "$BR" "SELECT name FROM customer WHERE phone='+8613800138000'")" 张伟
expect_rc 0 "--on-duplicate add" $OUTPOST import customers "$T/dup2.csv" --on-duplicate add
expect_eq "add doubles on request" "$(sql "$BR" "SELECT count(*) FROM customer WHERE phone='+8613800138000'")" 2
expect_rc 0 "a phone of two customers is not guessed at" $OUTPOST import customers "$T/dup2.csv"
expect_err "both named, skipped" "line 2: phone \+8613800138000 matches several customers .*skipped"
expect_rc 64 "bad --on-duplicate" $OUTPOST import customers "$T/dup2.csv" --on-duplicate merge

echo "-- duplicates at the counter"
n0=$(ncust)
expect_rc 65 "customer add with a known phone refused" $OUTPOST customer add --name 王芳芳 --phone '139-0013-9000'
expect_err "the owner of the phone is listed" "^  [0-9a-f]{8}  王芳  \+8613900139000  SH01$"
expect_err "message names the field and the way out" "phone: \+8613900139000 already belongs to the customer above .*--allow-duplicate"
expect_eq "nothing added" "$(ncust)" "$n0"
expect_rc 0 "--allow-duplicate registers a second person" $OUTPOST customer add --name 王芳芳 --phone 13900139000 --allow-duplicate
expect_rc 0 "a new phone needs nothing" $OUTPOST customer add --name 周八 --phone 13500135000

echo "-- an ambiguous lookup lists the candidates"
expect_rc 65 "phone of two customers" $OUTPOST customer show 13900139000
expect_err "candidates: name, phone, branch, short id" "^  [0-9a-f]{8}  王芳芳  \+8613900139000  SH01$"
expect_err "both listed" "^  [0-9a-f]{8}  王芳  \+8613900139000  SH01$"
expect_err "the refusal points at them" "matches more than one customer; give one of the ids above"
short=$(printf '%s\n' "$ERR" | sed -n 's/^  \([0-9a-f]\{8\}\)  王芳芳 .*/\1/p')
expect_rc 0 "a listed short id resolves" $OUTPOST customer show "$short"
expect_out "to that customer" '^name +王芳芳$'

echo "-- ids people can type"
expect_rc 0 "customer list" $OUTPOST customer list
sid=$(printf '%s\n' "$OUT" | awk '$2 == "周八" {print $1}')
expect_eq "lists show 8 characters" "${#sid}" 8
expect_rc 0 "the listed id resolves" $OUTPOST customer show "$sid"
expect_out "to the listed customer" '^name +周八$'
full=$(sql "$BR" "SELECT id FROM customer WHERE name='周八'")
expect_eq "it is the end of the full id" "$(echo "$full" | cut -c29-)" "$sid"
expect_rc 0 "--json list" $OUTPOST --json customer list
got=$(printf '%s\n' "$OUT" | python3 -c 'import json,sys; print([c["id"] for c in json.load(sys.stdin) if c["name"]=="周八"][0])')
expect_eq "--json carries the full id" "$got" "$full"
expect_rc 0 "--json search" $OUTPOST --json customer search 周八
expect_out "search --json too" "\"id\": \"$full\""
done_testing
