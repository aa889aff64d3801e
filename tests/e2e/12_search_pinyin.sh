#!/bin/sh
# 12_search_pinyin.sh — `customer search` by any part of a name, by pinyin
# and initials from any syllable on, Han mixed with pinyin, polyphonic
# surnames in their surname reading, phone digits; the keys kept right
# whoever writes (outpost, the stock sqlite3 shell: insert, rename,
# delete), local to the store (nothing journaled), filled by migration 024
# for a store made before it; a salesperson's search finds only hers, a
# service account's digits match the masked phone it sees.
. "$(dirname "$0")/lib.sh"
plan 71

O=$OUTPOST
DB=$OUTPOST_DB
# names QUERY: the names `customer search QUERY` lists, in order, one line
names() { $O --csv customer search "$@" | tail -n +2 | cut -d, -f2 | tr '\n' ' ' | sed 's/ $//'; }
finds() { expect_eq "$1 finds $2" "$(names "$1")" "$2"; }

expect_rc 0 "init" $O init --site SH01
for n in 张伟 王伟 张三丰 章薇 曾华 单雪梅 解放 区志强 仇英 长孙无忌 'John Smith' 李娜; do
	$O customer add --name "$n" >/dev/null || bad "add $n"
done
$O customer add --name 赵敏 --phone 13912345678 --email minmin@example.com >/dev/null
$O customer add --name 周芷若 --phone '+86 139 0000 5678' >/dev/null

echo "-- pinyin, initials, mixed"
finds zhang "张三丰 张伟 章薇 长孙无忌"
finds zhangwei "张伟 章薇"
finds zw "张伟 章薇"
finds ZW "张伟 章薇"
finds 张w "张伟"
finds 张wei "张伟"
finds 'zhang w' "张伟 章薇"
finds wei "王伟 张伟 章薇"
finds sf "张三丰"
finds sanfeng "张三丰"
finds zsf "张三丰"
finds 张sf "张三丰"
finds 章w "章薇"
finds 曾h "曾华"
finds 单xm "单雪梅"
finds wj "长孙无忌"
finds js "John Smith"
finds smith "John Smith"
finds 'john s' "John Smith"
echo "-- any part of the name, as before"
finds 伟 "王伟 张伟"
finds 张 "张三丰 张伟"
finds 三丰 "张三丰"
echo "-- surnames in their surname reading"
finds zeng "曾华"
finds zh "区志强 曾华 张三丰 张伟 章薇 长孙无忌 赵敏 周芷若"
expect_eq "ceng does not find 曾华 (ceng is not the surname's reading)" "$(names ceng)" ""
finds shan "单雪梅"
expect_eq "dan does not find 单雪梅" "$(names dan)" ""
finds xie "解放"
finds ou "区志强"
finds qiu "仇英"
finds zhangsun "长孙无忌"
finds zswj "长孙无忌"
echo "-- phone digits, email, name order"
finds 5678 "周芷若 赵敏"
finds 139123 "赵敏"
finds mi "赵敏 John Smith"
finds minmin "赵敏"
expect_eq "a letter lists in name order (pinyin, surname readings)" "$(names z)" \
	"区志强 曾华 张三丰 张伟 章薇 长孙无忌 赵敏 周芷若"
expect_rc 0 "--json search by initials" $O --json customer search zw
expect_eq "--json has both" "$(printf '%s' "$OUT" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')" 2
expect_rc 0 "--limit 2 of a letter" $O customer search z --limit 2
expect_err "says how many there are" "showing 2 of 8"

echo "-- the keys are local and kept right by every writer"
expect_eq "no key table is journaled" \
	"$(sql "$DB" "SELECT count(*) FROM sqlite_schema WHERE type = 'trigger' AND sql LIKE '%journal%' AND (tbl_name IN ('customer_key', 'customer_sortkey', 'name_stale'))")" 0
j0=$(sql "$DB" "SELECT count(*) FROM journal")
$O customer search zzz >/dev/null
expect_eq "making keys writes no journal" "$(sql "$DB" "SELECT count(*) FROM journal")" "$j0"
sql "$DB" "INSERT INTO customer(name) VALUES ('欧阳娜娜')"
finds oynn "欧阳娜娜"
finds 阳娜 "欧阳娜娜"
sql "$DB" "UPDATE customer SET name = '欧阳锋' WHERE name = '欧阳娜娜'"
finds ouyang "欧阳锋"
expect_eq "the old name's keys are gone" "$(names oynn)" ""
sql "$DB" "DELETE FROM customer WHERE name = '欧阳锋'"
expect_eq "a deleted customer is not found" "$(names ouyang)" ""
expect_eq "nothing left of its keys" \
	"$(sql "$DB" "SELECT count(*) FROM customer_key WHERE rid NOT IN (SELECT rowid FROM customer)")" 0
expect_rc 0 "edit a name with outpost" $O customer edit 李娜 --name 李娜娜
finds lnn "李娜娜"
expect_eq "every customer has its sort key" \
	"$(sql "$DB" "SELECT count(*) FROM customer WHERE rowid NOT IN (SELECT rid FROM customer_sortkey)")" 0

echo "-- migration 024 fills the keys of an older store"
OLD=$T/old.db
expect_rc 0 "a store of schema 23" env OUTPOST_TEST_SCHEMA_CAP=23 $O --db "$OLD" init --site SH02
env OUTPOST_TEST_SCHEMA_CAP=23 $O --db "$OLD" customer add --name 张伟 >/dev/null
env OUTPOST_TEST_SCHEMA_CAP=23 $O --db "$OLD" customer add --name 曾华 >/dev/null
expect_eq "no key table at 23" "$(sql "$OLD" "SELECT count(*) FROM sqlite_schema WHERE name = 'customer_key'")" 0
expect_rc 0 "this build migrates it" $O --db "$OLD" customer search zw
expect_out "and finds 张伟 by its initials" '张伟'
expect_eq "the keys were made by the migration" \
	"$(sql "$OLD" "SELECT count(DISTINCT rid) FROM customer_key")" 2
expect_eq "nothing left to make" "$(sql "$OLD" "SELECT count(*) FROM name_stale")" 0
expect_eq "migrated to this build's schema" "$(sql "$OLD" "PRAGMA user_version")" \
	"$(sql "$DB" "PRAGMA user_version")"

echo "-- a salesperson's search finds only hers"
expect_rc 0 "admin" $O staff add --code boss --name 老板 --role admin
env OUTPOST_NEW_PIN=2468 $O staff passwd boss >/dev/null
export OUTPOST_PIN=2468
$O --as boss staff add --code li.na --name 李娜 --role sales >/dev/null
$O --as boss staff add --code fix --name 售后 --role service >/dev/null
for s in li.na fix; do env OUTPOST_NEW_PIN=1234 $O --as boss staff passwd $s >/dev/null; done
expect_rc 0 "张伟 given to li.na" $O --as boss customer edit 张伟 --owner li.na
expect_rc 0 "赵敏 given to li.na" $O --as boss customer edit 赵敏 --owner li.na
export OUTPOST_PIN=1234
sales() { $O --as li.na --csv customer search "$1" | tail -n +2 | cut -d, -f2 | tr '\n' ' ' | sed 's/ $//'; }
expect_eq "li.na: zw finds 张伟 only" "$(sales zw)" "张伟"
expect_eq "li.na: zhang finds 张伟 only" "$(sales zhang)" "张伟"
expect_eq "li.na: z finds hers only" "$(sales z)" "张伟 赵敏"
expect_eq "li.na: 周芷若's digits find nothing" "$(sales 0000)" ""
expect_eq "li.na: 曾 finds nothing" "$(sales 曾)" ""
svc() { $O --as fix --csv customer search "$1" | tail -n +2 | cut -d, -f2 | tr '\n' ' ' | sed 's/ $//'; }
expect_eq "service: pinyin finds the branch's 赵敏" "$(svc zhaom)" "赵敏"
expect_eq "service: the last four digits it sees" "$(svc 5678)" "赵敏 周芷若"
expect_eq "service: masked digits match nothing" "$(svc 39123)" ""
done_testing
