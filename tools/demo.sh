#!/bin/sh
# demo.sh — `make demo`: an HQ and two branches on loopback. The branches
# work offline (customers, an order, a points top-up, the same customer
# edited at both), then sync; HQ shows the consolidated customers and the
# conflict, a manager resolves it, and the resolution reaches every branch.
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
O=$ROOT/bin/outpost
D=$ROOT/bin/outpostd
W=$(mktemp -d "${TMPDIR:-/tmp}/outpost-demo.XXXXXX")
HQPID=""
cleanup() { [ -n "$HQPID" ] && kill "$HQPID" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$W"; }
trap cleanup EXIT INT TERM
cd "$W"
say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
sync_branch() { timeout 60 "$D" --branch --db "$1.db" --connect "tcp://127.0.0.1:$PORT" --once --timeout 15 --log-level warning; }

say "set up: HQ and branches SH01 (Shanghai) and BJ01 (Beijing), with CURVE keys"
$O --db hq.db init --site HQ --hq
$O --db sh01.db init --site SH01
$O --db bj01.db init --site BJ01
for s in hq sh01 bj01; do $O --db $s.db keys init >/dev/null 2>&1; done
$O --db hq.db peer enrol SH01 "$(cat sh01.db.pub)"
$O --db hq.db peer enrol BJ01 "$(cat bj01.db.pub)"
$O --db sh01.db peer hq "$(cat hq.db.pub)"
$O --db bj01.db peer hq "$(cat hq.db.pub)"
$O --db hq.db product add --sku CUR-001 --name "遮光窗帘 blackout curtain" --price 1999.50 --category curtains >/dev/null
$O --db hq.db product add --sku ROD-002 --name "窗帘杆 curtain rod" --price 120 --category hardware >/dev/null
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
"$D" --hq --db hq.db --listen "tcp://127.0.0.1:$PORT" --log-level warning &
HQPID=$!
sleep 0.3
say "first sync: the catalogue reaches the branches"
sync_branch sh01; sync_branch bj01
$O --db sh01.db product list

say "network down: both branches keep working"
$O --db sh01.db customer add --name 张伟 --phone "138 0013 8000" --email zhangwei@example.cn --channel 门店 >/dev/null
$O --db sh01.db customer add --name 王芳 --phone 13912345678 >/dev/null
$O --db bj01.db customer add --name 李娜 --phone "+86 10 6552 9988" --channel 官网 >/dev/null
$O --db sh01.db order add --customer 13800138000 --item CUR-001:2 --item ROD-002:1 --payment wechat >/dev/null
echo "SH01: 2 customers and an order; BJ01: 1 customer"
say "sync, then both branches edit 张伟 while apart"
sync_branch sh01; sync_branch bj01; sync_branch sh01
$O --db sh01.db customer edit 13800138000 --email zw@shanghai.example.cn --add-points 50 >/dev/null
sleep 0.05
$O --db bj01.db customer edit 13800138000 --email zw@beijing.example.cn --add-points 30 >/dev/null
echo "SH01 sets email zw@shanghai…, +50 points; BJ01 sets email zw@beijing…, +30 points"
sync_branch sh01; sync_branch bj01; sync_branch sh01

say "HQ: every branch's customers, consolidated"
$O --db hq.db customer list
say "HQ: the orders (branch -> HQ only)"
$O --db hq.db order list
say "HQ: the concurrent edit was kept for review (points merged as a counter: 50 + 30)"
$O --db hq.db conflicts list
ID=$(sqlite3 hq.db "SELECT id FROM conflict WHERE resolved_at IS NULL LIMIT 1")
say "a manager at HQ keeps the Shanghai value; the resolution syncs like any change"
$O --db hq.db --as manager conflicts resolve "$ID" --keep lost
sync_branch sh01; sync_branch bj01
for s in hq sh01 bj01; do
	printf '%-5s %s\n' "$s" "$(sqlite3 $s.db "SELECT name || '  ' || email || '  points ' || points FROM customer WHERE phone = '+8613800138000'")"
done
say "sync status at HQ"
$O --db hq.db sync status
say "converged: every replica holds the same customers"
# tools/canon.sh: the SHA-256 of a canonical dump; one changed value
# anywhere changes it.
for s in hq sh01 bj01; do
	printf '%-5s %s customers, sha256 %s\n' "$s" "$(sqlite3 $s.db "SELECT count(*) FROM customer")" \
		"$(sh "$ROOT/tools/canon.sh" $s.db | cut -c1-16)"
done
