#!/bin/sh
# bench/lock/run.sh - the daemon's latencies while another process holds
# the SQLite write lock: the scenario of tests/integration/lock_latency.sh
# (which asserts only that nothing waits for the lock), measured.
#
# usage: bench/lock/run.sh [-r RUNS] [-H SECONDS] [-m MESSAGES] [-b BUILD_DIR]
#   -r RUNS     lock periods, one after the other (default 5)
#   -H SECONDS  how long each lock is held (default 3)
#   -m N        messages in the thread (default 50)
#   -b DIR      build directory holding gatewayd/gatewayd and
#               gatewayd/gatewayctl (default ./build)
#
# One gatewayd with its web view, JSON API, policy service and LMTP on
# loopback, database in WAL mode with synchronous=FULL (the default).  In
# each run a second process takes the write lock (BEGIN IMMEDIATE, an
# UPDATE) and holds it; meanwhile closed-loop clients (Python, keep-alive
# connections, 5 ms between requests) fetch /static/app.css, a cached
# thread page, each of 40 readers' first (rendered) view of the page, the
# thread through the API, and ask the policy service; 3 web replies and
# 3 API messages are posted as the lock is taken.  Per kind, the p99 of
# each run; the median of the runs (min..max) is reported.
# Targets: static and cached page p99 < 5 ms, rendered thread page p99
# < 20 ms; the policy service, the API and POST completion (from the
# release of the lock to the answer) are reported.  The clients' own
# overhead (Python, two cores shared with the server) is in the figures:
# they are upper bounds.
# Besides the report, RESULT lines for bench/run.sh (bench/lib.sh).
set -eu
. "$(dirname "$0")/../lib.sh"

RUNS=5
HOLD=3
MESSAGES=50
BUILD=./build
while [ $# -gt 0 ]; do
	case $1 in
	-r) RUNS=$2; shift 2 ;;
	-H) HOLD=$2; shift 2 ;;
	-m) MESSAGES=$2; shift 2 ;;
	-b) BUILD=$2; shift 2 ;;
	*) echo "usage: $0 [-r RUNS] [-H SECONDS] [-m MESSAGES] [-b BUILD_DIR]" >&2
	   exit 64 ;;
	esac
done
top=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=$(cd "$BUILD" && pwd)
GW=$BUILD/gatewayd/gatewayd
CTL=$BUILD/gatewayd/gatewayctl
for f in "$GW" "$CTL"; do
	[ -x "$f" ] || { echo "missing $f: build first" >&2; exit 1; }
done
python3 -c 'import sqlite3' 2>/dev/null || { echo "missing python3 with sqlite3" >&2; exit 1; }

T=$(mktemp -d /tmp/gw-bench-lock.XXXXXX)
cleanup() { [ "${KEEP:-0}" = 1 ] && echo "kept $T" || rm -rf "$T"; }
trap cleanup EXIT INT TERM

python3 "$top/tests/integration/lock_latency.py" --bench --gatewayd "$GW" --gatewayctl "$CTL" \
	--dir "$T/run" --runs "$RUNS" --hold "$HOLD" --messages "$MESSAGES" --readers 40 >"$T/out" 2>&1 ||
	{ cat "$T/out"; echo "the lock scenario failed" >&2; exit 1; }
grep -v '^RUN ' "$T/out" | grep -v '^gatewayd: relay: ' || true

# p99s KIND: the p99 (ms) of each run for KIND
p99s() { awk -v k="$1" '$1 == "RUN" && $2 == k { print $5 }' "$T/out"; }
count() { awk -v k="$1" '$1 == "RUN" && $2 == k { n += $3 } END { print n + 0 }' "$T/out"; }
spread() { echo "$1" | awk '{ printf "%s..%s", $2, $3 }'; }

echo "lock held ${HOLD} s by another process, $RUNS runs, thread of $MESSAGES messages; p99 per run, median (min..max):"
printf '%-34s %10s %16s %8s  %s\n' "" "p99 ms" "spread" "samples" "target"
# row KIND LABEL TARGET_OP TARGET_MS: print, and a RESULT line
row() {
	# shellcheck disable=SC2046
	st=$(bench_stats $(p99s "$1"))
	n=$(count "$1")
	if [ "$n" = 0 ]; then
		st="- - -"
		verdict=missed
	elif [ -n "$3" ]; then
		verdict=$(bench_verdict "${st%% *}" "$3" "$4")
	else
		verdict=reported
	fi
	target=$([ -n "$3" ] && echo "p99 $3 $4 ms" || echo "-")
	printf '%-34s %10s %16s %8s  %s\n' "$2" "${st%% *}" "$(spread "$st")" "$n" \
		"$target$([ "$verdict" = reported ] || echo " ($verdict)")"
	bench_result lock "lock held ${HOLD}s: $2" "$st" "-" "-" ms "-" \
		"$([ -n "$3" ] && echo "$3 $4" || echo -)" "$verdict" "$RUNS" \
		"p99 per run, $n samples; another process holds the write lock" >>"$T/results"
}
: >"$T/results"
row static "static file (/static/app.css)" "<" 5
row page_cached "cached thread page" "<" 5
row page_first "thread page, first view (rendered)" "<" 20
row policy "policy service answer" "" ""
row api_GET "API GET of the thread" "" ""
row post_after_release "POST answered after the release" "" ""
cat "$T/results"
