#!/bin/sh
# 70_reports.sh — reports, customer classes and reminders against fixed
# fixtures written with the stock sqlite3 shell; every figure checked here
# is worked out by hand in the comments above it (docs/REPORTS.md has the
# definitions). Then the HTML page, rendered by headless Chromium when it
# is (or can be) installed.
. "$(dirname "$0")/lib.sh"
plan 138
export TZ=UTC	# "today" is the local date; keep it the UTC one here

HQ=$T/hq.db
R() { $OUTPOST --db "$HQ" "$@"; }
q() { sql "$HQ" "$1"; }
# JSON checks: jcheck DESC EXPR WANT — the python EXPR over the last
# run's stdout parsed as JSON (j) must print WANT. They are evaluated
# together by one python at the end (jfinish): starting python costs more
# than most commands here.
NCHK=0
jcheck() {
	NCHK=$((NCHK+1))
	printf '%s\n' "$OUT" > "$T/j.$NCHK"
	printf '%s\0%s\0%s\0' "$1" "$2" "$3" >> "$T/checks"
}
# jrows DESC SECTION "COL..." WANT: the section's rows as "v v|v v|..."
jrows() {
	cols=$(printf "'%s'," $3)
	jcheck "$1" "'|'.join(' '.join(str(r[c]) for c in [$cols]) for r in j['$2'])" "$4"
}
jfinish() {
	[ -s "$T/checks" ] || return 0
	python3 - "$T" > "$T/jres" 2>&1 <<'EOF'
import json, sys
t = sys.argv[1]
f = open(t + '/checks', encoding='utf-8').read().split('\0')
ok = bad = 0
for i in range(len(f) // 3):
    desc, expr, want = f[3 * i:3 * i + 3]
    try:
        j = json.load(open('%s/j.%d' % (t, i + 1), encoding='utf-8'))
        got = eval(expr, {'j': j})
        got = ' '.join(str(x) for x in got) if isinstance(got, tuple) else str(got)
    except Exception as e:
        got = '%s: %s' % (type(e).__name__, e)
    if got == want:
        ok += 1
        print('  ok   ' + desc)
    else:
        bad += 1
        print("  FAIL %s (got '%s', wanted '%s')" % (desc, got, want))
print('JCHECK', ok, bad)
EOF
	grep -v '^JCHECK ' "$T/jres"
	res=$(grep '^JCHECK ' "$T/jres")
	if [ -z "$res" ]; then bad "json checks ran"; return 0; fi
	set -- $res
	PASS=$((PASS + $2)); FAIL=$((FAIL + $3))
	rm -f "$T/checks" "$T"/j.*
	NCHK=0
}

echo "-- fixtures (HQ, three branches, one without sales)"
expect_rc 0 "init hq" $OUTPOST --db "$HQ" init --site HQ --hq
q "
INSERT INTO branch(code, name) VALUES ('SH01', '徐汇店'), ('SH02', '浦东店'), ('BJ01', '朝阳店');
INSERT INTO staff(code, name, role, branch) VALUES ('li.na', '李娜', 'sales', 'SH01'),
 ('wang.wei', '王伟', 'sales', 'SH02'), ('zhao.min', '赵敏', 'service', 'SH01');
INSERT INTO product(id, sku, name, category, price) VALUES
 ('P1', 'CUR-01', '遮光窗帘', '窗帘', 10000), ('P2', 'ROD-01', '罗马杆 <b>&\"', '配件', 5000),
 ('P3', 'SOFA-1', '沙发', '沙发', 50000);
INSERT INTO customer(id, name, channel, owner, home_branch, created_at) VALUES
 ('c1', '张三', 'walk-in', 'li.na', 'SH01', '2025-06-01 08:00:00'),
 ('c2', '李四', 'website', 'li.na', 'SH01', '2026-01-10 10:00:00'),
 ('c3', '王五', 'referral', 'wang.wei', 'SH02', '2026-02-01 09:00:00'),
 ('c4', '赵六', 'social', 'wang.wei', 'SH02', '2026-03-15 09:00:00'),
 ('c5', '孙七', 'phone', 'li.na', 'SH01', '2025-03-01 09:00:00');
INSERT INTO sales_order(id, order_date, customer_id, total, status, channel, staff, branch, expected_date) VALUES
 ('o0',  '2025-05-10', 'c5', 40000,  'completed', NULL,      'li.na',    'SH01', NULL),
 ('o00', '2025-11-20', 'c1', 25000,  'completed', NULL,      'li.na',    'SH01', NULL),
 ('o1',  '2026-01-05', 'c1', 100000, 'completed', 'walk-in', 'li.na',    'SH01', NULL),
 ('o2',  '2026-01-20', 'c2', 50000,  'delivered', NULL,      'li.na',    'SH01', NULL),
 ('o3',  '2026-02-10', 'c1', 30000,  'returned',  'social',  'wang.wei', 'SH02', NULL),
 ('o4',  '2026-02-15', 'c3', 70000,  'cancelled', 'walk-in', 'wang.wei', 'SH02', '2026-02-20'),
 ('o5',  '2026-03-01', 'c3', 20000,  'pending',   'phone',   'wang.wei', 'SH02', '2026-03-05'),
 ('o6',  '2026-03-20', 'c2', 60000,  'shipped',   NULL,      'li.na',    'SH01', '2026-03-25'),
 ('o7',  '2026-03-31', 'c1', 40000,  'completed', 'walk-in', 'li.na',    'SH01', '2026-04-05'),
 ('o8',  '2026-04-02', 'c3', 10000,  'completed', NULL,      'wang.wei', 'SH02', NULL);
INSERT INTO order_item(order_id, product_id, sku, name, qty, unit_price, line_total) VALUES
 ('o1', 'P1', 'CUR-01', '遮光窗帘', 5, 10000, 50000), ('o1', 'P3', 'SOFA-1', '沙发', 1, 50000, 50000),
 ('o2', 'P2', 'ROD-01', '罗马杆', 10, 5000, 50000), ('o3', 'P1', 'CUR-01', '遮光窗帘', 3, 10000, 30000),
 ('o4', 'P3', 'SOFA-1', '沙发', 1, 70000, 70000), ('o5', 'P2', 'ROD-01', '罗马杆', 4, 5000, 20000),
 ('o6', 'P1', 'CUR-01', '遮光窗帘', 6, 10000, 60000), ('o7', 'P3', 'SOFA-1', '沙发', 1, 40000, 40000),
 ('o8', 'P1', 'CUR-01', '遮光窗帘', 1, 10000, 10000);
INSERT INTO ticket(customer_id, kind, problem, received_at, first_reply_at, status, satisfaction, handler, branch) VALUES
 ('c1', 'complaint', '窗帘褪色', '2026-01-06 10:00:00', '2026-01-06 15:00:00', 'closed',      5, 'zhao.min', 'SH01'),
 ('c2', 'complaint', '送货晚',   '2026-02-01 09:00:00', '2026-02-02 09:00:00', 'resolved',    4, 'zhao.min', 'SH01'),
 ('c3', 'complaint', '安装问题', '2026-02-10 08:00:00', '2026-02-11 08:00:01', 'closed',      2, 'wang.wei', 'SH02'),
 ('c1', 'complaint', '尺寸不对', '2026-03-10 12:00:00', NULL,                  'open',     NULL, NULL,       'SH01'),
 ('c3', 'repair',    '杆子松了', '2026-03-20 12:00:00', NULL,                  'in_progress', NULL, 'wang.wei', 'SH02'),
 ('c1', 'complaint', '去年的',   '2025-12-30 12:00:00', NULL,                  'open',     NULL, NULL,       'SH01');
INSERT INTO followup(customer_id, at, staff, branch) VALUES
 ('c2', '2026-01-11 10:00:00', 'li.na', 'SH01'), ('c1', '2026-02-01 10:00:00', 'li.na', 'SH01'),
 ('c4', '2026-03-16 10:00:00', 'wang.wei', 'SH02'), ('c1', '2025-12-20 10:00:00', 'li.na', 'SH01');
"
expect_eq "fixtures loaded" "$(q "SELECT count(*) FROM sales_order")/$(q "SELECT count(*) FROM ticket")" "10/6"
Q1="--from 2026-01-01 --to 2026-03-31"

echo "-- report sales"
# Q1 2026, non-cancelled (o4 is cancelled, o8 is April, o0/o00 are 2025):
#   Jan o1 1000 + o2 500 = 1500 (2 orders); Feb o3 300, returned (1);
#   Mar o5 200 + o6 600 + o7 400 = 1200 (3). Total 3000: 50.0/10.0/40.0 %.
expect_rc 0 "report sales --by month" R --json report sales $Q1
jrows "one row per month" sales "month orders sales returned net share_pct" \
	"2026-01 2 1500.0 0.0 1500.0 50.0|2026-02 1 300.0 300.0 0.0 10.0|2026-03 3 1200.0 0.0 1200.0 40.0"
jrows "total: 6 orders, 3000 sales, 300 returned, 2700 net" total \
	"orders sales returned net" "6 3000.0 300.0 2700.0"
jcheck "meta from/to" "j['from'] + ' ' + j['to'] + ' ' + str(j['branch'])" "2026-01-01 2026-03-31 None"
expect_rc 0 "--json after the subcommand works too" R report sales $Q1 --json
jcheck "same figures" "j['total'][0]['sales']" "3000.0"
expect_rc 0 "report sales as a table" R report sales $Q1
expect_out "table has the month and money with 2 decimals" '^2026-01 +2 +1500\.00 +0\.00 +1500\.00 +50\.0 +█'
expect_out "bar chart drawn with block characters" '(█){10,}'
expect_rc 0 "report sales --csv" R report sales $Q1 --csv --section sales
expect_out "csv header" '^month,orders,sales,returned,net,share_pct'
expect_out "csv row" '^2026-03,3,1200\.00,0\.00,1200\.00,40\.0'
expect_rc 64 "unknown section refused" R report sales $Q1 --section nope
expect_rc 0 "--by quarter" R --json report sales $Q1 --by quarter
jrows "one quarter holds it all" sales "quarter orders sales share_pct" "2026-Q1 6 3000.0 100.0"
# SH01: o1 o2 o6 o7 = 2500 (4); SH02: o3 (returned) + o5 = 500 (2); BJ01: none.
expect_rc 0 "--by branch" R --json report sales $Q1 --by branch
jrows "branches, BJ01 listed with zero" sales "branch name orders sales returned share_pct" \
	"SH01 徐汇店 4 2500.0 0.0 83.3|SH02 浦东店 2 500.0 300.0 16.7|BJ01 朝阳店 0 0.0 0.0 0.0"
expect_rc 0 "--by staff" R --json report sales $Q1 --by staff
jrows "salespeople" sales "staff name orders sales" "li.na 李娜 4 2500.0|wang.wei 王伟 2 500.0"
expect_rc 0 "--branch SH02 narrows" R --json report sales $Q1 --branch sh02
jrows "SH02 by month" sales "month orders sales returned" \
	"2026-01 0 0.0 0.0|2026-02 1 300.0 300.0|2026-03 1 200.0 0.0"
expect_rc 0 "a branch with no sales" R --json report sales $Q1 --branch BJ01
jrows "BJ01: zero everywhere, no share" sales "orders sales share_pct" "0 0.0 None|0 0.0 None|0 0.0 None"
jrows "BJ01 total" total "orders sales" "0 0.0"
expect_rc 0 "an empty period" R --json report sales --from 2024-01-01 --to 2024-02-29
jrows "empty months listed" sales "month orders" "2024-01 0|2024-02 0"
expect_rc 0 "one day: the last of the period" R --json report sales --from 2026-03-31 --to 2026-03-31
jrows "only o7" total "orders sales" "1 400.0"
expect_rc 65 "period ending before it starts" R report sales --from 2026-03-01 --to 2026-02-01
expect_err "says so" "ends .* before it starts"
expect_rc 65 "bad date" R report sales --from 2026-02-30
expect_rc 64 "bad --by" R report sales --by week
expect_err "lists the ways" "month, quarter, branch, staff"
expect_rc 64 "option of another report refused" R report sales --months 3

echo "-- report products"
# CUR-01: o1 5x100 + o3 3x100 + o6 6x100 = 14, 1400 (3 orders);
# SOFA-1: o1 500 + o7 400 = 2, 900 (2); ROD-01: o2 10x50 + o5 4x50 = 14, 700 (2).
# o4 (cancelled) and o8 (April) are out. Shares of 3000: 46.7, 30.0, 23.3.
expect_rc 0 "report products" R --json report products $Q1
jrows "best sellers" products "sku qty orders sales share_pct" \
	"CUR-01 14 3 1400.0 46.7|SOFA-1 2 2 900.0 30.0|ROD-01 14 2 700.0 23.3"
expect_rc 0 "--limit 2" R --json report products $Q1 --limit 2
jcheck "two rows, shares still of the whole" "len(j['products']), j['products'][1]['share_pct']" "2 30.0"
expect_rc 0 "--by category" R --json report products $Q1 --by category
jrows "categories" categories "category products qty sales" \
	"窗帘 1 14 1400.0|沙发 1 2 900.0|配件 1 14 700.0"

echo "-- report channels"
# order channel, else the customer's: o1 walk-in 1000, o2 (c2 website) 500,
# o3 social 300, o5 phone 200, o6 (c2 website) 600, o7 walk-in 400.
expect_rc 0 "report channels" R --json report channels $Q1
jrows "channels" channels "channel orders sales share_pct" \
	"walk-in 2 1400.0 46.7|website 2 1100.0 36.7|social 1 300.0 10.0|phone 1 200.0 6.7|other 0 0.0 0.0|referral 0 0.0 0.0"

echo "-- report orders"
# 6 non-cancelled orders, 3000 -> average 500.00; 1 returned of 6 = 16.67 %;
# 1 cancelled of 7; overdue (any date): o5 (pending, exp 03-05) and o6
# (shipped, exp 03-25); o4 is cancelled, o7 completed.
expect_rc 0 "report orders" R --json report orders $Q1
jrows "summary" summary "metric value count of" \
	"orders 6 None None|sales 3000.0 None None|average_order_value 500.0 None 6|return_rate 16.67 1 6|cancelled 1 None 7|overdue_deliveries 2 None None"
jrows "by status" status "status orders amount share_pct" \
	"pending 1 200.0 14.3|shipped 1 600.0 14.3|delivered 1 500.0 14.3|completed 2 1400.0 28.6|cancelled 1 700.0 14.3|returned 1 300.0 14.3"
jrows "overdue list, oldest first" overdue "customer expected status staff" \
	"王五 2026-03-05 pending wang.wei|李四 2026-03-25 shipped li.na"

echo "-- report customers"
# --months 3 to 2026-03-31: period 2026-01-01..03-31, churn base 2025.
# Buyers: c1 (o1 o3 o7, 1700; bought 2025-11 -> returning), c2 (o2 o6,
# 1100, new), c3 (o5 200, new: o4 was cancelled). new 1300 = 43.3 %.
# Repurchase: c1, c2 of 3 = 66.67 %. Churn: 2025 buyers c5, c1; c5 gone = 50 %.
expect_rc 0 "report customers" R --json report customers --months 3 --to 2026-03-31
jcheck "period" "j['from'], j['to'], j['churn_from']" "2026-01-01 2026-03-31 2025-01-01"
jrows "new vs returning" segments "segment customers orders sales share_pct" \
	"new 2 3 1300.0 43.3|returning 1 3 1700.0 56.7"
jrows "rates" rates "metric value count of" \
	"buyers 3 None None|repurchase_rate 66.67 2 3|churn_rate 50.0 1 2"
expect_rc 0 "customers at SH01 only" R --json report customers --months 3 --to 2026-03-31 --branch SH01
# SH01 orders: c1 o1 o7 (o3 was at SH02), c2 o2 o6; c1 has o00 at SH01.
jrows "SH01 segments" segments "segment customers sales" "new 1 1100.0|returning 1 1400.0"

echo "-- report service"
# Q1 tickets: 5 (the 2025-12-30 one is out). Satisfaction 5, 4, 2 -> 3.67.
# Complaints 4: replied within 24 h: 5 h yes, exactly 24 h yes, 24 h + 1 s
# no, never (window long over) no -> 2 of 4 = 50 %.
expect_rc 0 "report service" R --json report service $Q1
jrows "summary" summary "metric value count of" \
	"tickets 5 None None|average_satisfaction 3.67 3 5|complaints 4 None None|complaints_replied_24h 50.0 2 4|complaints_unanswered_late 1 None None"
jrows "by status" status "status tickets share_pct" \
	"open 1 20.0|in_progress 1 20.0|resolved 1 20.0|closed 2 40.0"
expect_rc 0 "service at SH01" R --json report service $Q1 --branch SH01
jcheck "SH01: 2 of 3 complaints in time, satisfaction 4.5" \
	"j['summary'][3]['value'], j['summary'][1]['value']" "66.67 4.5"

echo "-- report staff"
# li.na: 2 follow-ups in Q1, enquiry c2 converted (1/1), 4 orders 2500;
# wang.wei: 1 follow-up, enquiries c3 (bought) c4 (not) = 50 %, 2 orders
# 500, satisfaction 2 (1 rated); zhao.min: tickets 5 and 4 -> 4.5.
expect_rc 0 "report staff" R --json report staff $Q1
jrows "staff" staff "staff followups enquiries converted conversion_pct orders sales satisfaction rated" \
	"li.na 2 1 1 100.0 4 2500.0 None 0|wang.wei 1 2 1 50.0 2 500.0 2.0 1|zhao.min 0 0 0 None 0 0.0 4.5 2"
expect_rc 0 "staff at SH01" R --json report staff $Q1 --branch SH01
jrows "SH01 staff only" staff "staff orders sales" "li.na 4 2500.0|zhao.min 0 0.0"

echo "-- a branch store reports on its own branch"
BR=$T/br.db
expect_rc 0 "init branch" $OUTPOST --db "$BR" init --site SH02
sql "$BR" "INSERT INTO customer(id, name) VALUES ('x1', '甲');
INSERT INTO sales_order(id, order_date, customer_id, total, status, branch) VALUES
 ('b1', '2026-02-01', 'x1', 12300, 'completed', 'SH02'), ('b2', '2026-02-02', 'x1', 99900, 'completed', 'SH09');"
expect_rc 0 "report sales at the branch" $OUTPOST --db "$BR" --json report sales $Q1
jcheck "scoped to SH02" "j['branch'], j['total'][0]['sales']" "SH02 123.0"
expect_rc 0 "--branch at a branch store" $OUTPOST --db "$BR" --json report sales $Q1 --branch SH09
jcheck "explicit branch" "j['total'][0]['sales']" "999.0"

echo "-- classify"
CL=$T/cl.db
expect_rc 0 "init" $OUTPOST --db "$CL" init --site HQ --hq
# k01..k10 spend 1000, 900, ..., 100 in the 12 months to 2026-06-30
# (2025-07-01..2026-06-30); last orders 2026-06-30 (k01) .. 06-21 (k10).
# k01: 6 orders (high), k02: 5 (medium), k03: 2 (medium), the rest 1 (low).
# k11 no orders, k12 only a cancelled one, k13 bought on 2025-06-30 (a day
# before the period), k14 only after the as-of date: all small.
sql "$CL" "
INSERT INTO customer(id, name) VALUES ('k01','客01'),('k02','客02'),('k03','客03'),('k04','客04'),
 ('k05','客05'),('k06','客06'),('k07','客07'),('k08','客08'),('k09','客09'),('k10','客10'),
 ('k11','客11'),('k12','客12'),('k13','客13'),('k14','客14');
INSERT INTO sales_order(customer_id, order_date, total, status) VALUES
 ('k01','2026-06-30',20000,'completed'),('k01','2026-01-01',20000,'completed'),('k01','2025-07-01',20000,'completed'),
 ('k01','2025-08-01',20000,'delivered'),('k01','2025-09-01',10000,'shipped'),('k01','2025-10-01',10000,'pending'),
 ('k02','2026-06-29',18000,'completed'),('k02','2026-02-01',18000,'completed'),('k02','2026-02-02',18000,'completed'),
 ('k02','2026-02-03',18000,'completed'),('k02','2026-02-04',18000,'completed'),
 ('k03','2026-06-28',40000,'completed'),('k03','2026-03-01',40000,'completed'),
 ('k04','2026-06-27',70000,'completed'),('k05','2026-06-26',60000,'completed'),('k06','2026-06-25',50000,'completed'),
 ('k07','2026-06-24',40000,'completed'),('k08','2026-06-23',30000,'completed'),('k09','2026-06-22',20000,'completed'),
 ('k10','2026-06-21',10000,'completed'),
 ('k10','2026-05-01',999900,'returned'),('k09','2026-05-01',999900,'cancelled'),
 ('k12','2026-05-01',50000,'cancelled'),('k13','2025-06-30',90000,'completed'),('k14','2026-07-01',90000,'completed');"
expect_rc 0 "classify --as-of 2026-06-30" $OUTPOST --db "$CL" --json classify --as-of 2026-06-30
jrows "10 ranked customers: 2/3/3/2, unranked ones small" classes "class customers" \
	"important 2|major 3|regular 3|small 6"
jrows "frequency" frequency "freq customers" "high 1|medium 2|low 11"
jcheck "period" "j['from'], j['as_of']" "2025-07-01 2026-06-30"
cls() { sql "$CL" "SELECT group_concat(customer_id || '=' || class, ' ') FROM (SELECT * FROM customer_class ORDER BY customer_id)"; }
expect_eq "each customer's class" "$(cls)" \
	"k01=important k02=important k03=major k04=major k05=major k06=regular k07=regular k08=regular k09=small k10=small k11=small k12=small k13=small k14=small"
# spends descending: k04 700 is the 4th (above = 3: 2*3 < 10, major).
expect_eq "spend, orders, last order kept" \
	"$(sql "$CL" "SELECT spend, orders, last_order, freq FROM customer_class WHERE customer_id IN ('k01','k03','k13') ORDER BY customer_id")" \
	"100000|6|2026-06-30|high
80000|2|2026-06-28|medium
0|0|2025-06-30|low"
# RFM among the 10: m = 1 + 5*(customers with less spend)/10: k01 5, k10 1,
# k06 (4 below) 3; f: k01 (9 with fewer orders) 5, k03 (7 below) 4, k04 1;
# r: k01 newest 5, k10 oldest 1, k05 (5 older) 3, k06 (4 older) 3.
# Unranked: 1 1 1.
expect_eq "RFM scores" \
	"$(sql "$CL" "SELECT group_concat(customer_id || ':' || r || f || m, ' ') FROM (SELECT * FROM customer_class WHERE customer_id IN ('k01','k03','k04','k05','k06','k10','k11') ORDER BY customer_id)")" \
	"k01:555 k03:444 k04:414 k05:313 k06:313 k10:111 k11:111"
# Tie: k03 gets 100 more (900 = k02's): both have one customer above,
# both important; k04 (3 above) stays major, k05 too; k06..k08 regular.
sql "$CL" "INSERT INTO sales_order(customer_id, order_date, total, status) VALUES ('k03','2026-04-01',10000,'completed')"
expect_rc 0 "classify again (replaces all)" $OUTPOST --db "$CL" --json classify --as-of 2026-06-30
jrows "equal spend, same (higher) class" classes "class customers" \
	"important 3|major 2|regular 3|small 6"
expect_eq "k02 and k03 both important" "$(sql "$CL" "SELECT group_concat(class) FROM customer_class WHERE customer_id IN ('k02','k03')")" "important,important"
expect_eq "rows replaced, not added" "$(sql "$CL" "SELECT count(*) FROM customer_class")" 14
expect_rc 0 "classify list --class 重要" $OUTPOST --db "$CL" --json classify list --class 重要
jrows "important customers, highest spend first" customers "name class label spend" \
	"客01 important 重要 1000.0|客02 important 重要 900.0|客03 important 重要 900.0"
expect_rc 0 "classify list --freq medium" $OUTPOST --db "$CL" --json classify list --freq medium
jrows "medium frequency" customers "name" "客02|客03"
expect_rc 65 "unknown class refused" $OUTPOST --db "$CL" classify list --class vip
expect_rc 0 "classify list as a table" $OUTPOST --db "$CL" classify list --limit 3
expect_out "table shows the label" '客01 .*important +重要'
# An empty period: nothing bought in the 12 months to 2020-01-01.
expect_rc 0 "classify an empty period" $OUTPOST --db "$CL" --json classify --as-of 2020-01-01
jrows "everyone small" classes "class customers" "important 0|major 0|regular 0|small 14"
expect_rc 65 "bad --as-of" $OUTPOST --db "$CL" classify --as-of 2026-13-01
expect_rc 0 "classify at HQ with the table output" R classify --as-of 2026-03-31
expect_out "counts table" '^important +重要 +1 '

echo "-- remind"
RM=$T/rm.db
expect_rc 0 "init" $OUTPOST --db "$RM" init --site SH01
NOW=$(sqlite3 :memory: "SELECT datetime('now')")
at() { sqlite3 :memory: "SELECT datetime('$NOW', '$1')"; }
TODAY=$(sqlite3 :memory: "SELECT date('$NOW')")
sql "$RM" "
INSERT INTO customer(id, name, owner, home_branch, created_at) VALUES
 ('e1', '新客甲', 'li.na', 'SH01', '$(at '-24 hours')'),
 ('e2', '新客乙', 'wang.wei', 'SH01', '$(at '-86401 seconds')'),
 ('e3', '新客丙', 'li.na', 'SH01', '$(at '-2 hours')'),
 ('e4', '别店客', 'li.na', 'SH02', '$(at '-3 hours')'),
 ('a1', '重要客', 'li.na', 'SH01', '2025-01-01 00:00:00'),
 ('a2', '主要客', 'li.na', 'SH01', '2025-01-01 00:00:00'),
 ('a3', '普通客', 'wang.wei', 'SH01', '2025-01-01 00:00:00'),
 ('a4', '小客', 'li.na', 'SH01', '2025-01-01 00:00:00'),
 ('a5', '约好客', 'li.na', 'SH01', '2025-01-01 00:00:00'),
 ('a6', '准时客', 'li.na', 'SH01', '2025-01-01 00:00:00');
INSERT INTO customer_class(customer_id, class, freq) VALUES ('a1', 'important', 'low'), ('a2', 'major', 'low'),
 ('a4', 'small', 'low'), ('a5', 'small', 'low'), ('a6', 'important', 'low');
INSERT INTO followup(customer_id, at, staff, next_due) VALUES
 ('a1', '$(at '-604801 seconds')', 'li.na', NULL), ('a2', '$(at '-10 days')', 'li.na', NULL),
 ('a3', '$(at '-31 days')', 'wang.wei', NULL), ('a4', '$(at '-60 days')', 'li.na', NULL),
 ('a5', '$(at '-1 day')', 'li.na', '$TODAY'), ('a6', '$(at '-7 days')', 'li.na', NULL);
INSERT INTO ticket(customer_id, kind, problem, received_at, first_reply_at, status, handler, branch) VALUES
 ('a1', 'complaint', '整一天', '$(at '-24 hours')', NULL, 'open', 'li.na', 'SH01'),
 ('a2', 'complaint', '超一秒', '$(at '-86401 seconds')', NULL, 'in_progress', 'wang.wei', 'SH01'),
 ('a3', 'complaint', '已回复', '$(at '-30 hours')', '$(at '-29 hours')', 'in_progress', 'li.na', 'SH01'),
 ('a3', 'repair', '维修', '$(at '-48 hours')', NULL, 'open', 'li.na', 'SH01'),
 ('a4', 'complaint', '已关闭', '$(at '-48 hours')', NULL, 'closed', 'li.na', 'SH01');
INSERT INTO sales_order(customer_id, order_date, total, status, staff, branch, expected_date) VALUES
 ('a4', date('$NOW', '-10 days'), 100, 'pending', 'li.na', 'SH01', date('$NOW', '-1 day')),
 ('a4', date('$NOW', '-10 days'), 100, 'shipped', 'li.na', 'SH01', date('$NOW')),
 ('a4', date('$NOW', '-20 days'), 100, 'delivered', 'li.na', 'SH01', date('$NOW', '-10 days'));"
# kind:customer=state, sorted, from the last JSON output
lines() { echo "' '.join(sorted(r['kind'] + ':' + r['customer'] + '=' + r['state'] for r in j['reminders'] if r['kind'] in '$1'.split()))"; }
expect_rc 0 "remind --now" $OUTPOST --db "$RM" --json remind --now "$NOW"
# enquiries: created exactly 24 h ago -> due now, not yet overdue; 24 h + 1 s
# -> overdue; 2 h ago -> due; e4 belongs to SH02 (the store is SH01).
jcheck "first follow-up of new enquiries (edge at exactly 24 h)" "$(lines enquiry)" \
	"enquiry:新客丙=due enquiry:新客乙=overdue enquiry:新客甲=due"
# cadence: important 7 d + 1 s ago -> overdue, 7 d exactly -> due;
# major 10 d ago -> due in 4 d (listed, 7 d look-ahead); regular (no class)
# 31 d ago -> overdue; small 60 d ago -> due in 30 d, not listed; a5
# promised a call today -> due all day, as `followup due` says (overdue from
# tomorrow); a4 (small, has orders).
jcheck "follow-ups by class cadence" "$(lines followup)" \
	"followup:主要客=due followup:准时客=due followup:普通客=overdue followup:约好客=due followup:重要客=overdue"
jcheck "complaints without a reply (edge at exactly 24 h)" "$(lines complaint)" \
	"complaint:主要客=overdue complaint:重要客=due"
jcheck "deliveries past the expected date" "$(lines delivery)" "delivery:小客=overdue"
jcheck "every line says who, what, why and since when" \
	"all(r['customer'] and r['staff'] and r['what'] and r['why'] and r['since'] and r['due'] for r in j['reminders'])" "True"
jcheck "the promised one says so" \
	"[r['why'] for r in j['reminders'] if r['customer'] == '约好客'][0]" "promised for $TODAY"
jcheck "cadence says the class" \
	"[r['what'] for r in j['reminders'] if r['customer'] == '重要客' and r['kind'] == 'followup'][0]" \
	"follow-up (important: every 7 days)"
expect_rc 0 "remind --days 3" $OUTPOST --db "$RM" --json remind --now "$NOW" --days 3
jcheck "major's follow-up (in 4 days) drops out" "$(lines followup)" \
	"followup:准时客=due followup:普通客=overdue followup:约好客=due followup:重要客=overdue"
expect_rc 0 "remind --staff wang.wei" $OUTPOST --db "$RM" --json remind --now "$NOW" --staff wang.wei
jcheck "only wang.wei's customers and tickets" "$(lines 'enquiry followup complaint delivery')" \
	"complaint:主要客=overdue enquiry:新客乙=overdue followup:普通客=overdue"
expect_rc 0 "remind --branch SH02" $OUTPOST --db "$RM" --json remind --now "$NOW" --branch SH02
jcheck "the other branch's enquiry" "$(lines enquiry)" "enquiry:别店客=due"
# Birthdays, with the clock set: 2027 is not a leap year, so 02-29 is kept
# on 02-28; at the end of December the next January counts.
sql "$RM" "INSERT INTO customer(id, name, owner, home_branch, birthday) VALUES
 ('b1', '闰日生', 'li.na', 'SH01', '2000-02-29'), ('b2', '元旦后', 'li.na', 'SH01', '1990-01-02'),
 ('b3', '三月生', 'li.na', 'SH01', '1985-03-06'), ('b4', '二月末', 'li.na', 'SH01', '1980-02-27');"
bdays() { echo "' '.join(r['customer'] + ':' + r['due'] + ':' + r['state'] for r in j['reminders'] if r['kind'] == 'birthday')"; }
expect_rc 0 "remind at 2027-02-27" $OUTPOST --db "$RM" --json remind --now "2027-02-27 12:00:00"
jcheck "Feb 29 on Feb 28 in 2027; today's birthday; 03-06 is 7 days on" "$(bdays)" \
	"二月末:2027-02-27:today 闰日生:2027-02-28:upcoming 三月生:2027-03-06:upcoming"
jcheck "age in the greeting" "[r['what'] for r in j['reminders'] if r['kind'] == 'birthday' and r['customer'] == '二月末'][0]" \
	"birthday greeting (turns 47)"
expect_rc 0 "remind at 2027-02-27, 6 days" $OUTPOST --db "$RM" --json remind --now "2027-02-27 12:00:00" --days 6
jcheck "03-06 is beyond 6 days" "$(bdays)" "二月末:2027-02-27:today 闰日生:2027-02-28:upcoming"
expect_rc 0 "remind at 2028-02-27 (leap year)" $OUTPOST --db "$RM" --json remind --now "2028-02-27 12:00:00" --days 2
jcheck "Feb 29 exists in 2028" "$(bdays)" "二月末:2028-02-27:today 闰日生:2028-02-29:upcoming"
expect_rc 0 "remind at 2026-12-28" $OUTPOST --db "$RM" --json remind --now "2026-12-28 12:00:00"
jcheck "year wrap: 01-02 of next year" "$(bdays)" "元旦后:2027-01-02:upcoming"
expect_rc 0 "remind as a table" $OUTPOST --db "$RM" remind --now "$NOW"
expect_out "table line: due, state, kind, who, what" 'overdue +enquiry +新客乙 +wang\.wei +first follow-up'
expect_rc 65 "bad --now" $OUTPOST --db "$RM" remind --now yesterday
expect_rc 65 "bad --days" $OUTPOST --db "$RM" remind --days -1

jfinish

echo "-- HTML report"
H=$T/report.html
expect_rc 0 "report html FILE" R report html "$H" $Q1
expect_rc 0 "report --html FILE" R report --html "$T/r2.html" $Q1
expect_eq "both spellings write the same page" \
	"$(grep -v '^<p>Generated' "$H" | md5sum)" "$(grep -v '^<p>Generated' "$T/r2.html" | md5sum)"
html=$(cat "$H")
case $html in *"<svg"*) ok "page has inline SVG";; *) bad "page has inline SVG";; esac
if grep -Eqi '(src|href)[[:space:]]*=[[:space:]]*"?(https?:)?//' "$H"; then bad "no external references"; else ok "no external references"; fi
if grep -Eqi 'https?://|<script|<link|<img' "$H"; then bad "self-contained (no URLs, scripts, links, images)"; else ok "self-contained (no URLs, scripts, links, images)"; fi
expect_eq "charts per section: rects drawn" "$(grep -c '<rect ' "$H" | awk '{print ($1 >= 30)}')" 1
case $html in *"罗马杆 &lt;b&gt;&amp;&quot;"*) ok "names escaped";; *) bad "names escaped";; esac
case $html in *"<b>&"*) bad "raw markup from data";; *) ok "no raw markup from data";; esac
case $html in *"李娜"*) ok "CJK staff names as UTF-8";; *) bad "CJK staff names as UTF-8";; esac
case $html in *"徐汇店"*) ok "CJK branch names as UTF-8";; *) bad "CJK branch names as UTF-8";; esac
expect_rc 73 "unwritable file" R report html "$T/no/such/dir/r.html"
expect_rc 0 "report html - (stdout)" R report html - $Q1
expect_out "stdout gets the page" '^<!DOCTYPE html>'

# Debian's chromium, when tools/deps.sh or the machine has it; never
# downloaded by the test.
CHR=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$CHR" ]; then
	skip 4 "chromium not installed: the 4 browser checks not run"
else
	flags="--headless --no-sandbox --disable-gpu --disable-background-networking --disable-component-update --disable-sync --no-first-run --user-data-dir=$T/chr"
	# A copy of the page with a script that measures what chromium laid
	# out: the boxes of the charts and their bars, as drawn, not as written.
	{ cat "$H"; cat <<'JS'
<script>var b = 0, s = 0, w = 0;
document.querySelectorAll("svg").forEach(function (g) {
  var r = g.getBoundingClientRect(); if (r.width > 0 && r.height > 0) s++; });
document.querySelectorAll("svg rect").forEach(function (e) {
  var r = e.getBoundingClientRect(); if (r.width >= 1 && r.height >= 1) { b++; w += r.width; } });
document.body.insertAdjacentHTML("beforeend", "<pre id=laid>" + s + " " + b + " " + Math.round(w) + "</pre>");
</script>
JS
	} >"$T/measure.html"
	timeout 60 "$CHR" $flags --dump-dom "file://$T/measure.html" >"$T/dom.html" 2>"$T/chr.err"
	n=$(sed -n 's|.*<pre id="laid">\([0-9 ]*\)</pre>.*|\1|p' "$T/dom.html")
	set -- $n
	if [ "${1:-0}" -ge 10 ] && [ "${2:-0}" -ge 30 ]; then
		ok "chromium lays the charts out ($1 svg boxes, $2 bars drawn, $3 px of bars)"
	else bad "chromium lays the charts out (got '$n')"; grep -v dbus "$T/chr.err" | head -5; fi
	px=${3:-0}
	ok_if '[ "$px" -ge 1000 ]' "the bars have width ($px px in all)"
	timeout 60 "$CHR" $flags --window-size=1000,2400 --screenshot="$T/shot.png" "file://$H" >/dev/null 2>&1
	ink=$(png_ink "$T/shot.png" 2>/dev/null)
	set -- $ink
	if [ "${1:-0}" -ge 4 ] && [ "${2:-0}" -ge 20000 ]; then
		ok "chromium screenshot shows the page ($1 colours, $2 pixels inked)"
		[ -n "${SHOT_TO:-}" ] && cp "$T/shot.png" "$SHOT_TO"
	else bad "chromium screenshot shows the page (got '$ink': blank or not a PNG)"; fi
	# the check itself: a blank page of the same size is refused
	printf '<!DOCTYPE html><body style="background:#fff"></body>' >"$T/blank.html"
	timeout 60 "$CHR" $flags --window-size=1000,2400 --screenshot="$T/blank.png" "file://$T/blank.html" >/dev/null 2>&1
	set -- $(png_ink "$T/blank.png" 2>/dev/null)
	inked=${2:--1}
	ok_if '[ "$inked" -eq 0 ]' "a blank page's screenshot counts as blank ($inked pixels inked)"
fi
done_testing
