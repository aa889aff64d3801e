#!/bin/sh
# bench_web.sh — `outpost serve` page times, run by `make bench`
# (tools/bench.sh web): a branch store of W customers (100,000 unless
# OUTPOST_WEB_N) and the real server on loopback, signed in as the
# branch's manager (who sees every customer of the branch: the largest
# search). R requests (200 unless OUTPOST_WEB_R) of each kind, one after
# another, timed by curl (time_total, the request as the browser makes it):
#
#   search     /customers/rows?q=... — what search-as-you-type fetches per
#              keystroke, per kind (1-2 and 3+ Han characters, pinyin,
#              initials, Han mixed with pinyin, phone digits), then all
#              kinds mixed. Target: p95 <= 50 ms.
#   today      /today — the reminders of the day over the whole store
#              (OUTPOST_WEB_TODAY_R requests, 20 unless set: it reads every
#              customer, about a second each on a loaded machine).
#   card       /customer?id=... — a customer's card.
#
# p50 and p95 per kind, and the server's peak RSS (VmHWM from
# /proc/PID/status) after all of them.
#   tools/bench_web.sh BIN_DIR
set -u
bin=${1:?usage: tools/bench_web.sh BIN_DIR}
O=$bin/outpost
W=${OUTPOST_WEB_N:-100000}
R=${OUTPOST_WEB_R:-200}
dir=$(mktemp -d "${TMPDIR:-/tmp}/outpost-bench-web.XXXXXX") || exit 1
SERVE=
trap '[ -n "$SERVE" ] && kill $SERVE 2>/dev/null; rm -rf "$dir"' EXIT
export OUTPOST_DB=$dir/store.db
unset OUTPOST_AS OUTPOST_PIN

$O init --site SH01 >/dev/null || exit 1
$O staff add --code boss --name 老板 --role admin >/dev/null &&
	OUTPOST_NEW_PIN=2468 $O staff passwd boss >/dev/null &&
	OUTPOST_PIN=2468 $O --as boss staff add --code mgr --name 店长 --role manager >/dev/null &&
	OUTPOST_PIN=2468 OUTPOST_NEW_PIN=1234 $O --as boss staff passwd mgr >/dev/null || exit 1
start=$(date +%s)
# W customers with Chinese names (surname + one or two given characters),
# unique mobile numbers, owners among 20 salespeople, registered over the
# last three years (so 今日 has a day's share of new enquiries, not all
# of them) with a birthday each; through the stock sqlite3 shell,
# journaled and indexed by the store's own triggers.
sqlite3 -batch "$OUTPOST_DB" "
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $W),
s(x) AS (SELECT '王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈'),
g(x) AS (SELECT '伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红丹玲建国文辉鹏宇浩然晨雪梅')
INSERT INTO customer(name, phone, owner, home_branch, created_at, birthday)
SELECT substr(s.x, 1 + i % 50, 1) || substr(g.x, 1 + (i / 50) % 40, 1)
       || CASE WHEN i % 3 THEN substr(g.x, 1 + (i / 7) % 40, 1) ELSE '' END,
       '+86138' || printf('%08d', i), 'sales' || (i % 20), 'SH01',
       datetime('now', '-' || (i % 1095) || ' days', '-' || (i % 86400) || ' seconds'),
       date('1960-01-01', '+' || (i % 14600) || ' days')
  FROM n, s, g;" || exit 1
echo "== web: $W customers made in $(($(date +%s) - start)) s; $R requests of each kind (今日: ${OUTPOST_WEB_TODAY_R:-20})"

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
$O serve --listen 127.0.0.1:$port >"$dir/serve.out" 2>"$dir/serve.err" &
SERVE=$!
U=http://127.0.0.1:$port
i=0
until curl -s -o /dev/null "$U/login"; do
	i=$((i + 1)); [ $i -lt 100 ] || { echo "bench web: serve did not start" >&2; cat "$dir/serve.err" >&2; exit 1; }
	sleep 0.1
done
J=$dir/jar
tok=$(curl -s -c "$J" -b "$J" "$U/login" | sed -n 's/.*name="csrf" value="\([^"]*\)".*/\1/p' | head -1)
code=$(curl -s -o /dev/null -w '%{http_code}' -c "$J" -b "$J" --data-urlencode "csrf=$tok" \
	-d code=mgr -d pin=1234 "$U/login")
[ "$code" = 303 ] || { echo "bench web: sign-in failed ($code)" >&2; exit 1; }

# times (ms, one a line) of ${2:-R} requests of the paths in file $1, cycled
timed() {
	n=0 want=${2:-$R}
	while [ $n -lt $want ]; do
		while IFS= read -r path && [ $n -lt $want ]; do
			curl -s -o /dev/null -b "$J" -w '%{http_code} %{time_total}\n' "$U$path"
			n=$((n + 1))
		done <"$1"
	done | awk '$1 != 200 { bad++ } { printf "%.2f\n", $2 * 1000 } END { if (bad) exit 1 }' \
		>"$dir/times" || { echo "bench web: a request failed" >&2; return 1; }
}
# p50 p95 of the times
pct() {
	sort -n "$dir/times" | awk '{ v[NR] = $1 } END { i50 = int(NR * 0.50 + 0.5); i95 = int(NR * 0.95 + 0.5);
		if (i50 < 1) i50 = 1; if (i95 < 1) i95 = 1; printf "p50 %.1f ms  p95 %.1f ms", v[i50], v[i95] }'
}
p95() { sort -n "$dir/times" | awk '{ v[NR] = $1 } END { i = int(NR * 0.95 + 0.5); if (i < 1) i = 1; print v[i] }'; }

# what a clerk types, a keystroke at a time, per kind of query: Han
# characters (1-2, then 3+), pinyin, initials, Han mixed with pinyin, and
# phone digits; then all of them together, the search-as-you-type figure
enc() { python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1]))' "$1"; }
kind() {
	f=$dir/search.$1; shift
	for q in "$@"; do echo "/customers/rows?q=$(enc "$q")"; done >"$f"
	cat "$f" >>"$dir/search"
}
: >"$dir/search"
kind han12 张 张伟 王 王芳 刘 刘涛 李娜 陈静 周 周杰 曾 曾华 伟 明
kind han3 张伟明 王芳芳 刘涛明 周杰伦
kind pinyin z zh zha zhan zhang zhangw zhangwei w wa wang wangf zeng zengh
kind initials zw wf lt zj zh cj ln
kind mixed 张w 张wei 王f 王fang 曾h 李n
kind digits 1 13 138 1380 138000 13800012 1380001234
for k in han12 han3 pinyin initials mixed digits; do
	timed "$dir/search.$k" || exit 1
	printf '   search %-9s %s\n' "$k:" "$(pct)"
done
timed "$dir/search" || exit 1
sp95=$(p95)
echo "   search as you type: $(pct) (all kinds; target p95 <= 50 ms: $(awk -v p="$sp95" 'BEGIN { print (p <= 50) ? "met" : "MISSED" }'))"
echo "/today" >"$dir/today"
timed "$dir/today" "${OUTPOST_WEB_TODAY_R:-20}" || exit 1
echo "   今日 (/today):        $(pct) (${OUTPOST_WEB_TODAY_R:-20} requests)"
sqlite3 -batch "$OUTPOST_DB" "SELECT '/customer?id=' || id FROM customer ORDER BY random() LIMIT 50" >"$dir/cards"
timed "$dir/cards" || exit 1
echo "   customer card:      $(pct)"
echo "   load: $(cat /proc/loadavg)"
echo "   server peak RSS: $(awk '/VmHWM/ { printf "%.1f MiB", $2 / 1024 }' /proc/$SERVE/status)"
