#!/bin/sh
# 55_faults.sh — the fault harness (tools/faultsim.c, docs/FAULTS.md): a
# fixed set of seeds, each a schedule over HQ and three branches with
# offline periods, dropped, duplicated and reordered batches, daemons
# killed mid-merge, after a commit and mid-stamp, skewed clocks, schema
# upgrades and stock sqlite3 writes; every replica's dump must equal the
# model's. One check per seed; a failing seed prints its replay command.
#
# Every fault kind runs, restores from a backup and branches rebuilt from
# HQ included. After the fixed range come seeds that failed before the
# re-baselining fixes (docs/FAULTS.md): versions a backup held that HQ
# never had (9), an empty batch after a lost one ending a re-baseline
# (29), a skewed clock's sent points counted twice (134, 14), a total that
# moved on without the deltas it held (140, 316), a restored insert whose
# later edits HQ had (201), a write made after the restore (366), a clear
# that reached HQ in its row's image without its version (1634), a write
# on a clock hours slow stamped in that clock's time, not HQ's (1375).
. "$(dirname "$0")/lib.sh"
FIRST=${FAULTS_FIRST:-1}
SEEDS=${FAULTS_SEEDS:-40}
WITHOUT=${FAULTS_WITHOUT:-}
REGRESS=${FAULTS_REGRESS-9 29 134 14 140 316 201 366 1634 1375}
nreg=$(echo $REGRESS | wc -w)
plan $((SEEDS + nreg))
SIM=${OUTPOST_FAULTSIM:-$ROOT/build/tools/faultsim}
if [ ! -x "$SIM" ]; then
	bad "no faultsim at $SIM (make build/tools/faultsim)"
	skip $((SEEDS + nreg - 1)) "no faultsim"
	done_testing
fi
seed() {
	if [ -n "$WITHOUT" ]; then
		run "$SIM" --seed "$1" --without "$WITHOUT"
	else
		run "$SIM" --seed "$1"
	fi
	if [ "$RC" -eq 0 ]; then
		ok "seed $1 converges to the model"
	else
		bad "seed $1: $(printf '%s\n' "$OUT" | grep '^FAIL' | cut -c1-400)"
		echo "       replay: $SIM --seed $1${WITHOUT:+ --without $WITHOUT} -v"
	fi
}
s=$FIRST
while [ "$s" -lt $((FIRST + SEEDS)) ]; do
	seed "$s"
	s=$((s + 1))
done
for s in $REGRESS; do
	seed "$s"
done
done_testing
