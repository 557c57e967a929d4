#!/bin/sh
# bench/lmtp/run.sh - inbound delivery over LMTP: smtp-source -L straight
# into gatewayd's [lmtp] listener, against smtp-source -L into
# smtp-sink -L (the no-work ceiling: same sessions, same messages, nothing
# parsed or stored), and against gatewayd-pipe-local for the same message,
# one process per message doing the work itself (as gatewayd-pipe does when
# the daemon is down; bench/inbound/run.sh measures both of its paths).
# gatewayd-pipe itself would hand these to the daemon running here.
#
# gatewayd runs as it would in production: the daemon with its database in
# WAL mode, synchronous=FULL, every message acknowledged only after its
# inbound log transaction committed.  All messages go to a genuine
# reply+TOKEN address from the same envelope sender, each with its own
# Message-ID (smtp-source numbers them), so none stops at the redelivery
# check; past the first, the per-sender limit applies to both paths alike.
# The verdicts of both paths are printed so that the work is comparable.
#
# usage: bench/lmtp/run.sh [-n N] [-p N] [-s SESSIONS] [-l BYTES] [-r RUNS]
#                          [-b BUILD_DIR]
#   -n N        messages per LMTP / smtp-sink run (default 2000)
#   -p N        messages per gatewayd-pipe run (default 200)
#   -s S        parallel smtp-source sessions (default 4)
#   -l BYTES    message body size (default 20000)
#   -r RUNS     runs of each, interleaved; the median is reported (default 5)
#   -b DIR      build directory holding gatewayd/gatewayd,
#               mta-hooks/gatewayd-pipe-local and tests/test_postfix_pipe_seed
#               (default ./build)
# Targets: LMTP >= 0.25 of smtp-sink's rate; LMTP >= 2x gatewayd-pipe.
# Besides the report, two RESULT lines for bench/run.sh (bench/lib.sh).
set -eu
. "$(dirname "$0")/../lib.sh"

N=2000
NPIPE=200
S=4
L=20000
RUNS=5
BUILD=./build
while [ $# -gt 0 ]; do
	case $1 in
	-n) N=$2; shift 2 ;;
	-p) NPIPE=$2; shift 2 ;;
	-s) S=$2; shift 2 ;;
	-l) L=$2; shift 2 ;;
	-r) RUNS=$2; shift 2 ;;
	-b) BUILD=$2; shift 2 ;;
	*) echo "usage: $0 [-n N] [-p N] [-s SESSIONS] [-l BYTES] [-r RUNS] [-b BUILD_DIR]" >&2
	   exit 64 ;;
	esac
done
BUILD=$(cd "$BUILD" && pwd)
GW=$BUILD/gatewayd/gatewayd
PIPE=$BUILD/mta-hooks/gatewayd-pipe-local
SEED=$BUILD/tests/test_postfix_pipe_seed
for f in "$GW" "$PIPE" "$SEED"; do
	[ -x "$f" ] || { echo "missing $f: build first" >&2; exit 1; }
done
PATH=$PATH:/usr/sbin
for t in smtp-source smtp-sink sqlite3 python3; do
	command -v $t >/dev/null 2>&1 || { echo "missing $t (postfix, sqlite3, python3)" >&2; exit 1; }
done

USER_RUN=""
SINK_USER=""
if [ "$(id -u)" = 0 ]; then
	USER_RUN="runuser -u nobody --"
	SINK_USER="-u nobody"
fi

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

T=$(mktemp -d /tmp/bench-lmtp.XXXXXX)
chmod 755 "$T"
GW_PID=""
SINK_PID=""
cleanup() {
	[ -n "$GW_PID" ] && kill "$GW_PID" 2>/dev/null
	[ -n "$SINK_PID" ] && kill "$SINK_PID" 2>/dev/null
	wait 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

LMTP_PORT=$(free_port)
SINK_PORT=$(free_port)
mkdir -p "$T/gw" "$T/gw/outmail"
[ -n "$USER_RUN" ] && chown -R nobody "$T/gw"
eval "$($USER_RUN "$SEED" "$T/gw/gatewayd.db" "$T/gw/keys" reply.example)"
SENDER=client@client.example
cat >"$T/gw/gatewayd.conf" <<EOC
[store]
path = $T/gw/gatewayd.db
[mail]
from = chat@firm.example
reply_domain = reply.example
batch_window = 0
transport = maildir:$T/gw/outmail
max_explanations_per_day = 1000
[links]
key_file = $T/gw/keys
[lmtp]
listen = 127.0.0.1:$LMTP_PORT
EOC
[ -n "$USER_RUN" ] && chown nobody "$T/gw/gatewayd.conf"

$USER_RUN "$GW" -f -c "$T/gw/gatewayd.conf" >"$T/gatewayd.log" 2>&1 &
GW_PID=$!
i=0
until grep -q "LMTP on" "$T/gatewayd.log" 2>/dev/null; do
	kill -0 "$GW_PID" 2>/dev/null || { cat "$T/gatewayd.log"; exit 1; }
	i=$((i + 1)); [ $i -lt 100 ] || { echo "gatewayd did not listen" >&2; exit 1; }
	sleep 0.1
done
smtp-sink $SINK_USER -L 127.0.0.1:$SINK_PORT 256 &
SINK_PID=$!
sleep 0.3

# the pipe's messages: the shape smtp-source sends (From, To, Date,
# Message-Id, then -l bytes of 80-column lines), each its own Message-ID
mkdir -p "$T/msgs"
body=$(awk -v l="$L" 'BEGIN { n = 0; while (n < l) { s = sprintf("%dXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX", n % 10); s = substr(s, 1, 79); print s; n += 80 } }')
i=0
while [ $i -lt $((NPIPE * RUNS)) ]; do
	printf 'From: <%s>\nTo: <%s>\nDate: %s\nMessage-Id: <bench-pipe-%d@vm>\n\n%s\n' \
		"$SENDER" "$REPLY1" "$(date -R)" $i "$body" >"$T/msgs/$i.eml"
	i=$((i + 1))
done
[ -n "$USER_RUN" ] && chown -R nobody "$T/msgs"
SIZE=$(wc -c <"$T/msgs/0.eml")

now_ms() { date +%s%3N; }
rate() { awk -v n="$1" -v ms="$2" 'BEGIN { printf "%.1f", n * 1000 / (ms > 0 ? ms : 1) }'; }
logged() { sqlite3 -cmd ".timeout 5000" "$T/gw/gatewayd.db" "SELECT count(*) FROM inbound_log"; }

# source PORT: N messages in S sessions over LMTP; prints the elapsed ms
source_run() {
	t0=$(now_ms)
	smtp-source -L -s "$S" -m "$N" -l "$L" -f "$SENDER" -t "$REPLY1" \
		127.0.0.1:"$1" >"$T/source.log" 2>&1 || { cat "$T/source.log" >&2; return 1; }
	t1=$(now_ms)
	if grep -q -i -E "warning|fatal|error" "$T/source.log"; then
		cat "$T/source.log" >&2
		return 1
	fi
	echo $((t1 - t0))
}

# pipe_run FIRST: NPIPE deliveries by gatewayd-pipe, one process each
pipe_run() {
	$USER_RUN sh -c '
		t0=$(date +%s%3N)
		i='"$1"'
		end=$((i + '"$NPIPE"'))
		while [ $i -lt $end ]; do
			"'"$PIPE"'" -c "'"$T"'/gw/gatewayd.conf" "'"$SENDER"'" "'"$REPLY1"'" \
				<"'"$T"'/msgs/$i.eml" || exit 1
			i=$((i + 1))
		done
		echo $(($(date +%s%3N) - t0))'
}

sink_rates=""
lmtp_rates=""
pipe_rates=""
r=0
while [ $r -lt "$RUNS" ]; do
	ms=$(source_run "$SINK_PORT") || { echo "smtp-source into smtp-sink failed" >&2; exit 1; }
	sink_rates="$sink_rates $(rate "$N" "$ms")"
	before=$(logged)
	ms=$(source_run "$LMTP_PORT") || { echo "smtp-source into gatewayd failed" >&2; exit 1; }
	after=$(logged)
	[ $((after - before)) = "$N" ] ||
		{ echo "gatewayd logged $((after - before)) of $N messages" >&2; exit 1; }
	lmtp_rates="$lmtp_rates $(rate "$N" "$ms")"
	before=$after
	ms=$(pipe_run $((r * NPIPE))) || { echo "gatewayd-pipe failed" >&2; exit 1; }
	after=$(logged)
	[ $((after - before)) = "$NPIPE" ] ||
		{ echo "gatewayd-pipe logged $((after - before)) of $NPIPE messages" >&2; exit 1; }
	pipe_rates="$pipe_rates $(rate "$NPIPE" "$ms")"
	r=$((r + 1))
done

# shellcheck disable=SC2086
sink=$(bench_stats $sink_rates)
# shellcheck disable=SC2086
lmtp=$(bench_stats $lmtp_rates)
# shellcheck disable=SC2086
pipe=$(bench_stats $pipe_rates)
verdicts() {
	sqlite3 "$T/gw/gatewayd.db" "SELECT verdict || ' ' || count(*) FROM inbound_log
		WHERE message_id $1 GROUP BY verdict ORDER BY verdict" | paste -s -d, -
}
echo "message: $SIZE bytes (smtp-source -l $L), $S sessions, $N per LMTP run, $NPIPE per pipe run, median of $RUNS, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "smtp-sink -L:   ${sink%% *} msg/s  (runs:$sink_rates)"
echo "gatewayd LMTP:  ${lmtp%% *} msg/s  (runs:$lmtp_rates)  verdicts: $(verdicts "NOT LIKE 'bench-pipe-%'")"
echo "gatewayd-pipe:  ${pipe%% *} msg/s  (runs:$pipe_rates)  verdicts: $(verdicts "LIKE 'bench-pipe-%'")"
r_sink=$(bench_ratio "${lmtp%% *}" "${sink%% *}")
r_pipe=$(bench_ratio "${lmtp%% *}" "${pipe%% *}")
echo "LMTP / smtp-sink: $r_sink (target >= 0.25)"
echo "LMTP / pipe:      ${r_pipe}x (target >= 2x)"
bench_result lmtp "inbound over LMTP: $((L / 1000)) KB, $S sessions, smtp-source -L" "$lmtp" \
	"smtp-sink -L (no work)" "$sink" msg/s "$r_sink" ">= 0.25" \
	"$(bench_verdict "$r_sink" ">=" 0.25)" "$RUNS" "every message committed before its 250"
bench_result lmtp "inbound over LMTP vs the pipe, same message" "$lmtp" \
	"gatewayd-pipe, one process per message" "$pipe" msg/s "$r_pipe" ">= 2" \
	"$(bench_verdict "$r_pipe" ">=" 2)" "$RUNS"
