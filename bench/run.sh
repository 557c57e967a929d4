#!/bin/sh
# bench/run.sh - every benchmark of gatewayd side by side with its peer, in
# one run, and one table of the results.
#
# usage: bench/run.sh [--quick] [--md FILE] [-b BUILD_DIR] [NAME...]
#   NAME        run only these (default: all, in this order):
#                 outbound   notifications to smtp-sink vs smtp-source
#                 inbound    gatewayd-pipe vs dovecot-lda, one process per message
#                 postfix    end to end: smtp-source -> Postfix -> pipe(8),
#                            vs Postfix piping into /bin/true (needs root)
#                 lmtp       the LMTP listener vs smtp-sink -L and vs the pipe
#                 web        the thread page vs nginx serving the same bytes
#                 uploads    20 clients uploading 10 MB each at once vs nginx
#                            storing the same bodies (client_body_in_file_only)
#                 lock       latencies while another process holds the
#                            write lock (static, pages, policy, POSTs)
#                 reminders  the scheduler with 10^3..10^6 threads: idle pass
#                            flat in N; 10,000 due vs the same SQL in sqlite3
#                 store      post-message transactions vs the same
#                            statements in the sqlite3 shell
#                 attack     memory, CPU, log lines and recovery under the
#                            body, descriptor and header-trickle attacks
#                 privacy    person export and erase on a large installation
#                            (no peer: time and memory reported)
#                 search     the staff's search over 10^5 messages, through
#                            the store and HTTP (no peer: p50/p99 reported)
#   --quick     smaller sizes and 3 runs of each instead of 5 (finishes in
#               under two minutes on two cores; the figures are indicative)
#   --md FILE   also write the table as Markdown to FILE (docs/performance.md)
#   -b DIR      the release build to use (default: build-bench in the
#               source tree; configured with -DCMAKE_BUILD_TYPE=Release
#               -DGW_BENCH=ON and built when needed)
#   --results FILE
#               run nothing: print the table (and --md) of an earlier run
#               from the `results` file in its log directory
#
# Installs the peers it needs with scripts/deps.sh (postfix for smtp-source
# and smtp-sink, dovecot-core for dovecot-lda, nginx-light, wrk, sqlite3),
# builds, then runs each benchmark script (bench/NAME/run.sh, which also
# run alone).  Every figure is the median of the runs with their spread
# (min..max); gatewayd and the peer run alternately in the same run.  The
# output of each benchmark is kept in a log directory named at the end.
# Exit status: 0 when every benchmark ran (met or not), 1 when one failed.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/bench/lib.sh"
ALL="outbound inbound postfix lmtp web uploads lock reminders store attack privacy search"
QUICK=0
MD=""
RESULTS=""
BUILD=$top/build-bench
NAMES=""
while [ $# -gt 0 ]; do
	case $1 in
	--quick) QUICK=1; shift ;;
	--md) MD=$2; shift 2 ;;
	--results) RESULTS=$2; shift 2 ;;
	-b) BUILD=$2; shift 2 ;;
	-h|--help) sed -n '2,/^set -eu/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	-*) echo "bench: unknown option $1 (see --help)" >&2; exit 64 ;;
	*)
		case " $ALL " in
		*" $1 "*) NAMES="$NAMES $1" ;;
		*) echo "bench: unknown benchmark \"$1\" (one of: $ALL)" >&2; exit 64 ;;
		esac
		shift ;;
	esac
done
[ -n "$NAMES" ] || NAMES=$ALL
PATH=$PATH:/usr/sbin:/sbin

# ---- peers, build, the machine ---------------------------------------------
prepare() {
	"$top/scripts/deps.sh" postfix dovecot-core nginx-light wrk sqlite3 curl python3 procps

	case $BUILD in /*) ;; *) BUILD=$(pwd)/$BUILD ;; esac
	cache=$BUILD/CMakeCache.txt
	if [ ! -f "$cache" ] || ! grep -q '^GW_BENCH:BOOL=ON' "$cache" ||
	   ! grep -q '^CMAKE_BUILD_TYPE:STRING=Release$' "$cache"; then
		echo "bench: configuring a release build in $BUILD"
		cmake -S "$top" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DGW_BENCH=ON >/dev/null
	fi
	cmake --build "$BUILD" -j "$(nproc)" --target gatewayd gatewayctl gatewayd-pipe \
		relay_tool test_postfix_pipe_seed bench_reminders bench_store bench_search \
		>"$BUILD/bench-build.log" 2>&1 ||
		{ tail -n 30 "$BUILD/bench-build.log" >&2; echo "bench: build failed" >&2; exit 1; }

	cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
	mem=$(awk '/^MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo)
	os=$(. /etc/os-release 2>/dev/null &&
		echo "${PRETTY_NAME:-unknown} ($(cat /etc/debian_version 2>/dev/null || echo ?))")
	virt=$(systemd-detect-virt 2>/dev/null || true)
	{
		echo "date:    $(date -u '+%Y-%m-%d %H:%M UTC')"
		echo "machine: $(nproc) CPUs, $cpu, $mem RAM${virt:+, virtual ($virt)}"
		echo "system:  $os, Linux $(uname -r)"
		echo "build:   $BUILD (Release), gatewayd $(git -C "$top" describe --always --dirty 2>/dev/null || echo ?)"
		echo "load:    $(cut -d' ' -f1-3 /proc/loadavg) (1, 5, 15 min) at the start"
		if [ "$QUICK" = 1 ]; then
			echo "mode:    --quick: smaller sizes, 3 runs of each (the full run takes 5); indicative only"
		else
			echo "mode:    full: median of 5 runs of each"
		fi
	} | tee "$LOGS/machine"
}

# ---- the benchmarks ----------------------------------------------------------
# run_one NAME: the benchmark's script with the sizes of this mode
run_one() {
	case $1 in
	outbound)
		if [ "$QUICK" = 1 ]; then n=1000; else n=10000; fi
		COUNT=$n REPEAT=$RUNS sh "$top/bench/outbound/run.sh" "$BUILD" ;;
	inbound)
		if [ "$QUICK" = 1 ]; then n=30; else n=100; fi
		sh "$top/bench/inbound/run.sh" -b "$BUILD" -n $n -r $RUNS ;;
	postfix)
		if [ "$(id -u)" != 0 ]; then
			echo "postfix: skipped, a private Postfix instance needs root"
			return 0
		fi
		if [ "$QUICK" = 1 ]; then n=40; else n=100; fi
		sh "$top/bench/inbound/postfix.sh" "$BUILD" $n $RUNS ;;
	lmtp)
		if [ "$QUICK" = 1 ]; then set -- -n 200 -p 20; else set -- -n 2000 -p 100; fi
		sh "$top/bench/lmtp/run.sh" -b "$BUILD" "$@" -r $RUNS ;;
	web)
		if [ "$QUICK" = 1 ]; then d=1s; else d=5s; fi
		DURATION=$d REPEAT=$RUNS sh "$top/bench/web/run.sh" "$BUILD" ;;
	uploads)
		if [ "$QUICK" = 1 ]; then c=10; else c=20; fi
		CLIENTS=$c REPEAT=$RUNS sh "$top/bench/uploads/run.sh" "$BUILD" ;;
	lock)
		sh "$top/bench/lock/run.sh" -b "$BUILD" -r $RUNS ;;
	reminders)
		if [ "$QUICK" = 1 ]; then set -- -N "1000 10000 100000" -p 2000
		else set -- -N "1000 10000 100000 1000000" -p 5000; fi
		sh "$top/bench/reminders/run.sh" -b "$BUILD" "$@" -r $RUNS ;;
	store)
		if [ "$QUICK" = 1 ]; then n=200; else n=1000; fi
		sh "$top/bench/store/run.sh" -b "$BUILD" -n $n -r $RUNS ;;
	attack)
		if [ "$QUICK" = 1 ]; then s=10; else s=20; fi
		sh "$top/bench/attack/run.sh" -b "$BUILD" -s $s ;;
	privacy)
		if [ "$QUICK" = 1 ]; then set -- -m 20000 -f 4 -s 2; else set -- -m 200000 -f 20 -s 5; fi
		sh "$top/bench/privacy/run.sh" -b "$BUILD" "$@" ;;
	search)
		if [ "$QUICK" = 1 ]; then set -- -n 20000 -r 10; else set -- -n 100000 -r 30; fi
		sh "$top/bench/search/run.sh" -b "$BUILD" "$@" ;;
	esac
}

# run_all: every chosen benchmark, its output shown and kept in $LOGS, its
# RESULT lines (or one saying it failed) collected in $RESULTS
run_all() {
	: >"$RESULTS"
	for name in $NAMES; do
		echo
		echo "==== $name"
		t0=$(bench_now_ms)
		# The exit status of the benchmark, through the pipe into tee.
		if { run_one "$name" 2>&1; echo $? >"$LOGS/$name.rc"; } | tee "$LOGS/$name.log"; then :; fi
		t1=$(bench_now_ms)
		rc=$(cat "$LOGS/$name.rc")
		echo "==== $name: $(( (t1 - t0) / 1000 )) s$([ "$rc" = 0 ] || echo ", FAILED (exit $rc)")"
		if [ "$rc" = 0 ]; then
			grep '^RESULT	' "$LOGS/$name.log" >>"$RESULTS" || true
		else
			failed="$failed $name"
			printf 'RESULT\t%s\t%s: failed, see %s\t-\t-\t-\t-\t-\t-\t-\t-\t-\t-\tfailed\t0\t-\n' \
				"$name" "$name" "$LOGS/$name.log" >>"$RESULTS"
		fi
	done
}

failed=""
if [ "$QUICK" = 1 ]; then RUNS=3; else RUNS=5; fi
start=$(bench_now_ms)
if [ -z "$RESULTS" ]; then
	LOGS=$(mktemp -d /tmp/gw-bench.XXXXXX)
	RESULTS=$LOGS/results
	prepare
	run_all
	end=$(bench_now_ms)
	echo
	echo "==== results ($(( (end - start) / 1000 )) s wall, load $(cut -d' ' -f1-3 /proc/loadavg) at the end)"
else
	[ -r "$RESULTS" ] || { echo "bench: cannot read $RESULTS" >&2; exit 66; }
	LOGS=$(dirname "$RESULTS")
	echo "==== results of $LOGS"
fi

# ---- the table ---------------------------------------------------------------
# fmt V: a figure with thousands separators and 3-4 significant digits
awk_fmt='
function fmt(v,    s, i, n, out) {
	if (v == "-" || v == "") return "-"
	v += 0
	if (v >= 100) s = sprintf("%.0f", v)
	else if (v >= 10) return sprintf("%.1f", v)
	else return sprintf("%.2f", v)
	n = length(s); out = ""
	for (i = 1; i <= n; i++) {
		out = out substr(s, i, 1)
		if ((n - i) % 3 == 0 && i < n) out = out ","
	}
	return out
}
function fig(m, lo, hi, unit) {
	if (m == "-") return "-"
	return fmt(m) " " unit " (" fmt(lo) ".." fmt(hi) ")"
}'
awk -F '\t' "$awk_fmt"'
{
	n++
	label[n] = $3; ours[n] = fig($4, $5, $6, $11); peer[n] = fig($8, $9, $10, $11)
	ratio[n] = $12; target[n] = $13; verdict[n] = $14; runs[n] = $15
	note[n] = ($7 != "-" ? $7 : "") ($16 != "-" && $16 != "" ? ($7 != "-" ? "; " : "") $16 : "")
	w1 = length(label[n]) > w1 ? length(label[n]) : w1
	w2 = length(ours[n]) > w2 ? length(ours[n]) : w2
	w3 = length(peer[n]) > w3 ? length(peer[n]) : w3
	w5 = length(target[n]) > w5 ? length(target[n]) : w5
}
END {
	if (w1 < 9) w1 = 9
	if (w2 < 8) w2 = 8
	if (w3 < 4) w3 = 4
	if (w5 < 6) w5 = 6
	f = "%-" w1 "s  %-" w2 "s  %-" w3 "s  %-6s  %-" w5 "s  %s\n"
	printf f, "benchmark", "gatewayd", "peer", "ratio", "target", "result"
	for (i = 1; i <= n; i++)
		printf f, label[i], ours[i], peer[i], ratio[i], target[i], verdict[i] " (" runs[i] " runs)"
	print ""
	print "median (min..max) of the runs; ratio = gatewayd / peer; peers and notes:"
	for (i = 1; i <= n; i++)
		if (note[i] != "") printf "  %s: %s\n", label[i], note[i]
}' "$RESULTS"

if [ -n "$MD" ]; then
	awk -F '\t' "$awk_fmt"'
	function cell(m, lo, hi, unit) {
		if (unit == "us") unit = "µs"
		return m == "-" ? "-" : fmt(m) " " unit " (" fmt(lo) "–" fmt(hi) ")"
	}
	BEGIN {
		print "| benchmark | gatewayd | peer | ratio | target | result |"
		print "|---|---|---|---|---|---|"
	}
	{
		o = cell($4, $5, $6, $11); if ($16 != "-" && $16 != "") o = o "; " $16
		p = cell($8, $9, $10, $11); if ($7 != "-") p = $7 ": " p
		gsub(/\.\./, "–", o); gsub(/->/, "→", $3)
		v = $14 == "met" ? "**met**" : $14 == "missed" ? "**missed**" : $14
		t = $13; gsub(/>=/, "≥", t); gsub(/<=/, "≤", t)
		printf "| %s | %s | %s | %s | %s | %s |\n", $3, o, p, $12, t, v
	}' "$RESULTS" >"$MD"
	echo "Markdown table: $MD"
fi
echo "logs: $LOGS"
if [ -n "$failed" ]; then
	echo "bench: failed:$failed" >&2
	exit 1
fi
