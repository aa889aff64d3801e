#!/bin/sh
# 25_stock.sh — stock per product and branch: receipts, sales taken off
# when an order ships, returns, adjustments, each a movement row; exact
# quantities in units; a safe level and the low-stock line in remind.
. "$(dirname "$0")/lib.sh"
plan 41

HQ=$T/hq.db
BR=$T/store.db
expect_rc 0 "init hq" $OUTPOST --db "$HQ" init --site HQ --hq
expect_rc 0 "fabric" $OUTPOST --db "$HQ" product add --sku CUR-LINEN-280 --name 亚麻遮光窗帘 --price 368 --unit 米
expect_rc 0 "track" $OUTPOST --db "$HQ" product add --sku ROD-AL-2M --name 铝合金轨道 --price 85 --unit 套
expect_rc 0 "init branch" $OUTPOST init --site SH01
sql "$BR" "ATTACH '$HQ' AS hq; INSERT INTO product SELECT * FROM hq.product"
onhand() { sql "$BR" "SELECT on_hand FROM stock s JOIN product p ON p.id = s.product_id WHERE sku = '$1' AND branch = 'SH01'"; }

echo "-- receipts and the safe level"
expect_rc 0 "receive 50 m of fabric" $OUTPOST stock receive CUR-LINEN-280 50 --notes 到货
expect_out "on hand in metres" '^on_hand +50\.00$'
expect_rc 0 "receive 10 sets" $OUTPOST stock receive ROD-AL-2M 10
expect_rc 65 "half a set refused" $OUTPOST stock receive ROD-AL-2M 0.5
expect_err "names the unit" "quantity '0\.5' 套: must be a whole number"
expect_rc 65 "unknown sku" $OUTPOST stock receive NOPE 1
expect_err "sku message" "^outpost: sku: no product with sku 'NOPE'"
expect_rc 0 "safe level 20 m" $OUTPOST stock safe CUR-LINEN-280 20
expect_out "said" 'safe level of CUR-LINEN-280 at SH01: 20 米'
expect_rc 0 "safe level 9 sets" $OUTPOST stock safe ROD-AL-2M 9
expect_rc 64 "at HQ, whose stock must be said" $OUTPOST --db "$HQ" stock receive ROD-AL-2M 1
expect_err "branch message" "at HQ, say whose stock \(--branch CODE\)"

echo "-- a sale leaves stock when the order ships"
expect_rc 0 "customer" $OUTPOST customer add --name 张伟 --phone 13800138000
expect_rc 0 "order 3.5 m and 2 sets" $OUTPOST order add --customer 13800138000 --item CUR-LINEN-280:3.5 --item ROD-AL-2M:2
no=$(printf '%s\n' "$OUT" | sed -n 's/^order_no  *//p')
expect_eq "not yet taken off" "$(onhand ROD-AL-2M)" 10
expect_rc 0 "shipped" $OUTPOST order status "$no" shipped
expect_eq "fabric: 50 - 3.5 m, in steps" "$(onhand CUR-LINEN-280)" 4650
expect_eq "track: 10 - 2" "$(onhand ROD-AL-2M)" 8
expect_eq "two sale movements" "$(sql "$BR" "SELECT group_concat(qty, ' ') FROM (SELECT qty FROM stock_move WHERE kind='sale' ORDER BY qty)")" "-350 -2"
expect_rc 0 "stock list" $OUTPOST stock list
expect_out "fabric line" 'CUR-LINEN-280 .* SH01 +46\.50 +米 +20\.00'
expect_out "track below its safe level" 'ROD-AL-2M .* SH01 +8 +套 +9 +LOW'
expect_rc 0 "remind" $OUTPOST remind
expect_out "the low-stock line" 'low +stock +铝合金轨道 \(ROD-AL-2M\) .*low stock at SH01 +on hand 8 套, safe level 9 套'
expect_no_out "not the fabric" '亚麻遮光窗帘 \(CUR'
expect_rc 0 "stock list --low" $OUTPOST stock list --low
expect_no_out "only the low ones" 'CUR-LINEN-280'

echo "-- returns and adjustments"
expect_rc 0 "the order comes back" $OUTPOST order status "$no" returned
expect_eq "track back to 10" "$(onhand ROD-AL-2M)" 10
expect_eq "fabric back to 50 m" "$(onhand CUR-LINEN-280)" 5000
expect_rc 0 "a customer brings 1.2 m back" $OUTPOST stock return CUR-LINEN-280 1.2
expect_out "51.20" '^on_hand +51\.20$'
expect_rc 64 "an adjustment needs a reason" $OUTPOST stock adjust CUR-LINEN-280 -1.2
expect_rc 0 "adjust after a count" $OUTPOST stock adjust CUR-LINEN-280 -1.25 --notes 盘点
expect_out "49.95" '^on_hand +49\.95$'
expect_eq "every movement is a row" "$(sql "$BR" "SELECT group_concat(kind, ' ') FROM (SELECT kind FROM stock_move ORDER BY rowid)")" \
	"receipt receipt sale sale return return return adjust"
expect_eq "stock rows are journaled as counters (table 26)" \
	"$(sql "$BR" "SELECT count(*) > 0 FROM journal WHERE tbl=26 AND delta IS NOT NULL")" 1
done_testing
