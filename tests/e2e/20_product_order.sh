#!/bin/sh
# 20_product_order.sh — the product catalogue (HQ only) and orders at a
# branch: pricing in integer cents, all-or-nothing writes, numbers that
# carry the branch code, status transitions, JSON output and the journal.
. "$(dirname "$0")/lib.sh"
plan 153

HQ=$T/hq.db
BR=$T/store.db		# $OUTPOST_DB: the branch
json_ok() { printf '%s\n' "$OUT" | python3 -c 'import json,sys; json.load(sys.stdin)'; }
count() { sql "$BR" "SELECT (SELECT count(*) FROM sales_order) || '/' || (SELECT count(*) FROM order_item)"; }

echo "-- products at HQ"
expect_rc 0 "init hq" $OUTPOST --db "$HQ" init --site HQ --hq
expect_rc 0 "product add" $OUTPOST --db "$HQ" --as admin product add --sku CUR-01 \
	--name 遮光窗帘 --price 1999.50 --category 窗帘 --spec 2.8m
expect_out "add shows the price as money" '^price +1999\.50$'
expect_eq "price stored in cents" "$(sql "$HQ" "SELECT price FROM product WHERE sku='CUR-01'")" 199950
expect_rc 0 "product add, price with ¥ and no category" \
	$OUTPOST --db "$HQ" product add --sku HK-2 --name 挂钩 --price ¥10
expect_rc 0 "product add, third" $OUTPOST --db "$HQ" product add --sku ROD-1 \
	--name 罗马杆 --price 88 --category 配件
expect_rc 65 "bad price refused" $OUTPOST --db "$HQ" product add --sku X1 --name x --price 12.345
expect_err "bad price names the field" '^outpost: price: '
expect_rc 65 "negative price refused" $OUTPOST --db "$HQ" product add --sku X1 --name x --price -5
expect_rc 65 "missing name refused" $OUTPOST --db "$HQ" product add --sku X1 --price 5
expect_err "missing name message" 'name: is required'
expect_rc 64 "missing --price value is a usage error" $OUTPOST --db "$HQ" product add --sku X1 --name x --price
expect_rc 65 "duplicate sku refused" $OUTPOST --db "$HQ" product add --sku CUR-01 --name x --price 1
expect_err "duplicate sku message" "sku: 'CUR-01' is already used"
expect_rc 65 "sku with ':' refused" $OUTPOST --db "$HQ" product add --sku A:B --name x --price 1
expect_rc 64 "unknown option refused" $OUTPOST --db "$HQ" product add --sku X1 --name x --price 1 --colour red
expect_eq "nothing written by the failed adds" "$(sql "$HQ" "SELECT count(*) FROM product")" 3
expect_rc 0 "product edit by sku" $OUTPOST --db "$HQ" product edit ROD-1 --price 99.90 --active no
expect_out "edit shows inactive" '^active +no$'
expect_eq "edited price in cents" "$(sql "$HQ" "SELECT price FROM product WHERE sku='ROD-1'")" 9990
id=$(sql "$HQ" "SELECT id FROM product WHERE sku='HK-2'")
expect_rc 0 "product edit by id prefix" $OUTPOST --db "$HQ" product edit "$(echo "$id" | cut -c1-13)" --spec 不锈钢
expect_out "edit by prefix changed spec" '^spec +不锈钢$'
expect_rc 65 "edit with bad active refused" $OUTPOST --db "$HQ" product edit HK-2 --active maybe
expect_rc 65 "edit clearing price refused" $OUTPOST --db "$HQ" product edit HK-2 --price ""
expect_rc 64 "edit with nothing to change" $OUTPOST --db "$HQ" product edit HK-2
expect_rc 65 "edit to a taken sku refused" $OUTPOST --db "$HQ" product edit HK-2 --sku CUR-01
expect_rc 66 "edit of an unknown product" $OUTPOST --db "$HQ" product edit NOPE --name x
expect_rc 0 "product show" $OUTPOST --db "$HQ" product show CUR-01
expect_out "show has the name" '遮光窗帘'
expect_rc 0 "product list" $OUTPOST --db "$HQ" product list
expect_out "list has active products" 'CUR-01.*1999\.50'
expect_no_out "list hides inactive" 'ROD-1'
expect_rc 0 "product list --all" $OUTPOST --db "$HQ" product list --all
expect_out "--all shows inactive" 'ROD-1.*99\.90 +no'
expect_rc 0 "product list --category" $OUTPOST --db "$HQ" product list --category 窗帘
expect_out "category filter keeps 窗帘" 'CUR-01'
expect_no_out "category filter drops others" 'HK-2'
expect_rc 0 "product list --json" $OUTPOST --db "$HQ" --json product list --all
if json_ok; then ok "product list --json parses"; else bad "product list --json parses"; fi
expect_eq "product writes journaled (tbl 4)" \
	"$(sql "$HQ" "SELECT count(*) > 0 FROM journal WHERE tbl=4 AND op=1")" 1

echo "-- the catalogue belongs to HQ"
expect_rc 0 "init branch" $OUTPOST init --site SH01
expect_rc 77 "branch refuses product add" $OUTPOST product add --sku X1 --name x --price 1
expect_err "refusal says HQ" 'products are managed at HQ.*HQ store'
# products arrive by sync; here the stock sqlite3 shell plays that part
sql "$BR" "INSERT INTO product(sku, name, category, spec, price) VALUES
	('CUR-01', '遮光窗帘', '窗帘', '2.8m', 199950), ('HK-2', '挂钩', NULL, NULL, 1000),
	('ROD-1', '罗马杆', '配件', NULL, 9990);
	UPDATE product SET active = 0 WHERE sku = 'ROD-1'"
expect_rc 77 "branch refuses product edit" $OUTPOST product edit HK-2 --price 1
expect_eq "branch product untouched" "$(sql "$BR" "SELECT price FROM product WHERE sku='HK-2'")" 1000
expect_rc 0 "branch may list products" $OUTPOST product list
expect_out "branch list shows synced products" 'HK-2'
cp "$HQ" "$T/nosite.db"
sql "$T/nosite.db" "DELETE FROM meta WHERE key IN ('site', 'role')"
expect_rc 78 "store without a site refuses product add" \
	$OUTPOST --db "$T/nosite.db" product add --sku X1 --name x --price 1
expect_err "no-site message" "store has no site; run 'outpost init --site CODE' first"
expect_rc 78 "store without a site refuses order add" \
	$OUTPOST --db "$T/nosite.db" order add --customer x --item HK-2:1

echo "-- orders at the branch"
expect_rc 0 "customer add" $OUTPOST --as li.na customer add --name 张三 --phone 13800138000
expect_rc 0 "second customer" $OUTPOST customer add --name 李四 --phone 13900139000
before=$(count)
expect_rc 0 "order add by phone, two items" $OUTPOST --as li.na order add \
	--customer "138 0013 8000" --item CUR-01:2 --item HK-2:1 --payment 微信 \
	--expected 2026/12/01 --channel 门店 --delivery-address "上海市徐汇区 1 号"
expect_out "total 2x1999.50 + 1x10 = 4009.00" '^total +4009\.00$'
expect_out "line total 3999.00" 'CUR-01 .* 2 +件 +1999\.50 +0\.00 +3999\.00'
expect_out "status pending" '^status +pending$'
expect_out "payment alias stored canonical" '^payment +wechat$'
expect_out "staff from --as" '^staff +li\.na$'
expect_out "branch is the site" '^branch +SH01$'
no1=$(printf '%s\n' "$OUT" | sed -n 's/^order_no  *//p')
case "$no1" in SH01-*) ok "order_no starts with the branch code ($no1)";;
	*) bad "order_no starts with the branch code (got '$no1')";; esac
oid=$(sql "$BR" "SELECT id FROM sales_order WHERE order_no='$no1'")
expect_eq "total stored in cents" "$(sql "$BR" "SELECT total FROM sales_order WHERE id='$oid'")" 400900
expect_eq "items stored" "$(sql "$BR" "SELECT group_concat(sku || 'x' || qty || '@' || unit_price || '=' || line_total, ' ')
	FROM (SELECT * FROM order_item WHERE order_id='$oid' ORDER BY rowid)")" \
	"CUR-01x2@199950=399900 HK-2x1@1000=1000"
expect_eq "item copies the product name and spec" \
	"$(sql "$BR" "SELECT name || '/' || spec FROM order_item WHERE order_id='$oid' AND sku='CUR-01'")" "遮光窗帘/2.8m"
expect_eq "journal has the order (tbl 5)" \
	"$(sql "$BR" "SELECT count(*) > 0 FROM journal WHERE tbl=5 AND gid='$oid' AND op=1")" 1
expect_eq "journal has both items (tbl 6)" \
	"$(sql "$BR" "SELECT count(*) FROM journal WHERE tbl=6 AND op=1")" 2
expect_eq "journal records the staff" \
	"$(sql "$BR" "SELECT DISTINCT staff FROM journal WHERE tbl=5 AND op=1")" li.na
expect_eq "two rows more" "$(count)" "1/2"

expect_rc 0 "order add with price override, by name, --item=" $OUTPOST --as li.na order add \
	--customer 李四 --item=HK-2:3:9.99 --date 2026-11-01 --notes "--item"
expect_out "override priced 3x9.99" '^total +29\.97$'
expect_out "a value that looks like --item stays a note" '^notes +--item$'
no2=$(printf '%s\n' "$OUT" | sed -n 's/^order_no  *//p')
expect_eq "number uses the order date" "$no2" "SH01-20261101-0001"
expect_rc 0 "second order the same day counts up" $OUTPOST order add --customer 李四 --item HK-2:1 --date 2026-11-01
expect_out "counted number" '^order_no +SH01-20261101-0002$'
expect_rc 0 "free item (price 0)" $OUTPOST order add --customer 李四 --item HK-2:1:0 --date 2026-10-01
expect_out "zero total" '^total +0\.00$'

before=$(count)
expect_rc 65 "unknown sku refused" $OUTPOST order add --customer 张三 --item CUR-01:1 --item NOPE:1
expect_err "unknown sku names item 2" "item 2: no product with sku 'NOPE'"
expect_rc 65 "zero qty refused" $OUTPOST order add --customer 张三 --item CUR-01:0
expect_err "qty message" "item 1: quantity '0'"
expect_rc 65 "fractional qty refused" $OUTPOST order add --customer 张三 --item HK-2:1 --item CUR-01:1.5
expect_err "qty message names item 2" "item 2: quantity '1\.5'"
expect_rc 65 "qty over the limit refused" $OUTPOST order add --customer 张三 --item CUR-01:1000000001
expect_rc 65 "bad item price refused" $OUTPOST order add --customer 张三 --item CUR-01:1:abc
expect_err "price message" "item 1: price 'abc'"
expect_rc 65 "item without qty refused" $OUTPOST order add --customer 张三 --item CUR-01
expect_err "item syntax message" "is not SKU:QTY\[:PRICE\[:DISCOUNT\]\]"
expect_rc 65 "inactive product refused" $OUTPOST order add --customer 张三 --item ROD-1:1
expect_err "inactive message" "item 1: product 'ROD-1' is no longer sold"
expect_rc 66 "unknown customer refused" $OUTPOST order add --customer 王五 --item HK-2:1
expect_err "unknown customer message" "no customer matches '王五'"
expect_rc 65 "bad payment refused" $OUTPOST order add --customer 张三 --item HK-2:1 --payment bitcoin
expect_rc 65 "bad expected date refused" $OUTPOST order add --customer 张三 --item HK-2:1 --expected 2026-02-30
expect_rc 64 "order without items refused" $OUTPOST order add --customer 张三
expect_rc 64 "order without customer refused" $OUTPOST order add --item HK-2:1
expect_rc 65 "line total overflow refused" $OUTPOST order add --customer 张三 --item HK-2:1000000:99999999999
expect_eq "nothing written by the failed orders" "$(count)" "$before"

echo "-- show and list"
expect_rc 0 "order show by number" $OUTPOST order show "$no1"
expect_out "show has the total" '^total +4009\.00$'
expect_out "show has an items table" '^#  sku'
expect_out "show lists item 2" '^2  HK-2'
expect_rc 0 "order show by id prefix" $OUTPOST order show "$(echo "$oid" | cut -c1-13)"
expect_out "prefix finds the order" "^order_no +$no1$"
expect_rc 66 "order show unknown" $OUTPOST order show NOPE-1
expect_err "unknown order message" "no order matches 'NOPE-1'"
expect_rc 0 "order show --json" $OUTPOST --json order show "$no1"
if json_ok; then ok "order show --json parses"; else bad "order show --json parses"; fi
expect_eq "json total and items" "$(printf '%s\n' "$OUT" | python3 -c '
import json, sys
o = json.load(sys.stdin)
print(o["total"], len(o["items"]), o["items"][0]["sku"], o["items"][0]["qty"], o["items"][1]["line_total"])')" \
	"4009.0 2 CUR-01 2 10.0"
expect_out "money is a JSON number with its two decimals" '"total": 4009\.00[,}]'
plan_more 1
expect_rc 0 "order add --json" $OUTPOST --json order add --customer 张三 --item 'HK-2:1' --notes 'a "quoted" \ note'
if json_ok; then ok "order add --json parses (quotes, backslash)"; else bad "order add --json parses"; fi
no5=$(printf '%s\n' "$OUT" | python3 -c 'import json,sys; print(json.load(sys.stdin)["order_no"])')
expect_rc 0 "order list" $OUTPOST order list
expect_out "list row: number, customer, total, status, staff" "^$no1 +[0-9-]+ +张三 +4009\.00 +pending +li\.na$"
expect_rc 0 "order list --customer by phone" $OUTPOST order list --customer 13900139000
expect_out "李四's orders listed" 'SH01-20261101-0001'
expect_no_out "张三's not" "$no1"
expect_rc 0 "order list --from --to" $OUTPOST order list --from 2026-11-01 --to 2026/11/01
expect_out "date range keeps 11-01" 'SH01-20261101-0002'
expect_no_out "date range drops 10-01" 'SH01-20261001'
expect_rc 0 "order list --limit 1" $OUTPOST order list --limit 1
expect_eq "limit 1 gives one row" "$(printf '%s\n' "$OUT" | tail -n +3 | wc -l | tr -d ' ')" 1
expect_rc 65 "order list bad date" $OUTPOST order list --from 2026-13-01
expect_rc 65 "order list bad status" $OUTPOST order list --status lost
expect_rc 66 "order list unknown customer" $OUTPOST order list --customer 王五
expect_rc 0 "order list --json" $OUTPOST --json order list
if json_ok; then ok "order list --json parses"; else bad "order list --json parses"; fi

echo "-- status"
expect_rc 65 "pending -> delivered refused" $OUTPOST order status "$no1" delivered
expect_err "transition message lists the way on" \
	'cannot go from pending to delivered \(pending may become: shipped, cancelled\)'
expect_rc 65 "unknown status refused" $OUTPOST order status "$no1" lost
expect_rc 0 "pending -> shipped by Chinese alias, with a note" \
	$OUTPOST --as li.na order status "$no1" 已发货 --note "顺丰 SF123"
expect_out "now shipped" '^status +shipped$'
expect_out "note appended" 'shipped: 顺丰 SF123'
expect_eq "not delivered yet" "$(sql "$BR" "SELECT coalesce(delivered_date, '-') FROM sales_order WHERE id='$oid'")" "-"
expect_rc 65 "same status refused" $OUTPOST order status "$no1" shipped
expect_err "same status message" 'already shipped'
expect_rc 0 "second note appended after the first" $OUTPOST order status "$no1" delivered --note 签收
expect_out "notes kept on one line" 'shipped: 顺丰 SF123; [0-9-]+ delivered: 签收$'
today=$(sql "$BR" "SELECT date('now')")
expect_eq "delivered date is today" "$(sql "$BR" "SELECT delivered_date FROM sales_order WHERE id='$oid'")" "$today"
sql "$BR" "UPDATE sales_order SET delivered_date='2026-01-02' WHERE id='$oid'"
expect_rc 65 "completing with a balance due is refused" $OUTPOST order status "$no1" 完成
expect_err "the refusal names the outstanding balance" 'outstanding; record the balance first'
due=$(sql "$BR" "SELECT printf('%d.%02d', total / 100, total % 100) FROM sales_order WHERE id='$oid'")
expect_rc 0 "the balance is paid" $OUTPOST payment add "$no1" --amount "$due" --method 现金 --kind balance
expect_rc 0 "delivered -> completed (完成)" $OUTPOST order status "$no1" 完成
expect_eq "an existing delivered date is kept" "$(sql "$BR" "SELECT delivered_date FROM sales_order WHERE id='$oid'")" 2026-01-02
expect_rc 0 "completed -> returned" $OUTPOST order status "$no1" 退货
expect_rc 65 "returned is final" $OUTPOST order status "$no1" completed
expect_err "final message" 'returned is final'
expect_rc 0 "pending -> cancelled" $OUTPOST order status "$no5" cancel
expect_rc 65 "cancelled -> pending refused" $OUTPOST order status "$no5" pending
expect_rc 0 "list by status alias" $OUTPOST order list --status 已取消
expect_out "cancelled order listed" "$no5"
expect_no_out "others not" "$no1"
expect_rc 66 "status of an unknown order" $OUTPOST order status NOPE-1 shipped
expect_rc 64 "status without the new status" $OUTPOST order status "$no1"
expect_rc 64 "empty order reference" $OUTPOST order status "" shipped
expect_eq "status changes journaled as updates" \
	"$(sql "$BR" "SELECT count(*) >= 4 FROM journal WHERE tbl=5 AND gid='$oid' AND op=2")" 1

[ "$FAIL" -eq 0 ]
done_testing
