#!/bin/sh
# run.sh — the whole test suite: the Criterion unit binary, then every
# end-to-end script in tests/e2e/. Prints a closing "N passed, N failed"
# line and exits non-zero if anything failed.
#   tests/run.sh UNIT_BINARY [e2e-script-name...]
unit=$1; shift
passed=0; failed=0
if [ -n "$unit" ] && [ "$unit" != "-" ]; then
	echo "== unit tests"
	out=$("$unit" --jobs 2 2>&1); rc=$?
	printf '%s\n' "$out" | tail -n 20
	up=$(printf '%s\n' "$out" | sed -n 's/.*Synthesis: Tested: *\([0-9]*\) | Passing: *\([0-9]*\) | Failing: *\([0-9]*\) | Crashing: *\([0-9]*\).*/\2 \3 \4/p' | tail -1)
	if [ -n "$up" ]; then
		set -- $up "$@"
		passed=$((passed + $1)); failed=$((failed + $2 + $3)); shift 3
	elif [ $rc -ne 0 ]; then failed=$((failed + 1)); fi
	[ $rc -ne 0 ] && [ -z "$up" ] && echo "unit tests exited $rc"
fi
dir=$(dirname "$0")/e2e
if [ $# -gt 0 ]; then scripts=$(for s in "$@"; do echo "$dir/$s.sh"; done)
else scripts=$(ls "$dir"/[0-9a-z]*.sh 2>/dev/null | grep -v '/lib.sh$'); fi
for s in $scripts; do
	echo "== $(basename "$s" .sh)"
	t0=$(date +%s)
	res=$(timeout "${OUTPOST_E2E_TIMEOUT:-300}" sh "$s" 2>&1); rc=$?
	echo "   ($(basename "$s" .sh): $(( $(date +%s) - t0 )) s)"
	printf '%s\n' "$res" | grep -v '^RESULT '
	line=$(printf '%s\n' "$res" | grep '^RESULT ' | tail -1)
	if [ -z "$line" ]; then
		echo "  FAIL $(basename "$s") ended without a result (exit $rc)"
		failed=$((failed + 1)); continue
	fi
	set -- $line
	passed=$((passed + $2)); failed=$((failed + $3))
done
echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
