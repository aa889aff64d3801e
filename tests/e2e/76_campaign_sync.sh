#!/bin/sh
# 76_campaign_sync.sh — campaigns across the chain through real outpostd
# processes on loopback: a segment, a campaign and coupons made at HQ reach
# the branches; a branch prepares and exports for its own customers and
# the outbox and the responses reach HQ's report; a coupon used at one
# branch is refused at the next after sync; a coupon used at two branches
# while both were offline is kept twice (both orders happened) and
# reported in the conflict log at HQ and at the branches, never silently
# accepted as one.
. "$(dirname "$0")/lib.sh"
plan 38

cd "$T" || exit 1
sql() { sqlite3 -batch -cmd '.timeout 5000' "$1" "$2"; }
on() { st=$1; shift; "$OUTPOST" --db "$st.db" "$@"; }
hq_and_branches SH01 BJ01
sync() { for b in "$@"; do b=$(echo "$b" | tr A-Z a-z); sync1 "$b" || { bad "sync $b"; tail -3 "$b.log"; }; done; }

echo "-- defined at HQ, synced down"
on hq product add --sku SOFA-MJ --name 现代简约沙发 --price 500 >/dev/null
expect_rc 0 "HQ: a chain-wide segment" on hq segment add 现代简约 --style 现代简约
expect_out "chain-wide" '^branch +chain-wide$'
expect_rc 0 "HQ: a campaign" on hq campaign add 新品推荐 --segment 现代简约 --kind 新品 --channel 短信 \
	--template '{姓名}{称呼}：现代简约新品到店，{门店}恭候' --starts 2026-11-01 --ends 2100-12-31 \
	--holdout 0 --cost 100
expect_rc 0 "HQ: a member registered at HQ" on hq customer add --name 张伟 --phone 13800138000 --style 现代简约
expect_rc 0 "HQ: that member's coupon" on hq coupon add --code ZW-50 --value 50 --until 2100-12-31 --customer 13800138000
expect_rc 0 "HQ: another" on hq coupon add --code ZW-80 --value 80 --until 2100-12-31 --customer 13800138000
sync SH01 BJ01
sync SH01 BJ01
for b in sh01 bj01; do
	expect_eq "$b has the segment, the campaign, the coupons" \
		"$(sql "$b.db" "SELECT (SELECT count(*) FROM segment) || (SELECT count(*) FROM campaign) || (SELECT group_concat(code) FROM (SELECT code FROM coupon ORDER BY code))")" \
		"11ZW-50,ZW-80"
done
expect_rc 65 "a branch may not redefine HQ's segment name" on sh01 segment add 现代简约 --style 北欧

echo "-- a branch prepares for its own customers; the outbox reaches HQ"
on sh01 customer add --name 李娜 --phone 13900139000 --gender 女 --style 现代简约 --branch SH01 >/dev/null
on bj01 customer add --name 王强 --phone 13700137000 --style 现代简约 --branch BJ01 >/dev/null
expect_rc 0 "SH01 prepares" on sh01 --json campaign prepare 新品推荐
expect_eq "its own customer and the one without a home branch" \
	"$(printf '%s' "$OUT" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["queued"])')" 2
expect_rc 0 "SH01 exports" on sh01 campaign export 新品推荐 sh01.csv
expect_rc 0 "SH01 records a response" on sh01 campaign record 新品推荐 13900139000 --response 到店
sync SH01
expect_eq "HQ has SH01's sent messages" \
	"$(sql hq.db "SELECT count(*) || ' ' || group_concat(DISTINCT branch) FROM campaign_outbox WHERE status = 'sent'")" "2 SH01"
expect_eq "and the response" "$(sql hq.db "SELECT kind || ' ' || branch FROM campaign_response")" "visited SH01"
expect_rc 0 "HQ's report counts them" on hq --json report campaign 新品推荐
expect_eq "contacted and responded" \
	"$(printf '%s' "$OUT" | python3 -c 'import json,sys; g=json.load(sys.stdin)["groups"][0]; print(g["customers"], g["responded"])')" "2 1"
sync BJ01
expect_rc 0 "BJ01 prepares after sync" on bj01 --json campaign prepare 新品推荐
expect_eq "only its own customer: the others were prepared at SH01" \
	"$(printf '%s' "$OUT" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["queued"])')" 1

echo "-- a coupon used at one branch is refused at the next after sync"
expect_rc 0 "SH01: order with ZW-50" on sh01 --as li.na order add --customer 13800138000 --item SOFA-MJ:1 --coupon ZW-50
no=$(printf '%s\n' "$OUT" | sed -n 's/^order_no  *//p')
expect_out "50 off" '^total +450\.00$'
sync SH01 BJ01
expect_eq "BJ01 knows it was used" "$(sql bj01.db "SELECT count(*) FROM coupon_redemption")" 1
expect_rc 65 "BJ01 refuses it" on bj01 --as wang order add --customer 13800138000 --item SOFA-MJ:1 --coupon ZW-50
expect_err "saying where" "^outpost: coupon: ZW-50 was already used on order $no \(.*, SH01\)$"
expect_eq "and saved no order" "$(sql bj01.db "SELECT count(*) FROM sales_order WHERE branch = 'BJ01'")" 0

echo "-- used at two branches while both were offline: a conflict, not one use"
expect_rc 0 "SH01 (offline) uses ZW-80" on sh01 --as li.na order add --customer 13800138000 --item SOFA-MJ:1 --coupon ZW-80
expect_rc 0 "BJ01 (offline) uses ZW-80 too" on bj01 --as wang order add --customer 13800138000 --item SOFA-MJ:1 --coupon ZW-80
sync SH01 BJ01
expect_eq "HQ keeps both uses (both orders happened)" \
	"$(sql hq.db "SELECT group_concat(branch, ' ') FROM (SELECT r.branch FROM coupon_redemption r JOIN coupon p ON p.id = r.coupon_id WHERE p.code = 'ZW-80' ORDER BY r.branch)")" "BJ01 SH01"
expect_rc 0 "HQ's conflict list" on hq conflicts list
expect_out "reports the second use" 'coupon_redemption'
expect_eq "once, naming the code and both branches" \
	"$(sql hq.db "SELECT count(*) FROM conflict WHERE tbl = 45 AND reason LIKE 'coupon ZW-80 redeemed twice: at SH01 on % and at BJ01 on %'")" 1
expect_rc 0 "conflicts show explains it" on hq conflicts show "$(sql hq.db "SELECT id FROM conflict WHERE tbl = 45")"
expect_out "the reason" 'redeemed twice'
sync SH01 BJ01
sync SH01 BJ01
expect_eq "each branch learns of the other's use and logs it too" \
	"$(sql sh01.db "SELECT count(*) FROM conflict WHERE tbl = 45")$(sql bj01.db "SELECT count(*) FROM conflict WHERE tbl = 45")" 11
expect_eq "the first single use made no conflict anywhere" \
	"$(sql hq.db "SELECT count(*) FROM conflict WHERE tbl = 45 AND reason LIKE '%ZW-50%'")" 0
expect_rc 0 "a manager resolves it" on hq --as hq.mgr conflicts resolve "$(sql hq.db "SELECT id FROM conflict WHERE tbl = 45")" --keep kept
expect_eq "resolved" "$(sql hq.db "SELECT resolved_at IS NOT NULL FROM conflict WHERE tbl = 45")" 1
done_testing
