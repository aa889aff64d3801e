#!/bin/sh
# 56_shop_sync.sh — the shop's new records through real outpostd processes
# on loopback: a channel and a product in units made at HQ reach the
# branches; payments recorded offline at a branch and at HQ all count at
# HQ; custom fields set at two branches offline merge into one row each.
. "$(dirname "$0")/lib.sh"
plan 37

S=$T
sql() { sqlite3 -batch -cmd '.timeout 5000' "$1" "$2"; }
on() { st=$1; shift; "$OUTPOST" --db "$S/$st.db" "$@"; }

# HQ and branches A and B, keys exchanged.
on hq init --site HQ --hq >/dev/null && on hq keys init >/dev/null 2>&1 || bad "set up HQ"
for b in a b; do
	site=$(echo "$b" | tr a-z A-Z)
	on "$b" init --site "$site" >/dev/null && on "$b" keys init >/dev/null 2>&1 &&
		on hq peer enrol "$site" "$(cat "$S/$b.db.pub")" >/dev/null &&
		on "$b" peer hq "$(cat "$S/hq.db.pub")" >/dev/null || bad "set up $site"
done
PORT=$(free_port)
timeout 300 "$OUTPOSTD" --hq --db "$S/hq.db" --listen "tcp://127.0.0.1:$PORT" 2>>"$S/hq.log" &
track $!
i=0
while ! grep -q 'listening on' "$S/hq.log" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done
grep -q 'listening on' "$S/hq.log" || { bad "HQ listens"; cat "$S/hq.log"; exit 1; }
ok "HQ daemon listening on $PORT"

# sync B...: one `outpostd --branch --once` round per branch, checked.
sync() {
	for b in "$@"; do
		timeout 60 "$OUTPOSTD" --branch --db "$S/$b.db" --connect "tcp://127.0.0.1:$PORT" \
			--once --timeout 10 2>>"$S/$b.log" || { bad "sync $b"; tail -3 "$S/$b.log"; }
	done
}

echo "-- HQ's channel list and catalogue reach the branches"
expect_rc 0 "HQ adds 快手" on hq channel add --code kuaishou --name 快手
expect_rc 0 "HQ adds an alias to a seeded channel" on hq channel edit dianping --aliases '点评|大众'
expect_rc 0 "HQ adds fabric by the metre" on hq product add --sku CUR-LINEN-280 --name 亚麻遮光窗帘 --price 368 --unit 米
sync a b
sync a b
expect_eq "the new channel at A" "$(sql "$S/a.db" "SELECT name_zh FROM channel WHERE code='kuaishou'")" 快手
expect_eq "the seeded channel's new alias at B" "$(sql "$S/b.db" "SELECT aliases FROM channel WHERE code='dianping'")" '点评|大众'
expect_eq "one dianping row at B (seeded rows share ids)" "$(sql "$S/b.db" "SELECT count(*) FROM channel WHERE code='dianping'")" 1
expect_eq "the product's unit at A" "$(sql "$S/a.db" "SELECT unit || qty_scale FROM product")" 米2
expect_rc 0 "A records a customer from 快手" on a customer add --name 张伟 --phone 13800138000 --channel 快手 --custom 楼盘=万科城
expect_out "channel code" '^channel +kuaishou$'

echo "-- payments at two places all count at HQ"
expect_rc 0 "A: order for 3.5 m" on a --as li.na order add --customer 13800138000 --item CUR-LINEN-280:3.5
no=$(printf '%s\n' "$OUT" | sed -n 's/^order_no  *//p')
expect_out "1288.00" '^total +1288\.00$'
expect_rc 0 "A: deposit" on a --as li.na payment add "$no" --amount 500 --method 微信
sync a
expect_eq "HQ has the order and the deposit" "$(sql "$S/hq.db" "SELECT sum(amount) FROM payment")" 50000
# Both offline now: A takes part of the balance, HQ another part.
expect_rc 0 "A (offline): 300 by Alipay" on a --as li.na payment add "$no" --amount 300 --method 支付宝
expect_rc 0 "HQ (offline): 200 by transfer" on hq --as hq.fin payment add "$no" --amount 200 --method 对公转账
sync a
expect_eq "HQ counts all three payments" "$(sql "$S/hq.db" "SELECT count(*) || ' ' || sum(amount) FROM payment")" "3 100000"
expect_rc 0 "HQ's order show" on hq order show "$no"
expect_out "paid at HQ: both sites' payments" '^paid +1000\.00$'
expect_out "outstanding at HQ" '^outstanding +288\.00$'
expect_eq "A keeps its own payments (payments route branch -> HQ)" \
	"$(sql "$S/a.db" "SELECT count(*) || ' ' || sum(amount) FROM payment")" "2 80000"

echo "-- custom fields set at two branches offline"
sync b
expect_eq "the customer reached B" "$(sql "$S/b.db" "SELECT count(*) FROM customer WHERE phone='+8613800138000'")" 1
expect_rc 0 "A sets 楼盘" on a customer edit 13800138000 --custom 楼盘=碧桂园
expect_rc 0 "B sets 楼盘 too, and 面积" on b customer edit 13800138000 --custom 楼盘=龙湖 --custom 面积=120
sync a b
sync a b
for st in hq a b; do
	expect_eq "$st: one row per field, the same values" \
		"$(sql "$S/$st.db" "SELECT group_concat(key || '=' || value, ' ') FROM (SELECT * FROM customer_attr ORDER BY key)")" \
		"$(sql "$S/hq.db" "SELECT group_concat(key || '=' || value, ' ') FROM (SELECT * FROM customer_attr ORDER BY key)")"
done
expect_eq "HQ: two fields, 楼盘 once" "$(sql "$S/hq.db" "SELECT count(*) || ' ' || count(DISTINCT key) FROM customer_attr")" "2 2"

echo "-- stock moved offline at HQ and at the branch both count"
expect_rc 0 "A receives 40 m" on a stock receive CUR-LINEN-280 40
sync a
expect_eq "HQ has A's stock" "$(sql "$S/hq.db" "SELECT on_hand FROM stock WHERE branch='A'")" 4000
# both offline: HQ books a delivery it sent to A, A sells 3.5 m (the order ships)
expect_rc 0 "HQ (offline): 10 m received for A" on hq stock receive CUR-LINEN-280 10 --branch A
expect_rc 0 "A (offline): the order ships" on a order status "$no" shipped
expect_eq "A alone: 40 - 3.5" "$(sql "$S/a.db" "SELECT on_hand FROM stock WHERE branch='A'")" 3650
sync a
sync a
expect_eq "HQ: 40 + 10 - 3.5 m" "$(sql "$S/hq.db" "SELECT on_hand FROM stock WHERE branch='A'")" 4650
expect_eq "A: the same, HQ's receipt added" "$(sql "$S/a.db" "SELECT on_hand FROM stock WHERE branch='A'")" 4650
expect_eq "one stock row for A everywhere" "$(sql "$S/hq.db" "SELECT count(*) FROM stock")$(sql "$S/a.db" "SELECT count(*) FROM stock")" 11
expect_eq "HQ has the movements from both sites" \
	"$(sql "$S/hq.db" "SELECT group_concat(kind || qty, ' ') FROM (SELECT * FROM stock_move ORDER BY kind, qty)")" "receipt1000 receipt4000 sale-350"
done_testing
