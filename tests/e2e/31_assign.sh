#!/bin/sh
# 31_assign.sh — assignment rules (issue 12): rules by channel, region,
# home branch and product category give a new enquiry an owner in turn;
# refusals for unknown staff, channels and the rest; inactive staff are
# skipped; the turn is fair over many adds and kept in the store; import
# applies the rules; roles; and a branch offline applies HQ's rules with
# its own turn.
. "$(dirname "$0")/lib.sh"
plan 104

O=$OUTPOST
DB=$OUTPOST_DB
nrules() { sql "$DB" "SELECT count(*) FROM assign_rule"; }
owner_of() { sql "$DB" "SELECT coalesce(owner, '-') FROM customer WHERE name = '$1'"; }

$O init --site HQ --hq >/dev/null
$O branch add --code SH01 --name 上海徐汇店 --region 华东 >/dev/null
$O branch add --code BJ01 --name 北京朝阳店 --region 华北 >/dev/null
$O product add --sku CUR-1 --name 亚麻窗帘 --category 窗帘 --price 368 --unit 米 >/dev/null
$O product add --sku FLR-1 --name 实木地板 --category 地板 --price 199 --unit 平方米 >/dev/null
for s in li:李娜:SH01 wang:王强:SH01 zhao:赵敏:SH01 chen:陈晨:BJ01; do
	IFS=: read code name br <<EOF
$s
EOF
	$O staff add --code "$code" --name "$name" --role sales --branch "$br" >/dev/null
done
$O staff add --code mgr --name 店长 --role manager --branch SH01 >/dev/null
$O staff add --code boss --name 老板 --role admin >/dev/null
$O staff add --code gone --name 离职 --role sales --branch SH01 >/dev/null
sqlite3 "$DB" "UPDATE staff SET active = 0 WHERE code = 'gone'"

echo "-- without rules, the person adding a customer owns it (as before)"
expect_rc 69 "assign test says no rules are defined" $O assign test --channel 门店
expect_err "and why" "no assignment rules are defined"
expect_rc 0 "add by li without rules" $O --as li customer add --name 早客 --channel 门店
expect_out "li owns it" '^owner +li$'
expect_no_out "no rule named" '^assigned_by +[^ ]'

echo "-- bad rules are refused and write nothing"
expect_rc 65 "unknown staff" $O assign add dp --staff li,nobody --channel 大众点评
expect_err "names the field and the code" "staff: no staff member 'nobody'"
expect_rc 65 "inactive staff" $O assign add dp --staff gone --channel 大众点评
expect_err "says inactive" "staff: gone is not active"
expect_rc 65 "staff listed twice" $O assign add dp --staff li,li
expect_err "says twice" "staff: li is listed twice"
expect_rc 65 "unknown channel" $O assign add dp --staff li --channel 快手
expect_err "names the channel field" "^outpost: channel: '快手' is not a known source channel"
expect_rc 65 "unknown region" $O assign add dp --staff li --region 西南
expect_err "names the region" "region: no branch is in region '西南'"
expect_rc 65 "unknown category" $O assign add dp --staff li --category 瓷砖
expect_err "names the category" "category: no product has the category '瓷砖'"
expect_rc 65 "unknown branch" $O assign add dp --staff li --branch GZ01
expect_err "names the branch" "branch: no branch 'GZ01'"
expect_rc 64 "no --staff" $O assign add dp --channel 大众点评
expect_rc 65 "a bad priority" $O assign add dp --staff li --priority -3
expect_rc 65 "a name with a space" $O assign add "dp leads" --staff li
expect_err "names the field" "name: one word"
expect_rc 65 "65 members" $O assign add big --staff "$(seq -s, 1 65)"
expect_err "says how many may be" "staff: at most 64 members"
expect_eq "no rule written" "$(nrules)" 0

echo "-- rules in explicit order"
expect_rc 0 "round-robin for 大众点评 leads" $O --as boss assign add dp --staff li,wang,zhao --channel 大众点评 --priority 10
expect_out "the list follows" '^ +10 +dp +\* .*dianping +li,wang,zhao'
expect_rc 0 "north China to chen" $O assign add north --staff chen --region 华北 --priority 20
expect_rc 0 "curtain enquiries to wang" $O assign add curtain --staff wang --category 窗帘 --priority 30
expect_rc 65 "a taken priority" $O assign add other --staff li --priority 20
expect_err "names the rule holding it" "priority: 20 is rule 'north''s"
expect_rc 65 "a taken name" $O assign add north --staff li
expect_err "says so" "name: there is a rule 'north' already"
expect_rc 0 "list" $O assign list
expect_eq "tried by priority" "$(printf '%s\n' "$OUT" | awk 'NR > 2 { print $2 }' | tr '\n' ' ')" "dp north curtain "
expect_eq "created_by recorded" "$(sql "$DB" "SELECT created_by FROM assign_rule WHERE name = 'dp'")" boss

echo "-- assign test changes nothing"
expect_rc 0 "test a 点评 lead" $O assign test --channel 点评 --branch BJ01
expect_out "dp comes first (priority 10 before 20)" '^rule +dp$'
expect_out "li's turn" '^owner +li$'
expect_rc 0 "test again" $O assign test --channel dianping
expect_out "still li's turn" '^owner +li$'
expect_eq "no turn taken" "$(sql "$DB" "SELECT count(*) FROM assign_turn")" 0
expect_rc 0 "test by category in interests" $O assign test --interests '客厅窗帘和纱帘'
expect_out "curtain rule" '^rule +curtain$'
expect_rc 0 "test with nothing matching" $O assign test --channel 门店 --branch SH01
expect_err "says no rule matches" "no rule matches"

echo "-- fairness: 9 leads, three each, in turn, across processes"
seq=""
for i in 1 2 3 4 5 6 7 8 9; do
	$O --as mgr customer add --name 点评$i --channel 大众点评 --branch SH01 >/dev/null 2>"$T/n$i"
	seq="$seq$(owner_of 点评$i) "
done
expect_eq "li, wang, zhao in turn" "$seq" "li wang zhao li wang zhao li wang zhao "
expect_eq "three each" "$(sql "$DB" "SELECT group_concat(n, ' ') FROM (SELECT count(*) n FROM customer WHERE name LIKE '点评%' GROUP BY owner ORDER BY owner)")" "3 3 3"
expect_eq "the notice names owner and rule" "$(cat "$T/n1")" "outpost: assign: owner li, by rule dp"
expect_eq "the turn is in the store" "$(sql "$DB" "SELECT last_staff || ' ' || turns FROM assign_turn t JOIN assign_rule r ON r.id = t.rule_id WHERE r.name = 'dp'")" "zhao 9"
expect_rc 0 "customer show" $O customer show 点评1
expect_out "shows the rule that decided" '^assigned_by +dp$'

echo "-- staff made inactive or removed are skipped"
sqlite3 "$DB" "UPDATE staff SET active = 0 WHERE code = 'wang'"
$O customer add --name 跳过1 --channel dianping --branch SH01 >/dev/null 2>&1
$O customer add --name 跳过2 --channel dianping --branch SH01 >/dev/null 2>&1
expect_eq "after zhao: li, then zhao (wang skipped)" "$(owner_of 跳过1) $(owner_of 跳过2)" "li zhao"
sqlite3 "$DB" "DELETE FROM staff WHERE code = 'zhao'"
$O customer add --name 跳过3 --channel dianping --branch SH01 >/dev/null 2>&1
$O customer add --name 跳过4 --channel dianping --branch SH01 >/dev/null 2>&1
expect_eq "zhao deleted: li twice" "$(owner_of 跳过3) $(owner_of 跳过4)" "li li"
expect_rc 0 "curtain lead while its only member is inactive" $O customer add --name 窗帘客 --interests 窗帘 --branch SH01
expect_err "says the rule had no active member" "rule curtain matched, but none of its staff is active"
expect_err "and that no rule decided" "no rule matches this customer, so it has no owner"
expect_eq "so no owner" "$(owner_of 窗帘客)" "-"
sqlite3 "$DB" "UPDATE staff SET active = 1 WHERE code = 'wang'"

echo "-- region, home branch, --owner"
expect_rc 0 "a walk-in at BJ01" $O --as boss customer add --name 北京客 --branch BJ01
expect_eq "chen by region 华北" "$(owner_of 北京客)" chen
expect_rc 0 "--owner is kept" $O customer add --name 指定客 --channel dianping --owner chen
expect_no_out "no rule recorded" '^assigned_by +[^ ]'
expect_eq "chen" "$(owner_of 指定客)" chen
expect_rc 0 "nothing matches" $O --as boss customer add --name 无主 --channel 门店 --branch SH01
expect_err "a notice says so" "no rule matches this customer, so it has no owner"
expect_eq "no owner, not even the adder" "$(owner_of 无主)" "-"

echo "-- import applies the rules"
printf '姓名,电话,来源,负责人\n导入甲,13900000001,大众点评,\n导入乙,13900000002,点评,chen\n导入丙,13900000003,门店,\n导入丁,13900000004,点评,\n' >"$T/leads.csv"
before=$(sql "$DB" "SELECT turns FROM assign_turn t JOIN assign_rule r ON r.id = t.rule_id WHERE r.name = 'dp'")
expect_rc 0 "dry run" $O import customers "$T/leads.csv" --dry-run
expect_eq "a dry run takes no turn" "$(sql "$DB" "SELECT turns FROM assign_turn t JOIN assign_rule r ON r.id = t.rule_id WHERE r.name = 'dp'")" "$before"
expect_rc 0 "import" $O import customers "$T/leads.csv"
expect_out "counts what the rules did" 'assignment rules: 2 given an owner, 1 matching no rule'
expect_eq "rows get owners in turn; the sheet's owner kept" \
	"$(owner_of 导入甲) $(owner_of 导入乙) $(owner_of 导入丙) $(owner_of 导入丁)" "wang chen - li"
expect_eq "the rule recorded on imported rows" \
	"$(sql "$DB" "SELECT r.name FROM customer c JOIN assign_rule r ON r.id = c.assign_rule WHERE c.name = '导入甲'")" dp
expect_rc 0 "re-import" $O import customers "$T/leads.csv"
expect_eq "re-import reassigns nobody" "$(owner_of 导入甲) $(owner_of 导入丁)" "wang li"

echo "-- remove"
expect_rc 0 "remove dp" $O assign remove dp
expect_rc 66 "remove it again" $O assign remove dp
expect_err "no active rule" "no active rule 'dp'"
expect_rc 0 "a lead after dp is gone" $O customer add --name 晚客 --channel dianping --branch SH01
expect_eq "no owner now" "$(owner_of 晚客)" "-"
expect_rc 0 "the earlier customer still names dp" $O customer show 点评1
expect_out "assigned_by dp" '^assigned_by +dp$'
expect_rc 0 "list --all shows removed ones" $O assign list --all
expect_out "dp removed" 'dp .* removed$'

echo "-- roles"
for s in boss mgr li wang; do
	env OUTPOST_PIN=1234 OUTPOST_NEW_PIN=1234 $O --as boss staff passwd $s >/dev/null || bad "PIN for $s"
done
export OUTPOST_PIN=1234
expect_rc 77 "sales may not define rules" $O --as li assign add mine --staff li
expect_err "names the roles" "assign add needs the role manager, hq or admin"
expect_rc 77 "a manager may not define another branch's" $O --as mgr assign add bj2 --staff chen --branch BJ01
expect_err "says whose" "branch: a manager defines rules for their own branch \(SH01\)"
expect_rc 0 "a manager defines one for the branch" $O --as mgr assign add sh-walkin --staff wang --channel 门店
expect_eq "confined to SH01" "$(sql "$DB" "SELECT branch FROM assign_rule WHERE name = 'sh-walkin'")" SH01
expect_rc 77 "a manager may not remove HQ's rule" $O --as mgr assign remove north
expect_err "says it is for every branch" "rule 'north' is for every branch"
expect_rc 0 "li adds a walk-in that goes to wang" $O --as li customer add --name 转给王 --phone 13700000001 --branch SH01 --channel 门店
expect_out "she is told who has it, and that she will not see it" "registered customer [0-9a-f]{8}; owner wang, by rule sh-walkin. It is in their list, not yours"
expect_rc 77 "and then cannot open it" $O --as li customer show 13700000001
expect_err "told it is not hers" "is not yours \(owner: wang\)"

echo "-- a branch offline applies HQ's rules, with its own turn"
mkdir "$T/sync" && cd "$T/sync" || exit 1
unset OUTPOST_PIN
hq_and_branches SH01
"$O" --db hq.db branch add --code SH01 --name 上海徐汇店 --region 华东 >/dev/null
for s in li wang; do "$O" --db hq.db staff add --code $s --name $s --role sales --branch SH01 >/dev/null; done
"$O" --db hq.db assign add leads --staff li,wang --channel 抖音 >/dev/null
sync1 sh01 && sync1 sh01
expect_eq "the rule reached the branch" "$(sql sh01.db "SELECT name || ' ' || staff FROM assign_rule")" "leads li,wang"
kill "$(echo $PIDS | awk '{ print $NF }')" 2>/dev/null
for i in 1 2 3; do "$O" --db sh01.db customer add --name 抖音$i --channel 抖音 >/dev/null 2>&1; done
expect_eq "offline, the branch deals li, wang, li" \
	"$(sql sh01.db "SELECT group_concat(owner, ' ') FROM (SELECT owner FROM customer ORDER BY rowid)")" "li wang li"
"$O" --db hq.db customer add --name HQ抖音 --channel 抖音 --branch SH01 >/dev/null 2>&1
expect_eq "HQ's turn is its own: li first" "$(sql hq.db "SELECT owner FROM customer WHERE name = 'HQ抖音'")" li
# both name a rule alike while apart: no UNIQUE constraint stalls the sync
"$O" --db hq.db assign add meituan --staff li --channel 美团 --priority 50 >/dev/null
"$O" --db sh01.db assign add meituan --staff wang --channel 美团 --priority 60 >/dev/null
P2=$(free_port)
"$OUTPOSTD" --hq --db hq.db --listen "tcp://127.0.0.1:$P2" 2>>hq.log &
track $!
wait_listening "$P2" $!
P=$P2
sync1 sh01
expect_eq "the sync went through" "$?" 0
expect_eq "HQ holds both rules named meituan" "$(sql hq.db "SELECT group_concat(staff, ' ') FROM (SELECT staff FROM assign_rule WHERE name = 'meituan' ORDER BY priority)")" "li wang"
expect_eq "HQ has the branch's customers with owner and rule" \
	"$(sql hq.db "SELECT group_concat(c.owner || ':' || r.name, ' ') FROM (SELECT * FROM customer WHERE name LIKE '抖音%' ORDER BY name) c JOIN assign_rule r ON r.id = c.assign_rule")" \
	"li:leads wang:leads li:leads"

done_testing
