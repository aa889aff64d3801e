#!/bin/sh
# bench.sh — run by `make bench`: each measurement of tools/bench.c (what
# is measured and how is described at the top of that file) in its own
# process, so peak RSS and caches are per measurement, printing their
# result lines. A measurement fails when its own checks fail (wrong row
# counts, replicas that differ); the script then exits non-zero. Missing a
# target is reported in the lines, not as a failure.
#   tools/bench.sh BENCH_BINARY [e2e|journal|sync|catchup|reports|history|web ...]
# (web: `outpost serve` page times, tools/bench_web.sh)
# With no measurement named, OUTPOST_BENCH (e.g. "journal sync") or all
# three. Stores go in a directory under $TMPDIR (or /tmp), removed on exit
# or interrupt.
set -u
bin=${1:?usage: tools/bench.sh BENCH_BINARY [journal|sync|catchup ...]}
shift
[ $# -gt 0 ] || set -- ${OUTPOST_BENCH:-e2e journal sync catchup reports history web}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/outpost-bench.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM
export TMPDIR="$tmp"

cores=$(nproc 2>/dev/null || echo '?')
echo "== outpost bench: $cores cores, load $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo '?'), $(date -u '+%Y-%m-%d %H:%M UTC')"
failed=""
for m in "$@"; do
	start=$(date +%s)
	# reports and history are programs of their own beside bench
	case $m in
	reports|history) run="${bin%/*}/bench_$m" ;;
	e2e) run="sh $(dirname "$0")/bench_e2e.sh ${OUTPOST_BIN:-bin} ${bin%/*}" ;;
	web) run="sh $(dirname "$0")/bench_web.sh ${OUTPOST_BIN:-bin}" ;;
	*) run="$bin $m" ;;
	esac
	if $run; then
		echo "   ($m took $(($(date +%s) - start)) s)"
	else
		echo "bench: $m FAILED (exit $?)" >&2
		failed="$failed $m"
	fi
done
[ -z "$failed" ] || { echo "bench: failed:$failed" >&2; exit 1; }
exit 0
