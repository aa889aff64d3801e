# 85_web.sh — `outpost serve`: a clerk's morning in a real browser
# (web_morning.js: headless Debian Chromium via puppeteer-core from npm,
# installed into the build tree by tools/webtest_deps.sh), then what a
# browser does not show: the cookie's flags, CSRF refusals, a salesperson
# opening another's customer by URL, escaping, malformed forms, and the
# limit on wrong PINs (last: it locks the client address out).
. "$(dirname "$0")/lib.sh"
BROWSER_CHECKS=20
plan $((BROWSER_CHECKS + 68))
O=$OUTPOST
# screenshots: the test's directory, or OUTPOST_WEB_SHOTS to keep them
SHOTS=${OUTPOST_WEB_SHOTS:-$T/screenshots}
NODE_DIR=${OUTPOST_NODE_DIR:-$(cd "$BIN/.." && pwd)/build}
[ -d "$(cd "$BIN/.." && pwd)/build-san" ] && [ "$(basename "$(dirname "$BIN")")" = build-san ] &&
	NODE_DIR=$(dirname "$BIN")
mkdir -p "$SHOTS"

$O init --site SH01 >/dev/null
$O staff add --code boss --name 老板 --role admin >/dev/null
OUTPOST_NEW_PIN=2468 $O staff passwd boss >/dev/null
export OUTPOST_PIN=2468
$O --as boss staff add --code li.na --name 李娜 --role sales >/dev/null
$O --as boss staff add --code wang --name 王强 --role sales >/dev/null
$O --as boss staff add --code mgr --name 店长 --role manager >/dev/null
for s in li.na wang mgr; do OUTPOST_NEW_PIN=1234 $O --as boss staff passwd $s >/dev/null; done
export OUTPOST_PIN=1234
$O --as li.na customer add --name 周芷若 --phone 13911112222 >/dev/null
$O --as wang customer add --name 张无忌 --phone 13633334444 --notes 王强的秘密备注 >/dev/null
sql "$OUTPOST_DB" "INSERT INTO product(sku, name, price) VALUES ('CUR-001', '遮光窗帘', 28000)"
for k in 2 3 4 5; do
	sql "$OUTPOST_DB" "INSERT INTO product(sku, name, price) VALUES ('CUR-00$k', '纱帘 $k', ${k}000)"
done
WANGS=$(sql "$OUTPOST_DB" "SELECT id FROM customer WHERE name = '张无忌'")
unset OUTPOST_PIN

PORT=$(free_port)
OUTPOST_WEB_LOCK_SECONDS=600 $O serve --listen 127.0.0.1:$PORT >"$T/serve.out" 2>"$T/serve.err" &
SERVE=$!
track $SERVE
U=http://127.0.0.1:$PORT
wait_listening $PORT $SERVE
expect_eq "serve says where it listens" "$(grep -c "outpost serve: $U/" "$T/serve.out")" 1

# --- refusals of the command itself
expect_rc 64 "a non-loopback address needs --public" $O serve --listen 0.0.0.0:0
expect_err "and says why" "not a loopback address.*--public"
expect_rc 64 "a bad --listen" $O serve --listen nowhere
expect_rc 65 "a bad --idle" $O serve --idle 0

# --- the browser
if sh "$ROOT/tools/webtest_deps.sh" "$NODE_DIR" 2>"$T/deps.err"; then
	ok "puppeteer-core is installed in $NODE_DIR"
	node "$ROOT/tests/e2e/web_morning.js" "$NODE_DIR/node_modules" "$U" "$OUTPOST_DB" "$SHOTS" \
		>"$T/browser.out" 2>"$T/browser.err"
	n=0
	while IFS= read -r line; do
		case $line in
		"ok "*) n=$((n + 1)); ok "browser: ${line#ok }" ;;
		"not ok "*) n=$((n + 1)); bad "browser: ${line#not ok }" ;;
		esac
	done <"$T/browser.out"
	sed 's/^/       /' "$T/browser.err" | head -20
	while [ $n -lt $BROWSER_CHECKS ]; do n=$((n + 1)); bad "browser check $n never ran"; done
	[ $n -eq $BROWSER_CHECKS ] || plan_more $((n - BROWSER_CHECKS))
else
	bad "puppeteer-core could not be installed (npm registry unreachable?)"
	sed 's/^/       /' "$T/deps.err"
	n=0
	while [ $n -lt $BROWSER_CHECKS ]; do n=$((n + 1)); bad "browser check $n never ran"; done
fi
expect_eq "screenshots of every page" \
	"$(ls "$SHOTS" 2>/dev/null | grep -cE '^(login|customers|register-error|card|ticket|today|reports|sync)\.png$')" 8

# --- HTTP, with curl: the cookie, CSRF, scope, escaping
J=$T/jar
csrf_of() { sed -n 's/.*name="csrf" value="\([^"]*\)".*/\1/p' | head -1; }
signin() {	# signin CODE PIN: a fresh cookie jar signed in as CODE
	rm -f "$J"
	tok=$(curl -s -c "$J" -b "$J" "$U/login" | csrf_of)
	curl -s -o /dev/null -w '%{http_code}' -c "$J" -b "$J" --data-urlencode "csrf=$tok" \
		--data-urlencode "code=$1" --data-urlencode "pin=$2" "$U/login"
}
run curl -s -D - -o /dev/null "$U/login"
expect_out "the session cookie is HttpOnly and SameSite=Strict" \
	"Set-Cookie: op_sess=[A-Za-z0-9_-]{43}; Path=/; HttpOnly; SameSite=Strict"
expect_out "pages forbid inline script and other origins" \
	"Content-Security-Policy: default-src 'none'; script-src 'self'"
run curl -s -o /dev/null -w '%{http_code} %{redirect_url}' "$U/today"
expect_eq "today without a session asks to sign in" "$OUT" "303 $U/login"
expect_eq "li.na signs in" "$(signin li.na 1234)" 303
TOK=$(curl -s -c "$J" -b "$J" "$U/customer/new" | csrf_of)
ok_if '[ ${#TOK} -eq 43 ]' "the form carries a 43-character CSRF token"

run curl -s -o /dev/null -w '%{http_code}' -c "$J" -b "$J" --data-urlencode 'name=无令牌' "$U/customer/new"
expect_eq "a form POSTed without its CSRF token is refused" "$OUT" 403
run curl -s -o /dev/null -w '%{http_code}' -c "$J" -b "$J" --data-urlencode 'name=假令牌' \
	--data-urlencode "csrf=${TOK%?}x" "$U/customer/new"
expect_eq "a wrong CSRF token is refused" "$OUT" 403
expect_eq "neither saved anything" "$(sql "$OUTPOST_DB" "SELECT count(*) FROM customer WHERE name IN ('无令牌', '假令牌')")" 0
run curl -s -o /dev/null -w '%{http_code}' -b "$J" "$U/logout"
expect_eq "sign-out is POST only (a GET is 405)" "$OUT" 405

run curl -s -w '\n%{http_code}' -c "$J" -b "$J" "$U/customer?id=$WANGS"
expect_out "li.na opening wang's customer by URL gets 404" '^404$'
expect_no_out "and sees nothing of the row (name)" "张无忌"
expect_no_out "nor the notes" "王强的秘密备注"
run curl -s -c "$J" -b "$J" "$U/customers/rows?q=%E5%BC%A0%E6%97%A0"
expect_no_out "her search does not find wang's customer" "张无忌"
run curl -s -c "$J" -b "$J" "$U/customers/rows?q=zhouzhiruo"
expect_out "her search finds 周芷若 by pinyin" "周芷若"
run curl -s -c "$J" -b "$J" "$U/customers/rows?q=%E5%91%A8z"
expect_out "and by Han mixed with pinyin (周z)" "周芷若"
run curl -s -c "$J" -b "$J" "$U/customers/rows?q=zwj"
expect_no_out "initials do not find wang's 张无忌 for her" "张无忌"
run curl -s -c "$J" -b "$J" "$U/customers/rows?q=zhangwuji"
expect_no_out "nor does his name in pinyin" "张无忌"
expect_eq "wang's customer is found by its initials for the admin" \
	"$(env OUTPOST_PIN=2468 $O --as boss --csv customer search zwj 2>/dev/null | tail -n +2 | cut -d, -f2)" 张无忌
run curl -s -c "$J" -b "$J" "$U/customers/rows?q=1391111"
expect_out "her phone digits find 周芷若" "周芷若"
run curl -s -o /dev/null -w '%{http_code}' -c "$J" -b "$J" --data-urlencode "csrf=$TOK" \
	--data-urlencode "customer=$WANGS" --data-urlencode "problem=冒充" "$U/ticket/new"
expect_eq "nor open a ticket on wang's customer by posting its id" "$OUT" 404
expect_eq "no ticket was written" "$(sql "$OUTPOST_DB" "SELECT count(*) FROM ticket WHERE problem = '冒充'")" 0

run curl -s -o /dev/null -w '%{http_code}' -c "$J" -b "$J" --data-urlencode "csrf=$TOK" \
	--data-urlencode "id=$WANGS" --data-urlencode "name=张无忌" --data-urlencode "notes=改了" "$U/customer/edit"
expect_eq "nor change wang's customer by posting its id" "$OUT" 404
expect_eq "wang's notes are unchanged" "$(sql "$OUTPOST_DB" "SELECT notes FROM customer WHERE id = '$WANGS'")" 王强的秘密备注
MINE=$(sql "$OUTPOST_DB" "SELECT id FROM customer WHERE name = '周芷若'")
run curl -s -o /dev/null -w '%{http_code}' -c "$J" -b "$J" --data-urlencode "csrf=$TOK" \
	--data-urlencode "id=$MINE" --data-urlencode "name=周芷若" --data-urlencode "phone=13911112222" \
	--data-urlencode "channel=referral" --data-urlencode "notes=喜欢浅色" "$U/customer/edit"
expect_eq "she changes her own customer" "$OUT" 303
expect_eq "stored; a field the form did not send is kept" \
	"$(sql "$OUTPOST_DB" "SELECT channel || ' ' || notes || ' ' || coalesce(owner, 'NULL') FROM customer WHERE id = '$MINE'")" \
	"referral 喜欢浅色 li.na"

run curl -s -o /dev/null -w '%{http_code} %{redirect_url}' -c "$J" -b "$J" --data-urlencode "csrf=$TOK" \
	--data-urlencode 'name=<script>alert(1)</script>' --data-urlencode 'phone=13755556666' \
	--data-urlencode 'notes="><img src=x onerror=alert(2)>' "$U/customer/new"
expect_out "a customer named <script> is registered" "^303 $U/customer\\?id="
XSS=$(sql "$OUTPOST_DB" "SELECT id FROM customer WHERE phone = '+8613755556666'")
run curl -s -c "$J" -b "$J" "$U/customer?id=$XSS"
expect_out "the card shows the name escaped" "&lt;script&gt;alert\(1\)&lt;/script&gt;"
expect_no_out "never as markup" "<script>alert"
expect_no_out "attribute breakers are escaped too" '"><img'
run curl -s -c "$J" -b "$J" "$U/customers/rows?q=%3Cscript"
expect_out "search results escape it as well" "&lt;script&gt;"

run curl -s -o /dev/null -w '%{http_code}' -c "$J" -b "$J" \
	--data-binary "csrf=$TOK&name=%00bad" -H 'Content-Type: application/x-www-form-urlencoded' "$U/customer/new"
expect_eq "a NUL byte in a form is refused (400)" "$OUT" 400
run curl -s -o /dev/null -w '%{http_code}' -c "$J" -b "$J" \
	--data-binary "csrf=$TOK&name=%FF%FE" -H 'Content-Type: application/x-www-form-urlencoded' "$U/customer/new"
expect_eq "text that is not UTF-8 is refused (400)" "$OUT" 400
run curl -s -o /dev/null -w '%{http_code}' -c "$J" -b "$J" -H 'Content-Type: text/plain' \
	--data-binary "csrf=$TOK&name=x" "$U/customer/new"
expect_eq "a form that is not urlencoded is refused (415)" "$OUT" 415
run curl -s -o /dev/null -w '%{http_code}' -c "$J" -b "$J" "$U/reports"
expect_eq "sales may not open 报表 (403)" "$OUT" 403
expect_eq "the refused writes saved nothing" "$(sql "$OUTPOST_DB" "SELECT count(*) FROM customer")" 4

# --- the order form: as many lines as the order needs
ORDERS=$(sql "$OUTPOST_DB" "SELECT count(*) FROM sales_order")
run curl -s -w '\n%{http_code}' -c "$J" -b "$J" "$U/order/new?customer=$MINE"
expect_out "a new order form has three lines" 'name="sku3"'
expect_no_out "and not four" 'name="sku4"'
run curl -s -w '\n%{http_code}' -c "$J" -b "$J" --data-urlencode "csrf=$TOK" --data-urlencode "customer=$MINE" \
	--data-urlencode lines=3 --data-urlencode sku1=CUR-002 --data-urlencode qty1=2 --data-urlencode add-line=1 \
	"$U/order/new"
expect_out "without JavaScript, 添加一行 posts back and gets one more line" 'name="sku4"'
expect_out "what was typed stays" '<option value="CUR-002" selected>'
expect_out "the page answers 200" '^200$'
expect_eq "and nothing is saved" "$(sql "$OUTPOST_DB" "SELECT count(*) FROM sales_order")" "$ORDERS"
# five_lines Q4: the form's five lines, line 4's quantity Q4, as curl arguments
five_lines() {
	set -- --data-urlencode "csrf=$TOK" --data-urlencode "customer=$MINE" --data-urlencode lines=5
	for k in 1 2 3 4 5; do
		q=1; [ $k -eq 4 ] && q=$Q4
		set -- "$@" --data-urlencode "sku$k=CUR-00$k" --data-urlencode "qty$k=$q"
	done
	curl -s -w '\n%{http_code}' -c "$J" -b "$J" "$@" "$U/order/new"
}
Q4=abc; run five_lines
expect_out "a bad quantity on line 4 is refused (422)" '^422$'
expect_out "its reason is beside line 4's quantity, in Chinese" 'id="err-qty4">[^<]*数量'
expect_eq "nothing of the order is saved" "$(sql "$OUTPOST_DB" "SELECT count(*) FROM sales_order")" "$ORDERS"
Q4=1; run five_lines
expect_out "five lines save" '^303$'
expect_eq "as one order of five items" "$(sql "$OUTPOST_DB" "SELECT count(*) || ' ' || max(o.total) FROM order_item i
	JOIN sales_order o ON o.id = i.order_id WHERE o.customer_id = '$MINE'")" "5 42000"

# --- the assignment rules apply to a customer registered through the web
OUTPOST_PIN=2468 $O --as boss assign add 转介绍 --channel referral --staff wang >/dev/null
run curl -s -o /dev/null -w '%{http_code}' -c "$J" -b "$J" --data-urlencode "csrf=$TOK" \
	--data-urlencode 'name=欧阳锋' --data-urlencode 'phone=13722223333' --data-urlencode 'channel=referral' \
	"$U/customer/new"
expect_eq "li.na registers a referred customer" "$OUT" 303
expect_eq "the rule gives it to wang" "$(sql "$OUTPOST_DB" "SELECT c.owner || ' ' || r.name FROM customer c
	JOIN assign_rule r ON r.id = c.assign_rule WHERE c.name = '欧阳锋'")" "wang 转介绍"

# --- 同步: the status as a table, and a conflict resolved through the same operation
sql "$OUTPOST_DB" "INSERT INTO conflict(tbl, gid, col, kept, kept_site, lost, lost_site, reason)
	VALUES (3, '$MINE', 19, '喜欢浅色', 'SH01', '喜欢深色', 'HQ', 'concurrent edit')"
CF=$(sql "$OUTPOST_DB" "SELECT max(id) FROM conflict")
expect_eq "mgr signs in" "$(signin mgr 1234)" 303
run curl -s -c "$J" -b "$J" "$U/sync"
expect_out "同步's status is a table of Chinese labels" '<th scope="row">待发送</th><td>[0-9]+</td>'
expect_out "with the open conflicts" "喜欢深色"
MTOK=$(printf '%s' "$OUT" | csrf_of)
run curl -s -o /dev/null -w '%{http_code}' -c "$J" -b "$J" --data-urlencode "csrf=$MTOK" \
	--data-urlencode "id=$CF" --data-urlencode keep=lost "$U/conflict/resolve"
expect_eq "taking the lost value" "$OUT" 303
expect_eq "writes it back and closes the conflict, as mgr" "$(sql "$OUTPOST_DB" "SELECT c.notes || ' ' ||
	f.resolution || ' ' || f.resolved_by FROM customer c, conflict f WHERE c.id = '$MINE' AND f.id = $CF")" \
	"喜欢深色 lost mgr"
run curl -s -w '\n%{http_code}' -c "$J" -b "$J" --data-urlencode "csrf=$MTOK" \
	--data-urlencode "id=$CF" --data-urlencode keep=kept "$U/conflict/resolve"
expect_out "resolving it again is refused (422)" '^422$'

# --- wrong PINs: 5 per staff code and per client, then locked even with the right one
codes=""
for i in 1 2 3 4 5; do codes="$codes $(signin li.na 0000)"; done
expect_eq "five wrong PINs are refused" "$codes" " 403 403 403 403 403"
expect_eq "then even the right PIN is refused for a while (429)" "$(signin li.na 1234)" 429
run curl -s -c "$J" -b "$J" "$U/login"
tok=$(printf '%s' "$OUT" | csrf_of)
run curl -s -c "$J" -b "$J" --data-urlencode "csrf=$tok" --data-urlencode "code=li.na" \
	--data-urlencode "pin=1234" "$U/login"
expect_out "the page says to wait, in Chinese" "密码错误次数过多"
expect_eq "the lock holds for this client address with another code too" "$(signin mgr 1234)" 429
kill -0 $SERVE 2>/dev/null && ok "the server is still running" || bad "the server is still running"

kill $SERVE
wait_for 5 "serve to stop" "! kill -0 $SERVE 2>/dev/null" && ok "serve stops on SIGTERM" || bad "serve stops on SIGTERM"
done_testing
