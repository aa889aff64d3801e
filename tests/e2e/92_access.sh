# 92_access.sh — the access audit: bulk reads of personal data are
# recorded (who, when, what, how many rows), `log --access` lists them,
# a manager sees the branch's, and the records sync to HQ.
. "$(dirname "$0")/lib.sh"
plan 27
O=$OUTPOST
HQ=$T/hq.db
BR=$T/sh01.db
$O --db "$HQ" init --site HQ --hq >/dev/null
$O --db "$BR" init --site SH01 >/dev/null
for s in hq sh01; do $O --db "$T/$s.db" keys init >/dev/null 2>&1; done
$O --db "$HQ" peer enrol SH01 "$(cat "$BR.pub")" >/dev/null
$O --db "$BR" peer hq "$(cat "$HQ.pub")" >/dev/null
# 30 customers of li.na's, then the store is secured.
i=0
while [ $i -lt 30 ]; do
	echo "INSERT INTO customer(name, phone, owner, home_branch) VALUES ('客户$i', '+86138000001$(printf %02d $i)', 'li.na', 'SH01');"
	i=$((i+1))
done | sqlite3 -batch "$BR"
$O --db "$BR" staff add --code boss --name 老板 --role admin >/dev/null
env OUTPOST_NEW_PIN=1234 $O --db "$BR" staff passwd boss >/dev/null
export OUTPOST_PIN=1234
for s in li.na:sales mgr:manager; do
	$O --db "$BR" --as boss staff add --code "${s%%:*}" --name x --role "${s#*:}" >/dev/null
	env OUTPOST_NEW_PIN=1234 $O --db "$BR" --as boss staff passwd "${s%%:*}" >/dev/null
done
access() { sqlite3 -batch "$BR" "SELECT count(*) FROM access_log ${1:-}"; }

expect_rc 0 "a table listing is no bulk read" $O --db "$BR" --as li.na customer list
expect_eq "nothing recorded" "$(access)" 0
expect_rc 0 "a short --csv listing is none either" $O --db "$BR" --as li.na --csv customer list --limit 5
expect_eq "still nothing" "$(access)" 0
expect_rc 0 "li.na lists her 30 customers as CSV" $O --db "$BR" --as li.na --csv customer list
expect_eq "recorded: who, what, how many" \
	"$(sqlite3 "$BR" "SELECT staff, role, branch, what, rows FROM access_log")" \
	"li.na|sales|SH01|customer list --csv|30"
expect_rc 0 "the manager exports the customers" $O --db "$BR" --as mgr export customer
expect_eq "an export is recorded whatever its size" \
	"$(access "WHERE what = 'export customer' AND staff = 'mgr' AND rows = 30")" 1
expect_rc 0 "--json listings too" $O --db "$BR" --as mgr --json customer search 客户
expect_eq "search --json recorded" "$(access "WHERE what = 'customer search --json'")" 1
expect_rc 0 "reports in CSV (remind lists customers)" $O --db "$BR" --as li.na --csv remind
expect_eq "remind --csv recorded" "$(access "WHERE what = 'remind --csv'")" 1
expect_rc 0 "the manager reads the audit" $O --db "$BR" --as mgr log --access
expect_out "log --access shows the export" "export customer +30"
expect_out "and li.na's listing" "li\.na +sales +SH01 +customer list --csv +30"
expect_rc 77 "sales may not read the audit" $O --db "$BR" --as li.na log --access
expect_rc 64 "--access takes no --table" $O --db "$BR" --as mgr log --access --table customer
expect_err "and says what it takes" "takes --staff, --since and --limit"
expect_rc 0 "--json of the audit" $O --db "$BR" --as mgr --json log --access --staff li.na
expect_out "filtered by staff" '"what": "customer list --csv"'
expect_no_out "only li.na's" '"staff": "mgr"'
expect_eq "the audit is journaled (it syncs)" \
	"$(sqlite3 "$BR" "SELECT count(*) FROM journal WHERE tbl = 10")" "$(access)"

PORT=$(free_port)
"$OUTPOSTD" --hq --db "$HQ" --listen "tcp://127.0.0.1:$PORT" --no-history --log-level warning 2>"$T/hq.log" &
track $!
wait_listening "$PORT" $!
expect_rc 0 "the branch syncs" timeout 60 "$OUTPOSTD" --branch --db "$BR" \
	--connect "tcp://127.0.0.1:$PORT" --once --timeout 15 --log-level warning
expect_eq "HQ has every access record" \
	"$(sqlite3 "$HQ" "SELECT count(*) FROM access_log WHERE branch = 'SH01'")" "$(access)"
expect_rc 0 "HQ's log --access lists the branch's reads" $O --db "$HQ" log --access
expect_out "with who and where" "li\.na +sales +SH01 +customer list --csv +30"
done_testing
