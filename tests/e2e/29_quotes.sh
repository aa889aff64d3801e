#!/bin/sh
# 29_quotes.sh — a quotation (报价单) with per-line and whole-quote
# discounts and a valid-until date, converted into an order in one step at
# the quoted prices; discounts on orders; the conversion rate in the staff
# report.
. "$(dirname "$0")/lib.sh"
plan 44

HQ=$T/hq.db
BR=$T/store.db
expect_rc 0 "init hq" $OUTPOST --db "$HQ" init --site HQ --hq
expect_rc 0 "fabric" $OUTPOST --db "$HQ" product add --sku CUR-LINEN-280 --name 亚麻遮光窗帘 --price 368 --unit 米
expect_rc 0 "track" $OUTPOST --db "$HQ" product add --sku ROD-AL-2M --name 铝合金轨道 --price 85 --unit 套
expect_rc 0 "init branch" $OUTPOST init --site SH01
sql "$BR" "ATTACH '$HQ' AS hq; INSERT INTO product SELECT * FROM hq.product"
expect_rc 0 "customer" $OUTPOST customer add --name 张伟 --phone 13800138000

echo "-- a quote with discounts"
# 3.5 m x 368 = 1288.00 less 10% = 128.80 -> 1159.20; 2 sets x 85 = 170 less 20 -> 150;
# lines 1309.20, less 9.20 on the whole quote = 1300.00
expect_rc 0 "quote add" $OUTPOST --as li.na quote add --customer 13800138000 \
	--item CUR-LINEN-280:3.5::10% --item ROD-AL-2M:2::20 --discount 9.20 --valid-until 2099-12-31
qno=$(printf '%s\n' "$OUT" | sed -n 's/^quote_no  *//p')
case "$qno" in SH01-Q-*) ok "quote number carries the branch ($qno)";; *) bad "quote number ($qno)";; esac
expect_out "10% off the fabric line" '1 +CUR-LINEN-280 .* 3\.50 +米 +368\.00 +128\.80 +1159\.20'
expect_out "20.00 off the track line" '2 +ROD-AL-2M .* 2 +套 +85\.00 +20\.00 +150\.00'
expect_out "the whole-quote discount" '^discount +9\.20$'
expect_out "total after every discount" '^total +1300\.00$'
expect_out "valid until" '^valid_until +2099-12-31$'
expect_out "open" '^status +open$'
expect_rc 0 "a quote without a date is valid 30 days" $OUTPOST quote add --customer 13800138000 --item ROD-AL-2M:1 --discount 9折
expect_out "30 days" "^valid_until +$(sql "$BR" "SELECT date('now', '+30 days')")$"
expect_out "9折 is 10% off: 85.00 - 8.50" '^total +76\.50$'
expect_rc 65 "a discount above the line refused" $OUTPOST quote add --customer 13800138000 --item ROD-AL-2M:1::100
expect_err "names the item and amounts" "item 1: discount: 100\.00 is more than the 85\.00 it is taken off"
expect_rc 65 "a bad percentage refused" $OUTPOST quote add --customer 13800138000 --item ROD-AL-2M:1 --discount 120%
expect_err "discount message" "^outpost: discount: '120%' is not a percentage"

echo "-- convert in one step, at the quoted prices"
sql "$BR" "UPDATE product SET price = 99900"	# the catalogue changes after the quote
expect_rc 0 "quote convert" $OUTPOST --as li.na quote convert "$qno" --payment 微信
expect_out "the order has the quoted total" '^total +1300\.00$'
expect_out "and the quote's discount" '^discount +9\.20$'
expect_out "items as quoted" '1 +CUR-LINEN-280 .* 3\.50 +米 +368\.00 +128\.80 +1159\.20'
expect_out "payment set" '^payment +wechat$'
expect_out "nothing paid yet" '^outstanding +1300\.00$'
ono=$(printf '%s\n' "$OUT" | sed -n 's/^order_no  *//p')
expect_eq "the order names the quote" "$(sql "$BR" "SELECT q.quote_no FROM sales_order o JOIN quote q ON q.id = o.quote_id WHERE o.order_no='$ono'")" "$qno"
expect_rc 0 "quote show" $OUTPOST quote show "$qno"
expect_out "converted" '^status +converted$'
expect_out "names the order" "^order_no +$ono$"
expect_rc 65 "converting twice refused" $OUTPOST quote convert "$qno"
expect_err "says why" "quote $qno is no longer open"
expect_rc 0 "an old quote" $OUTPOST quote add --customer 13800138000 --item ROD-AL-2M:1 --valid-until 2020-01-01
old=$(printf '%s\n' "$OUT" | sed -n 's/^quote_no  *//p')
expect_rc 65 "an expired quote is refused" $OUTPOST quote convert "$old"
expect_err "names the date" "was valid until 2020-01-01; quote again, or convert it at its prices with --allow-expired"
expect_rc 0 "quote list" $OUTPOST quote list
expect_out "the old one shows expired" "^$old .* expired"
expect_rc 0 "--allow-expired converts it" $OUTPOST quote convert "$old" --allow-expired
expect_eq "quotes are journaled (tables 23, 24)" "$(sql "$BR" "SELECT count(DISTINCT tbl) FROM journal WHERE tbl IN (23, 24)")" 2

echo "-- discounts on an order"
expect_rc 0 "order add with line and order discounts" $OUTPOST order add --customer 13800138000 \
	--item ROD-AL-2M:3::8.5折 --discount 0.05
# 3 x 999.00 = 2997.00; 8.5折 = 15% off = 449.55 -> 2547.45; less 0.05 = 2547.40
expect_out "line after 15% off" 'ROD-AL-2M .* 3 +套 +999\.00 +449\.55 +2547\.45'
expect_out "order total" '^total +2547\.40$'

echo "-- the staff report's conversion rate"
expect_rc 0 "report staff" $OUTPOST --json report staff --from 2000-01-01 --to 2100-12-31
got=$(printf '%s\n' "$OUT" | python3 -c 'import json,sys; j=json.load(sys.stdin); print(" ".join("%s:%s/%s=%s" % (r["staff"], r["converted"], r["quotes"], r["conversion_pct"]) for r in j["quotes"]))')
expect_eq "quotes and conversions per salesperson" "$got" "(none):1/2=50.0 li.na:1/1=100.0"
done_testing
