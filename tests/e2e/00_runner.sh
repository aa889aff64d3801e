#!/bin/sh
# 00_runner.sh — the test runner tests itself: tiny scripts that pass, die
# partway, lose their plan or their done_testing, run through tests/run.sh
# and lib.sh exactly as the real scripts are. A script that dies early must
# fail the run however many checks it passed before dying.
. "$(dirname "$0")/lib.sh"
plan 27

RUN=$ROOT/tests/run.sh
# fake NAME BODY: a script NAME in its own folder $T/NAME, sourcing lib.sh.
fake() {
	mkdir -p "$T/$1"
	cp "$ROOT/tests/e2e/lib.sh" "$T/$1/lib.sh"
	printf '. "$(dirname "$0")/lib.sh"\n%s\n' "$2" >"$T/$1/10_fake.sh"
}
# runner NAME WANT_RC WANT_LAST DESC: run.sh over fake NAME exits WANT_RC
# (0, or 1 for any failure) and its closing line is WANT_LAST.
runner() {
	run env OUTPOST_E2E_DIR="$T/$1" sh "$RUN" -
	got=$RC; [ "$got" -eq 0 ] || got=1
	expect_eq "$4: run.sh exit" "$got" "$2"
	expect_eq "$4: closing line" "$(printf '%s\n' "$OUT" | tail -n 1)" "$3"
}

fake good 'plan 2
ok one
ok two
done_testing'
runner good 0 "2 passed, 0 failed" "a script that reaches its plan"

# the case from issue 15: 4 checks, a shell error, an unreached failing check
fake dies 'plan 5
ok one; ok two; ok three; ok four
: ${NO_SUCH_VARIABLE}
bad "never reached"
done_testing'
runner dies 1 "4 passed, 1 failed" "a script that dies of a shell error"
expect_out "the runner says it ended early" "FAIL 10_fake: .*4 of 5 planned checks reached"

fake exits 'plan 3
ok one
exit 0
ok two; ok three
done_testing'
runner exits 1 "1 passed, 2 failed" "a script that exits 0 partway"

fake nodone 'plan 1
ok one'
runner nodone 1 "1 passed, 1 failed" "a script without done_testing"
expect_out "the runner names done_testing" "ended before done_testing"

fake noplan 'ok one
done_testing'
runner noplan 1 "1 passed, 1 failed" "a script without a plan"

fake over 'plan 1
ok one; ok two
done_testing'
runner over 1 "2 passed, 1 failed" "a script with more checks than planned"

fake failing 'plan 2
ok one
bad two
done_testing'
runner failing 1 "1 passed, 1 failed" "a script with a failed check"

fake killed 'plan 2
ok one
kill -KILL $$
ok two
done_testing'
runner killed 1 "0 passed, 1 failed" "a script killed before its RESULT line"
expect_out "the runner says there was no result" "ended without a result"

fake skipped 'plan 3
ok one
skip 2 "two checks need a tool this machine lacks"
done_testing'
runner skipped 0 "1 passed, 0 failed" "skipped checks count towards the plan"

fake bail 'plan 3
ok one
bad two
ok three
done_testing'
run env OUTPOST_BAIL=1 OUTPOST_E2E_DIR="$T/bail" sh "$RUN" -
expect_no_out "OUTPOST_BAIL=1 stops at the first failure" "ok +three"
expect_eq "a bailed-out script fails" "$(printf '%s\n' "$OUT" | tail -n 1)" "1 passed, 2 failed"

# a unit binary that crashes without Criterion's summary
printf '#!/bin/sh\necho "Segmentation fault"\nexit 139\n' >"$T/unit"
chmod +x "$T/unit"
mkdir -p "$T/none"
run env OUTPOST_E2E_DIR="$T/none" sh "$RUN" "$T/unit"
expect_eq "a unit binary that crashes fails the run" "$RC" 1
expect_eq "... counted as a failure" "$(printf '%s\n' "$OUT" | tail -n 1)" "0 passed, 1 failed"

# a script's own exit status, seen without run.sh (what CI and make see)
run sh "$T/dies/10_fake.sh"
expect_eq "a script that dies exits non-zero by itself" "$RC" 1
run sh "$T/good/10_fake.sh"
expect_eq "a good script exits 0 by itself" "$RC" 0
done_testing
