#!/bin/sh
# run.sh — the whole test suite: the Criterion unit binary, then every
# end-to-end script in tests/e2e/. Prints a closing "N passed, N failed"
# line and exits non-zero if anything failed.
#   tests/run.sh UNIT_BINARY [e2e-script-name...]
# UNIT_BINARY "-" skips the unit tests; OUTPOST_E2E_DIR names another
# folder of scripts (tests/e2e/00_runner.sh tests this file that way).
#
# A script counts as failed, whatever its counts say, if it exits non-zero,
# prints no RESULT line, never reaches done_testing, or reaches a number of
# checks other than its plan (see tests/e2e/lib.sh). The checks it planned
# but never reached are added to the failed total (at least one).
unit=$1; shift
passed=0; failed=0; skipped=0; broken=""
if [ -n "$unit" ] && [ "$unit" != "-" ]; then
	echo "== unit tests"
	out=$("$unit" --jobs 2 2>&1); rc=$?
	printf '%s\n' "$out" | tail -n 20
	up=$(printf '%s\n' "$out" | sed -n 's/.*Synthesis: Tested: *\([0-9]*\) | Passing: *\([0-9]*\) | Failing: *\([0-9]*\) | Crashing: *\([0-9]*\).*/\2 \3 \4/p' | tail -1)
	if [ -n "$up" ]; then
		set -- $up "$@"
		passed=$((passed + $1)); failed=$((failed + $2 + $3)); shift 3
	fi
	if [ $rc -ne 0 ] && { [ -z "$up" ] || [ $failed -eq 0 ]; }; then
		echo "unit tests exited $rc"
		failed=$((failed + 1)); broken="$broken unit"
	fi
fi
dir=${OUTPOST_E2E_DIR:-$(dirname "$0")/e2e}
if [ $# -gt 0 ]; then scripts=$(for s in "$@"; do echo "$dir/$s.sh"; done)
else scripts=$(ls "$dir"/[0-9a-z]*.sh 2>/dev/null | grep -v '/lib.sh$'); fi
for s in $scripts; do
	name=$(basename "$s" .sh)
	echo "== $name"
	t0=$(date +%s)
	res=$(timeout "${OUTPOST_E2E_TIMEOUT:-300}" sh "$s" 2>&1); rc=$?
	echo "   ($name: $(( $(date +%s) - t0 )) s)"
	printf '%s\n' "$res" | grep -v '^RESULT '
	line=$(printf '%s\n' "$res" | grep '^RESULT ' | tail -1)
	# RESULT PASSED FAILED SKIPPED PLANNED DONE
	set -- $line
	if [ $# -ne 6 ]; then
		echo "  FAIL $name ended without a result (exit $rc)"
		failed=$((failed + 1)); broken="$broken $name"; continue
	fi
	p=$2 f=$3 k=$4 plan=$5 done=$6
	passed=$((passed + p)); failed=$((failed + f)); skipped=$((skipped + k))
	reached=$((p + f + k))
	why=""
	[ "$plan" != - ] || { why="$why, no plan"; plan=0; }
	[ "$reached" -eq "$plan" ] || why="$why, $reached of $plan planned checks reached"
	[ "$done" = 1 ] || why="$why, ended before done_testing"
	[ $rc -eq 0 ] || [ "$f" -gt 0 ] || why="$why, exit $rc"
	if [ -n "$why" ]; then
		echo "  FAIL $name:${why#,}"
		miss=$((plan - reached)); [ $miss -gt 0 ] || miss=1
		failed=$((failed + miss)); broken="$broken $name"
	fi
	echo "   ($name: $reached checks of $plan planned)"
done
[ $skipped -eq 0 ] || echo "($skipped checks skipped)"
[ -z "$broken" ] || echo "(scripts that did not run to their plan:$broken)"
echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
