#!/bin/sh
# 75_campaigns.sh — segments, a coupon campaign with a hold-out group end to
# end, and whether it paid off. A generated fixture (python3, seeded):
# customers imported from a spreadsheet with a 免打扰 column, a segment by
# taste, a campaign with per-customer coupons and a 20% hold-out; the
# expected reach, hold-out, messages, redemptions, uplift and ROI are
# computed here from the generated data (the draw re-implemented in
# Python), never by asking outpost. The export is parsed back with
# Python's csv module. Then the refusals (coupons, templates, filters, a
# full disk), the minimum gap, a daily birthday campaign from remind, and
# who may do what.
. "$(dirname "$0")/lib.sh"
plan 128

HQ=$T/hq.db
BR=$T/store.db
O=$OUTPOST
expect_rc 0 "init hq" $O --db "$HQ" init --site HQ --hq
$O --db "$HQ" product add --sku SOFA-MJ --name 现代简约三人沙发 --price 500 --category 沙发 >/dev/null
$O --db "$HQ" product add --sku PIL-1 --name 抱枕 --price 20 --category 软装 >/dev/null
expect_rc 0 "init branch" $O init --site SH01
sql "$BR" "ATTACH '$HQ' AS hq; INSERT INTO product SELECT * FROM hq.product;
	INSERT INTO branch(code, name) VALUES ('SH01', '上海徐汇店')"

echo "-- the fixture: 120 customers from a spreadsheet"
python3 - "$T" <<'EOF'
import csv, sys
t = sys.argv[1]
with open(t + '/cust.csv', 'w', newline='', encoding='utf-8') as f:
    w = csv.writer(f)
    w.writerow(['姓名', '性别', '生日', '手机', '风格', '积分', '免打扰'])
    for i in range(120):
        name = '王,"小"明' if i == 0 else '客户%03d' % i
        g = ['男', '女', ''][i % 3]
        month = 11 if i % 4 == 0 else i % 12 + 1
        bd = '%d-%02d-%02d' % (1970 + i % 30, month, i % 28 + 1)
        phone = '' if i % 17 == 5 else '139%08d' % i
        style = '北欧' if i % 3 == 2 else '现代简约'
        dnc = '是' if i % 13 == 4 else ('否' if i % 2 else '')
        w.writerow([name, g, bd, phone, style, i * 10, dnc])
EOF
expect_rc 0 "import with a 免打扰 column" $O import customers "$T/cust.csv"
expect_out "all imported" '^imported 120 customers'
expect_eq "免打扰 mapped to no_contact" "$(sql "$BR" "SELECT count(*) FROM customer WHERE no_contact = 1")" \
	"$(python3 -c 'print(sum(1 for i in range(120) if i % 13 == 4))')"
sql "$BR" "SELECT id, name, coalesce(gender,''), coalesce(phone,''), coalesce(pref_style,''), points,
	coalesce(no_contact,0) FROM customer ORDER BY id" >"$T/cust.txt"

echo "-- segments"
expect_rc 0 "segment by taste" $O segment add 现代简约客户 --style 现代简约 --notes '新品沙发推荐'
expect_out "canonical filter" '^filter +style=现代简约$'
want_seg=$(python3 -c 'print(sum(1 for i in range(120) if i % 3 != 2))')
expect_rc 0 "segment count" $O --json segment count 现代简约客户
expect_eq "count is the members" "$(printf '%s' "$OUT" | python3 -c 'import json,sys; print(json.load(sys.stdin)["customers"])')" "$want_seg"
expect_rc 0 "customer list takes the same filters" $O --csv customer list --style 现代简约 --points-min 1000
expect_eq "style and points together" "$(printf '%s\n' "$OUT" | tail -n +2 | wc -l)" \
	"$(python3 -c 'print(sum(1 for i in range(120) if i % 3 != 2 and i * 10 >= 1000))')"
expect_rc 65 "unknown segment filter refused" $O segment add 坏 --filter 'style=北欧; colr=red'
expect_err "names the filter" "^outpost: unknown segment filter 'colr' \(known: class freq rfm"
expect_rc 65 "bad birthday range refused" $O segment add 坏 --birthday 12-40..01-01
expect_err "names the field" "^outpost: birthday: '12-40..01-01' is not a month-day range"
expect_rc 64 "an unknown option on customer list" $O customer list --colr red
expect_eq "no segment half-saved" "$(sql "$BR" "SELECT count(*) FROM segment")" 1

echo "-- a coupon campaign with a 20% hold-out"
TPL='{姓名}{称呼}您好, 现代简约新品沙发到店！
凭券码{券码}立减50元（满300），您的积分{积分}。{门店}'
expect_rc 0 "campaign add" $O campaign add 新品沙发 --segment 现代简约客户 --kind 新品 --channel 短信 \
	--template "$TPL" --starts 2026-11-01 --ends 2026-11-30 --cost 300 --cost-per 0.05 \
	--holdout 20% --seed 20261101 --coupon-value 50 --coupon-min 300
expect_out "kind canonical" '^kind +new-product$'
expect_out "seed stored" '^seed +20261101$'
expect_rc 0 "prepare" $O --json campaign prepare 新品沙发 --today 2026-11-01
printf '%s' "$OUT" >"$T/prep.json"
python3 - "$T" <<'EOF' >"$T/expect.txt"
import json, sys
t = sys.argv[1]
M = (1 << 64) - 1
def sm(x):
    x = (x + 0x9e3779b97f4a7c15) & M
    x = ((x ^ (x >> 30)) * 0xbf58476d1ce4e5b9) & M
    x = ((x ^ (x >> 27)) * 0x94d049bb133111eb) & M
    return x ^ (x >> 31)
def fnv(s):
    h = 0xcbf29ce484222325
    for b in s.encode():
        h = ((h ^ b) * 0x100000001b3) & M
    return h
rows = [l.rstrip('\n').split('|') for l in open(t + '/cust.txt', encoding='utf-8')]
members = [r for r in rows if '现代简约' in r[4]]
dnc = [r for r in members if r[6] == '1']
nophone = [r for r in members if r[6] != '1' and r[3] == '']
elig = [r for r in members if r[6] != '1' and r[3] != '']
held = [r for r in elig if sm(20261101 ^ fnv(r[0])) % 10000 < 2000]
sent = [r for r in elig if r not in held]
p = json.load(open(t + '/prep.json'))
got = (p['matched'], p['no_contact'], p['no_address'], p['holdout'], p['queued'], p['coupons'])
want = (len(members), len(dnc), len(nophone), len(held), len(sent), len(sent))
print('prep', got == want, got, want)
open(t + '/held.txt', 'w').write('\n'.join(r[0] for r in held) + '\n')
open(t + '/sent.txt', 'w').write('\n'.join(r[0] for r in sent) + '\n')
EOF
expect_eq "matched, do-not-contact, no phone, hold-out, queued, coupons as computed" \
	"$(sed -n 's/^prep \([A-Za-z]*\).*/\1/p' "$T/expect.txt")" True
sed -n 's/^prep //p' "$T/expect.txt"
expect_eq "the hold-out is exactly the customers the seeded draw picks" \
	"$(sql "$BR" "SELECT customer_id FROM campaign_outbox WHERE status = 'holdout' ORDER BY customer_id")" \
	"$(sort "$T/held.txt" | sed '/^$/d')"
expect_eq "the hold-out gets no message and no coupon" \
	"$(sql "$BR" "SELECT count(*) FROM campaign_outbox WHERE status = 'holdout' AND (message IS NOT NULL OR coupon_id IS NOT NULL)")" 0
expect_eq "coupons: one per contacted customer, valid in the window" \
	"$(sql "$BR" "SELECT count(DISTINCT customer_id) || ' ' || min(valid_from) || ' ' || max(valid_until) FROM coupon")" \
	"$(grep -c . "$T/sent.txt") 2026-11-01 2026-11-30"
expect_rc 0 "prepare again adds nobody" $O --json campaign prepare 新品沙发 --today 2026-11-02
expect_eq "nothing new (the skipped are skipped again)" "$(printf '%s' "$OUT" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["queued"], d["holdout"], d["matched"] == d["no_contact"] + d["no_address"])')" "0 0 True"

echo "-- export: UTF-8 with BOM, quoted, marked sent only when complete"
nqueued=$(sql "$BR" "SELECT count(*) FROM campaign_outbox WHERE status = 'queued'")
expect_rc 74 "a full disk fails the export" $O campaign export 新品沙发 /dev/full
expect_err "says so, and that nothing was marked" "nothing marked sent.*No space left on device"
expect_eq "nothing marked sent" "$(sql "$BR" "SELECT count(*) FROM campaign_outbox WHERE status = 'queued'")" "$nqueued"
expect_rc 74 "a missing directory fails too" $O campaign export 新品沙发 "$T/no/such/dir/out.csv"
expect_eq "still nothing marked" "$(sql "$BR" "SELECT count(*) FROM campaign_outbox WHERE status = 'queued'")" "$nqueued"
if [ "$(id -u)" != 0 ]; then
	mkdir "$T/ro" && chmod 555 "$T/ro"
	expect_rc 74 "a read-only directory fails too" $O campaign export 新品沙发 "$T/ro/out.csv"
	expect_eq "and marks nothing" "$(sql "$BR" "SELECT count(*) FROM campaign_outbox WHERE status = 'queued'")" "$nqueued"
else
	skip 2 "root writes into read-only directories"
fi
expect_eq "no temporary file left behind" "$(ls "$T" | grep -c tmp)" 0
expect_rc 0 "export" $O campaign export 新品沙发 "$T/out.csv"
expect_err "says how many" "^outpost: $nqueued message\(s\) written to .*out.csv and marked sent$"
expect_eq "every queued row is sent" "$(sql "$BR" "SELECT count(*) FROM campaign_outbox WHERE status = 'sent'")" "$nqueued"
python3 - "$T" "$BR" <<'EOF' >"$T/csv.txt"
import csv, sqlite3, sys
t, db = sys.argv[1], sys.argv[2]
raw = open(t + '/out.csv', 'rb').read()
print('bom', raw[:3] == b'\xef\xbb\xbf')
rows = list(csv.reader(open(t + '/out.csv', encoding='utf-8-sig', newline='')))
print('header', rows[0] == ['客户编号', '姓名', '联系方式', '内容', '券码', '活动', '渠道'])
body = rows[1:]
sent = set(l.strip() for l in open(t + '/sent.txt') if l.strip())
print('ids', set(r[0] for r in body) == sent and len(body) == len(sent))
con = sqlite3.connect(db)
cust = {r[0]: r for r in con.execute('SELECT id, name, gender, phone, points FROM customer')}
code = dict(con.execute('SELECT customer_id, code FROM coupon'))
ok = True
for r in body:
    c = cust[r[0]]
    title = {'male': '先生', 'female': '女士'}.get(c[2], '')
    msg = ('%s%s您好, 现代简约新品沙发到店！\n凭券码%s立减50元（满300），您的积分%d。上海徐汇店'
           % (c[1], title, code[r[0]], c[4]))
    if r[1:] != [c[1], c[3], msg, code[r[0]], '新品沙发', 'sms']:
        ok = False
        print('row', r, msg)
print('rows', ok)
wang = [k for k, v in cust.items() if v[1] == '王,"小"明'][0]
print('quoted', ('王,"小"明' in [r[1] for r in body]) == (wang in sent) and
      ('"王,""小""明"'.encode() in raw) == (wang in sent))
EOF
for k in bom header ids rows quoted; do
	expect_eq "csv: $k" "$(sed -n "s/^$k //p" "$T/csv.txt")" True
done
expect_eq "the export is in the access audit" \
	"$(sql "$BR" "SELECT what || ' ' || rows FROM access_log ORDER BY rowid DESC LIMIT 1")" "campaign export 新品沙发 $nqueued"
expect_rc 0 "a second export has nothing left" $O campaign export 新品沙发 "$T/again.csv"
expect_eq "just the header" "$(tail -n +2 "$T/again.csv" | wc -l)" 0

echo "-- responses, orders and coupons in the window"
python3 - "$T" "$BR" <<'EOF' >"$T/plan.sh"
import sqlite3, sys
t, db = sys.argv[1], sys.argv[2]
con = sqlite3.connect(db)
phone = dict(con.execute('SELECT id, phone FROM customer'))
code = dict(con.execute('SELECT customer_id, code FROM coupon'))
sent = sorted(l.strip() for l in open(t + '/sent.txt') if l.strip())
held = sorted(l.strip() for l in open(t + '/held.txt') if l.strip())
price = {'SOFA-MJ': 50000, 'PIL-1': 2000}
orders = []   # (group, customer, date, sku, qty, coupon, counted)
for k, c in enumerate(sent):
    if k % 3 == 0:
        orders.append(('sent', c, '2026-11-10', 'SOFA-MJ', 1, code[c], True))
    elif k % 5 == 1:
        orders.append(('sent', c, '2026-11-12', 'PIL-1', 3, None, True))
for k, c in enumerate(held):
    if k % 4 == 0:
        orders.append(('held', c, '2026-11-15', 'PIL-1', 2, None, True))
orders.append(('sent', sent[1], '2026-12-05', 'SOFA-MJ', 1, None, False))   # after the window
orders.append(('held', held[1], '2026-10-20', 'SOFA-MJ', 1, None, False))   # before it
resp = [c for k, c in enumerate(sent) if k % 4 == 1]
for g, c, d, sku, q, cp, counted in orders:
    print('$O order add --customer %s --item %s:%d --date %s%s >/dev/null || echo FAILED'
          % (phone[c], sku, q, d, ' --coupon ' + cp if cp else ''))
# one more order in the window, cancelled: never counted
print('$O order add --customer %s --item SOFA-MJ:1 --date 2026-11-20 >/dev/null || echo FAILED' % phone[sent[2]])
print('no=$(sqlite3 "$OUTPOST_DB" "SELECT order_no FROM sales_order ORDER BY rowid DESC LIMIT 1")')
print('$O order status "$no" cancelled >/dev/null || echo FAILED')
for c in resp:
    print('$O campaign record 新品沙发 %s --response 回复 >/dev/null || echo FAILED' % phone[c])
print('$O campaign record 新品沙发 %s --response 退订 --notes "不要再发" >/dev/null || echo FAILED' % phone[sent[3]])
def grp(name):
    return [o for o in orders if o[0] == name and o[6]]
def stat(name, members):
    os_ = grp(name)
    sales = sum(price[o[3]] * o[4] - (5000 if o[5] else 0) for o in os_)
    responded = len(set(resp) | {sent[3]}) if name == 'sent' else 0
    return dict(customers=len(members), responded=responded,
                redeemed=len({o[1] for o in os_ if o[5]}), buyers=len({o[1] for o in os_}),
                orders=len(os_), sales=sales / 100)
s, h = stat('sent', sent), stat('held', held)
cost = 30000 + 5 * len(sent)
up = s['sales'] * 100 / len(sent) - h['sales'] * 100 / len(held)
inc = up * len(sent)
net = inc - cost
with open(t + '/want.txt', 'w') as f:
    for k in ('customers', 'responded', 'redeemed', 'buyers', 'orders', 'sales'):
        f.write('sent_%s %s\nheld_%s %s\n' % (k, s[k], k, h[k]))
    f.write('cost %.2f\nuplift %.2f\nincremental %.2f\nnet %.2f\nroi %.1f\ndiscount %.2f\n'
            % (cost / 100, up / 100, inc / 100, net / 100, 100 * net / cost,
               50 * s['redeemed']))
EOF
norders=$(sql "$BR" "SELECT count(*) FROM sales_order")
O=$O sh -c ". '$T/plan.sh'" >"$T/plan.out" 2>&1
expect_eq "the planned orders, cancellations and responses all went in" "$(grep -c FAILED "$T/plan.out")" 0
expect_eq "opt-out set do-not-contact" "$(sql "$BR" "SELECT count(*) FROM customer WHERE no_contact = 1")" \
	"$(python3 -c 'print(sum(1 for i in range(120) if i % 13 == 4) + 1)')"

echo "-- coupon refusals"
n0=$(sql "$BR" "SELECT count(*) FROM sales_order")
read -r c1 p1 c2 p2 <<EOT
$(sql "$BR" "SELECT group_concat(x, ' ') FROM (SELECT p.code || ' ' || u.phone AS x FROM coupon p
	JOIN customer u ON u.id = p.customer_id WHERE NOT EXISTS (SELECT 1 FROM coupon_redemption r
	WHERE r.coupon_id = p.id) ORDER BY p.code LIMIT 2)")
EOT
used=$(sql "$BR" "SELECT p.code || ' ' || u.phone FROM coupon_redemption r JOIN coupon p ON p.id = r.coupon_id
	JOIN customer u ON u.id = r.customer_id ORDER BY p.code LIMIT 1")
expect_rc 65 "a used code refused" $O order add --customer "${used#* }" --item SOFA-MJ:1 --date 2026-11-11 --coupon "${used% *}"
expect_err "says where it was used" "^outpost: coupon: ${used% *} was already used on order SH01-[0-9]{8}-[0-9]{4} \("
expect_rc 65 "another customer's code refused" $O order add --customer "$p2" --item SOFA-MJ:1 --date 2026-11-11 --coupon "$c1"
expect_err "names the reason" "^outpost: coupon: $c1 belongs to another customer$"
expect_rc 65 "below the minimum spend refused" $O order add --customer "$p1" --item PIL-1:1 --date 2026-11-11 --coupon "$c1"
expect_err "names both amounts" "^outpost: coupon: $c1 needs a minimum spend of 300.00; this order comes to 20.00$"
expect_rc 65 "an expired code refused" $O order add --customer "$p1" --item SOFA-MJ:1 --date 2026-12-01 --coupon "$c1"
expect_err "names the last day" "^outpost: coupon: $c1 expired on 2026-11-30$"
expect_rc 66 "an unknown code refused" $O order add --customer "$p1" --item SOFA-MJ:1 --coupon NOSUCH99
expect_rc 65 "a malformed code refused" $O order add --customer "$p1" --item SOFA-MJ:1 --coupon '券'
expect_eq "no refused order was saved" "$(sql "$BR" "SELECT count(*) FROM sales_order")" "$n0"
expect_rc 0 "coupon check says what it takes off" $O coupon check "$c1" --customer "$p1" --amount 400 --date 2026-11-11
expect_out "50 off" '^discount +50\.00$'
expect_rc 0 "a shared code" $O coupon add --code VIP-2026 --value 10% --until 2026-12-31 --from 2026-11-01
expect_out "shared" '^customer +shared$'
# (after the campaign's window: these orders do not count in its report)
expect_rc 0 "used by one customer" $O order add --customer "$p1" --item PIL-1:5 --date 2026-12-10 --coupon vip-2026
expect_out "10% of 100.00 off" '^total +90\.00$'
expect_rc 0 "and by another" $O order add --customer "$p2" --item PIL-1:5 --date 2026-12-10 --coupon VIP-2026
expect_rc 65 "but once per customer" $O order add --customer "$p1" --item PIL-1:5 --date 2026-12-11 --coupon VIP-2026
expect_rc 65 "a duplicate code refused" $O coupon add --code vip-2026 --value 5 --until 2026-12-31
expect_err "names it" "^outpost: code: VIP-2026 is already a coupon$"
expect_rc 65 "a bad value refused" $O coupon add --value 120% --until 2026-12-31
expect_err "names the field" "^outpost: value: 120%"

echo "-- did it pay off"
expect_rc 0 "report campaign" $O --json report campaign 新品沙发
printf '%s' "$OUT" | python3 -c '
import json, sys
d = json.load(sys.stdin)
s, g = d["summary"], {x["group"]: x for x in d["groups"]}
for k in ("customers", "responded", "redeemed", "buyers", "orders", "sales"):
    print("sent_%s %s" % (k, g["contacted"][k]))
    print("held_%s %s" % (k, g["holdout"][k]))
print("cost %.2f" % s["cost"])
print("uplift %.2f" % s["uplift_per_customer"])
print("incremental %.2f" % s["incremental_sales"])
print("net %.2f" % s["net"])
print("roi %.1f" % s["roi_pct"])
print("discount %.2f" % s["coupon_discount"])
' >"$T/got.txt"
while read -r k v; do
	expect_eq "report: $k" "$(sed -n "s/^$k //p" "$T/got.txt")" "$v"
done <"$T/want.txt"
expect_rc 0 "the table for people" $O report campaign 新品沙发
expect_out "contacted row" '^contacted +[0-9]+ '
expect_out "hold-out row" '^holdout +[0-9]+ '

echo "-- templates refused at campaign add"
expect_rc 65 "an unknown placeholder refused" $O campaign add 坏 --segment 现代简约客户 --kind promotion \
	--channel sms --template '{姓名}您好，{名字}'
expect_err "names it" "^outpost: template: unknown placeholder \{名字\} \(known: \{姓名\} \{称呼\} \{积分\} \{券码\} \{门店\}\)$"
printf '您好\000{姓名}' >"$T/nul.txt"
expect_rc 65 "a NUL byte in a template file refused" $O campaign add 坏 --segment 现代简约客户 \
	--kind promotion --channel sms --template-file "$T/nul.txt"
expect_err "names it" "^outpost: template: contains a NUL byte at offset 6$"
expect_rc 65 "{券码} without a coupon refused" $O campaign add 坏 --segment 现代简约客户 --kind promotion \
	--channel sms --template '券码{券码}'
expect_rc 65 "an unknown segment refused" $O campaign add 坏 --segment 无此分组 --kind promotion \
	--channel sms --template 'hi'
expect_err "names it" "^outpost: segment: no segment named 无此分组"
expect_rc 65 "an unknown kind refused" $O campaign add 坏 --segment 现代简约客户 --kind spam --channel sms --template hi
expect_err "names the field" "^outpost: kind: "
expect_eq "none saved" "$(sql "$BR" "SELECT count(*) FROM campaign")" 1

echo "-- the minimum gap between messages"
expect_rc 0 "a second campaign to the same segment" $O campaign add 会员日 --segment 现代简约客户 \
	--kind 会员日 --channel 短信 --template '{姓名}{称呼}，会员日全场9折' --starts 2026-11-01 \
	--ends 2100-12-31 --min-gap 7
expect_rc 0 "prepared two days after the first was sent" $O --json campaign prepare 会员日 --today "$(date -u +%Y-%m-%d)"
expect_eq "everyone messaged in the last 7 days is skipped" \
	"$(printf '%s' "$OUT" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["recent"])')" \
	"$(sql "$BR" "SELECT count(*) FROM campaign_outbox x JOIN customer c ON c.id = x.customer_id
		WHERE x.status = 'sent' AND coalesce(c.no_contact, 0) = 0")"

echo "-- a birthday greeting from remind, every day"
expect_rc 0 "a birthday segment" $O segment add 本周生日 --birthday-within 6
expect_rc 0 "an auto campaign" $O campaign add 生日祝福 --segment 本周生日 --kind 生日 --channel 短信 \
	--template '{姓名}{称呼}，祝您生日快乐！{门店}' --starts 2026-11-01 --ends 2026-12-31 --min-gap 0 --auto
# customers whose birthday falls in the 7 days from each date given, who
# have a phone and may be contacted (read from the store as it is now)
bday() { python3 - "$BR" "$@" <<'EOF'
import datetime, sqlite3, sys
w = set()
for s in sys.argv[2:]:
    d = datetime.date.fromisoformat(s)
    w |= {(d + datetime.timedelta(n)).strftime('%m-%d') for n in range(7)}
con = sqlite3.connect(sys.argv[1])
print(sum(1 for b, p, n in con.execute('SELECT birthday, phone, no_contact FROM customer')
          if b and b[5:] in w and p and n != 1))
EOF
}
nbday=$(bday 2026-11-20)
expect_rc 0 "remind prepares it" $O remind --now '2026-11-20 09:00:00'
expect_err "and says so" "campaign 生日祝福: $nbday message\\(s\\) prepared, 0 held out"
expect_rc 0 "remind the next day" $O remind --now '2026-11-21 09:00:00'
expect_eq "adds only the day that came into the window" \
	"$(sql "$BR" "SELECT count(*) FROM campaign_outbox x JOIN campaign m ON m.id = x.campaign_id WHERE m.name = '生日祝福'")" \
	"$(bday 2026-11-20 2026-11-21)"
expect_rc 0 "the greeting renders" $O campaign outbox 生日祝福 --status queued
expect_out "name, title and store" '祝您生日快乐！上海徐汇店'

echo "-- the do-not-contact flag at the counter and in other sheets"
expect_rc 0 "customer edit --no-contact yes" $O customer edit 13900000007 --no-contact 是
expect_eq "set" "$(sql "$BR" "SELECT no_contact FROM customer WHERE phone = '+8613900000007'")" 1
expect_rc 0 "and no again" $O customer edit 13900000007 --no-contact no
printf '姓名,手机,拒绝营销\n赵六,13600136000,是\n' >"$T/dnc.csv"
expect_rc 0 "a 拒绝营销 column imports as do-not-contact" $O import customers "$T/dnc.csv"
expect_eq "both edits and the import" \
	"$(sql "$BR" "SELECT no_contact FROM customer WHERE phone = '+8613900000007'") $(sql "$BR" "SELECT no_contact FROM customer WHERE phone = '+8613600136000'")" "0 1"

echo "-- who may do what"
$O staff add --code boss --name 老板 --role admin >/dev/null
env OUTPOST_NEW_PIN=1111 $O staff passwd boss >/dev/null
export OUTPOST_PIN=1111
$O --as boss staff add --code mgr --name 店长 --role manager --branch SH01 >/dev/null
$O --as boss staff add --code li.na --name 李娜 --role sales --branch SH01 >/dev/null
for s in mgr li.na; do env OUTPOST_NEW_PIN=1111 $O --as boss staff passwd $s >/dev/null; done
mine=$(sql "$BR" "SELECT c.phone FROM campaign_outbox x JOIN customer c ON c.id = x.customer_id
	JOIN campaign m ON m.id = x.campaign_id WHERE m.name = '生日祝福' ORDER BY c.id LIMIT 1")
other=$(sql "$BR" "SELECT c.phone FROM campaign_outbox x JOIN customer c ON c.id = x.customer_id
	JOIN campaign m ON m.id = x.campaign_id WHERE m.name = '生日祝福' ORDER BY c.id DESC LIMIT 1")
sql "$BR" "UPDATE customer SET owner = 'li.na' WHERE phone = '$mine'"
expect_rc 77 "sales may not define a segment" $O --as li.na segment add 我的 --style 北欧
expect_rc 77 "nor prepare" $O --as li.na campaign prepare 生日祝福
expect_rc 77 "nor export" $O --as li.na campaign export 生日祝福 "$T/x.csv"
expect_err "names who may" "needs the role manager, hq or admin"
expect_rc 0 "sales record their own customer's response" $O --as li.na campaign record 生日祝福 "$mine" --response visited
expect_rc 77 "but not another's" $O --as li.na campaign record 生日祝福 "$other" --response visited
expect_err "says whose" "is not yours"
expect_rc 0 "a manager exports" $O --as mgr campaign export 生日祝福 "$T/bday.csv"
expect_eq "the audit names the manager" "$(sql "$BR" "SELECT staff || ' ' || what FROM access_log ORDER BY rowid DESC LIMIT 1")" \
	"mgr campaign export 生日祝福"
done_testing
