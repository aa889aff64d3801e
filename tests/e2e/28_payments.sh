#!/bin/sh
# 28_payments.sh — deposits, balances and refunds against an order: paid
# and outstanding on the order, refusals that name the amount, completion
# with a balance due only by a manager, the outstanding-balances report.
. "$(dirname "$0")/lib.sh"
plan 53

HQ=$T/hq.db
BR=$T/store.db
expect_rc 0 "init hq" $OUTPOST --db "$HQ" init --site HQ --hq
expect_rc 0 "fabric" $OUTPOST --db "$HQ" product add --sku CUR-LINEN-280 --name 亚麻遮光窗帘 --price 368 --unit 米
expect_rc 0 "track" $OUTPOST --db "$HQ" product add --sku ROD-AL-2M --name 铝合金轨道 --price 85 --unit 套
expect_rc 0 "init branch" $OUTPOST init --site SH01
sql "$BR" "ATTACH '$HQ' AS hq; INSERT INTO product SELECT * FROM hq.product"
expect_rc 0 "customer" $OUTPOST customer add --name 张伟 --phone 13800138000
expect_rc 0 "order 1458.00" $OUTPOST --as li.na order add --customer 13800138000 \
	--item CUR-LINEN-280:3.5 --item ROD-AL-2M:2
no=$(printf '%s\n' "$OUT" | sed -n 's/^order_no  *//p')
expect_out "nothing paid yet" '^paid +0\.00$'
expect_out "all outstanding" '^outstanding +1458\.00$'

echo "-- deposit and balance"
expect_rc 0 "deposit 定金 by WeChat" $OUTPOST --as li.na payment add "$no" --amount 500 --method 微信
expect_out "first payment short of the total is a deposit" '^kind +deposit$'
expect_out "method canonical" '^method +wechat$'
expect_out "paid so far" '^paid +500\.00$'
expect_out "outstanding after the deposit" '^outstanding +958\.00$'
expect_eq "stored in cents with staff and branch" \
	"$(sql "$BR" "SELECT amount || ' ' || staff || ' ' || branch FROM payment")" "50000 li.na SH01"
expect_rc 65 "more than outstanding refused" $OUTPOST payment add "$no" --amount 1000 --method 现金
expect_err "names the field and the amounts" "^outpost: amount: 1000\.00 is more than the 958\.00 outstanding on $no$"
expect_rc 64 "method is required" $OUTPOST payment add "$no" --amount 1
expect_rc 65 "unknown method refused" $OUTPOST payment add "$no" --amount 1 --method bitcoin
expect_err "method message" '^outpost: method: '
expect_rc 65 "zero refused" $OUTPOST payment add "$no" --amount 0 --method 现金
expect_rc 0 "order show has paid and outstanding" $OUTPOST order show "$no"
expect_out "paid" '^paid +500\.00$'
expect_out "outstanding" '^outstanding +958\.00$'
expect_rc 0 "outstanding report" $OUTPOST payment outstanding
expect_out "lists the order" "^$no .*张伟 .*1458\.00 +500\.00 +958\.00 +pending"
expect_out "and the total" '^ +1 +958\.00$'

echo "-- completion with a balance due"
$OUTPOST order status "$no" shipped >/dev/null
$OUTPOST order status "$no" delivered >/dev/null
expect_rc 65 "completed with a balance due refused" $OUTPOST order status "$no" completed
expect_err "says how much and what to do" "order has 958\.00 outstanding; record the balance first \(payment add\), or a manager may complete it with --force"
expect_rc 0 "balance 尾款 by Alipay" $OUTPOST --as li.na payment add "$no" --amount 958 --method 支付宝
expect_out "the next payment is the balance" '^kind +balance$'
expect_out "nothing outstanding" '^outstanding +0\.00$'
expect_rc 0 "completed once paid" $OUTPOST order status "$no" completed
expect_rc 0 "outstanding report" $OUTPOST --json payment outstanding
expect_eq "no longer listed" "$(printf '%s\n' "$OUT" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')" 0

echo "-- refunds"
expect_rc 65 "a refund above what was paid refused" $OUTPOST payment add "$no" --amount 2000 --method 微信 --kind 退款
expect_err "names the paid amount" "amount: a refund of 2000\.00 is more than the 1458\.00 paid"
expect_rc 0 "a refund" $OUTPOST payment add "$no" --amount 58 --method 微信 --kind 退款
expect_out "refund reduces paid" '^paid +1400\.00$'
expect_rc 0 "payment list" $OUTPOST payment list --order "$no"
expect_out "three rows, in order" 'deposit .*500\.00'
expect_out "refund listed" 'refund .*58\.00'
expect_eq "journaled as table 22" "$(sql "$BR" "SELECT count(*) FROM journal WHERE tbl=22 AND op=1")" 3

echo "-- a cancelled order takes refunds only"
expect_rc 0 "order 2" $OUTPOST order add --customer 13800138000 --item ROD-AL-2M:1
no2=$(printf '%s\n' "$OUT" | sed -n 's/^order_no  *//p')
expect_rc 0 "full payment" $OUTPOST payment add "$no2" --amount 85 --method 现金
expect_out "pays it all: kind payment" '^kind +payment$'
$OUTPOST order status "$no2" cancelled >/dev/null
expect_rc 65 "payment on a cancelled order refused" $OUTPOST payment add "$no2" --amount 1 --method 现金 --kind payment
expect_err "says refunds only" "order $no2 is cancelled; only a refund can be recorded"

echo "-- a manager's --force"
expect_rc 0 "order 3" $OUTPOST order add --customer 13800138000 --item ROD-AL-2M:2
no3=$(printf '%s\n' "$OUT" | sed -n 's/^order_no  *//p')
$OUTPOST order status "$no3" shipped >/dev/null
$OUTPOST order status "$no3" delivered >/dev/null
# li.na's customer, so that her scope (docs/ROLES.md) shows her the order
$OUTPOST customer edit 13800138000 --owner li.na >/dev/null
$OUTPOST staff add --code boss --name 老板 --role admin >/dev/null
env OUTPOST_NEW_PIN=2468 $OUTPOST staff passwd boss >/dev/null
OUTPOST_PIN=2468 $OUTPOST --as boss staff add --code li.na --name 李娜 --role sales >/dev/null
OUTPOST_PIN=2468 $OUTPOST --as boss staff add --code mgr --name 店长 --role manager >/dev/null
for s in li.na mgr; do env OUTPOST_PIN=2468 OUTPOST_NEW_PIN=1234 $OUTPOST --as boss staff passwd $s >/dev/null; done
expect_rc 77 "a salesperson's --force is refused" env OUTPOST_PIN=1234 $OUTPOST --as li.na order status "$no3" completed --force
expect_err "names the roles" "needs the role manager, hq or admin \(li\.na is sales\)"
expect_rc 0 "a manager completes it" env OUTPOST_PIN=1234 $OUTPOST --as mgr order status "$no3" completed --force
expect_out "the note records it" "completed with 170\.00 outstanding by mgr"
expect_out "status completed" '^status +completed$'
done_testing
