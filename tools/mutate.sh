#!/bin/sh
# mutate.sh — `make mutate`: does the suite catch small defects in the
# product? Each file in tools/mutants/ describes one mutant: a literal
# piece of a source file (FROM) and what it becomes (TO), and the tests
# that must then fail (TESTS: e2e script names, or unit:FILTER for the
# Criterion binary's --filter). For each mutant, a copy of the built tree
# gets the change, is rebuilt (make -j2, only what the change touches)
# and the named tests run against it with OUTPOST_BAIL=1, which stops a
# script at its first failed check. The mutant is killed when a test
# fails. A FROM that no longer matches exactly once, a mutant that does
# not build or builds the same binaries, and a suite that fails even
# unmutated are harness errors, never kills.
#   sh tools/mutate.sh [MUTANT-NAME...]     (default: every mutant)
# Prints a line per mutant and "killed K of N"; exits 0 only if every
# mutant was killed.
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
MDIR=$ROOT/tools/mutants
W=$(mktemp -d "${TMPDIR:-/tmp}/outpost-mutate.XXXXXX")
trap 'rm -rf "$W"' EXIT
MAKE=${MAKE:-make}

if [ $# -gt 0 ]; then mutants=$(for m in "$@"; do echo "$MDIR/${m%.sh}.sh"; done)
else mutants=$(ls "$MDIR"/[0-9]*.sh); fi

# the tree as it is now (uncommitted edits too), with its build, so that a
# mutant recompiles only the file it changes
echo "mutate: copying and building the tree in $W/base"
mkdir "$W/base"
(cd "$ROOT" && tar --exclude=./.git --exclude=./build-san -cf - .) | tar -C "$W/base" -xf -
if ! $MAKE -C "$W/base" -j2 all build/unit >"$W/base.log" 2>&1; then
	tail -n 20 "$W/base.log"
	echo "mutate: the unmutated tree does not build"
	exit 1
fi
sums() { cksum "$1/bin/outpost" "$1/bin/outpostd" "$1/build/unit" | cut -d' ' -f1,2; }
sums "$W/base" >"$W/base.sums"

# run_test TREE TEST: one named test against TREE; its status
run_test() {
	case $2 in
	unit:*) "$1/build/unit" --jobs 2 --filter "${2#unit:}" ;;
	*) OUTPOST_BIN=$1/bin OUTPOST_BAIL=1 sh "$1/tests/run.sh" - "$2" ;;
	esac
}
# load FILE: the mutant's FILE, FROM, TO and TESTS
load() {
	FILE= FROM= TO= TESTS=
	. "$1"
	[ -n "$FILE" ] && [ -n "$FROM" ] && [ -n "$TESTS" ]
}

# the tests every mutant names must pass on the unmutated tree
all_tests=$(for m in $mutants; do load "$m" && echo $TESTS; done | tr ' ' '\n' | sort -u)
echo "mutate: the named tests on the unmutated tree:" $all_tests
for t in $all_tests; do
	if ! run_test "$W/base" "$t" >"$W/base-test.log" 2>&1; then
		tail -n 15 "$W/base-test.log"
		echo "mutate: $t fails on the unmutated tree; no mutant can be judged"
		exit 1
	fi
done

n=0 killed=0 errors=0
for m in $mutants; do
	name=$(basename "$m" .sh)
	n=$((n + 1))
	t0=$(date +%s)
	if [ ! -f "$m" ] || ! load "$m"; then
		echo "ERROR     $name: no such mutant, or FILE, FROM or TESTS missing"
		errors=$((errors + 1)); continue
	fi
	rm -rf "$W/m"
	cp -a "$W/base" "$W/m"
	# FROM must occur exactly once: a mutant whose anchor moved is an error
	hits=$(FROM=$FROM perl -0777 -ne 'BEGIN { $f = $ENV{FROM} } $n = () = /\Q$f\E/g; print $n' "$W/m/$FILE" 2>/dev/null)
	if [ "${hits:-0}" != 1 ]; then
		echo "ERROR     $name: FROM matches ${hits:-0} times in $FILE (must be once)"
		errors=$((errors + 1)); continue
	fi
	FROM=$FROM TO=$TO perl -0777 -i -pe 'BEGIN { $f = $ENV{FROM}; $t = $ENV{TO} } s/\Q$f\E/$t/' "$W/m/$FILE"
	if ! $MAKE -C "$W/m" -j2 all build/unit >"$W/m.log" 2>&1; then
		echo "ERROR     $name: does not build"; grep -m 3 'error' "$W/m.log" | sed 's/^/          /'
		errors=$((errors + 1)); continue
	fi
	if sums "$W/m" | cmp -s - "$W/base.sums"; then
		echo "ERROR     $name: the binaries did not change"
		errors=$((errors + 1)); continue
	fi
	by=""
	for t in $TESTS; do
		if ! run_test "$W/m" "$t" >"$W/m-test.log" 2>&1; then
			why=$(grep -m 1 -E '^  FAIL |Failing: [1-9]|Crashing: [1-9]|: Assertion' "$W/m-test.log" | sed 's/^ *//' | cut -c1-90)
			by="$t: $why"
			break
		fi
	done
	if [ -n "$by" ]; then
		killed=$((killed + 1))
		echo "killed    $name ($FILE; $(($(date +%s) - t0)) s) by $by"
	else
		echo "SURVIVED  $name ($FILE; $(($(date +%s) - t0)) s): $TESTS all pass"
	fi
done
[ $errors -eq 0 ] || echo "($errors harness errors: those mutants were not judged)"
echo "killed $killed of $n"
[ $killed -eq $n ]
