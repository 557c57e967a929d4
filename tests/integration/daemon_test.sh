#!/bin/sh
# daemon_test.sh SCENARIO - run the real gatewayd against real peers on
# loopback: Postfix's smtp-sink (with its fault options) and a private
# Postfix instance.  Each scenario seeds a fresh database with relay_tool,
# starts the peers and the daemon, waits for the outbox to settle, checks
# every delivered mail with `relay_tool verify`, and stops everything.
#
# Environment: GATEWAYD, RELAY_TOOL (paths of the built programs).
# Exit 0 pass, 1 fail, 77 skipped (smtp-sink or postfix not installed).
# KEEP=1 keeps the temp directory for inspection.
set -eu
. "$(dirname "$0")/postfix_lib.sh"
. "$(dirname "$0")/test_lib.sh"

scenario=${1:?usage: daemon_test.sh SCENARIO}
: "${GATEWAYD:?GATEWAYD not set}" "${RELAY_TOOL:?RELAY_TOOL not set}"
PATH=$PATH:/usr/sbin:/sbin

SMTP_SINK=$(command -v smtp-sink || true)
if [ -z "$SMTP_SINK" ]; then
	echo "skipped: smtp-sink (Postfix) is not installed"
	exit 77
fi

T=$(mktemp -d /tmp/gw-daemon-test.XXXXXX)
chmod 755 "$T"
DB=$T/gw.db
KEYS=$T/keys
CONF=$T/gatewayd.conf
LOG=$T/gatewayd.log
SINKDIR=$T/sink
BASE_URL=https://chat.firm.example
DOMAIN=reply.example
SINKPID=
DAEMONPID=
PFDIR=

cleanup() {
	[ -n "$DAEMONPID" ] && kill -9 "$DAEMONPID" 2>/dev/null || true
	[ -n "$SINKPID" ] && kill "$SINKPID" 2>/dev/null || true
	[ -n "$PFDIR" ] && postfix -c "$PFDIR" stop >/dev/null 2>&1 || true
	remove_temp "$T"
}
trap cleanup EXIT INT TERM

fail() {
	echo "FAIL ($scenario): $*"
	echo "--- gatewayd log (last 30 lines)"
	tail -n 30 "$LOG" 2>/dev/null || true
	exit 1
}

# A free loopback port: the kernel picks one for a throwaway listener.
free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null ||
		echo $((20000 + ($$ * 7 + $(date +%N | cut -c1-4)) % 40000))
}

SINKPORT=$(free_port)

# start_sink [FAULT OPTIONS]: smtp-sink dumping every mail into SINKDIR.
start_sink() {
	mkdir -p "$SINKDIR"
	chmod 1777 "$SINKDIR"
	user=
	[ "$(id -u)" = 0 ] && user="-u nobody"
	# shellcheck disable=SC2086
	"$SMTP_SINK" $user "$@" -d "$SINKDIR/%H%M%S." 127.0.0.1:"$SINKPORT" 64 \
		>>"$T/sink.log" 2>&1 &
	SINKPID=$!
	wait_until 5 port_open "$SINKPORT" || fail "smtp-sink did not start"
}

stop_sink() {
	kill "$SINKPID" 2>/dev/null || true
	wait "$SINKPID" 2>/dev/null || true
	SINKPID=
}

port_open() {
	python3 -c 'import socket,sys; socket.create_connection(("127.0.0.1",int(sys.argv[1])),1)' "$1" \
		2>/dev/null
}

# write_config TRANSPORT_PORT [EXTRA [mail] LINES]; WEB_EXTRA: extra [web] lines
write_config() {
	cat >"$CONF" <<EOF
[store]
path = $DB
attachments_dir = $T/attachments
synchronous = normal

[mail]
transport = smtp://127.0.0.1:$1
from = chat@firm.example
from_name = Example & Co
reply_domain = $DOMAIN
batch_window = 0
helo_name = gatewayd.test.example
starttls = no
timeout = 10s
concurrency = 4
retry_min = 1s
retry_max = 2s
max_lifetime = 1h
lease = 10s
poll_interval_ms = 200
${2:-}

[links]
key_file = $KEYS

[web]
base_url = $BASE_URL
${WEB_EXTRA:-}

[log]
level = info
EOF
}

seed() {
	"$RELAY_TOOL" keys "$KEYS" 2>/dev/null || true
	"$RELAY_TOOL" seed "$DB" "$1" "$2" >/dev/null
	N=$(($1 * $2))
}

start_daemon() {
	"$GATEWAYD" -c "$CONF" --foreground >>"$LOG" 2>&1 &
	DAEMONPID=$!
}

# stop_daemon: SIGTERM, wait; the exit code must be 0.
stop_daemon() {
	kill -TERM "$DAEMONPID"
	rc=0
	wait "$DAEMONPID" || rc=$?
	DAEMONPID=
	[ "$rc" = 0 ] || fail "gatewayd exited $rc after SIGTERM"
}

counts() { "$RELAY_TOOL" counts "$DB"; }
count_of() { counts | tr ' ' '\n' | sed -n "s/^$1=//p"; }
all_sent() { [ "$(counts)" = "queued=0 sending=0 sent=$N failed=0" ]; }
all_failed() { [ "$(counts)" = "queued=0 sending=0 sent=0 failed=$N" ]; }
# Every row tried at least twice and waiting for a retry.
all_deferred_twice() {
	# one listing: counting and listing apart races with the relay
	_rows=$("$RELAY_TOOL" rows "$DB" queued) &&
		[ "$(printf '%s\n' "$_rows" | grep -c ' attempts=')" = "$N" ] &&
		! printf '%s\n' "$_rows" | grep -q ' attempts=[01] '
}
sent_at_least() { [ "$(count_of sent)" -ge "$1" ]; }
# Every row tried at least twice, none sent or failed (some may be in a
# try right now: with a slow server a row is seldom between two tries).
all_tried_twice() {
	_rows=$("$RELAY_TOOL" rows "$DB") &&
		[ "$(printf '%s\n' "$_rows" | grep -c ' attempts=')" = "$N" ] &&
		! printf '%s\n' "$_rows" | grep -q -e ' attempts=[01] ' -e ' sent ' -e ' failed '
}

# verify [EXPECT_DUPLICATES]: every sent row's mail arrived once (or at
# least once with EXPECT_DUPLICATES=dup), every mail parses and verifies.
verify() {
	out=$("$RELAY_TOOL" verify "$DB" "$KEYS" "$BASE_URL" "$DOMAIN" "$SINKDIR") ||
		fail "verify: $out"
	echo "verify: $out"
	case "$out" in
	*" lost=0 "*) ;;
	*) fail "mail lost: $out" ;;
	esac
	if [ "${1:-}" != dup ]; then
		case "$out" in
		*" duplicated=0 "*) ;;
		*) fail "mail doubled: $out" ;;
		esac
	fi
}

delivery_lines() { grep -c "^gatewayd: relay: outbox [0-9]* to .*: $1" "$LOG" || true; }

case $scenario in
check_config)
	seed 1 1
	write_config 25
	out=$("$GATEWAYD" -c "$CONF" --check-config 2>&1) || fail "--check-config: $out"
	echo "$out" | grep -q "^\[mail\] transport = smtp://127.0.0.1:25" ||
		fail "--check-config did not print the effective values: $out"
	echo "$out" | grep -q "^\[mail\] retry_min = " || fail "no retry_min in: $out"
	rm "$KEYS"
	rc=0
	out=$("$GATEWAYD" -c "$CONF" --check-config 2>&1) || rc=$?
	[ "$rc" = 78 ] || fail "missing key file: exit $rc, want 78"
	echo "$out" | grep -q "key_file" || fail "missing key file not named: $out"
	"$RELAY_TOOL" keys "$KEYS"
	sed -i 's/^retry_min = 1s/retry_min = soon/' "$CONF"
	rc=0
	out=$("$GATEWAYD" -c "$CONF" --check-config 2>&1) || rc=$?
	[ "$rc" = 78 ] || fail "bad value: exit $rc, want 78"
	echo "$out" | grep -q "gatewayd.conf:[0-9]*: \[mail\] retry_min" ||
		fail "bad value not located: $out"
	rc=0
	"$GATEWAYD" --no-such-option >/dev/null 2>&1 || rc=$?
	[ "$rc" = 64 ] || fail "unknown option: exit $rc, want 64"
	;;

success)
	start_sink
	seed 6 10
	write_config "$SINKPORT"
	start_daemon
	wait_until 60 all_sent || fail "not all sent: $(counts)"
	stop_daemon
	verify
	[ "$(delivery_lines 'sent (')" = "$N" ] ||
		fail "want $N 'sent' log lines, got $(delivery_lines 'sent (')"
	grep -q "^gatewayd: relay: outbox [0-9]* to c1.1@client1.example: sent (127.0.0.1:$SINKPORT said: 250" "$LOG" ||
		fail "log line of a delivery not as expected"
	;;

tempfail_421)
	start_sink -Q RCPT
	seed 2 10
	write_config "$SINKPORT"
	start_daemon
	wait_until 30 all_deferred_twice || fail "not deferred: $(counts)"
	"$RELAY_TOOL" rows "$DB" queued | grep -q 'last_error=.*421' ||
		fail "no 421 in last_error: $("$RELAY_TOOL" rows "$DB" | head -3)"
	[ "$(delivery_lines '.*421.*retry in')" -ge "$N" ] || fail "no 'retry in' log lines"
	stop_sink
	start_sink
	wait_until 60 all_sent || fail "not all sent after the sink came back: $(counts)"
	stop_daemon
	verify
	;;

tempfail_4xx)
	start_sink -r RCPT
	seed 1 10
	write_config "$SINKPORT"
	start_daemon
	wait_until 30 all_deferred_twice || fail "not deferred: $(counts)"
	"$RELAY_TOOL" rows "$DB" queued | grep -v -q 'last_error=.* 4[0-9][0-9]' &&
		fail "a deferred row without its 4xx reply: $("$RELAY_TOOL" rows "$DB")"
	stop_daemon
	[ "$(count_of sending)" = 0 ] || fail "rows left sending: $(counts)"
	[ "$(count_of sent)" = 0 ] || fail "rows sent through a 4xx: $(counts)"
	;;

permfail_5xx)
	start_sink -f RCPT
	seed 1 10
	write_config "$SINKPORT"
	start_daemon
	wait_until 30 all_failed || fail "not failed: $(counts)"
	"$RELAY_TOOL" rows "$DB" failed | grep -v -q 'attempts=1 .*last_error=.* 5[0-9][0-9]' &&
		fail "a failed row tried more than once or without its 5xx: $("$RELAY_TOOL" rows "$DB")"
	[ "$(delivery_lines 'failed: .*5[0-9][0-9]')" = "$N" ] || fail "want $N 'failed' log lines"
	stop_daemon
	;;

lost_ack)
	start_sink -q .
	seed 1 10
	write_config "$SINKPORT"
	start_daemon
	wait_until 30 all_deferred_twice || fail "not deferred: $(counts)"
	stop_sink
	start_sink
	wait_until 60 all_sent || fail "not all sent: $(counts)"
	stop_daemon
	verify dup
	case "$out" in
	*" duplicated=0 "*) fail "the lost acknowledgements left no copies: $out" ;;
	esac
	;;

crash_recovery)
	# Slow some final replies so that the kill lands mid-delivery.
	start_sink -W .:1:10
	seed 10 30
	write_config "$SINKPORT"
	start_daemon
	wait_until 60 sent_at_least 40 || fail "nothing sent: $(counts)"
	kill -9 "$DAEMONPID"
	wait "$DAEMONPID" 2>/dev/null || true
	DAEMONPID=
	echo "killed at: $(counts)"
	stop_sink
	start_sink
	start_daemon
	wait_until 90 all_sent || fail "not all sent after the restart: $(counts)"
	stop_daemon
	verify dup
	;;

slow_greeting)
	# A server that greets later than [mail] timeout: every attempt ends
	# with "timeout after connect", is logged and retried; once the server
	# answers in time, each row is delivered once.
	start_sink -W CONNECT:3
	seed 1 5
	write_config "$SINKPORT"
	sed -i 's/^timeout = 10s$/timeout = 1s/' "$CONF"
	start_daemon
	wait_until 60 all_tried_twice || fail "not deferred: $(counts)"
	[ "$(delivery_lines "timeout after connect with 127.0.0.1:$SINKPORT (1s), retry in [0-9]")" -ge "$N" ] ||
		fail "no 'timeout after connect ..., retry in' log lines"
	[ -z "$(ls -A "$SINKDIR")" ] || fail "the sink took mail from a session that timed out"
	stop_sink
	start_sink
	wait_until 60 all_sent || fail "not all sent once the server answered in time: $(counts)"
	stop_daemon
	verify
	;;

slow_dot)
	# The reply to the final dot comes later than [mail] timeout: the sink
	# has the mail, the relay cannot know.  It logs that the message may
	# have been delivered, retries, and the copies carry the same
	# Message-ID (verify counts a copy of another Message-ID as unknown).
	start_sink -W .:3
	seed 1 4
	write_config "$SINKPORT"
	sed -i 's/^timeout = 10s$/timeout = 1s/' "$CONF"
	start_daemon
	wait_until 60 all_tried_twice || fail "not deferred: $(counts)"
	[ "$(delivery_lines "timeout after end of DATA with 127.0.0.1:$SINKPORT (1s) (the message may have been delivered), retry in [0-9]")" -ge "$N" ] ||
		fail "no 'timeout after end of DATA ... may have been delivered' log lines"
	stop_sink
	start_sink
	wait_until 60 all_sent || fail "not all sent once the server answered in time: $(counts)"
	stop_daemon
	verify dup
	case "$out" in
	*" duplicated=0 "*) fail "the unanswered dots left no copies: $out" ;;
	esac
	;;

slow_within_timeout)
	# A slow server that still answers within [mail] timeout (2s before
	# every final reply, timeout 5s): delivered on the first attempt, no
	# retry, no copy.
	start_sink -W .:2
	seed 1 8
	write_config "$SINKPORT"
	sed -i 's/^timeout = 10s$/timeout = 5s/' "$CONF"
	start_daemon
	wait_until 60 all_sent || fail "not all sent: $(counts)"
	stop_daemon
	"$RELAY_TOOL" rows "$DB" sent | grep -v -q ' attempts=1 ' &&
		fail "a row needed more than one attempt: $("$RELAY_TOOL" rows "$DB" | head -3)"
	[ "$(delivery_lines '.*retry in')" = 0 ] || fail "a slow answer within the timeout was retried"
	verify
	;;

tempfail_421_dot)
	# 421 in reply to the final dot: the server refused the mail after its
	# data.  Deferred and retried; the sink's files of refused transactions
	# are no deliveries, so they are set aside before the good sink runs.
	start_sink -Q .
	seed 1 6
	write_config "$SINKPORT"
	start_daemon
	wait_until 30 all_deferred_twice || fail "not deferred: $(counts)"
	"$RELAY_TOOL" rows "$DB" queued | grep -v -q 'last_error=.*421.*(in reply to end of DATA)' &&
		fail "a deferred row without its 421: $("$RELAY_TOOL" rows "$DB" | head -3)"
	grep "^gatewayd: relay: outbox" "$LOG" | grep -q "may have been delivered" &&
		fail "a 421 reply taken for a lost acknowledgement"
	stop_sink
	rm -f "$SINKDIR"/*
	start_sink
	wait_until 60 all_sent || fail "not all sent after the sink came back: $(counts)"
	stop_daemon
	verify
	;;

permfail_5xx_dot)
	# 5xx in reply to the final dot: failed for good after one attempt,
	# logged with the server's reply; nothing retried.
	start_sink -f .
	seed 1 6
	write_config "$SINKPORT"
	start_daemon
	wait_until 30 all_failed || fail "not failed: $(counts)"
	"$RELAY_TOOL" rows "$DB" failed | grep -v -q 'attempts=1 .*last_error=.* 5[0-9][0-9] .*(in reply to end of DATA)' &&
		fail "a failed row tried more than once or without its 5xx: $("$RELAY_TOOL" rows "$DB")"
	[ "$(delivery_lines 'failed: .*5[0-9][0-9]')" = "$N" ] || fail "want $N 'failed' log lines"
	stop_daemon
	;;

sigterm)
	start_sink -W .:1:10
	seed 10 20
	write_config "$SINKPORT"
	start_daemon
	wait_until 60 sent_at_least 20 || fail "nothing sent: $(counts)"
	stop_daemon
	echo "stopped at: $(counts)"
	[ "$(count_of sending)" = 0 ] || fail "rows left sending after SIGTERM: $(counts)"
	stop_sink
	start_sink
	start_daemon
	wait_until 60 all_sent || fail "not all sent after the restart: $(counts)"
	stop_daemon
	# A clean stop sends nothing twice.
	verify
	;;

systemd_notify)
	# READY/STATUS/WATCHDOG/STOPPING over NOTIFY_SOCKET, the web view on
	# [web] listen, rows queued by another process while running, SIGHUP.
	command -v python3 >/dev/null 2>&1 || { echo "skipped: python3 is not installed"; exit 77; }
	start_sink
	seed 1 5
	WEBPORT=$(free_port)
	WEB_EXTRA="listen = 127.0.0.1:$WEBPORT"
	write_config "$SINKPORT"
	python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
with open(sys.argv[2], "a") as out:
    while True:
        out.write(s.recv(4096).decode() + "\n")
        out.flush()
' "$T/notify.sock" "$T/notify.log" &
	NOTIFYPID=$!
	wait_until 5 test -S "$T/notify.sock" || fail "notify listener did not start"
	NOTIFY_SOCKET=$T/notify.sock WATCHDOG_USEC=400000 "$GATEWAYD" -c "$CONF" >>"$LOG" 2>&1 &
	DAEMONPID=$!
	wait_until 10 grep -q '^READY=1' "$T/notify.log" || fail "no READY=1"
	wait_until 30 all_sent || fail "not all sent: $(counts)"
	wait_until 10 grep -q "^STATUS=queue: 0 queued, 0 sending, 0 failed; since start: $N sent" \
		"$T/notify.log" || fail "no STATUS with the queue: $(grep STATUS "$T/notify.log" | tail -1)"
	wait_until 5 grep -q '^WATCHDOG=1' "$T/notify.log" || fail "no WATCHDOG=1"
	"$RELAY_TOOL" resend "$DB" >/dev/null
	N=$((N * 2))
	wait_until 30 all_sent || fail "rows queued by another process not sent: $(counts)"
	code=$(python3 -c 'import sys, urllib.request, urllib.error
try:
    print(urllib.request.urlopen("http://127.0.0.1:%s/" % sys.argv[1], timeout=5).status)
except urllib.error.HTTPError as e:
    print(e.code)' "$WEBPORT") || code=none
	case $code in
	[2345][0-9][0-9]) ;;
	*) fail "the web view did not answer on [web] listen: $code" ;;
	esac
	kill -HUP "$DAEMONPID"
	wait_until 5 grep -q "daemon: SIGHUP: log reopened" "$LOG" || fail "SIGHUP not handled"
	kill -0 "$DAEMONPID" || fail "gatewayd died on SIGHUP"
	stop_daemon
	wait_until 5 grep -q '^STOPPING=1' "$T/notify.log" || fail "no STOPPING=1"
	kill "$NOTIFYPID" 2>/dev/null || true
	verify
	;;

sighup)
	# SIGHUP reloads the key file (rotated by gatewayctl), names settings
	# that need a restart, and keeps running on a config that no longer
	# loads; mail queued after each reload is still delivered.
	: "${GATEWAYCTL:?GATEWAYCTL not set}"
	start_sink
	seed 1 3
	write_config "$SINKPORT"
	start_daemon
	wait_until 30 all_sent || fail "not all sent: $(counts)"
	"$GATEWAYCTL" -c "$CONF" keys rotate >/dev/null || fail "keys rotate failed"
	kill -HUP "$DAEMONPID"
	wait_until 5 grep -q "daemon: SIGHUP: key file $KEYS reloaded" "$LOG" ||
		fail "key file not reloaded on SIGHUP"
	"$RELAY_TOOL" resend "$DB" >/dev/null
	N=$((N * 2))
	wait_until 30 all_sent || fail "not sent after the key reload: $(counts)"
	sed -i 's/^concurrency = 4$/concurrency = 2/' "$CONF"
	kill -HUP "$DAEMONPID"
	wait_until 5 grep -q "daemon: SIGHUP: changed, needs a restart: \[mail\] concurrency$" \
		"$LOG" || fail "changed [mail] concurrency not reported"
	printf '[mail]\nno_such_setting = 1\n' >>"$CONF"
	kill -HUP "$DAEMONPID"
	wait_until 5 grep -q "daemon: SIGHUP: .*; keeping the running settings" "$LOG" ||
		fail "broken config not reported on SIGHUP"
	kill -0 "$DAEMONPID" || fail "gatewayd died on SIGHUP with a broken config"
	"$RELAY_TOOL" resend "$DB" >/dev/null
	N=$((N + N / 2))
	wait_until 30 all_sent || fail "not sent after a broken config: $(counts)"
	stop_daemon
	verify
	;;

api)
	# The JSON API on [api] listen: a key made by gatewayctl opens it, no
	# key gets 401, and a thread posted through it is delivered.
	command -v python3 >/dev/null 2>&1 || { echo "skipped: python3 is not installed"; exit 77; }
	start_sink
	seed 1 1
	APIPORT=$(free_port)
	write_config "$SINKPORT"
	printf '\n[api]\nlisten = 127.0.0.1:%s\n' "$APIPORT" >>"$CONF"
	KEY=$("$GATEWAYCTL" -c "$CONF" apikey add portal) || fail "apikey add failed"
	start_daemon
	wait_until 10 port_open "$APIPORT" || fail "the API is not listening on $APIPORT"
	api_get() {
		python3 -c 'import sys, urllib.request, urllib.error
req = urllib.request.Request("http://127.0.0.1:%s%s" % (sys.argv[1], sys.argv[2]))
if sys.argv[3]:
    req.add_header("Authorization", "Bearer " + sys.argv[3])
try:
    r = urllib.request.urlopen(req, timeout=5)
    print(r.status, r.read().decode())
except urllib.error.HTTPError as e:
    print(e.code, e.read().decode())' "$APIPORT" "$1" "${2:-}"
	}
	out=$(api_get /api/v1/accounts "")
	case $out in 401*) ;; *) fail "no key: want 401, got: $out" ;; esac
	out=$(api_get /api/v1/accounts "$KEY")
	case $out in "200 "*) ;; *) fail "with the key: want 200, got: $out" ;; esac
	grep -q "daemon: JSON API on 127.0.0.1:$APIPORT" "$LOG" || fail "no start-up line for the API"
	wait_until 30 all_sent || fail "not all sent: $(counts)"
	stop_daemon
	;;

inbound_listeners)
	# [policy] and [lmtp] listen in the daemon: the policy service refuses a
	# forged reply address at RCPT, and the LMTP listener greets and records
	# a delivery (the protocols themselves are covered by test_policy and
	# test_lmtp).
	command -v python3 >/dev/null 2>&1 || { echo "skipped: python3 is not installed"; exit 77; }
	start_sink
	seed 1 1
	POLPORT=$(free_port)
	LMTPPORT=$(free_port)
	write_config "$SINKPORT"
	printf '\n[policy]\nlisten = 127.0.0.1:%s\n[lmtp]\nlisten = 127.0.0.1:%s\n' \
		"$POLPORT" "$LMTPPORT" >>"$CONF"
	start_daemon
	wait_until 10 port_open "$POLPORT" || fail "the policy service is not listening"
	wait_until 10 port_open "$LMTPPORT" || fail "the LMTP listener is not listening"
	out=$(python3 -c 'import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), 5)
s.sendall(("request=smtpd_access_policy\nprotocol_state=RCPT\nsender=a@example.org\n"
           "recipient=reply+forgedtoken@%s\n\n" % sys.argv[2]).encode())
print(s.recv(4096).decode().strip())' "$POLPORT" "$DOMAIN") || fail "policy request failed"
	case $out in "action=REJECT 5.1.1"*) ;; *) fail "forged reply address: got '$out'" ;; esac
	out=$(python3 -c 'import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), 5)
f = s.makefile("rb")
print(f.readline().decode().strip())
s.sendall(b"LHLO test.example\r\n")
while True:
    line = f.readline().decode().strip()
    print(line)
    if line[3:4] == " ":
        break
s.sendall(b"QUIT\r\n")' "$LMTPPORT") || fail "LMTP session failed"
	echo "$out" | head -n 1 | grep -q "^220 " || fail "no LMTP greeting: $out"
	echo "$out" | grep -q "^250-PIPELINING" || fail "LHLO without PIPELINING: $out"
	grep -q "daemon: policy service on 127.0.0.1:$POLPORT" "$LOG" || fail "no policy start-up line"
	grep -q "daemon: LMTP on 127.0.0.1:$LMTPPORT" "$LOG" || fail "no LMTP start-up line"
	wait_until 30 all_sent || fail "not all sent: $(counts)"
	stop_daemon
	;;

socket_activation)
	# Sockets passed by systemd, taken by name (FileDescriptorName=): each
	# server uses its own instead of binding an address, and starts even
	# though the config sets no listen address at all.
	# systemd-socket-activate passes them as systemd does (LISTEN_FDS,
	# LISTEN_FDNAMES) and execs gatewayd at the first connection.
	SA=$(command -v systemd-socket-activate || true)
	[ -n "$SA" ] || { echo "skipped: systemd-socket-activate is not installed"; exit 77; }
	command -v python3 >/dev/null 2>&1 || { echo "skipped: python3 is not installed"; exit 77; }
	start_sink
	seed 1 1
	WEBPORT=$(free_port)
	APIPORT=$(free_port)
	POLPORT=$(free_port)
	LMTPPORT=$(free_port)
	write_config "$SINKPORT"
	grep -q '^listen' "$CONF" && fail "the config should set no listen address"
	"$SA" -l "127.0.0.1:$WEBPORT" -l "127.0.0.1:$APIPORT" -l "127.0.0.1:$POLPORT" \
		-l "127.0.0.1:$LMTPPORT" --fdname=web:api:policy:lmtp \
		"$GATEWAYD" -c "$CONF" --foreground >>"$LOG" 2>&1 &
	DAEMONPID=$!
	wait_until 10 port_open "$WEBPORT" || fail "systemd-socket-activate is not listening"
	code=$(curl -s -o /dev/null -w '%{http_code}' -m 10 "http://127.0.0.1:$WEBPORT/v/forged") ||
		fail "web view: no answer"
	[ "$code" = 403 ] || fail "web view: forged link got $code, not 403"
	code=$(curl -s -o /dev/null -w '%{http_code}' -m 10 "http://127.0.0.1:$APIPORT/api/v1/threads") ||
		fail "API: no answer"
	[ "$code" = 401 ] || fail "API without a key got $code, not 401"
	out=$(python3 -c 'import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), 5)
s.sendall(("request=smtpd_access_policy\nprotocol_state=RCPT\nsender=a@example.org\n"
           "recipient=reply+forgedtoken@%s\n\n" % sys.argv[2]).encode())
print(s.recv(4096).decode().strip())' "$POLPORT" "$DOMAIN") || fail "policy request failed"
	case $out in "action=REJECT 5.1.1"*) ;; *) fail "policy: forged reply address got '$out'" ;; esac
	out=$(python3 -c 'import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), 5)
print(s.makefile("rb").readline().decode().strip())
s.sendall(b"QUIT\r\n")' "$LMTPPORT") || fail "LMTP session failed"
	case $out in "220 "*) ;; *) fail "LMTP: no greeting, got '$out'" ;; esac
	for what in "web view" "JSON API" "policy service" "LMTP"; do
		grep -q "daemon: $what on the socket from systemd" "$LOG" ||
			fail "no start-up line for the $what on the socket from systemd"
	done
	wait_until 30 all_sent || fail "not all sent: $(counts)"
	stop_daemon

	# A socket of a name gatewayd does not know is a configuration error.
	BADPORT=$(free_port)
	"$SA" -l "127.0.0.1:$WEBPORT" -l "127.0.0.1:$BADPORT" --fdname=web:smtp \
		"$GATEWAYD" -c "$CONF" --foreground >>"$LOG" 2>&1 &
	DAEMONPID=$!
	wait_until 10 port_open "$WEBPORT" || fail "systemd-socket-activate is not listening"
	curl -s -o /dev/null -m 5 "http://127.0.0.1:$WEBPORT/" || true
	rc=0
	wait "$DAEMONPID" || rc=$?
	DAEMONPID=
	[ "$rc" = 78 ] || fail "an unknown socket name: exit $rc, not 78"
	grep -q 'systemd passed a socket named "smtp"' "$LOG" || fail "no message naming the socket"
	;;

postfix_relay)
	command -v postfix >/dev/null 2>&1 || { echo "skipped: postfix is not installed"; exit 77; }
	[ "$(id -u)" = 0 ] || { echo "skipped: a private Postfix instance needs root"; exit 77; }
	start_sink
	PFPORT=$(free_port)
	PFDIR=$T/postfix
	mkdir -p "$PFDIR/queue" "$PFDIR/data"
	chown postfix "$PFDIR/data"
	cat >"$PFDIR/main.cf" <<EOF
compatibility_level = 3.6
queue_directory = $PFDIR/queue
data_directory = $PFDIR/data
mail_owner = postfix
setgid_group = postdrop
myhostname = mta.test.example
mydomain = test.example
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mydestination =
relay_domains =
mynetworks = 127.0.0.0/8
smtpd_relay_restrictions = permit_mynetworks, reject
relayhost = [127.0.0.1]:$SINKPORT
smtp_dns_support_level = disabled
smtp_tls_security_level = none
smtpd_tls_security_level = none
alias_maps =
alias_database =
local_recipient_maps =
maillog_file = $PFDIR/maillog
maillog_file_prefixes = $PFDIR
queue_run_delay = 1s
minimal_backoff_time = 1s
maximal_backoff_time = 2s
biff = no
EOF
	postfix_master_cf "127.0.0.1:$PFPORT" >"$PFDIR/master.cf"
	# Postfix reports start-up errors only to a terminal or its log file.
	postfix -c "$PFDIR" check >"$T/postfix.log" 2>&1 ||
		fail "postfix check: $(cat "$T/postfix.log" "$PFDIR/maillog" 2>/dev/null)"
	postfix -c "$PFDIR" start >>"$T/postfix.log" 2>&1 ||
		fail "postfix start: $(cat "$T/postfix.log" "$PFDIR/maillog" 2>/dev/null)"
	wait_until 10 port_open "$PFPORT" || fail "postfix smtpd did not listen"
	seed 2 10
	write_config "$PFPORT"
	start_daemon
	wait_until 60 all_sent || fail "postfix did not take every mail: $(counts)"
	stop_daemon
	# Postfix relays to the sink: wait until every mail is there.
	sink_has_all() {
		"$RELAY_TOOL" verify "$DB" "$KEYS" "$BASE_URL" "$DOMAIN" "$SINKDIR" 2>/dev/null |
			grep -q " complete=$N "
	}
	wait_until 60 sink_has_all || {
		postqueue -c "$PFDIR" -p
		tail -n 20 "$PFDIR/maillog"
		fail "postfix did not relay every mail"
	}
	verify
	grep -q "status=sent (250" "$PFDIR/maillog" || fail "no relay in the Postfix log"
	;;

*)
	echo "unknown scenario $scenario"
	exit 2
	;;
esac
echo "PASS ($scenario)"
