. "$(dirname "$0")/lib.sh"
plan 105
# 36_language — the CLI in Chinese through gettext (schema/i18n.h): chosen
# by LANG / LC_MESSAGES / LANGUAGE, English under LANG=C, and what machines
# read (--json keys and values, CSV headers, exit codes) the same in both.
# zh_CN.UTF-8 need not be generated on this machine: outpost keeps the
# language through LANGUAGE when the locale is missing.
unset LC_ALL LC_MESSAGES LANGUAGE
export TZ=Asia/Shanghai
ZH="env LANG=zh_CN.UTF-8"
EN="env LANG=C"

echo "-- set-up"
expect_rc 0 "init in Chinese" $ZH $OUTPOST init --site HQ --hq --tz Asia/Shanghai
expect_out "init speaks Chinese" "是站点 HQ（hq），结构版本 [0-9]+，时区 Asia/Shanghai"
$OUTPOST product add --sku CUR-1 --name 遮光窗帘 --price 100 >/dev/null
$OUTPOST customer add --name 张三 --phone 13800138000 >/dev/null
$OUTPOST customer add --name 李四 --phone 13900139000 >/dev/null
$OUTPOST followup add --customer 张三 --next-due "$(date -d '+3 days' +%F)" >/dev/null

echo "-- headers"
expect_rc 0 "customer list in Chinese" $ZH $OUTPOST customer list
expect_out "Chinese column headers" "^编号 +姓名 +联系电话 +邮箱 +跟进人 +门店 +积分$"
expect_rc 0 "customer list under LANG=C" $EN $OUTPOST customer list
expect_out "English headers under LANG=C" "^id +name +phone +email +owner +branch +points$"
expect_rc 0 "LANGUAGE=zh_CN with C.UTF-8" env LANG=C.UTF-8 LANGUAGE=zh_CN $OUTPOST customer list
expect_out "LANGUAGE chooses Chinese" "^编号 +姓名 +联系电话"
expect_rc 0 "LC_MESSAGES=zh_CN.UTF-8 alone" env LANG=C LC_MESSAGES=zh_CN.UTF-8 $OUTPOST customer list
expect_out "LC_MESSAGES chooses Chinese" "^编号 +姓名 +联系电话"
expect_rc 0 "LANG=C wins over LANGUAGE (gettext's rule)" env LANG=C LANGUAGE=zh_CN $OUTPOST customer list
expect_out "plain C stays English" "^id +name +phone"

echo "-- messages"
expect_rc 65 "bad phone, Chinese" $ZH $OUTPOST customer add --name 王五 --phone 1380013800
expect_err "validation reason in Chinese" "phone：手机号应为 11 位，实际 10 位"
expect_rc 65 "bad phone, English" $EN $OUTPOST customer add --name 王五 --phone 1380013800
expect_err "validation reason in English" "phone: mobile numbers have 11 digits, got 10"
expect_eq "nothing saved by either" "$(sql "$OUTPOST_DB" "SELECT count(*) FROM customer WHERE name = '王五'")" 0
expect_rc 64 "unknown command, Chinese" $ZH $OUTPOST bogus
expect_err "unknown command said in Chinese" "未知命令“bogus”"
expect_rc 0 "help in Chinese" $ZH $OUTPOST --help
expect_out "help lines translated" "customer +add +登记客户"
expect_rc 0 "followup due in Chinese" $ZH $OUTPOST followup due --days 7
expect_out "days left in words" "还有 3 天 +3 +张三"
expect_rc 0 "remind in Chinese" $ZH $OUTPOST remind --days 30
expect_out "reminder texts in Chinese" "约定 $(date -d '+3 days' +%F)"
expect_out "reminder states in Chinese" "待办 +跟进"
expect_out "the customer's class in the reminder in Chinese" "跟进（普通：每 30 天）"

echo "-- what machines read does not change"
# Keys, numbers, times and enumeration words are the same; the sentences
# written for people (when, what, why, title) follow the language.
SAME='
import json, sys
PROSE = {"when", "what", "why", "title"}
def strip(v):
    if isinstance(v, dict): return {k: strip(x) for k, x in v.items() if k not in PROSE and k != "now"}
    if isinstance(v, list): return [strip(x) for x in v]
    return v
a, b = (json.load(open(f)) for f in sys.argv[1:3])
print("same" if strip(a) == strip(b) else "differ")'
for cmd in "customer list" "followup due --days 7" "remind --days 30" "order list" "sync status"; do
	$ZH $OUTPOST --json $cmd >"$T/zh.json" 2>&1; $EN $OUTPOST --json $cmd >"$T/en.json" 2>&1
	expect_eq "--json $cmd: same keys and data in both languages" \
		"$(python3 -c "$SAME" "$T/zh.json" "$T/en.json" 2>&1 | tail -1)" same
done
a=$($ZH $OUTPOST --csv customer list | head -1); b=$($EN $OUTPOST --csv customer list | head -1)
expect_eq "CSV header keys are English in both" "$a" "$b"
ok_if 'printf "%s" "$a" | grep -q "^id,name,phone"' "CSV header is the column keys"

echo "-- the catalogues are complete"
# Every string of both catalogues is translated and none is fuzzy: a
# string added without its Chinese fails here (make pot merges it in).
for po in "$ROOT/po/outpost/zh_CN.po" "$ROOT/po/outpost-web/zh_CN.po"; do
	st=$(LANG=C msgfmt --check --statistics -o /dev/null "$po" 2>&1)
	ok_if 'printf "%s" "$st" | grep -Eq "^[0-9]+ translated messages\.$"' \
		"$(basename "$(dirname "$po")") catalogue: all translated, none fuzzy ($st)"
done

echo "-- a sample of every command group in Chinese"
$OUTPOST segment add 会员 --class 重要 >/dev/null
$OUTPOST coupon add --value 50 --until "$(date -d '+30 days' +%F)" >/dev/null
$OUTPOST campaign add 春节 --segment 会员 --kind promotion --channel sms --template '{姓名}您好' >/dev/null
$OUTPOST order add --customer 张三 --item CUR-1:2 >/dev/null
mkdir -p "$T/snap"
# A table's header and a record's field names are labels: no column key
# (a lowercase English word) may be left in them.
for cmd in "customer list" "customer show 张三" "product list" "order list" "quote list" \
	"payment outstanding" "appt list" "stock list" "segment list" "segment show 会员" \
	"campaign list" "campaign show 春节" "coupon list" "ticket list" "followup list" \
	"followup due --days 7" "staff list" "branch list" "channel list" "assign list" \
	"conflicts list" "sync status" "report sales" "report customers" "classify list" \
	"remind --days 30" "peer list" "backup list $T/snap" "log"; do
	$ZH $OUTPOST $cmd >"$T/zh.txt" 2>"$T/zh.err"; rc=$?
	# the header of a table (the line above its dashes) and the field
	# names of a record (the first word of a line outside a table)
	left=$(awk 'NR == FNR { if ($0 ~ /^-+( +-+)*$/) head[FNR - 1] = 1; next }
		/^-+( +-+)*$/ { body = 1; next } /^$/ { body = 0; next }
		FNR in head { print; next } !body && /^[^ ]/ { print $1 }' "$T/zh.txt" "$T/zh.txt" |
		grep -oE '(^| )[a-z][a-z_]+( |$)' | sort -u | tr -d ' ' | tr '\n' ' ')
	ok_if '[ $rc -eq 0 ] && [ -z "$left" ]' "$cmd: labels in Chinese${left:+ (left: $left)}${rc#0}"
done
for cmd in "history log" "keys show" "campaign show 无此活动" "coupon check NOPE --customer 张三 --amount 100" \
	"segment show 无此分群" "assign test --channel walk-in" "coupon add --value 0 --until 2099-01-01"; do
	$ZH $OUTPOST $cmd >"$T/zh.txt" 2>"$T/zh.err"
	ok_if 'grep -qP "[\\x{4e00}-\\x{9fff}]" "$T/zh.err" && ! grep -Eq "^outpost: [a-z]+ [a-z]+ |[a-z]{4,}$" "$T/zh.err"' \
		"$cmd: said in Chinese ($(head -c 120 "$T/zh.err"))"
done

echo "-- no English pasted into a Chinese sentence"
# A message is one whole translatable string: the words chosen by a
# condition ("a customer" / "other customers", " (see above)") are not
# glued in English into the translated sentence.
expect_rc 65 "a taken phone, Chinese" $ZH $OUTPOST customer add --name 王五 --phone 13800138000
expect_err "taken phone said in Chinese" "联系电话：\\+8613800138000 已属于上面这位客户（请直接用这位）"
expect_err "who has it, said in Chinese" "^outpost: 联系电话为 \\+8613800138000 的 1 个客户："
$OUTPOST customer add --name 张三 --phone 13700137000 >/dev/null
expect_rc 65 "an ambiguous name, Chinese" $ZH $OUTPOST followup add --customer 张三
expect_err "the candidates said in Chinese" "^outpost: “张三”对应 2 个客户："
expect_rc 65 "a taken phone, English" $EN $OUTPOST customer add --name 王五 --phone 13800138000
expect_err "taken phone said in English" "already belongs to the customer above \(use that one\)"
: >"$T/taken.key"
expect_rc 73 "a backup key is never overwritten, Chinese" $ZH $OUTPOST history keygen --secret "$T/taken.key"
ok_if 'grep -q "密钥从不覆盖" "$T/.err" && ! grep -q "never overwritten" "$T/.err"' \
	"key file refusal in Chinese ($(head -c 120 "$T/.err"))"

echo "-- enumeration words in tables, canonical in --json/--csv"
$OUTPOST staff add --code S1 --name 王经理 --role manager >/dev/null
$OUTPOST staff add --code S2 --name 小刘 --role sales >/dev/null
expect_rc 0 "staff list in Chinese" $ZH $OUTPOST staff list
expect_out "staff roles in Chinese" "王经理 +店长 " 
expect_out "sales role in Chinese" "小刘 +销售 "
ok_if '$ZH $OUTPOST --csv staff list | grep -q ",manager,"' "staff roles stay English in CSV"
expect_rc 0 "sync status in Chinese" $ZH $OUTPOST sync status
expect_out "the site's role in Chinese" "^角色 +总部$"
ok_if '$ZH $OUTPOST --json sync status | grep -q "\"role\": *\"hq\""' "the site's role stays hq in --json"
expect_rc 0 "report customers in Chinese" $ZH $OUTPOST report customers
expect_out "segment words in Chinese" "^新客 +1 "
expect_out "returning in Chinese" "^老客 +0 "
expect_out "units in Chinese" "^购买客户 +1 +人"
ok_if '$ZH $OUTPOST --json report customers | grep -q "\"returning\""' "segment words stay English in --json"
ok_if '$ZH $OUTPOST --csv report customers | grep -q "^new,"' "segment words stay English in CSV"
expect_rc 0 "campaign list in Chinese" $ZH $OUTPOST campaign list
expect_out "campaign kind and the whole chain in Chinese" "^春节 +促销 +会员 +sms .* 全部门店 "
ok_if '$ZH $OUTPOST --csv campaign list | grep -q "promotion,.*chain-wide"' "campaign kind and chain-wide stay English in CSV"
expect_rc 0 "coupon list in Chinese" $ZH $OUTPOST coupon list
expect_out "a coupon for anyone in Chinese" " 通用 "
expect_rc 0 "log in Chinese" $ZH $OUTPOST log
expect_out "journal operations in Chinese" "HQ +新增 +staff"
ok_if '$ZH $OUTPOST --csv log | grep -q ",insert,"' "journal operations stay English in CSV"
expect_rc 0 "report channels in Chinese" $ZH $OUTPOST report channels
expect_out "no channel recorded, in Chinese" "^（未记录） +1 "
ok_if '$ZH $OUTPOST --csv report channels | grep -q "^(unknown),"' "no channel stays (unknown) in CSV"

done_testing
