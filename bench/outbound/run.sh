#!/bin/sh
# bench/outbound/run.sh - gatewayd's outbound relay side by side with
# Postfix's smtp-source, both sending to the same smtp-sink on loopback.
#
#   bench/outbound/run.sh [BUILD_DIR]     (default: build)
#   env: COUNT (10000), SESSIONS (4), ACCOUNTS (100), REPEAT (5)
#
# 1. Seed a database with one bulk chat to ACCOUNTS accounts of
#    COUNT/ACCOUNTS contacts each: COUNT new_message outbox rows.
# 2. Start gatewayd ([mail] concurrency = SESSIONS) against smtp-sink
#    (dumping every mail), time it from start until every row is sent,
#    read its peak RSS (VmHWM), and account for every mail with
#    `relay_tool verify` (none lost, none doubled, every link valid).
# 3. Send COUNT messages of the same average body size with
#    `smtp-source -s SESSIONS -d` (connections reused, as the relay does)
#    to a fresh smtp-sink, time it, count the dumps.
# 4. Print both rates and the ratio (target >= 0.75, every mail marked
#    sent in its own commit), and a RESULT line for bench/run.sh (see
#    bench/lib.sh).
# Steps 2 and 3 alternate REPEAT times and the medians are compared, so
# that a burst of other load on a shared machine does not decide it.
#
# Not part of `make check`: it takes tens of seconds and measures speed.
set -eu

. "$(dirname "$0")/../lib.sh"
BUILD=${1:-build}
COUNT=${COUNT:-10000}
SESSIONS=${SESSIONS:-4}
ACCOUNTS=${ACCOUNTS:-100}
REPEAT=${REPEAT:-5}
PATH=$PATH:/usr/sbin:/sbin
GATEWAYD=$BUILD/gatewayd/gatewayd
RELAY_TOOL=$BUILD/tests/relay_tool

for p in "$GATEWAYD" "$RELAY_TOOL"; do
	[ -x "$p" ] || { echo "missing $p: build first (cmake --build $BUILD)"; exit 2; }
done
command -v smtp-sink >/dev/null && command -v smtp-source >/dev/null ||
	{ echo "smtp-sink/smtp-source (postfix) not installed"; exit 2; }
[ $((COUNT % ACCOUNTS)) = 0 ] || { echo "COUNT must be a multiple of ACCOUNTS"; exit 2; }

T=$(mktemp -d /tmp/gw-bench-outbound.XXXXXX)
chmod 755 "$T"
SINKPID=
DAEMONPID=
cleanup() {
	[ -n "$DAEMONPID" ] && kill -9 "$DAEMONPID" 2>/dev/null || true
	[ -n "$SINKPID" ] && kill "$SINKPID" 2>/dev/null || true
	[ "${KEEP:-0}" = 1 ] && echo "kept $T" || rm -rf "$T"
}
trap cleanup EXIT INT TERM

now() { date +%s.%N; }
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')

start_sink() { # DUMPDIR
	mkdir -p "$1"
	chmod 1777 "$1"
	user=
	[ "$(id -u)" = 0 ] && user="-u nobody"
	# shellcheck disable=SC2086
	smtp-sink $user -d "$1/%H%M%S." 127.0.0.1:"$port" 256 >/dev/null 2>&1 &
	SINKPID=$!
	tries=0
	until python3 -c 'import socket,sys; socket.create_connection(("127.0.0.1",int(sys.argv[1])),1)' "$port" 2>/dev/null; do
		tries=$((tries + 1))
		[ $tries -lt 50 ] || { echo "smtp-sink did not start"; exit 1; }
		sleep 0.1
	done
}
stop_sink() { kill "$SINKPID"; wait "$SINKPID" 2>/dev/null || true; SINKPID=; }

# ---- 1. config -------------------------------------------------------------
"$RELAY_TOOL" keys "$T/keys"
cat >"$T/gatewayd.conf" <<EOF
[store]
path = $T/gw.db
attachments_dir = $T/attachments
[mail]
transport = smtp://127.0.0.1:$port
from = chat@firm.example
from_name = Example & Co
reply_domain = reply.example
batch_window = 0
helo_name = gatewayd.bench.example
starttls = no
concurrency = $SESSIONS
poll_interval_ms = 200
[links]
key_file = $T/keys
[web]
base_url = https://chat.firm.example
[log]
level = info
EOF

# ---- 2. gatewayd: fresh database, time from start to the last row sent ------
run_gw() {
	rm -rf "$T/gw.db" "$T/gw.db-wal" "$T/gw.db-shm" "$T/sink-gw"
	"$RELAY_TOOL" seed "$T/gw.db" "$ACCOUNTS" $((COUNT / ACCOUNTS)) >/dev/null
	start_sink "$T/sink-gw"
	t0=$(now)
	"$GATEWAYD" -c "$T/gatewayd.conf" --foreground 2>"$T/gatewayd.log" &
	DAEMONPID=$!
	while :; do
		case $("$RELAY_TOOL" counts "$T/gw.db") in *" sent=$COUNT "*) break ;; esac
		kill -0 "$DAEMONPID" 2>/dev/null ||
			{ echo "gatewayd died: $(tail -3 "$T/gatewayd.log")"; exit 1; }
		sleep 0.1
	done
	t1=$(now)
	rss=$(sed -n 's/^VmHWM:[[:space:]]*\([0-9]*\).*/\1/p' /proc/"$DAEMONPID"/status)
	[ "$rss" -gt "$peak_rss" ] && peak_rss=$rss
	kill -TERM "$DAEMONPID"
	wait "$DAEMONPID" || { echo "gatewayd exit status $?"; exit 1; }
	DAEMONPID=
	stop_sink
	gw_verify=$("$RELAY_TOOL" verify "$T/gw.db" "$T/keys" https://chat.firm.example \
		reply.example "$T/sink-gw" 2>"$T/verify.err" || true)
	gw_times="$gw_times $(echo "$t0 $t1" | awk '{ printf "%.2f", $2 - $1 }')"
}

# ---- 3. smtp-source: same count and size, same sessions, reused connections --
run_src() {
	rm -rf "$T/sink-src"
	start_sink "$T/sink-src"
	t2=$(now)
	smtp-source -s "$SESSIONS" -d -m "$COUNT" -l "$avg" -f chat@firm.example \
		-t someone@client.example -M bench.example 127.0.0.1:"$port"
	t3=$(now)
	sleep 0.5
	stop_sink
	src_files=$(find "$T/sink-src" -type f | wc -l)
	src_times="$src_times $(echo "$t2 $t3" | awk '{ printf "%.2f", $2 - $1 }')"
}

# Average size of what the relay sent: each dump starts with 8 lines the
# sink adds (5 X- lines and a 3-line Received); lines went out with CRLF.
mail_size() {
	find "$T/sink-gw" -type f -exec awk 'FNR > 8 { n += length($0) + 2 } END { print n }' {} + |
		awk -v n="$COUNT" '{ s += $1 } END { printf "%d", s / n }'
}

# The machine may be shared: alternate the two, compare the medians.
peak_rss=0
gw_times=
src_times=
round=0
while [ "$round" -lt "$REPEAT" ]; do
	run_gw
	[ "$round" = 0 ] && avg=$(mail_size)
	run_src
	round=$((round + 1))
done

# ---- 4. report ---------------------------------------------------------------
rates() { for t in "$@"; do awk -v n="$COUNT" -v t="$t" 'BEGIN { printf "%.1f\n", n / t }'; done; }
# shellcheck disable=SC2046,SC2086
gw=$(bench_stats $(rates $gw_times))
# shellcheck disable=SC2046,SC2086
src=$(bench_stats $(rates $src_times))
ratio=$(bench_ratio "${gw%% *}" "${src%% *}")
lost=$(echo "$gw_verify" | sed -n 's/.*lost=\([0-9]*\).*/\1/p')
dup=$(echo "$gw_verify" | sed -n 's/.*duplicated=\([0-9]*\).*/\1/p')
echo "load average before the last run: $(cut -d' ' -f1-3 /proc/loadavg)"
awk -v n="$COUNT" -v s="$SESSIONS" -v gw="$gw" -v src="$src" -v ratio="$ratio" \
    -v gall="$gw_times" -v sall="$src_times" -v rss="$peak_rss" -v avg="$avg" \
    -v gv="$gw_verify" -v sf="$src_files" 'BEGIN {
	split(gw, g, " "); split(src, p, " ");
	printf "messages: %d, sessions: %d, average size: %d bytes\n", n, s, avg;
	printf "gatewayd:    %8.1f msg/s  (median, %.1f..%.1f; seconds per run:%s)\n", g[1], g[2], g[3], gall;
	printf "smtp-source: %8.1f msg/s  (median, %.1f..%.1f; seconds per run:%s)\n", p[1], p[2], p[3], sall;
	printf "ratio:       %8.2f  (target >= 0.75)\n", ratio;
	printf "gatewayd peak RSS (VmHWM): %d kB\n", rss;
	printf "gatewayd accounting (last run): %s\n", gv;
	printf "smtp-source accounting (last run): %d of %d dumped\n", sf, n;
}'
if [ -s "$T/verify.err" ]; then
	echo "verify complaints (first 3 of $(wc -l <"$T/verify.err")):"
	head -n 3 "$T/verify.err"
fi
verdict=$(bench_verdict "$ratio" ">=" 0.75)
[ "${lost:-1}" = 0 ] && [ "${dup:-1}" = 0 ] || verdict=missed
bench_result outbound "outbound: $COUNT notifications to smtp-sink, $SESSIONS sessions" \
	"$gw" "smtp-source, same count and size" "$src" msg/s "$ratio" ">= 0.75" "$verdict" \
	"$REPEAT" "lost ${lost:-?}, duplicated ${dup:-?}, peak RSS $((peak_rss / 1024)) MiB"
