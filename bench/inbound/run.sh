#!/bin/sh
# bench/inbound/run.sh - inbound delivery, one process per message:
# gatewayd-pipe (parse, classify, verify the token, rate limits, and the
# explanation transaction: log row + outbox row + staff note, SQLite WAL,
# synchronous=FULL) side by side with Dovecot's dovecot-lda delivering the
# same message into a Maildir.  Both run as an unprivileged user with their
# default durability (fsync on commit / on delivery).
#
# gatewayd-pipe is measured on both of its paths:
#   daemon up    gatewayd runs; the program hands the message over on
#                [pipe] socket and the daemon commits it before its 250
#                (the daemon's CPU is counted with the program's; its relay
#                also sends the batch's explanations, into a Maildir,
#                meanwhile; those of the daemon-down batch before it are
#                sent before the clock starts)
#   daemon down  no daemon: the program runs gatewayd-pipe-local, which
#                does the work in its own process
#
# The message is one 20 KB human reply to a genuine reply+TOKEN address.
# Each delivery gets its own Message-ID and envelope sender (prepared
# before the clock starts), so every one of ours takes the full path that
# queues an explanation instead of stopping at the redelivery check or a
# rate limit.
#
# usage: bench/inbound/run.sh [-n N] [-r RUNS] [-b BUILD_DIR] [--cold] [--postfix]
#   -n N        deliveries per tool and run (default 100)
#   -r RUNS     runs of each tool, alternating; medians compared (default 5)
#   -b DIR      build directory holding mta-hooks/gatewayd-pipe and
#               tests/test_postfix_pipe_seed (default ./build)
#   --cold      no other connection holds the database open (see below)
#   --postfix   also run end to end: smtp-source -> a private Postfix ->
#               pipe(8) -> gatewayd-pipe, against the same Postfix piping
#               into /bin/true (needs root; bench/inbound/postfix.sh)
# GW_PIPE_BIN in the environment names another gatewayd-pipe binary.
# Prints both rates (median of the runs, with their spread) and the ratio,
# and a RESULT line for bench/run.sh; the target is gatewayd-pipe >= 3x
# dovecot-lda (daemon up).
set -eu
. "$(dirname "$0")/../lib.sh"

N=100
RUNS=5
BUILD=./build
POSTFIX=0
COLD=0
while [ $# -gt 0 ]; do
	case $1 in
	-n) N=$2; shift 2 ;;
	-r) RUNS=$2; shift 2 ;;
	-b) BUILD=$2; shift 2 ;;
	--postfix) POSTFIX=1; shift ;;
	--cold) COLD=1; shift ;;
	*) echo "usage: $0 [-n N] [-r RUNS] [-b BUILD_DIR] [--cold] [--postfix]" >&2; exit 64 ;;
	esac
done
# Every delivery must be explained, and a day allows at most 1000: two
# paths of gatewayd-pipe.
[ $((2 * N * RUNS)) -le 1000 ] || { echo "N x RUNS must be at most 500" >&2; exit 64; }
BUILD=$(cd "$BUILD" && pwd)
PIPE=${GW_PIPE_BIN:-$BUILD/mta-hooks/gatewayd-pipe}
SEED=$BUILD/tests/test_postfix_pipe_seed
GATEWAYD=$BUILD/gatewayd/gatewayd
LDA=/usr/lib/dovecot/dovecot-lda
for f in "$PIPE" "$SEED" "$GATEWAYD"; do
	[ -x "$f" ] || { echo "missing $f: build first" >&2; exit 1; }
done
if [ ! -x "$LDA" ]; then
	echo "dovecot-lda missing: apt-get install dovecot-core" >&2
	exit 1
fi

USER_RUN=""
if [ "$(id -u)" = 0 ]; then
	USER_RUN="runuser -u nobody --"
fi

T=$(mktemp -d /tmp/bench-inbound.XXXXXX)
chmod 755 "$T"
trap 'rm -rf "$T"' EXIT

# ---- gatewayd: database, keys, config
mkdir -p "$T/gw" "$T/gw/Maildir" "$T/msgs" "$T/dovecot/base" "$T/dovecot/mail"
[ -n "$USER_RUN" ] && chown nobody "$T/gw" "$T/gw/Maildir" "$T/dovecot" "$T/dovecot/base" "$T/dovecot/mail"
TOTAL=$((N * RUNS))
# messages 0..TOTAL-1: daemon down and dovecot-lda; TOTAL..2*TOTAL-1: up
ALL=$((2 * TOTAL))
# A thread answers only a few senders a day that its token was not sent to
# (decide.h): every message goes to a thread of its own, so that every one
# takes the whole path to an explanation.
$USER_RUN "$SEED" "$T/gw/gatewayd.db" "$T/gw/keys" reply.example "$ALL" >"$T/seed.out"
grep -v '^REPLYN=' "$T/seed.out" >"$T/seed.sh"
. "$T/seed.sh"
sed -n 's/^REPLYN=//p' "$T/seed.out" >"$T/rcpts"
cat >"$T/gw/gatewayd.conf" <<EOF
[store]
path = $T/gw/gatewayd.db
[mail]
from = chat@firm.example
reply_domain = reply.example
batch_window = 0
max_explanations_per_day = 1000
transport = maildir:$T/gw/Maildir
[links]
key_file = $T/gw/keys
EOF

# ---- the messages: 20 KB each, own Message-ID
body=$(awk 'BEGIN { for (i = 0; i < 285; i++)
	printf "Thank you for the reminder, I am gathering the statements now (%03d).\n", i }')
i=0
while [ $i -lt "$ALL" ]; do
	printf 'Return-Path: <client%d@client.example>\nFrom: Client %d <client%d@client.example>\nTo: <%s>\nSubject: Re: Documents for 2026\nMessage-ID: <bench-%d@client.example>\nDate: Wed, 25 Nov 2026 10:00:00 +0000\nMIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n\n%s\n' \
		$i $i $i "$(sed -n "$((i + 1))p" "$T/rcpts")" $i "$body" >"$T/msgs/$i.eml"
	sed -n "$((i + 1))p" "$T/rcpts" >"$T/msgs/$i.rcpt"
	i=$((i + 1))
done
SIZE=$(wc -c <"$T/msgs/0.eml")

# ---- dovecot-lda config (unprivileged, no running dovecot needed)
cat >"$T/dovecot/dovecot.conf" <<EOF
base_dir = $T/dovecot/base
log_path = $T/dovecot/lda.log
info_log_path = $T/dovecot/lda.log
mail_location = maildir:$T/dovecot/mail/%u/Maildir
ssl = no
protocols =
EOF

rate() { awk -v n="$1" -v ms="$2" 'BEGIN { printf "%.1f", n * 1000 / (ms > 0 ? ms : 1) }'; }

# As in production, where gatewayd keeps the database open, a reader holds
# a connection: otherwise every gatewayd-pipe process is the last one to
# close it and pays for a WAL checkpoint.  --cold measures without it.
HOLD_PID=""
if [ "$COLD" = 0 ]; then
	$USER_RUN /usr/bin/python3 -c 'import sqlite3, sys, time
c = sqlite3.connect(sys.argv[1])
c.execute("SELECT count(*) FROM inbound_log").fetchall()
time.sleep(3600)' "$T/gw/gatewayd.db" >/dev/null 2>&1 &
	HOLD_PID=$!
	trap 'kill $HOLD_PID 2>/dev/null; rm -rf "$T"' EXIT
	sleep 0.3
fi

# batch TOOL FROM TO: deliver messages FROM..TO-1 with one shell as the
# unprivileged user, one process per message; prints the elapsed ms.
batch() {
	$USER_RUN env USER=u1 sh -c '
		t0=$(date +%s%3N)
		i='"$2"'
		while [ $i -lt '"$3"' ]; do
			if [ '"$1"' != lda ]; then
				read -r rcpt <"'"$T"'/msgs/$i.rcpt"
				"'"$PIPE"'" -c "'"$T"'/gw/gatewayd.conf" "client$i@client.example" \
					"$rcpt" <"'"$T"'/msgs/$i.eml" || exit 1
			else
				"'"$LDA"'" -c "'"$T"'/dovecot/dovecot.conf" -e \
					-f "client$i@client.example" <"'"$T"'/msgs/$i.eml" || exit 1
			fi
			i=$((i + 1))
		done
		# elapsed ms, then the CPU ms (user + system) of the deliveries
		# (times, not in a subshell: it must see this shell'"'"'s children)
		t1=$(date +%s%3N)
		times >"'"$T"'/gw/times"
		echo $((t1 - t0)) $(awk "NR == 2 {
			split(\$1, u, /[ms]/); split(\$2, s, /[ms]/);
			printf \"%d\", (u[1] * 60 + u[2] + s[1] * 60 + s[2]) * 1000 }" "'"$T"'/gw/times")'
}

# The daemon's CPU in ms (utime + stime of /proc/PID/stat).
daemon_cpu_ms() {
	awk -v hz="$(getconf CLK_TCK)" '{ sub(/^.*\) /, ""); printf "%d", ($12 + $13) * 1000 / hz }' \
		"/proc/$1/stat"
}
GW_PID=""
daemon_start() {
	: >"$T/gatewayd.log"
	$USER_RUN "$GATEWAYD" -f -c "$T/gw/gatewayd.conf" >>"$T/gatewayd.log" 2>&1 &
	GW_PID=$!
	n=0
	until grep -q "hands messages over" "$T/gatewayd.log"; do
		n=$((n + 1))
		[ $n -lt 100 ] || { cat "$T/gatewayd.log" >&2; echo "gatewayd did not start" >&2; exit 1; }
		sleep 0.1
	done
	# the pid of gatewayd itself, under runuser
	[ -n "$USER_RUN" ] && GW_PID=$(pgrep -P "$GW_PID" || echo "$GW_PID")
	# First it sends the explanations the daemon-down batch queued: not
	# this batch's work, so the clock starts once they are out.
	n=0
	until [ "$(sqlite3 "$T/gw/gatewayd.db" "SELECT count(*) FROM outbox
			WHERE status IN ('queued', 'sending')")" = 0 ]; do
		n=$((n + 1))
		[ $n -lt 600 ] || { echo "gatewayd did not empty its outbox" >&2; exit 1; }
		sleep 0.1
	done
	DAEMON_CPU0=$(daemon_cpu_ms "$GW_PID")
}
daemon_stop() {
	DAEMON_CPU=$(($(daemon_cpu_ms "$GW_PID") - DAEMON_CPU0))
	kill "$GW_PID"
	while kill -0 "$GW_PID" 2>/dev/null; do sleep 0.05; done
	GW_PID=""
}
trap '[ -n "$GW_PID" ] && kill $GW_PID; [ -n "$HOLD_PID" ] && kill $HOLD_PID; rm -rf "$T"' EXIT

# One batch of each per run, alternating, so that all see the same machine
# load; each run gives one rate per tool.
rates_pipe=""
rates_up=""
rates_lda=""
cpu_pipe=""
cpu_up=""
cpu_lda=""
r=0
while [ $r -lt "$RUNS" ]; do
	i=$((r * N))
	j=$((i + N))
	out=$(batch pipe $i $j) || { echo "gatewayd-pipe (daemon down) failed" >&2; exit 1; }
	rates_pipe="$rates_pipe $(rate "$N" "${out% *}")"
	cpu_pipe="$cpu_pipe $(rate "$N" "${out#* }")"
	daemon_start
	out=$(batch up $((TOTAL + i)) $((TOTAL + j))) ||
		{ echo "gatewayd-pipe (daemon up) failed" >&2; exit 1; }
	daemon_stop
	rates_up="$rates_up $(rate "$N" "${out% *}")"
	cpu_up="$cpu_up $(rate "$N" "$((${out#* } + DAEMON_CPU))")"
	out=$(batch lda $i $j) || { echo "dovecot-lda failed" >&2; exit 1; }
	rates_lda="$rates_lda $(rate "$N" "${out% *}")"
	cpu_lda="$cpu_lda $(rate "$N" "${out#* }")"
	r=$((r + 1))
done
handed=$(grep -c "gatewayd: pipe: " "$T/gatewayd.log" || true)

explained=$(sqlite3 "$T/gw/gatewayd.db" "SELECT count(*) FROM inbound_log WHERE verdict = 'explained'")
delivered=$(ls "$T/dovecot/mail/u1/Maildir/new" | wc -l)
[ "$explained" = "$ALL" ] || { echo "gatewayd-pipe explained $explained of $ALL" >&2; exit 1; }
[ "$delivered" = "$TOTAL" ] || { echo "dovecot-lda delivered $delivered of $TOTAL" >&2; exit 1; }

# shellcheck disable=SC2086
up=$(bench_stats $rates_up)
# shellcheck disable=SC2086
down=$(bench_stats $rates_pipe)
# shellcheck disable=SC2086
theirs=$(bench_stats $rates_lda)
# shellcheck disable=SC2086
up_cpu=$(bench_stats $cpu_up)
# shellcheck disable=SC2086
down_cpu=$(bench_stats $cpu_pipe)
# shellcheck disable=SC2086
theirs_cpu=$(bench_stats $cpu_lda)
ratio_up=$(bench_ratio "${up%% *}" "${theirs%% *}")
ratio_down=$(bench_ratio "${down%% *}" "${theirs%% *}")
ratio_up_cpu=$(bench_ratio "${up_cpu%% *}" "${theirs_cpu%% *}")
ratio_down_cpu=$(bench_ratio "${down_cpu%% *}" "${theirs_cpu%% *}")
echo "message: $SIZE bytes, $N deliveries per tool and run, $RUNS runs, one process per message, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "gatewayd-pipe, daemon up:   ${up%% *} msg/s wall (runs:$rates_up), ${up_cpu%% *} msg/s of CPU with the daemon's; every one explained$([ "$COLD" = 1 ] && echo ", database not held open")"
echo "gatewayd-pipe, daemon down: ${down%% *} msg/s wall (runs:$rates_pipe), ${down_cpu%% *} msg/s of CPU; every one explained"
echo "dovecot-lda:                ${theirs%% *} msg/s wall (runs:$rates_lda), ${theirs_cpu%% *} msg/s of CPU; into a Maildir"
echo "ratio, daemon up:   ${ratio_up}x wall, ${ratio_up_cpu}x CPU (target >= 3x); last run: $handed of $N decided by the daemon"
echo "ratio, daemon down: ${ratio_down}x wall, ${ratio_down_cpu}x CPU"
[ "$handed" = "$N" ] || { echo "only $handed of $N handed over to the daemon" >&2; exit 1; }
bench_result inbound "inbound: 20 KB reply, one process per message, daemon up" "$up" \
	"dovecot-lda into a Maildir" "$theirs" msg/s "$ratio_up" ">= 3" \
	"$(bench_verdict "$ratio_up" ">=" 3)" "$RUNS" "CPU with the daemon's: ${ratio_up_cpu}x"
bench_result inbound-down "inbound: the same, daemon down (gatewayd-pipe-local)" "$down" \
	"dovecot-lda into a Maildir" "$theirs" msg/s "$ratio_down" "-" \
	"reported" "$RUNS" "CPU: ${ratio_down_cpu}x"

[ "$POSTFIX" = 1 ] || exit 0
sh "$(dirname "$0")/postfix.sh" "$BUILD" "$N" "$RUNS"
