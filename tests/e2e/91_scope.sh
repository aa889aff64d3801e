# 91_scope.sh — row scope per role, at a branch store and at HQ.
#
# Every command of `outpost --help` is either run here (each in table,
# --json and --csv output) or named as one that prints no customer rows;
# a command this script does not know fails it, so a new command is
# covered as soon as it exists. For each role the output must hold no
# marker of a row outside the role's scope and must hold one inside it.
. "$(dirname "$0")/lib.sh"
O=$OUTPOST
TODAY=$(date -u +%Y-%m-%d)
D=$(date -u +%Y%m%d)

# seed DB: customers of li.na and wang (SH01) and zhou (BJ01), an order,
# a complaint and a follow-up each, and a conflict on each customer.
seed() {
	sqlite3 -batch "$1" <<EOF
INSERT INTO branch(code, name) VALUES ('SH01', '上海一店'), ('BJ01', '北京一店');
INSERT INTO customer(id, name, phone, owner, home_branch, birthday) VALUES
 ('01900000-0000-7000-8000-00000000aaa1', '甲LINA', '+8613800000001', 'li.na', 'SH01', '1990-01-01'),
 ('01900000-0000-7000-8000-00000000bbb2', '乙WANG', '+8613800000002', 'wang', 'SH01', '1990-01-01'),
 ('01900000-0000-7000-8000-00000000ccc3', '丙ZHOU', '+8613900000003', 'zhou', 'BJ01', '1990-01-01'),
 ('01900000-0000-7000-8000-00000000aaa4', '甲LINA副本', '+8613800000001', 'li.na', 'SH01', NULL),
 ('01900000-0000-7000-8000-00000000ccc6', '丙ZHOU副本', '+8613900000003', 'zhou', 'BJ01', NULL);
INSERT INTO sales_order(id, order_no, customer_id, total, staff, branch, order_date, expected_date, status) VALUES
 ('01900000-0000-7000-8000-0000000a0001', 'SH01-$D-0101', '01900000-0000-7000-8000-00000000aaa1', 11100, 'li.na', 'SH01', '$TODAY', '2020-01-01', 'pending'),
 ('01900000-0000-7000-8000-0000000b0002', 'SH01-$D-0202', '01900000-0000-7000-8000-00000000bbb2', 22200, 'wang', 'SH01', '$TODAY', '2020-01-01', 'pending'),
 ('01900000-0000-7000-8000-0000000c0003', 'BJ01-$D-0303', '01900000-0000-7000-8000-00000000ccc3', 44400, 'zhou', 'BJ01', '$TODAY', '2020-01-01', 'pending');
INSERT INTO order_item(order_id, sku, name, qty, unit_price, line_total) VALUES
 ('01900000-0000-7000-8000-0000000a0001', 'X', '甲LINA货', 1, 11100, 11100),
 ('01900000-0000-7000-8000-0000000b0002', 'X', '乙WANG货', 1, 22200, 22200),
 ('01900000-0000-7000-8000-0000000c0003', 'X', '丙ZHOU货', 1, 44400, 44400);
INSERT INTO ticket(id, ticket_no, customer_id, problem, branch) VALUES
 ('01900000-0000-7000-8000-000000t00001', 'SH01-T-$D-0101', '01900000-0000-7000-8000-00000000aaa1', '甲LINA投诉', 'SH01'),
 ('01900000-0000-7000-8000-000000t00002', 'SH01-T-$D-0202', '01900000-0000-7000-8000-00000000bbb2', '乙WANG投诉', 'SH01'),
 ('01900000-0000-7000-8000-000000t00003', 'BJ01-T-$D-0303', '01900000-0000-7000-8000-00000000ccc3', '丙ZHOU投诉', 'BJ01');
-- Satisfaction averages 1.50 at SH01 and 2.67 over the chain.
UPDATE ticket SET satisfaction = CASE branch WHEN 'BJ01' THEN 5
	ELSE 1 + (ticket_no LIKE '%0202') END;
INSERT INTO ticket_step(ticket_id, staff, status, action)
 SELECT id, 'x', 'open', problem || '步骤' FROM ticket;
INSERT INTO followup(customer_id, staff, purpose, next_due, branch) VALUES
 ('01900000-0000-7000-8000-00000000aaa1', 'li.na', '甲LINA回访', '$TODAY', 'SH01'),
 ('01900000-0000-7000-8000-00000000bbb2', 'wang', '乙WANG回访', '$TODAY', 'SH01'),
 ('01900000-0000-7000-8000-00000000ccc3', 'zhou', '丙ZHOU回访', '$TODAY', 'BJ01');
INSERT INTO conflict(tbl, gid, col, kept, lost, reason)
 SELECT 3, id, 19, name || '备注', 'old', 'newer concurrent edit' FROM customer;
EOF
}

# staff DB: the accounts (PIN 1234) every scenario signs in with.
staff() {
	$O --db "$1" staff add --code boss --name 老板 --role admin >/dev/null
	env OUTPOST_NEW_PIN=1234 $O --db "$1" staff passwd boss >/dev/null
	export OUTPOST_PIN=1234
	for s in li.na:sales:SH01 wang:sales:SH01 fix:service:SH01 mgr:manager:SH01 \
		 zhou:sales:BJ01 chief:hq:; do
		IFS=: read code role br <<EOF
$s
EOF
		$O --db "$1" --as boss staff add --code "$code" --name "$code" --role "$role" \
			${br:+--branch "$br"} >/dev/null
		env OUTPOST_NEW_PIN=1234 $O --db "$1" --as boss staff passwd "$code" >/dev/null
	done
}

HQ=$T/hq.db
BR=$T/sh01.db
$O --db "$HQ" init --site HQ --hq >/dev/null
$O --db "$BR" init --site SH01 >/dev/null
seed "$HQ"
seed "$BR"
# A branch store holds only its own orders, tickets and follow-ups; the
# chain's customers reach it from HQ.
sqlite3 -batch "$BR" "DELETE FROM order_item WHERE order_id LIKE '%c0003';
	DELETE FROM sales_order WHERE branch = 'BJ01'; DELETE FROM ticket_step WHERE
	ticket_id LIKE '%t00003'; DELETE FROM ticket WHERE branch = 'BJ01';
	DELETE FROM followup WHERE branch = 'BJ01'"
staff "$HQ"
staff "$BR"
for db in "$HQ" "$BR"; do
	$O --db "$db" --as boss classify >/dev/null
	$O --db "$db" --as boss history commit >/dev/null 2>&1
done

# Markers of each person's rows: name, phone, order and ticket numbers,
# the order's money.
# the order's money, the short ids of the customer, order and ticket.
M_LINA='甲LINA|13800000001|SH01-[0-9]{8}-0101|SH01-T-[0-9]{8}-0101|111\.00|0000aaa1|000a0001|00t00001'
M_WANG='乙WANG|13800000002|SH01-[0-9]{8}-0202|SH01-T-[0-9]{8}-0202|222\.00|0000bbb2|000b0002|00t00002'
M_ZHOU='丙ZHOU|13900000003|BJ01-[0-9]{8}-0303|BJ01-T-[0-9]{8}-0303|444\.00|0000ccc3|000c0003|00t00003'
# Reports add money up: the branch's 111.00 + 222.00 shows as 333.00, the
# chain's as 777.00. A manager's absent markers are only those naming a
# row of another branch.
N_ZHOU='丙ZHOU|13900000003|BJ01-|0000ccc3|000c0003|00t00003'

# args GROUP SUB ROLE: what to run the command with, "-" for a command
# that prints no customer data (or only writes), "?" for an unknown one.
args() {
	case "$1 $2" in
	"customer show"|"history customer") echo REF:c ;;
	"order show") echo REF:o ;;
	"ticket show") echo REF:t ;;
	"customer list"|"order list"|"ticket list"|"followup list"|"classify list"|\
	"remind "|"conflicts list"|"log "|"report products"|\
	"report customers"|"report channels"|"report service"|"report orders"|\
	"report staff") echo "" ;;
	"followup due") echo "--days 30" ;;
	"customer search") echo SEARCH ;;
	"customer dupes") echo "" ;;
	"report sales") echo "--by staff" ;;
	"report html"|"report --html") echo "-" ;;
	"export ") echo "customer" ;;
	"conflicts show") echo CONFLICT ;;
	"history show") echo HREF ;;
	"init "|"customer add"|"customer edit"|"customer delete"|"customer merge"|\
	"customer unmerge"|"product "*|"order add"|"order status"|"ticket open"|\
	"ticket update"|"ticket close"|"followup add"|"staff "*|"branch "*|\
	"import customers"|"keys "*|"peer "*|"sync status"|"conflicts resolve"|\
	"classify "|"history commit"|"history log"|"history restore"|"history push") echo NONE ;;
	*) echo UNKNOWN ;;
	esac
}

# The commands, from the help listing (the command table): GROUP|SUB, SUB
# empty for a command without subcommands.
CMDS=$($O --help | sed -n '/^Commands:/,$p' | sed 1d | awk '{
	g0 = substr($0, 3, 11); s0 = substr($0, 14, 11)
	gsub(/ /, "", g0); gsub(/ /, "", s0)
	if (g0 != "") g = g0
	print g "|" s0 }' | sort -u)
n=$(printf '%s\n' "$CMDS" | wc -l)
[ "$n" -ge 50 ] && ok "command table lists $n commands" || bad "command table lists only $n"

# check WHO IN OUT DESC: the last run printed a row of IN and none of OUT.
check() {
	if [ -n "$3" ] && printf '%s\n' "$OUT" | grep -Eq -- "$3"; then
		bad "$4: shows a row outside $1's scope"
		printf '%s\n' "$OUT" | grep -E -- "$3" | head -3 | sed 's/^/       /'
	else ok "$4: nothing outside $1's scope"; fi
	if printf '%s\n' "$OUT" | grep -Eq -- "$2"; then ok "$4: shows $1's rows"
	else bad "$4: lacks $1's rows (/$2/)"; printf '%s\n' "$OUT$ERR" | head -4 | sed 's/^/       /'; fi
}

# ref KIND WHO: a row of WHO (lina wang zhou) as staff type it.
ref() {
	case $2 in lina) k=a n=1 ;; wang) k=b n=2 ;; zhou) k=c n=3 ;; *) k=x n=9 ;; esac
	case $1 in c) echo "0000$k$k$k$n" ;; o) echo "0000000${k}000$n" ;; t) echo "00000t0000$n" ;; esac
}

# scenario DB KIND WHO IN OUT MINE OTHERS: every command for WHO; MINE is
# a person whose rows WHO sees, OTHERS one whose rows WHO does not.
scenario() {
	db=$1 kind=$2 who=$3 in=$4 out=$5 mine=$6 others=$7
	while IFS='|' read g s; do
		a=$(args "$g" "${s:-}") other=
		case "$a" in
		UNKNOWN) bad "'$g${s:+ $s}' is not classified in 91_scope.sh (does it print customer rows?)"; continue ;;
		NONE|-) continue ;;
		REF:*) other=$(ref ${a#REF:} $others); a=$(ref ${a#REF:} $mine) ;;
		CONFLICT) a=$(sqlite3 "$db" "SELECT id FROM conflict WHERE gid LIKE '%$(ref c $mine)'")
			  other=$(sqlite3 "$db" "SELECT id FROM conflict WHERE gid LIKE '%$(ref c $others)'") ;;
		HREF) other="customer $(ref c $others)"; a="customer $(ref c $mine)" ;;
		SEARCH) a=$(echo $mine | tr a-z A-Z) ;;
		esac
		for f in "" --json --csv; do
			run $O --db "$db" $f --as "$who" $g ${s:+$s} $a </dev/null
			desc="$kind $who: $g${s:+ $s}${f:+ $f}"
			if [ "$RC" -eq 77 ]; then ok "$desc: refused for the role"; continue; fi
			if [ "$RC" -ne 0 ]; then bad "$desc: exit $RC"; printf '%s\n' "$ERR" | head -3 | sed 's/^/       /'; continue; fi
			check "$who" "$in" "$out" "$desc"
		done
		# A command that takes a REF refuses one outside the scope.
		if [ -n "$other" ] && [ "$RC" -ne 77 ] && [ "$others" != nobody ]; then
			run $O --db "$db" --as "$who" $g ${s:+$s} $other </dev/null
			if [ "$RC" -ne 0 ] && ! printf '%s\n' "$OUT" | grep -Eq -- "${out:-^$}"; then
				ok "$kind $who: $g $s of a row outside the scope refused (exit $RC)"
			else bad "$kind $who: $g $s $other shows it (exit $RC)"; fi
		fi
	done <<EOF
$CMDS
EOF
}

# Sales: their own customers only, at the branch and at HQ.
scenario "$BR" branch li.na "$M_LINA" "$M_WANG|$M_ZHOU" lina wang
scenario "$HQ" hq li.na "$M_LINA" "$M_WANG|$M_ZHOU" lina wang
# A manager: the branch, not the chain, at a branch store and at HQ.
scenario "$BR" branch mgr "$M_LINA|$M_WANG|333\.00|1\.50" "$N_ZHOU" wang zhou
scenario "$HQ" hq mgr "$M_LINA|$M_WANG|333\.00|1\.50" "$N_ZHOU|444\.00|777\.00|2\.67" wang zhou
# Service: the branch, with phone numbers masked.
S_IN='甲LINA|乙WANG|SH01-[0-9]{8}-0101|SH01-T-[0-9]{8}-0202|0000aaa1'
S_OUT="13800000001|13800000002|$N_ZHOU"
scenario "$BR" branch fix "$S_IN" "$S_OUT" lina zhou
scenario "$HQ" hq fix "$S_IN" "$S_OUT" wang zhou
run $O --db "$BR" --as fix customer show 0000aaa1
expect_out "service finds a customer by the whole phone, shown masked" '^phone +\+86138\*\*\*\*0001$'
run $O --db "$BR" --as mgr customer show 0000aaa1
expect_out "a manager sees the whole phone" '^phone +\+8613800000001$'
run $O --db "$BR" --csv --as fix ticket list
expect_out "service's ticket list masks phones in CSV too" '138\*\*\*\*000[12]'
# HQ: everything.
scenario "$HQ" hq chief "$M_ZHOU|777\.00|2\.67" "" zhou nobody
