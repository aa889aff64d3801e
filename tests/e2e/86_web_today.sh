#!/bin/sh
# 86_web_today.sh — 今日 on a store whose every customer waits for a first
# follow-up: the page lists the 100 waiting longest and says so, `remind`
# lists them all; birthdays come from the birthday index (a window across
# the new year, 29 February, months ahead); a search matching more than
# the 50 rows shown says how many match.
. "$(dirname "$0")/lib.sh"
plan 17
O=$OUTPOST

$O init --site SH01 --tz UTC >/dev/null
$O staff add --code boss --name 老板 --role admin >/dev/null
OUTPOST_NEW_PIN=2468 $O staff passwd boss >/dev/null
OUTPOST_PIN=2468 $O --as boss staff add --code mgr --name 店长 --role manager >/dev/null
OUTPOST_PIN=2468 OUTPOST_NEW_PIN=1234 $O --as boss staff passwd mgr >/dev/null
# 150 customers through the shell, registered 1-150 days ago, none followed up;
# birthdays: two today, one tomorrow, one on 29 February, one at the new year
sql "$OUTPOST_DB" "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 150)
INSERT INTO customer(name, home_branch, created_at) SELECT '客户' || i, 'SH01',
  datetime('now', '-' || i || ' days') FROM n"
sql "$OUTPOST_DB" "UPDATE customer SET birthday = '1990-' || strftime('%m-%d', 'now') WHERE name IN ('客户1', '客户2');
UPDATE customer SET birthday = '1985-' || strftime('%m-%d', 'now', '+1 day') WHERE name = '客户3';
UPDATE customer SET birthday = '1992-02-29' WHERE name = '客户4';
UPDATE customer SET birthday = '1970-01-02' WHERE name = '客户5';
UPDATE customer SET birthday = '1980-07-15' WHERE name = '客户6'"
export OUTPOST_PIN=1234
expect_rc 0 "remind" $O --as mgr --csv remind --days 1
expect_eq "remind lists every waiting enquiry" "$(printf '%s\n' "$OUT" | grep -c ',enquiry,')" 150
expect_rc 0 "remind across the new year" $O --as mgr --csv remind --days 7 --now 2026-12-30T10:00:00
expect_eq "finds the birthday of 2 January" "$(printf '%s\n' "$OUT" | grep ',birthday,' | grep -c '客户5')" 1
expect_rc 0 "remind on 27 February of a common year" $O --as mgr --csv remind --days 2 --now 2027-02-27T10:00:00
expect_eq "29 February is kept on 1 March" "$(printf '%s\n' "$OUT" | grep ',birthday,' | grep -c '客户4')" 1
expect_rc 0 "remind of 300 days" $O --as mgr --csv remind --days 300 --now 2026-03-01T10:00:00
expect_eq "a birthday months ahead" "$(printf '%s\n' "$OUT" | grep ',birthday,' | grep -c '客户6')" 1
unset OUTPOST_PIN

PORT=$(free_port)
$O serve --listen 127.0.0.1:$PORT >"$T/serve.out" 2>"$T/serve.err" &
SERVE=$!
track $SERVE
U=http://127.0.0.1:$PORT
wait_listening $PORT $SERVE
J=$T/jar
tok=$(curl -s -c "$J" -b "$J" "$U/login" | sed -n 's/.*name="csrf" value="\([^"]*\)".*/\1/p' | head -1)
run curl -s -o /dev/null -w '%{http_code}' -c "$J" -b "$J" --data-urlencode "csrf=$tok" \
	-d code=mgr -d pin=1234 "$U/login"
expect_eq "the manager signs in" "$OUT" 303
curl -s -b "$J" "$U/today?lang=en" >"$T/today.html"
has() { grep -q "$1</td>" "$T/today.html"; }
ok_if 'has 客户150 && has 客户51' "今日 lists the enquiries waiting longest"
ok_if '! has 客户50 && ! has 客户7' "and not the 101st and later"
ok_if 'has 客户1 && has 客户3' "birthdays today and tomorrow are there"
ok_if '! has 客户6' "not one months ahead"
ok_if 'grep -q "id=\"today-cut\"" "$T/today.html"' "and it says the list is cut"
# 客户: a search matching more than the 50 shown says how many there are
curl -s -b "$J" "$U/customers/rows?q=%E5%AE%A2%E6%88%B7" >"$T/rows.html"
expect_eq "search shows 50 rows" "$(grep -o '<tr><td><a href' "$T/rows.html" | grep -c .)" 50
ok_if 'grep -q "data-total=\"150\"" "$T/rows.html"' "and says there are 150"
done_testing
