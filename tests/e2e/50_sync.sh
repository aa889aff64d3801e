#!/bin/sh
# 50_sync.sh — HQ and three branches syncing through real outpostd
# processes on loopback: offline edits, concurrent edits and the conflict
# log, the points counter, deletes against edits, a branch that was away
# for long, kill -9 of either side mid-sync, redelivery, a branch clock a
# day ahead, keys HQ must refuse, and writes made with the stock sqlite3
# shell. Every scenario has fresh stores in its own directory under $T, and
# convergence is checked by comparing a canonical dump of every replica.
. "$(dirname "$0")/lib.sh"
plan 125

S=			# the current scenario's directory
PORT=			# its HQ's port
HQPID=			# its HQ's outpostd (the process itself, for kill -9)
HQWRAP=			# the `timeout` that runs it
NHQ=0			# HQ starts so far in this scenario

# sql DB QUERY, waiting out a daemon's write lock
sql() { sqlite3 -batch -cmd '.timeout 5000' "$1" "$2"; }

T0=$(date +%s)
# section TITLE: a heading, with the seconds spent so far.
section() { echo "-- $* (at $(($(date +%s) - T0)) s)"; }
# say TEXT: a line for people, not counted.
say() { echo "  info $*"; }

# untrack PID...: processes already reaped leave the list cleanup kills
# from, so that it never signals a pid the system has since handed out
# again.
untrack() {
	for p in "$@"; do PIDS=$(echo " $PIDS " | sed "s/ $p / /g"); done
}

# child_of PID: the one child of PID (the daemon under its `timeout`),
# waiting up to 2 s for it to exist.
child_of() {
	i=0
	while [ $i -lt 20 ]; do
		c=$(pgrep -P "$1" 2>/dev/null | head -n 1)
		[ -n "$c" ] && { echo "$c"; return 0; }
		sleep 0.1
		i=$((i+1))
	done
	return 1
}

# start_hq: HQ's outpostd for the current scenario, on $PORT, logging to
# hq.log; waits (up to 5 s) until it says it is listening.
start_hq() {
	NHQ=$((NHQ+1))
	timeout 300 "$OUTPOSTD" --hq --db "$S/hq.db" --listen "tcp://127.0.0.1:$PORT" \
		2>>"$S/hq.log" &
	HQWRAP=$!
	track "$HQWRAP"
	HQPID=$(child_of "$HQWRAP") || HQPID=$HQWRAP
	track "$HQPID"
	i=0
	while [ "$(grep -c 'listening on' "$S/hq.log" 2>/dev/null)" -lt $NHQ ] && [ $i -lt 50 ]; do
		kill -0 "$HQPID" 2>/dev/null || break
		sleep 0.1
		i=$((i+1))
	done
	if [ "$(grep -c 'listening on' "$S/hq.log" 2>/dev/null)" -lt $NHQ ]; then
		bad "HQ did not start listening on port $PORT"
		sed 's/^/       /' "$S/hq.log" | tail -5
		return 1
	fi
	return 0
}

# template: freshly made stores hq.db (HQ) and a.db b.db c.db (sites A B
# C) in $T/template, with keys, the branches enrolled at HQ and HQ's key
# pinned at each. Made once: every scenario starts from a copy of it.
template() {
	M=$T/template
	mkdir -p "$M"
	"$OUTPOST" --db "$M/hq.db" init --site HQ --hq >/dev/null 2>>"$M/setup.err" &&
		"$OUTPOST" --db "$M/hq.db" keys init >/dev/null 2>>"$M/setup.err" || {
		bad "set up HQ"; cat "$M/setup.err"; return 1; }
	for b in a b c; do
		site=$(echo "$b" | tr a-z A-Z)
		"$OUTPOST" --db "$M/$b.db" init --site "$site" >/dev/null 2>>"$M/setup.err" &&
			"$OUTPOST" --db "$M/$b.db" keys init >/dev/null 2>>"$M/setup.err" &&
			"$OUTPOST" --db "$M/hq.db" peer enrol "$site" "$(cat "$M/$b.db.pub")" \
				>/dev/null 2>>"$M/setup.err" &&
			"$OUTPOST" --db "$M/$b.db" peer hq "$(cat "$M/hq.db.pub")" \
				>/dev/null 2>>"$M/setup.err" || {
			bad "set up branch $site"; cat "$M/setup.err"; return 1; }
	done
	rm -f "$M/setup.err"
}

# scenario NAME: a copy of the template in $T/NAME, and HQ's daemon running
# on a free port.
scenario() {
	S=$T/$1
	NHQ=0
	mkdir -p "$S"
	cp -p "$T/template/"* "$S/" || { bad "$1: copy the template stores"; return 1; }
	next_port
	start_hq
}

# Free loopback ports for the scenarios' HQs, found at once (one Python
# start instead of one a scenario); next_port takes the next into $PORT.
PORTS=$(python3 -c 'import socket
ss = [socket.socket() for _ in range(16)]
for s in ss: s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in ss))')
next_port() {
	set -- $PORTS
	if [ $# -gt 0 ]; then PORT=$1; shift; PORTS="$*"; else PORT=$(free_port); fi
}

# sync_br B [OPTION...]: one `outpostd --branch --once` for branch B
# (a, b, c, or any store name in $S); its log goes to B.log. With $FAKE set
# the daemon runs under `faketime -f "$FAKE"`. Returns its exit status.
sync_br() {
	_br=$1
	shift
	if [ -n "${FAKE:-}" ]; then
		FAKETIME_DONT_FAKE_MONOTONIC=1 timeout 60 faketime -f "$FAKE" "$OUTPOSTD" \
			--branch --db "$S/$_br.db" --connect "tcp://127.0.0.1:$PORT" --once \
			--timeout 10 "$@" 2>>"$S/$_br.log"
	else
		timeout 60 "$OUTPOSTD" --branch --db "$S/$_br.db" \
			--connect "tcp://127.0.0.1:$PORT" --once --timeout 10 "$@" 2>>"$S/$_br.log"
	fi
}

# rounds N [B...]: N rounds in which each branch (default a b c) runs
# --once in turn; one check, failing if any run did not exit 0.
rounds() {
	n=$1
	shift
	[ $# -gt 0 ] || set -- a b c
	r=0
	fails=""
	while [ $r -lt "$n" ]; do
		for b in "$@"; do
			sync_br "$b" || fails="$fails $b:$?"
		done
		r=$((r+1))
	done
	if [ -z "$fails" ]; then ok "$n sync round(s) of $* exit 0"; else
		bad "sync rounds: runs that failed (branch:exit):$fails"
		for b in "$@"; do tail -n 3 "$S/$b.log" | sed "s/^/       $b: /"; done
	fi
}

# dump STORE: the canonical image of a replica's customers: every column
# of every row, as SQL literals (NULL and '' differ), ordered by id.
dump() { sqlite3 -batch -cmd '.timeout 5000' -cmd '.mode quote' "$S/$1.db" "SELECT * FROM customer ORDER BY id"; }

# converged DESC COUNT [B...]: HQ holds COUNT customers (so that stores
# equally empty or equally short cannot pass) and every branch's dump
# (default a b c) equals HQ's.
converged() {
	desc=$1
	want=$2
	shift 2
	[ $# -gt 0 ] || set -- a b c
	dump hq >"$S/hq.dump"
	differ=""
	have=$(sql "$S/hq.db" "SELECT count(*) FROM customer")
	[ "$have" = "$want" ] || differ=" hq (has $have customers, wanted $want)"
	for b in "$@"; do
		dump "$b" >"$S/$b.dump"
		cmp -s "$S/hq.dump" "$S/$b.dump" || differ="$differ $b"
	done
	if [ -z "$differ" ]; then
		ok "$desc (hq $* dumps equal, $want customers)"
	else
		bad "$desc (dump differs from HQ's at:$differ)"
		for b in $differ; do
			[ -f "$S/$b.dump" ] || continue
			diff "$S/hq.dump" "$S/$b.dump" | head -n 6 | sed "s/^/       $b: /"
		done
	fi
}
# written STORE...: what the stores hold of their customers (id, name,
# phone, email, notes), sorted; compared before and after syncing, it says
# that the merge kept what each site wrote, not only that the sites agree.
written() {
	for st in "$@"; do
		sqlite3 -batch -cmd '.timeout 5000' -cmd '.mode quote' "$S/$st.db" \
			"SELECT id, name, phone, email, notes FROM customer"
	done | sort
}

# on STORE ARGS...: the CLI on a store of the current scenario.
on() { st=$1; shift; "$OUTPOST" --db "$S/$st.db" "$@"; }
# cid STORE NAME: the id of the customer called NAME.
cid() { sql "$S/$1.db" "SELECT id FROM customer WHERE name = '$2'"; }
# add STORE NAME [OPTION...]: a customer added through the CLI (checked).
add() {
	st=$1; nm=$2; shift 2
	on "$st" customer add --name "$nm" "$@" >/dev/null 2>"$T/.adderr" ||
		{ bad "customer add $nm at $st"; cat "$T/.adderr"; }
}
# edit STORE REF OPTION...: a customer edit through the CLI (checked).
edit() {
	st=$1; ref=$2; shift 2
	on "$st" customer edit "$ref" "$@" >/dev/null 2>"$T/.adderr" ||
		{ bad "customer edit $ref $* at $st"; cat "$T/.adderr"; }
}
# each QUERY WANT DESC: QUERY gives WANT on all four replicas.
each() {
	got=""
	for st in hq a b c; do got="$got $st=$(sql "$S/$st.db" "$1")"; done
	expect_eq "$3" "$got" " hq=$2 a=$2 b=$2 c=$2"
}
# stop_hq: HQ's daemon stopped with SIGTERM (a clean stop), reaped.
stop_hq() {
	kill -TERM "$HQPID" 2>/dev/null
	w=0
	while kill -0 "$HQPID" 2>/dev/null && [ $w -lt 50 ]; do sleep 0.1; w=$((w+1)); done
	kill -0 "$HQPID" 2>/dev/null && { bad "HQ did not stop on SIGTERM within 5 s"; kill -KILL "$HQPID"; }
	wait "$HQWRAP" 2>/dev/null
	untrack "$HQWRAP" "$HQPID"
}

# after_restart DESC PID: PID (the `timeout` running a --once interrupted
# by HQ's kill -9 and restart) must keep making progress and end by itself
# in sync (exit 0): giving up (69) or being refused (75) is a failure, as
# is running on with no new customer at HQ for 10 s (a hang; the run is
# then stopped).
after_restart() {
	last=$(sql "$S/hq.db" "SELECT count(*) FROM customer")
	still=0
	while kill -0 "$2" 2>/dev/null && [ $still -lt 20 ]; do
		sleep 0.5
		cur=$(sql "$S/hq.db" "SELECT count(*) FROM customer")
		if [ "$cur" != "$last" ]; then last=$cur; still=0; else still=$((still+1)); fi
	done
	if kill -0 "$2" 2>/dev/null; then
		bad "$1 (hung: no progress for 10 s after HQ's restart, HQ at $last customers)"
		kill -TERM "$2"
		wait "$2"
		untrack "$2"
		tail -n 3 "$S/a.log" | sed 's/^/       /'
		return
	fi
	wait "$2"
	rc=$?
	untrack "$2"
	case $rc in
	0) ok "$1 (exit $rc)" ;;
	*) bad "$1 (exit $rc)"; tail -n 3 "$S/a.log" | sed 's/^/       /' ;;
	esac
}

template
###########################################################################
section "1. offline edits at three branches, then sync rounds"
scenario s1
on hq product add --sku CUR-01 --name 遮光窗帘 --price 1999.50 >/dev/null ||
	bad "product add at HQ"
rounds 1
each "SELECT count(*) FROM product" 1 "HQ's catalogue reached every branch"
# apart: each branch registers customers and edits some of them
add a 张三 --phone 13800138000 --email zhang@example.com
add a 李四 --phone 13800138001
add a 王五 --phone 13800138002 --notes 老客户
add b 赵六 --phone 13900139000
add b 钱七 --phone 13900139001 --email qian@example.com
add b 孙八 --phone 13900139002
add c 周九 --phone 13700137000
add c 吴十 --phone 13700137001
add c 郑一 --phone 13700137002 --notes "VIP, 喜欢蓝色"
edit a 李四 --email lisi@example.com --notes 要回访
edit a 王五 --notes ""
edit b 赵六 --name 赵六六 --phone 13900139999
edit c 周九 --email zhou@example.com
edit c 吴十 --notes 安装在周末
expect_rc 0 "order add at A" on a order add --customer 张三 --item CUR-01:2 --payment 微信
expect_rc 0 "second order add at A" on a order add --customer 李四 --item CUR-01:1
ORDER_NO=$(sql "$S/a.db" "SELECT order_no FROM sales_order ORDER BY order_no LIMIT 1")
written a b c >"$S/written"
rounds 2
converged "offline edits converge" 9
expect_eq "HQ holds exactly what the branches wrote" "$(written hq)" "$(cat "$S/written")"
each "SELECT count(*) FROM customer" 9 "nine customers everywhere"
expect_eq "edit made at B arrived at C" \
	"$(sql "$S/c.db" "SELECT phone FROM customer WHERE name = '赵六六'")" "+8613900139999"
expect_eq "a cleared field is cleared at HQ" \
	"$(sql "$S/hq.db" "SELECT notes IS NULL FROM customer WHERE name = '王五'")" 1
expect_eq "HQ has A's orders" "$(sql "$S/hq.db" "SELECT count(*) FROM sales_order")" 2
expect_eq "HQ has the orders' items" "$(sql "$S/hq.db" "SELECT count(*) FROM order_item")" 2
expect_eq "HQ's order keeps its number and total" \
	"$(sql "$S/hq.db" "SELECT total FROM sales_order WHERE order_no = '$ORDER_NO'")" \
	"$(sql "$S/a.db" "SELECT total FROM sales_order WHERE order_no = '$ORDER_NO'")"
expect_eq "orders do not go down to B or C" \
	"$(sql "$S/b.db" "SELECT count(*) FROM sales_order")/$(sql "$S/c.db" "SELECT count(*) FROM sales_order")" "0/0"
expect_eq "no conflicts from edits to different rows" \
	"$(sql "$S/hq.db" "SELECT count(*) FROM conflict")" 0
stop_hq

###########################################################################
section "2. one customer edited at two branches while apart"
scenario s2
add a 陈二 --phone 13600136000 --email chen@example.com
rounds 1
X=$(cid a 陈二)
edit a "$X" --email chen.a@example.com
edit b "$X" --email chen.b@example.com
rounds 2
converged "concurrent edits converge" 1
V=$(sql "$S/hq.db" "SELECT email FROM customer WHERE id = '$X'")
case $V in
chen.a@example.com|chen.b@example.com) ok "the value kept is one of the two ($V)" ;;
*) bad "the value kept is one of the two (got '$V')" ;;
esac
expect_eq "HQ logged one conflict" "$(sql "$S/hq.db" "SELECT count(*) FROM conflict")" 1
expect_eq "the conflict is about the email and holds both values" \
	"$(sql "$S/hq.db" "SELECT col, kept IN ('chen.a@example.com','chen.b@example.com'),
	   lost IN ('chen.a@example.com','chen.b@example.com'), kept <> lost FROM conflict")" \
	"5|1|1|1"
expect_eq "the conflict kept what the row holds" \
	"$(sql "$S/hq.db" "SELECT kept FROM conflict")" "$V"
LOST=$(sql "$S/hq.db" "SELECT lost FROM conflict")
CF=$(sql "$S/hq.db" "SELECT id FROM conflict")
expect_rc 0 "conflicts list at HQ" on hq conflicts list
expect_out "the list shows the email conflict" "email"
expect_out "the list shows the value that lost" "$LOST"
expect_rc 0 "conflicts resolve --keep lost" on hq conflicts resolve "$CF" --keep lost
rounds 2
converged "the resolution converges" 1
each "SELECT email FROM customer WHERE id = '$X'" "$LOST" "every replica holds the resolved value"
expect_eq "the conflict is closed" \
	"$(sql "$S/hq.db" "SELECT count(*) FROM conflict WHERE resolved_at IS NULL")" 0
expect_eq "resolving made no new conflict at HQ" "$(sql "$S/hq.db" "SELECT count(*) FROM conflict")" 1
stop_hq

###########################################################################
section "3. points are a counter: +50 at A and +30 at B"
scenario s3
add a 刘备 --phone 13500135000
rounds 1
X=$(cid a 刘备)
edit a "$X" --add-points 50
edit b "$X" --add-points 30
rounds 2
converged "points converge" 1
each "SELECT points FROM customer WHERE id = '$X'" 80 "80 points everywhere"
edit c "$X" --add-points -5
rounds 2
each "SELECT points FROM customer WHERE id = '$X'" 75 "a later -5 at C gives 75 everywhere"
expect_eq "counters make no conflicts" "$(sql "$S/hq.db" "SELECT count(*) FROM conflict")" 0
stop_hq

###########################################################################
section "4. delete at A against an edit at B"
scenario s4
add a 关羽 --phone 13400134000
add a 张飞 --phone 13400134001
add a 赵云 --phone 13400134002
rounds 1
X=$(cid a 关羽)
Y=$(cid a 张飞)
expect_rc 0 "delete at A" on a customer delete "$X"
edit b "$X" --notes 改了备注
rounds 2
converged "delete vs edit converges" 2
each "SELECT count(*) FROM customer WHERE id = '$X'" 0 "the deleted row is gone everywhere"
# B's edit was made without seeing the delete: it must not vanish, and
# HQ, whose conflict log sees every conflict, must have it
LOGGED=""
for st in hq a b c; do
	n=$(sql "$S/$st.db" "SELECT count(*) FROM conflict WHERE gid = '$X'")
	[ "$n" -gt 0 ] && LOGGED="$LOGGED $st:$(sql "$S/$st.db" "SELECT group_concat(reason) FROM conflict WHERE gid = '$X'")"
done
if [ -n "$LOGGED" ]; then ok "B's edit is in a conflict log ($LOGGED)"; else
	bad "B's edit is in a conflict log (no replica logged it: silently lost)"; fi
expect_eq "HQ's conflict log has B's edit" \
	"$(sql "$S/hq.db" "SELECT count(*) FROM conflict WHERE gid = '$X' AND lost_site = 'B'
	   AND reason IN ('edited after delete', 'deleted after a concurrent edit')")" 1
# the other order: the edit reaches HQ before the delete
expect_rc 0 "delete at A (second row)" on a customer delete "$Y"
edit b "$Y" --email late@example.com
rounds 2 b a c
converged "edit-then-delete at HQ converges" 1
each "SELECT count(*) FROM customer WHERE id = '$Y'" 0 "the row is gone everywhere when its edit arrived first"
expect_eq "HQ logged the edit the delete had not seen" \
	"$(sql "$S/hq.db" "SELECT count(*) FROM conflict WHERE gid = '$Y'")" 1
each "SELECT count(*) FROM customer" 1 "one customer left everywhere"
stop_hq

###########################################################################
section "5. a branch away for many rounds catches up"
scenario s5
add a 曹操 --phone 13300133000
add b 孙权 --phone 13300133001
add c 诸葛亮 --phone 13300133002
rounds 1
P=$(cid a 曹操)
Q=$(cid b 孙权)
# C, offline, keeps working
add c 庞统 --phone 13300133003
edit c "$Q" --email sunquan@example.com
k=1
while [ $k -le 5 ]; do
	add a "A客户$k" --phone "1330013310$k"
	edit a "$P" --notes "第${k}次拜访"
	add b "B客户$k" --phone "1330013320$k"
	edit b "$Q" --add-points 10
	edit b "$Q" --notes "round $k"
	rounds 1 a b
	k=$((k+1))
done
expect_eq "C saw none of it yet" "$(sql "$S/c.db" "SELECT count(*) FROM customer")" 4
rounds 2
converged "C caught up" 14
each "SELECT count(*) FROM customer" 14 "fourteen customers everywhere"
each "SELECT notes FROM customer WHERE id = '$P'" "第5次拜访" "A's last edit everywhere"
each "SELECT email FROM customer WHERE id = '$Q'" "sunquan@example.com" "C's offline edit everywhere"
stop_hq

###########################################################################
section "6. kill -9 mid-sync, at HQ and at the branch"
N=20000
bulk() {	# bulk STORE PREFIX: N customers in one sqlite3 transaction
	sqlite3 -batch "$S/$1.db" "BEGIN;
	  WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $N)
	  INSERT INTO customer(name, phone, notes)
	    SELECT '$2' || i, printf('+86139%08d', i), 'bulk row ' || i FROM n;
	  COMMIT;"
}
# hq_has_some: waits (10 s at most) until HQ has committed a customer.
hq_has_some() {
	wait_for 10 "HQ's first committed customers" \
		'[ "$(sql "$S/hq.db" "SELECT count(*) FROM customer")" -gt 0 ]'
}
scenario s6
bulk a bulk
expect_eq "A holds $N new customers" "$(sql "$S/a.db" "SELECT count(*) FROM customer")" $N
expect_eq "the journal triggers recorded them" \
	"$(sql "$S/a.db" "SELECT count(*) FROM journal WHERE tbl = 3 AND op = 1")" $N
# the interrupted run: --heartbeat 1 notices a silent HQ within 3 s
timeout 60 "$OUTPOSTD" --branch --db "$S/a.db" --connect "tcp://127.0.0.1:$PORT" --once \
	--timeout 5 --heartbeat 1 2>>"$S/a.log" &
BG=$!
track "$BG"
# kill HQ once it has committed some of them (10 s at most)
hq_has_some
kill -KILL "$HQPID"
wait "$HQWRAP" 2>/dev/null
untrack "$HQWRAP" "$HQPID"
AT=$(sql "$S/hq.db" "SELECT count(*) FROM customer")
if [ "$AT" -gt 0 ] && [ "$AT" -lt $N ]; then ok "HQ killed -9 mid-sync ($AT of $N committed)"
else bad "HQ killed -9 mid-sync ($AT of $N committed at the kill)"; fi
start_hq
after_restart "the interrupted --once ends by itself after HQ's restart" "$BG"
expect_rc 0 "A --once after HQ's restart" sync_br a
expect_eq "HQ has exactly $N customers after kill -9 of HQ" \
	"$(sql "$S/hq.db" "SELECT count(*) FROM customer")" $N
expect_eq "no duplicates at HQ" \
	"$(sql "$S/hq.db" "SELECT count(DISTINCT id) = count(*) AND count(DISTINCT phone) = count(*) FROM customer")" 1
converged "A and HQ agree after HQ's kill -9" $N a
stop_hq

scenario s6b
bulk b bulk
timeout 40 "$OUTPOSTD" --branch --db "$S/b.db" --connect "tcp://127.0.0.1:$PORT" --once \
	--timeout 10 2>>"$S/b.log" &
BG=$!
track "$BG"
BGD=$(child_of "$BG") || BGD=$BG
track "$BGD"
hq_has_some
kill -KILL "$BGD"
wait "$BG" 2>/dev/null
untrack "$BG" "$BGD"
AT=$(sql "$S/hq.db" "SELECT count(*) FROM customer")
if [ "$AT" -gt 0 ] && [ "$AT" -lt $N ]; then ok "branch daemon killed -9 mid-sync ($AT of $N at HQ)"
else bad "branch daemon killed -9 mid-sync ($AT of $N at HQ at the kill)"; fi
expect_rc 0 "B --once after its kill -9" sync_br b
expect_eq "HQ has exactly $N customers after kill -9 of the branch" \
	"$(sql "$S/hq.db" "SELECT count(*) FROM customer")" $N
expect_eq "no duplicates at HQ" \
	"$(sql "$S/hq.db" "SELECT count(DISTINCT id) = count(*) AND count(DISTINCT phone) = count(*) FROM customer")" 1
expect_rc 0 "C --once receives them" sync_br c
converged "B, C and HQ agree after the branch's kill -9" $N b c
stop_hq

# HQ freezes (SIGSTOP) right after welcoming A, so that A's whole window of
# batches is in flight when HQ is killed -9 and started again: a branch
# must notice that the new HQ has no session for it and start over
scenario s6c
bulk a bulk
# (--heartbeat 5: A would only give HQ up for silent after 15 s; debug
# logging shows each batch A sends)
timeout 60 "$OUTPOSTD" --branch --db "$S/a.db" --connect "tcp://127.0.0.1:$PORT" --once \
	--timeout 5 --heartbeat 5 --log-level debug 2>>"$S/a.log" &
BG=$!
track "$BG"
wait_for 5 "HQ's welcome of A" 'grep -q "A connected" "$S/hq.log"'
kill -STOP "$HQPID"
# A stamps its journal, then sends a window of batches HQ never reads:
# wait until A has sent some and then stopped sending (its window is full)
sent() { grep -c 'outpostd: sent .* changes (' "$S/a.log"; }
wait_for 15 "A's first batches" '[ "$(sent)" -gt 0 ]'
SENT=$(sent)
wait_for 15 "A's window to fill" 'sleep 0.5; n=$(sent); [ "$n" = "$SENT" ] || { SENT=$n; false; }'
AT=$(sql "$S/hq.db" "SELECT count(*) FROM customer")
if [ "$SENT" -gt 0 ] && [ "$AT" -eq 0 ]; then
	ok "A's batches were in flight when HQ was killed ($SENT sent, HQ committed none)"
else bad "A's batches were in flight when HQ was killed ($SENT sent, HQ at $AT)"; fi
kill -KILL "$HQPID"
wait "$HQWRAP" 2>/dev/null
untrack "$HQWRAP" "$HQPID"
start_hq
after_restart "with its window in flight, the --once ends by itself" "$BG"
expect_rc 0 "A --once after that" sync_br a
expect_eq "HQ has exactly $N customers" "$(sql "$S/hq.db" "SELECT count(*) FROM customer")" $N
expect_eq "no duplicates at HQ" \
	"$(sql "$S/hq.db" "SELECT count(DISTINCT id) = count(*) AND count(DISTINCT phone) = count(*) FROM customer")" 1
stop_hq

###########################################################################
section "7. the same data delivered twice"
scenario s7
add a 黄忠 --phone 13200132000 --email huang@example.com
add a 马超 --phone 13200132001
add b 魏延 --phone 13200132002
rounds 2
edit a 魏延 --notes from-a --add-points 5
edit b 魏延 --notes from-b
edit c 马超 --add-points 7
rounds 2
converged "baseline converges" 3
snap() {	# the state that redelivery must not change
	for st in hq a b c; do
		dump "$st"
		sql "$S/$st.db" "SELECT count(*) FROM conflict"
		sql "$S/$st.db" "SELECT tbl, gid, col, hlc, site FROM clock ORDER BY 1, 2, 3"
		sql "$S/$st.db" "SELECT tbl, gid, col, site, val, hlc FROM counter ORDER BY 1, 2, 3, 4"
	done
}
snap >"$S/before"
CF0=$(sql "$S/hq.db" "SELECT count(*) FROM conflict")
expect_rc 0 "A --once with nothing new" sync_br a
expect_rc 0 "A --once again" sync_br a
snap >"$S/after"
if cmp -s "$S/before" "$S/after"; then ok "two idle runs changed nothing"; else
	bad "two idle runs changed something"; diff "$S/before" "$S/after" | head -n 6 | sed 's/^/       /'; fi
# at-least-once delivery: forget both cursors, so A resends all it wrote
# and HQ resends A everything it has
sqlite3 -batch "$S/hq.db" "UPDATE peer SET recv_ver = 0, acked_ver = 0 WHERE site = 'A'"
sqlite3 -batch "$S/a.db" "UPDATE peer SET recv_ver = 0, acked_ver = 0"
expect_rc 0 "A --once with both cursors reset" sync_br a
expect_rc 0 "B --once after the redelivery" sync_br b
snap >"$S/after2"
if cmp -s "$S/before" "$S/after2"; then ok "full redelivery changed nothing"; else
	bad "full redelivery changed something"; diff "$S/before" "$S/after2" | head -n 6 | sed 's/^/       /'; fi
expect_eq "no new conflicts" "$(sql "$S/hq.db" "SELECT count(*) FROM conflict")" "$CF0"
converged "still converged after redelivery" 3
stop_hq

###########################################################################
section "8. a branch clock one day ahead"
FT=
if command -v faketime >/dev/null 2>&1; then FT=yes
elif [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
	say "faketime missing; trying apt-get install -y faketime"
	DEBIAN_FRONTEND=noninteractive timeout 60 apt-get install -y -qq faketime >/dev/null 2>&1
	command -v faketime >/dev/null 2>&1 && FT=yes
fi
# libfaketime is an LD_PRELOAD library, which ASan refuses to run after
if [ -n "$FT" ] && ! faketime -f '+1d' "$OUTPOST" --version >/dev/null 2>&1; then
	FT=
	skip 9 "faketime cannot preload into these binaries (a sanitizer build?): scenario 8's 9 checks not run"
elif [ -z "$FT" ]; then
	skip 9 "faketime not available: scenario 8's 9 checks not run"
fi
if [ -n "$FT" ]; then
	scenario s8
	add a 貂蝉 --phone 13100131000 --email diaochan@example.com
	rounds 1
	X=$(cid a 貂蝉)
	FAKE=+1d
	export FAKETIME_DONT_FAKE_MONOTONIC=1
	expect_rc 0 "edit at B with its clock a day ahead" \
		faketime -f "$FAKE" "$OUTPOST" --db "$S/b.db" customer edit "$X" --email dayahead@example.com
	expect_eq "B's journal stamp is a day ahead" \
		"$(sql "$S/b.db" "SELECT CAST(round((max(ts) / 1000.0 - strftime('%s','now')) / 3600) AS INTEGER) FROM journal")" 24
	expect_rc 0 "B --once under faketime" sync_br b
	unset FAKETIME_DONT_FAKE_MONOTONIC
	FAKE=
	expect_eq "B's day-ahead edit reached HQ" \
		"$(sql "$S/hq.db" "SELECT email FROM customer WHERE id = '$X'")" dayahead@example.com
	edit a "$X" --email later@example.com
	expect_rc 0 "A --once" sync_br a
	r=0
	while [ $r -lt 2 ]; do
		sync_br a || bad "A --once (round $r)"
		FAKE=+1d
		sync_br b || bad "B --once under faketime (round $r)"
		FAKE=
		sync_br c || bad "C --once (round $r)"
		r=$((r+1))
	done
	converged "the day-ahead branch converges" 1
	each "SELECT email FROM customer WHERE id = '$X'" "later@example.com" \
		"A's later real-time edit wins everywhere"
	NOW=$(date +%s)
	expect_eq "HQ holds no version from tomorrow" \
		"$(sql "$S/hq.db" "SELECT count(*) FROM clock WHERE (hlc >> 16) / 1000 > $NOW + 300")" 0
	if grep -Eq "B's clock is \+8[0-9]{4} s off" "$S/hq.log"; then ok "HQ's log says B's clock is off"
	else bad "HQ's log says B's clock is off"; grep -i clock "$S/hq.log" | head -n 3 | sed 's/^/       /'; fi
	stop_hq
fi

###########################################################################
section "9. keys HQ must refuse"
scenario s9
add a 吕布 --phone 13000130000
rounds 1
# a stranger: its own keys, HQ pinned, never enrolled
"$OUTPOST" --db "$S/x.db" init --site X >/dev/null 2>&1
"$OUTPOST" --db "$S/x.db" keys init >/dev/null 2>&1
"$OUTPOST" --db "$S/x.db" peer hq "$(cat "$S/hq.db.pub")" >/dev/null 2>&1
add x 陌生人 --phone 13000130009
t0=$(date +%s)
expect_rc 69 "an unenrolled key: --once exits 69" sync_br x --timeout 3
t1=$(date +%s)
if [ $((t1 - t0)) -le 7 ]; then ok "... within its --timeout ($((t1 - t0)) s)"; else
	bad "... within its --timeout (took $((t1 - t0)) s for --timeout 3)"; fi
# an impostor: calls itself A, but has its own key
"$OUTPOST" --db "$S/y.db" init --site A >/dev/null 2>&1
"$OUTPOST" --db "$S/y.db" keys init >/dev/null 2>&1
"$OUTPOST" --db "$S/y.db" peer hq "$(cat "$S/hq.db.pub")" >/dev/null 2>&1
add y 冒名者 --phone 13000130008
expect_rc 69 "a store calling itself A with another key: exits 69" sync_br y --timeout 3
# a revoked branch
expect_rc 0 "revoke C" on hq peer revoke C
add c 已撤销 --phone 13000130007
expect_rc 69 "the revoked branch: --once exits 69" sync_br c --timeout 3
expect_eq "nothing from the refused stores reached HQ" \
	"$(sql "$S/hq.db" "SELECT count(*) FROM customer WHERE name IN ('陌生人','冒名者','已撤销')")" 0
if grep -q "refused a connection" "$S/hq.log"; then ok "HQ logged the refusals"; else
	bad "HQ logged the refusals"; fi
if kill -0 "$HQPID" 2>/dev/null; then ok "HQ still running"; else bad "HQ still running"; fi
add a 董卓 --phone 13000130001
edit b 吕布 --notes 还在同步
rounds 2 a b
converged "the enrolled branches still sync" 2 a b
expect_rc 0 "enrolling C again" on hq peer enrol C "$(cat "$S/c.db.pub")"
rounds 2
converged "C syncs again once re-enrolled" 3
stop_hq

###########################################################################
section "10. writes made with the stock sqlite3 shell"
scenario s10
add a 华佗 --phone 15900159000
add a 张角 --phone 15900159001
rounds 1
U=$(cid a 华佗)
D=$(cid a 张角)
sqlite3 -batch "$S/a.db" "INSERT INTO customer(name, phone) VALUES ('shell','+8613900139000')" ||
	bad "sqlite3 INSERT"
sqlite3 -batch "$S/a.db" "UPDATE customer SET notes = '从 shell 改的', email = 'hua@example.com' WHERE id = '$U'" ||
	bad "sqlite3 UPDATE"
sqlite3 -batch "$S/a.db" "DELETE FROM customer WHERE id = '$D'" || bad "sqlite3 DELETE"
written a >"$S/written"
expect_eq "the shell's insert got a UUIDv7 id" \
	"$(sql "$S/a.db" "SELECT id GLOB '????????-????-7???-????-????????????' FROM customer WHERE name = 'shell'")" 1
rounds 2
converged "shell writes converge" 2
expect_eq "HQ holds exactly what A's shell wrote" "$(written hq)" "$(cat "$S/written")"
each "SELECT count(*) FROM customer WHERE name = 'shell' AND phone = '+8613900139000'" 1 \
	"the shell's insert reached every replica"
each "SELECT notes || ' ' || email FROM customer WHERE id = '$U'" "从 shell 改的 hua@example.com" \
	"the shell's update reached every replica"
each "SELECT count(*) FROM customer WHERE id = '$D'" 0 "the shell's delete reached every replica"
stop_hq
section "done"
done_testing
