#!/bin/sh
# 22_units.sh — quantities with units: 3.5 m of fabric is accepted and
# totalled to the cent, stored as an integer of the unit's smallest step;
# whole-unit products still refuse fractions; rounding is half up.
. "$(dirname "$0")/lib.sh"
plan 35

HQ=$T/hq.db
BR=$T/store.db

echo "-- products carry a unit and a precision"
expect_rc 0 "init hq" $OUTPOST --db "$HQ" init --site HQ --hq
expect_rc 0 "fabric by the metre" $OUTPOST --db "$HQ" product add --sku CUR-LINEN-280 \
	--name 亚麻遮光窗帘 --category 窗帘 --price 368.00 --unit 米
expect_out "unit shown" '^unit +米$'
expect_out "米 counts to 0.01 by default" '^precision +2$'
expect_rc 0 "track, whole sets" $OUTPOST --db "$HQ" product add --sku ROD-AL-2M \
	--name 铝合金轨道 --price 85 --unit 套
expect_out "套 is whole" '^precision +0$'
expect_rc 0 "tiles by the square metre, 3 decimals" $OUTPOST --db "$HQ" product add \
	--sku TILE-60 --name 瓷砖 --price 0.99 --unit 平方米 --precision 3
expect_rc 0 "no unit: 件, whole" $OUTPOST --db "$HQ" product add --sku HK-1 --name 挂钩 --price 2
expect_out "default unit 件" '^unit +件$'
expect_rc 65 "precision over 3 refused" $OUTPOST --db "$HQ" product add --sku X --name x \
	--price 1 --precision 4
expect_err "precision message names the field" '^outpost: precision: '
expect_rc 0 "list shows units" $OUTPOST --db "$HQ" product list
expect_out "list row has 米" 'CUR-LINEN-280 .* 米 +368\.00'

echo "-- orders in units"
expect_rc 0 "init branch" $OUTPOST init --site SH01
sql "$BR" "ATTACH '$HQ' AS hq; INSERT INTO product SELECT * FROM hq.product;"
expect_rc 0 "customer" $OUTPOST customer add --name 张伟 --phone 13800138000
expect_rc 0 "3.5 m of fabric accepted" $OUTPOST --as li.na order add --customer 13800138000 \
	--item CUR-LINEN-280:3.5 --item ROD-AL-2M:2
expect_out "3.5 m x 368.00 = 1288.00" '1 +CUR-LINEN-280 .* 3\.50 +米 +368\.00 +0\.00 +1288\.00'
expect_out "2 sets x 85 = 170" '2 +ROD-AL-2M .* 2 +套 +85\.00 +0\.00 +170\.00'
expect_out "total to the cent" '^total +1458\.00$'
oid=$(sql "$BR" "SELECT id FROM sales_order ORDER BY rowid DESC LIMIT 1")
expect_eq "stored as integer steps with the scale" \
	"$(sql "$BR" "SELECT group_concat(qty || '/' || qty_scale || '/' || unit || '=' || line_total, ' ')
	  FROM (SELECT * FROM order_item WHERE order_id='$oid' ORDER BY rowid)")" \
	"350/2/米=128800 2/0/套=17000"
expect_eq "qty stored as an integer, never real" \
	"$(sql "$BR" "SELECT group_concat(DISTINCT typeof(qty)) FROM order_item")" integer
expect_rc 0 "rounding: 1.333 m2 x 0.99 = 1.31967 -> 1.32" $OUTPOST order add \
	--customer 13800138000 --item TILE-60:1.333
expect_out "half-up to the cent" '^total +1\.32$'
expect_rc 0 "rounding: 0.505 m2 x 0.99 = 0.49995 -> 0.50" $OUTPOST order add \
	--customer 13800138000 --item TILE-60:0.505
expect_out "0.49995 rounds to 0.50" '^total +0\.50$'
expect_rc 0 "json carries the exact quantity" $OUTPOST --json order show "$oid"
got=$(printf '%s\n' "$OUT" | python3 -c 'import json,sys; o=json.load(sys.stdin); print(o["items"][0]["qty"], o["items"][0]["unit"], o["items"][1]["qty"], o["total"])')
expect_eq "json qty text for decimals, integer for whole, money a number" "$got" "3.50 米 2 1458.0"
before=$(sql "$BR" "SELECT count(*) FROM order_item")
expect_rc 65 "three decimals of a 0.01 unit refused" $OUTPOST order add --customer 13800138000 \
	--item CUR-LINEN-280:3.555
expect_err "names item, unit and step" "item 1: quantity '3\.555' 米: has more than 2 decimals .*0\.01"
expect_rc 65 "half a set refused" $OUTPOST order add --customer 13800138000 --item ROD-AL-2M:0.5
expect_err "whole-unit message" "item 1: quantity '0\.5' 套: must be a whole number"
expect_rc 65 "zero metres refused" $OUTPOST order add --customer 13800138000 --item CUR-LINEN-280:0.00
expect_eq "nothing written by refused orders" "$(sql "$BR" "SELECT count(*) FROM order_item")" "$before"

echo "-- reports count in units"
expect_rc 0 "report products" $OUTPOST --json report products --from 2000-01-01 --to 2100-12-31
got=$(printf '%s\n' "$OUT" | python3 -c 'import json,sys; j=json.load(sys.stdin); print(" ".join("%s=%s" % (r["sku"], r["qty"]) for r in sorted(j["products"], key=lambda r: r["sku"])))')
expect_eq "qty in metres, not steps (reports show 2 decimals)" "$got" "CUR-LINEN-280=3.5 ROD-AL-2M=2 TILE-60=1.84"
done_testing
