. "$(dirname "$0")/lib.sh"
plan 41
# 37_cli_person — the CLI as a new user meets it (issue 11): surnames sort
# by their surname reading, cut lists say so, CSV exports open in Excel
# (BOM, GBK), the demo's checksum is a real hash, wide and emoji names
# align, bad --since and a non-store --db are data errors, money is one
# JSON type.
export TZ=Asia/Shanghai
DB=$OUTPOST_DB
$OUTPOST init --site HQ --hq >/dev/null

echo "-- surnames"
for n in 张三 曾小明 单田芳 沈阳 区志强 欧阳 仇英 秦明 冉冉 解缙 谢霆 尉迟恭 万俟卨 长孙无忌 赵六 陈一 乐嘉; do
	$OUTPOST customer add --name "$n" >/dev/null || echo "cannot add $n"
done
names=$($OUTPOST --json customer list | python3 -c 'import json,sys; print(" ".join(c["name"] for c in json.load(sys.stdin)))')
expect_eq "pinyin order, surnames by their surname reading" "$names" \
	"陈一 万俟卨 欧阳 区志强 秦明 仇英 冉冉 单田芳 沈阳 解缙 谢霆 尉迟恭 乐嘉 曾小明 张三 长孙无忌 赵六"

echo "-- lists that are cut say so"
expect_rc 0 "list cut at 5" $OUTPOST customer list --limit 5
expect_eq "five rows shown" "$(printf '%s\n' "$OUT" | tail -n +3 | wc -l)" 5
expect_err "stderr says how many of how many" "showing 5 of 17; use --limit N or --all"
expect_rc 0 "--json cut at 5" $OUTPOST --json customer list --limit 5
expect_eq "the array holds five" "$(printf '%s' "$OUT" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')" 5
expect_err "--json is not cut silently" "showing 5 of 17"
expect_rc 0 "--all" $OUTPOST customer list --all
expect_eq "no notice with --all" "$ERR" ""
expect_rc 64 "--limit and --all together refused" $OUTPOST customer list --all --limit 3
expect_rc 0 "search cut at 1" $OUTPOST customer search 明 --limit 1
expect_err "search says it too" "showing 1 of 2"
expect_rc 0 "no notice when everything fits" $OUTPOST customer list --limit 17
expect_eq "silent when nothing was cut" "$ERR" ""

echo "-- CSV for Excel"
expect_rc 0 "export to a file" $OUTPOST export customer --output "$T/c.csv"
expect_eq "a UTF-8 BOM first" "$(head -c 3 "$T/c.csv" | od -An -tx1 | tr -d ' ')" "efbbbf"
expect_rc 0 "export to stdout" $OUTPOST export customer
ok_if '[ "$(printf "%s" "$OUT" | head -c 2)" = "id" ]' "stdout has no BOM (for programs)"
expect_rc 0 "--no-bom" $OUTPOST export customer --output "$T/n.csv" --no-bom
ok_if '[ "$(head -c 2 "$T/n.csv")" = "id" ]' "--no-bom writes none"
expect_rc 0 "export in GBK" $OUTPOST export customer --encoding gbk --output "$T/g.csv"
expect_eq "GBK bytes of 张三" "$(grep -c "$(printf '\325\305\310\375')" "$T/g.csv")" 1
ok_if '! head -c 3 "$T/g.csv" | grep -q "$(printf "\357\273\277")"' "no BOM in GBK"
$OUTPOST customer add --name '👨‍👩‍👧 家' >/dev/null
expect_rc 65 "a character GBK lacks refuses the export" $OUTPOST export customer --encoding gbk --output "$T/g2.csv"
expect_err "reported by row and character" "row 18: '👨' \(U\+1F468\) has no gbk form"
ok_if '[ ! -e "$T/g2.csv" ]' "nothing written"
expect_rc 0 "GB18030 holds it" $OUTPOST export customer --encoding gb18030 --output "$T/g3.csv"
expect_rc 64 "unknown encoding" $OUTPOST export customer --encoding klingon

echo "-- width"
expect_rc 0 "list with an emoji family" $OUTPOST customer list --all
col=$(printf '%s\n' "$OUT" | python3 -c '
import sys, unicodedata
def w(s):
    import re
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 0 if unicodedata.category(c) in ("Mn","Cf") else 1 for c in s) - 2 * s.count("\u200d")
lines = [l for l in sys.stdin.read().split("\n") if "家" in l or "张三" in l]
print(len(set(w(l.split("SH01")[0]) if "SH01" in l else w(l.split("HQ")[0]) for l in lines)))')
expect_eq "the branch column starts at the same cell on both rows" "$col" 1

echo "-- demo checksum"
cp "$DB" "$T/copy.db"
expect_eq "same store, same hash" "$(sh "$ROOT/tools/canon.sh" "$DB")" "$(sh "$ROOT/tools/canon.sh" "$T/copy.db")"
sqlite3 "$T/copy.db" "UPDATE customer SET name = '李四' WHERE name = '张三'"
ok_if '[ "$(sh "$ROOT/tools/canon.sh" "$DB")" != "$(sh "$ROOT/tools/canon.sh" "$T/copy.db")" ]' \
	"a value of the same length changes the hash"

echo "-- bad input is a data error"
expect_rc 65 "log --since garbage" $OUTPOST log --since garbage
expect_err "names the field" "since: not a date"
expect_rc 0 "log --since a local date" $OUTPOST log --since "$(date +%F)"
expect_rc 65 "--db /etc/passwd" $OUTPOST --db /etc/passwd customer list
expect_err "says it is not a store" "'/etc/passwd' is not an Outpost store"

echo "-- money is a number in every --json"
$OUTPOST product add --sku CUR-1 --name 窗帘 --price 1234.5 >/dev/null
$OUTPOST order add --customer 张三 --item CUR-1:2 >/dev/null
expect_rc 0 "order list --json" $OUTPOST --json order list
expect_out "total is a JSON number with two decimals" '"total": 2469\.00[,}]'
expect_rc 0 "report sales --json" $OUTPOST --json report sales
ok_if 'printf "%s" "$OUT" | grep -Eq "\"sales\": 2469\.00[,}]"' "reports write money the same way"

done_testing
