#!/bin/sh
# 55_faults.sh — the fault harness (tools/faultsim.c, docs/FAULTS.md): a
# fixed set of seeds, each a schedule over HQ and three branches with
# offline periods, dropped, duplicated and reordered batches, daemons
# killed mid-merge, after a commit and mid-stamp, skewed clocks, schema
# upgrades and stock sqlite3 writes; every replica's dump must equal the
# model's. One check per seed; a failing seed prints its replay command.
#
# Restores from a backup and branches rebuilt from HQ are left out of
# this fixed set while the engine bugs they find are open (FAULTS.md,
# "Open findings"); `make soak` runs every fault kind.
. "$(dirname "$0")/lib.sh"
FIRST=${FAULTS_FIRST:-1}
SEEDS=${FAULTS_SEEDS:-40}
WITHOUT=${FAULTS_WITHOUT:-restore,rebuild}
plan "$SEEDS"
SIM=${OUTPOST_FAULTSIM:-$ROOT/build/tools/faultsim}
if [ ! -x "$SIM" ]; then
	bad "no faultsim at $SIM (make build/tools/faultsim)"
	skip $((SEEDS - 1)) "no faultsim"
	done_testing
fi
s=$FIRST
while [ "$s" -lt $((FIRST + SEEDS)) ]; do
	run "$SIM" --seed "$s" --without "$WITHOUT"
	if [ "$RC" -eq 0 ]; then
		ok "seed $s converges to the model"
	else
		bad "seed $s: $(printf '%s\n' "$OUT" | grep '^FAIL' | cut -c1-400)"
		echo "       replay: $SIM --seed $s --without $WITHOUT -v"
	fi
	s=$((s + 1))
done
done_testing
