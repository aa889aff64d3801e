#!/bin/sh
# bench_e2e.sh — end-to-end figures through the real daemons, run by
# `make bench` (tools/bench.sh e2e). Every figure comes from bin/outpostd
# --hq and bin/outpostd --branch --once on loopback, default options (only
# --timeout, which only decides when to give up, is raised), and is printed
# beside its baseline as a ratio, with the target:
#
#   up, down   N new customers + N edits of them (2N changes) made at a
#              branch (up) or at HQ (down) with the journal on, synced to a
#              fresh HQ (a fresh branch), timed from starting the branch's
#              outpostd --once to its exit (down: once HQ, started on the
#              template, has stamped its own writes, as a running HQ does
#              when they are made). Baseline: tools/changeset_apply,
#              sqlite3changeset_apply of the session changesets of the same
#              2N changes into a store with the same schema, indexes and
#              search index ("fts"), and into the bare tables ("bare").
#              RUNS rounds, each baseline, up, down in turn (the order
#              rotates per round), medians reported.
#   wire       compressed batch bytes per change (from the branch's debug log
#              of the up run), against zlib-6 of the changesets.
#   catchup    C new customers at a branch, synced to a fresh HQ: time, and
#              peak RSS (VmHWM from /proc/PID/status, sampled every 0.2 s
#              and once more at the end) of both daemons, and apart the
#              largest of their children's (the history's pack merges, run
#              in a child process: 0 when none ran). Meanwhile a clerk
#              runs `outpost customer add` at HQ in a loop: p95 latency
#              against the same command on the idle HQ beforehand.
#   big HQ     then a second branch syncs 2N changes into that HQ holding C
#              customers: HQ's merge rate (from its own log lines "applied
#              N changes ... in T ms") against the same into the empty HQ
#              of the up run. That branch then downloads the C customers
#              (a catch-up down): time and its peak RSS.
#   fanout     K branches with M new customers each; every branch needs all:
#              each round runs all K outpostd --once at once, until every
#              branch holds K*M customers. Time to converge and the cost per
#              row applied (K*M at HQ + K*(K-1)*M at branches), per size;
#              beside it SQLite's own changeset apply of as many rows
#              (measured on K*M into one store), spread over every core.
#   idle       the K branches of the last fan-out stay connected (no --once)
#              once caught up: HQ's CPU over 10 s, in % of one core.
#   history    HQ's history repository after the catch-up: size per million
#              records and pack count.
#
#   tools/bench_e2e.sh BIN_DIR TOOLS_DIR
# OUTPOST_BENCH_QUICK=1: small sizes and one round, for iteration; its
# figures are indicative only. OUTPOST_E2E_N, _C, _FANOUT (e.g. "20x1000
# 5x100000"), _IDLE (the fan-out size that measures idle CPU), _RUNS and
# _SECTIONS (any of "updown catchup fanout") override the sizes; the
# header line says which ran. Stores go under $TMPDIR (or /tmp), removed on
# exit; every daemon started here is stopped by its pid.
set -u
bin=${1:?usage: tools/bench_e2e.sh BIN_DIR TOOLS_DIR}
tools=${2:?usage: tools/bench_e2e.sh BIN_DIR TOOLS_DIR}
OUTPOST=$bin/outpost
OUTPOSTD=$bin/outpostd
GEN=$tools/bench
CSA=$tools/changeset_apply

if [ "${OUTPOST_BENCH_QUICK:-0}" = 1 ]; then
	N=10000 RUNS=1 C=100000 FANOUT="20x200 20x1000" IDLE_AT=20x1000 mode=quick
else
	N=100000 RUNS=3 C=1000000 FANOUT="20x1000 20x10000 5x100000" IDLE_AT=20x10000 mode=full
fi
N=${OUTPOST_E2E_N:-$N} C=${OUTPOST_E2E_C:-$C} FANOUT=${OUTPOST_E2E_FANOUT:-$FANOUT}
IDLE_AT=${OUTPOST_E2E_IDLE:-$IDLE_AT} RUNS=${OUTPOST_E2E_RUNS:-$RUNS}
SECTIONS=${OUTPOST_E2E_SECTIONS:-updown catchup fanout}
has() { case " $SECTIONS " in *" $1 "*) return 0 ;; esac; return 1; }

W=$(mktemp -d "${TMPDIR:-/tmp}/outpost-e2e.XXXXXX") || exit 1
PIDS=""
cleanup() {
	for p in $PIDS; do kill "$p" 2>/dev/null; done
	rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
TOPT="--timeout 900"

die() { echo "e2e: $*" >&2; exit 1; }
now() { date +%s.%N; }
fl() { awk "BEGIN { printf \"%.${2:-2}f\", $1 }"; }
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
count() { sqlite3 -batch -cmd '.timeout 10000' "$1" "SELECT count(*) FROM customer"; }
median() { tr ' ' '\n' | grep . | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
# hwm PID: its VmHWM in MiB, or nothing once it is gone.
hwm() { awk '/^VmHWM/ { printf "%.0f", $2 / 1024 }' "/proc/$1/status" 2>/dev/null; }
# watch PID FILE: the last VmHWM of PID in FILE, until PID exits; in
# FILE.kids the largest VmHWM seen of its children (the history's pack
# merge runs in one), 0 when it had none; in FILE.smaps PID's
# /proc/PID/smaps_rollup (and in FILE.smaps-full its smaps, mapping by
# mapping) when its peak last grew: what the memory was.
watch() {
	k=0 top=0
	while [ -e "/proc/$1" ]; do
		v=$(hwm "$1"); [ -n "$v" ] && echo "$v" >"$2"
		if [ -n "$v" ] && [ "$v" -gt "$top" ]; then
			top=$v
			cat "/proc/$1/smaps_rollup" >"$2.smaps" 2>/dev/null
			cat "/proc/$1/smaps" >"$2.smaps-full" 2>/dev/null
		fi
		for c in $(cat /proc/"$1"/task/*/children 2>/dev/null); do
			v=$(hwm "$c"); [ -n "$v" ] && [ "$v" -gt "$k" ] && k=$v
		done
		echo "$k" >"$2.kids"
		sleep 0.2
	done
}
# row FIGURE VALUE BASELINE RATIO TARGET MET
row() { printf '%-44s %-22s %-22s %-8s %-14s %s\n' "$@"; }
# met RATIO OP LIMIT: yes or NO
met() { awk "BEGIN { print ($1 $2 $3) ? \"yes\" : \"NO\" }"; }

# keys_hq DIR: HQ store DIR/hq.db with keys (created empty if missing).
keys_hq() {
	[ -f "$1/hq.db" ] || "$OUTPOST" --db "$1/hq.db" init --site HQ --hq >/dev/null || die "init hq"
	"$OUTPOST" --db "$1/hq.db" keys init >/dev/null 2>&1 || die "hq keys"
}
# enrol DIR DB SITE: a branch store (created empty if missing) with keys,
# enrolled at DIR/hq.db, pinning its key.
enrol() {
	[ -f "$2" ] || "$OUTPOST" --db "$2" init --site "$3" >/dev/null || die "init $3"
	"$OUTPOST" --db "$2" keys init >/dev/null 2>&1 &&
	"$OUTPOST" --db "$1/hq.db" peer enrol "$3" "$(cat "$2.pub")" >/dev/null &&
	"$OUTPOST" --db "$2" peer hq "$(cat "$1/hq.db.pub")" >/dev/null || die "enrol $3"
}
# hq_start DIR: outpostd --hq on DIR/hq.db; sets HQPID, PORT, HQLOG.
hq_start() {
	PORT=$(port) HQLOG=$1/hq.log
	"$OUTPOSTD" --hq --db "$1/hq.db" --listen "tcp://127.0.0.1:$PORT" 2>>"$HQLOG" &
	HQPID=$!
	PIDS="$PIDS $HQPID"
	watch "$HQPID" "$1/hq.hwm" &
	i=0
	until grep -q 'listening on' "$HQLOG" 2>/dev/null; do
		i=$((i+1)); [ $i -lt 600 ] || die "HQ did not start in 60 s: $(cat "$HQLOG")"; sleep 0.1
	done
}
# hq_stop DIR: stop HQ (by its pid), waiting for it; HQHWM its peak RSS.
hq_stop() {
	HQHWM=$(hwm "$HQPID")
	kill "$HQPID" 2>/dev/null
	wait "$HQPID" 2>/dev/null
	[ -n "$HQHWM" ] || HQHWM=$(cat "$1/hq.hwm" 2>/dev/null)
	sleep 0.3	# the watcher's last look
	HQKIDS=$(cat "$1/hq.hwm.kids" 2>/dev/null || echo 0)
}
# stamped DB: wait (up to 60 s) until the daemon on DB has stamped its
# journal. HQ runs all the time and stamps its own writes as they are made;
# the template's HQ is started just before the down run, and its stamping
# of N customers would otherwise be timed as part of the branch's download.
stamped() {
	i=0
	until [ "$(sqlite3 -batch -cmd '.timeout 10000' "$1" "SELECT (SELECT coalesce(max(seq), 0)
		FROM journal) <= (SELECT coalesce(max(value), 0) FROM meta WHERE key = 'stamped_seq')")" = 1 ]; do
		i=$((i+1)); [ $i -lt 600 ] || die "HQ did not stamp its journal in 60 s"; sleep 0.1
	done
}
# once DB LOG [options]: one outpostd --branch --once; sets SECS, BRHWM.
once() {
	db=$1 log=$2
	shift 2
	t0=$(now)
	"$OUTPOSTD" --branch --db "$db" --connect "tcp://127.0.0.1:$PORT" --once $TOPT "$@" 2>>"$log" &
	bp=$!
	watch "$bp" "$db.hwm" &
	wp=$!
	wait "$bp" || die "branch sync of $db failed: $(tail -3 "$log")"
	SECS=$(awk "BEGIN { print $(now) - $t0 }")
	wait "$wp" 2>/dev/null
	BRHWM=$(cat "$db.hwm" 2>/dev/null || echo '?')
	BRKIDS=$(cat "$db.hwm.kids" 2>/dev/null || echo 0)
}
# applied_ms LOG SITE: total ms HQ logged for merging SITE's batches, from
# its round lines ("received N changes from SITE in K batches, T ms (A ms
# applying; ..."), which the default log level writes.
applied_ms() { awk -v s="changes from $2 in" 'index($0, s) && /ms applying/ { for (i = 2; i < NF; i++) if ($(i+1) == "ms" && $(i+2) ~ /^applying/) { v = $i; sub(/^\(/, "", v); t += v } } END { print t + 0 }' "$1"; }
# received LOG SITE: the changes HQ logged as received from SITE.
received() { awk -v s="changes from $2 in" 'index($0, s) { for (i = 1; i < NF; i++) if ($i == "received") t += $(i+1) } END { print t + 0 }' "$1"; }
# wire_bytes LOG: compressed bytes of the batches a branch sent (debug log).
wire_bytes() { sed -n 's/.*changes ([0-9]* -> \([0-9]*\) bytes).*/\1/p' "$1" | awk '{ t += $1 } END { print t + 0 }'; }
# p95 FILE: 95th percentile of the numbers in FILE.
p95() { sort -g "$1" | awk '{ v[NR] = $1 } END { k = int(NR * 0.95 + 0.5); if (k < 1) k = 1; print v[k] }'; }
# clerk DB OUT UNTIL_FILE FIRST: `customer add` in a loop until UNTIL_FILE
# exists (or 40 times when it is "-"), each latency in ms on a line of OUT;
# phone numbers from FIRST on, so that none is refused as a duplicate.
# (134: a prefix the generated customers never have, tools/bench.c)
clerk() {
	k=$4
	while :; do
		if [ "$3" = - ]; then [ $k -lt $(($4 + 40)) ] || break; else [ -e "$3" ] && break; fi
		t0=$(now)
		"$OUTPOST" --db "$1" --as clerk customer add --name "测试$k" \
			--phone "134$(printf %08d $k)" >/dev/null 2>&1 || die "clerk: customer add failed"
		awk "BEGIN { print ($(now) - $t0) * 1000 }" >>"$2"
		k=$((k+1))
		sleep 0.05
	done
}

echo "== e2e ($mode): real outpostd daemons on loopback, default options; N=$N (2N changes), $RUNS round(s), catch-up $C, fan-out $FANOUT, sections: $SECTIONS; load $(cut -d' ' -f1-3 /proc/loadavg)"

row "figure" "value" "baseline" "ratio" "target" "met?"

# --- templates (untimed) ---
T=$W/tpl
if has updown; then
mkdir -p "$T/up" "$T/down"
t0=$(now)
"$GEN" gen "$T/up/b.db" B1 0 "$N" upd "cs=$T/cs" || die "gen up"
keys_hq "$T/up"
enrol "$T/up" "$T/up/b.db" B1
"$GEN" gen "$T/down/hq.db" HQ 0 "$N" hq upd || die "gen down"
keys_hq "$T/down"
enrol "$T/down" "$T/down/b.db" B1
echo "   (templates made in $(fl "$(now) - $t0" 0) s)"

# fresh NAME TEMPLATE: a copy of a template directory as $W/NAME.
fresh() { rm -rf "$W/$1"; cp -r "$2" "$W/$1"; }

# --- up / down / baselines, rotating ---
UP="" DOWN="" FTS="" BARE="" UPAPPLY=""
for r in $(seq 1 "$RUNS"); do
	for step in $(echo "base up down base up down" | cut -d' ' -f$((1 + (r - 1) % 3))-$((3 + (r - 1) % 3))); do
		case $step in
		base)
			rm -f "$W"/csa*.db*
			set -- $("$CSA" "$W/csa.db" "$T/cs.ins" "$T/cs.upd") || die "changeset_apply"
			FTS="$FTS $4" CSN=$2 ZLIB=$6
			rm -f "$W"/csa*.db*
			set -- $("$CSA" --bare "$W/csa.db" "$T/cs.ins" "$T/cs.upd") || die "changeset_apply --bare"
			BARE="$BARE $4" ;;
		up)
			fresh up "$T/up"
			hq_start "$W/up"
			once "$W/up/b.db" "$W/up/b.log" --log-level debug
			UP="$UP $SECS"
			UPAPPLY="$UPAPPLY $(applied_ms "$HQLOG" B1)"
			hq_stop "$W/up"
			[ "$(count "$W/up/hq.db")" = "$N" ] || die "up: HQ holds $(count "$W/up/hq.db") customers, expected $N"
			WIRE=$(wire_bytes "$W/up/b.log")
			UPCHG=$(received "$HQLOG" B1) ;;
		down)
			fresh down "$T/down"
			hq_start "$W/down"
			stamped "$W/down/hq.db"
			once "$W/down/b.db" "$W/down/b.log"
			DOWN="$DOWN $SECS"
			hq_stop "$W/down"
			[ "$(count "$W/down/b.db")" = "$N" ] || die "down: branch holds $(count "$W/down/b.db") customers" ;;
		esac
	done
	echo "   round $r: fts $(echo $FTS | awk '{print $NF}') s, bare $(echo $BARE | awk '{print $NF}') s, up $(echo $UP | awk '{print $NF}') s, down $(echo $DOWN | awk '{print $NF}') s"
done
ch=$((2 * N))
fts=$(echo "$FTS" | median) bare=$(echo "$BARE" | median)
up=$(echo "$UP" | median) down=$(echo "$DOWN" | median) upapply=$(echo "$UPAPPLY" | median)
r_fts=$(fl "$ch / $fts" 0) r_bare=$(fl "$ch / $bare" 0)
r_up=$(fl "$ch / $up" 0) r_down=$(fl "$ch / $down" 0)

row "up: branch->HQ changes/s (fts baseline)" "$r_up" "$r_fts" "$(fl "$r_up / $r_fts")" ">= 0.8" "$(met "$r_up / $r_fts" '>=' 0.8)"
row "up: branch->HQ changes/s (bare baseline)" "$r_up" "$r_bare" "$(fl "$r_up / $r_bare")" ">= 0.3" "$(met "$r_up / $r_bare" '>=' 0.3)"
row "down: HQ->branch changes/s (fts baseline)" "$r_down" "$r_fts" "$(fl "$r_down / $r_fts")" ">= 0.8" "$(met "$r_down / $r_fts" '>=' 0.8)"
row "down: HQ->branch changes/s (bare baseline)" "$r_down" "$r_bare" "$(fl "$r_down / $r_bare")" ">= 0.3" "$(met "$r_down / $r_bare" '>=' 0.3)"
bpc=$(fl "$WIRE / $ch" 1) zpc=$(fl "$ZLIB / $ch" 1)
row "wire: bytes/change (zlib-6 changesets)" "$bpc" "$zpc" "$(fl "$bpc / $zpc")" "<= 1.2" "$(met "$bpc / $zpc" '<=' 1.2)"
fi

# --- catch-up C, clerk, big HQ ---
if has catchup; then
S=$W/cu
mkdir -p "$S"
"$GEN" gen "$S/b.db" B1 0 "$C" || die "gen catch-up"
"$GEN" gen "$S/b2.db" B2 "$((C + N))" "$N" upd || die "gen b2"
keys_hq "$S"
enrol "$S" "$S/b.db" B1
enrol "$S" "$S/b2.db" B2
hq_start "$S"
: >"$S/idle.ms"
clerk "$S/hq.db" "$S/idle.ms" - 0
: >"$S/busy.ms"
clerk "$S/hq.db" "$S/busy.ms" "$S/done" 1000 &
CLERK=$!
PIDS="$PIDS $CLERK"
once "$S/b.db" "$S/b.log"
touch "$S/done"
wait "$CLERK"
cu=$SECS cubr=$BRHWM cukids=$BRKIDS
once "$S/b2.db" "$S/b2.log"
dnsecs=$SECS dnhwm=$BRHWM dnkids=$BRKIDS
bigapply=$(applied_ms "$HQLOG" B2)
hq_stop "$S"
[ "$(count "$S/hq.db")" -ge "$((C + N))" ] || die "catch-up: HQ holds $(count "$S/hq.db") customers"
[ "$(count "$S/b2.db")" -ge "$((C + N))" ] || die "catch-up down: B2 holds $(count "$S/b2.db") customers"
row "catch-up $C up: changes/s" "$(fl "$C / $cu" 0)" "-" "-" "-" "-"
row "catch-up up+down: HQ peak RSS MiB (VmHWM)" "$HQHWM" "64" "$(fl "$HQHWM / 64")" "<= 64" "$(met "$HQHWM" '<=' 64)"
row "catch-up: branch peak RSS MiB (VmHWM)" "$cubr" "64" "$(fl "$cubr / 64")" "<= 64" "$(met "$cubr" '<=' 64)"
row "catch-up $C down: changes/s" "$(fl "$C / $dnsecs" 0)" "-" "-" "-" "-"
row "catch-up down: branch peak RSS MiB" "$dnhwm" "64" "$(fl "$dnhwm / 64")" "<= 64" "$(met "$dnhwm" '<=' 64)"
# what each peak was made of: anonymous memory (heap, SQLite's caches)
# and file pages (the store's and the history's maps)
mix() { awk '/^Rss:/ { r = $2 } /^Anonymous:/ { a = $2 }
	END { if (r) printf "%.0f+%.0f", a / 1024, (r - a) / 1024; else printf "-" }' "$1" 2>/dev/null; }
row "catch-up: peaks anon+file MiB HQ/up/down" "$(mix "$S/hq.hwm.smaps") / $(mix "$S/b.db.hwm.smaps") / $(mix "$S/b2.db.hwm.smaps")" "-" "-" "-" "-"
# the pack merges run in child processes of the daemons: their own peaks
row "catch-up: pack merge peak RSS MiB HQ/up/down" "$HQKIDS / $cukids / $dnkids" "64" "-" "<= 64" \
	"$(met "$(printf '%s\n' "$HQKIDS" "$cukids" "$dnkids" | sort -n | tail -1)" '<=' 64)"
ip=$(p95 "$S/idle.ms") bp=$(p95 "$S/busy.ms")
row "clerk customer add p95 ms (busy vs idle)" "$(fl "$bp" 0) ($(wc -l <"$S/busy.ms") runs)" "$(fl "$ip" 0)" "$(fl "$bp / $ip")" "<= 2" "$(met "$bp / $ip" '<=' 2)"
# merge rate at HQ, from its log: into the C-customer HQ vs into empty
# (not printed when a merge took under a millisecond: nothing to divide)
if [ -n "${UPCHG:-}" ] && [ "${upapply:-0}" -gt 0 ] && [ "${bigapply:-0}" -gt 0 ]; then
	bigchg=$(received "$HQLOG" B2)
	e_rate=$(fl "$UPCHG / ($upapply / 1000)" 0) b_rate=$(fl "$bigchg / ($bigapply / 1000)" 0)
	row "HQ merge/s into $C customers (HQ log)" "$b_rate" "$e_rate (empty)" "$(fl "$b_rate / $e_rate")" ">= 0.9" "$(met "$b_rate / $e_rate" '>=' 0.9)"
fi
if [ -d "$S/hq.db.git" ]; then
	kib=$(du -sk "$S/hq.db.git" | cut -f1)
	packs=$(find "$S/hq.db.git/objects/pack" -name '*.pack' | wc -l)
	loose=$(find "$S/hq.db.git/objects" -path '*/pack' -prune -o -type f -print | wc -l)
	recs=$(count "$S/hq.db")
	row "history: MiB per million records" "$(fl "$kib / 1024 * 1000000 / $recs" 0)" "-" "-" "-" "-"
	row "history: pack files / loose objects" "$packs / $loose" "-" "-" "bounded" "$(met "$packs" '<=' 16)"
fi

fi

# --- fan-out ---
has fanout || FANOUT=""
for f in $FANOUT; do
	K=${f%x*} M=${f#*x}
	S=$W/fan$f
	mkdir -p "$S"
	keys_hq "$S"
	for j in $(seq 1 "$K"); do
		"$GEN" gen "$S/b$j.db" "S$j" "$(((j - 1) * M))" "$M" >/dev/null || die "gen fan-out"
		enrol "$S" "$S/b$j.db" "S$j"
	done
	hq_start "$S"
	t0=$(now) rounds=0 all=$((K * M))
	while :; do
		rounds=$((rounds + 1))
		bps=""
		for j in $(seq 1 "$K"); do
			"$OUTPOSTD" --branch --db "$S/b$j.db" --connect "tcp://127.0.0.1:$PORT" --once $TOPT \
				2>>"$S/b$j.log" &
			bps="$bps $!"
		done
		for p in $bps; do wait "$p" || die "fan-out: a branch failed"; done
		short=0
		for j in $(seq 1 "$K"); do [ "$(count "$S/b$j.db")" = "$all" ] || short=$((short + 1)); done
		[ $short -eq 0 ] && break
		[ $rounds -lt 10 ] || break
	done
	secs=$(awk "BEGIN { print $(now) - $t0 }")
	applies=$((K * M + K * (K - 1) * M))
	us=$(fl "$secs * 1000000 / $applies" 1)
	FANUS="${FANUS:-} $us"
	tgt="-"; [ "$f" = 20x10000 ] && tgt="<= 60 s"
	if [ $short -gt 0 ]; then
		row "fan-out ${K}x$M: NOT converged" "$short short" "-" "-" "$tgt" "NO"
		hq_stop "$S"
		rm -rf "$S"
		continue
	fi
	row "fan-out ${K}x$M: s to converge ($rounds rounds)" "$(fl "$secs" 1)" "-" "-" "$tgt" \
		"$([ "$tgt" = - ] && echo - || met "$secs" '<=' 60)"
	row "fan-out ${K}x$M: us per row applied" "$us" "-" "-" "flat +-20%" "-"
	# baseline: SQLite's own apply of the K*M rows into one empty store
	# (with the search index, and bare), scaled to the fan-out's row
	# applies and spread over the machine's cores with no cost at all for
	# the network, the sync or the history: the least time any
	# implementation on SQLite could take
	"$GEN" gen "$S/all.db" S0 0 "$all" "cs=$S/cs" >/dev/null || die "gen fan-out baseline"
	cores=$(nproc)
	for how in fts bare; do
		rm -f "$S"/csa.db*
		set -- $("$CSA" $([ $how = bare ] && echo --bare) "$S/csa.db" "$S/cs.ins") || die "changeset_apply"
		b=$(fl "$4 * $applies / $all / $cores" 2)
		row "fan-out ${K}x$M: s vs SQLite apply ($how, $cores cores)" "$(fl "$secs" 1)" "$b" \
			"$(awk "BEGIN { if ($b > 0) printf \"%.2f\", $secs / $b; else print \"-\" }")" "-" "-"
		[ $how = fts ] && FANBASE="${FANBASE:-} $(fl "$4 * 1000000 / $all" 1)"
	done
	rm -f "$S"/csa.db* "$S"/all.db* "$S"/cs.*
	if [ "$f" = "$IDLE_AT" ]; then
		# idle: the K branches stay connected; HQ's CPU once they are caught up
		bps=""
		for j in $(seq 1 "$K"); do
			"$OUTPOSTD" --branch --db "$S/b$j.db" --connect "tcp://127.0.0.1:$PORT" \
				2>>"$S/b$j.log" &
			bps="$bps $!"
		done
		PIDS="$PIDS $bps"
		sleep 5
		t1=$(awk '{ print $14 + $15 }' "/proc/$HQPID/stat")
		sleep 10
		t2=$(awk '{ print $14 + $15 }' "/proc/$HQPID/stat")
		for p in $bps; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
		IDLE=$(fl "($t2 - $t1) / $(getconf CLK_TCK) / 10 * 100" 2)
		row "idle: HQ CPU % with $K caught-up branches" "$IDLE" "-" "-" "< 1" "$(met "$IDLE" '<' 1)"
	fi
	hq_stop "$S"
	rm -rf "$S"
done
set -- ${FANUS:-}
if [ $# -ge 2 ]; then
	mn=$(echo "$FANUS" | tr ' ' '\n' | grep . | sort -g | head -1)
	mx=$(echo "$FANUS" | tr ' ' '\n' | grep . | sort -g | tail -1)
	row "fan-out: cost per row, max/min over sizes" "$(fl "$mx / $mn")" "-" "-" "<= 1.2" "$(met "$mx / $mn" '<=' 1.2)"
	bmn=$(echo "$FANBASE" | tr ' ' '\n' | grep . | sort -g | head -1)
	bmx=$(echo "$FANBASE" | tr ' ' '\n' | grep . | sort -g | tail -1)
	row "fan-out: SQLite apply's us per row, max/min" "$(fl "$bmx / $bmn")" "-" "-" "-" "-"
fi
echo "   (load at the end $(cut -d' ' -f1-3 /proc/loadavg))"
exit 0
