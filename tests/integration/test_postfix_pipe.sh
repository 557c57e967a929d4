#!/bin/sh
# test_postfix_pipe.sh - gatewayd-pipe behind a real, private Postfix.
#
# Starts a Postfix instance of its own (config, queue and log under the
# build directory, SMTP on a free loopback port, mail to the reply domain
# routed to a pipe(8) transport running gatewayd-pipe as nobody) and an
# smtp-sink standing in for the rest of the Internet, then checks with
# swaks:
#   1. a human reply to reply+TOKEN  -> explanation queued (and, when
#      gatewayctl can deliver, sent to a sink with the null sender)
#   2. an out-of-office reply        -> nothing queued; a staff note, the
#                                       contact away until Monday
#   3. a DSN to bounce+TOKEN         -> the contact is marked bouncing
#   4. a locked database             -> Postfix defers (4.3.0) and delivers
#                                       once the lock is released
#   5. Postfix never bounced anything: no "status=bounced", empty queue,
#      nothing arrived at the sink that stands for senders' servers.
#   7. with gatewayd running (as nobody, GATEWAYD_BIN given), the same
#      master.cf hands a reply over to the daemon: it logs the decision,
#      Postfix logs status=sent, the reply is recorded once.
# Postfix and the sinks are stopped on every way out.
#
# usage: test_postfix_pipe.sh PIPE_BIN SEED_BIN WORK_DIR [GATEWAYCTL_BIN [GATEWAYD_BIN]]
# Exit 0 pass, 1 fail, 77 skipped (no Postfix, swaks or root).
set -u
. "$(dirname "$0")/postfix_lib.sh"
. "$(dirname "$0")/test_lib.sh"

PIPE_BIN=$1
SEED_BIN=$2
WORK=$3
CTL_BIN=${4:-}
GW_BIN=${5:-}
GW_PID=""
DOMAIN=reply.example

fail() {
	echo "FAIL: $*"
	if [ -n "${D:-}" ] && [ -f "$D/maillog" ]; then
		echo "---- maillog (tail)"
		tail -n 30 "$D/maillog"
	fi
	exit 1
}

command -v postfix >/dev/null 2>&1 || [ -x /usr/sbin/postfix ] || skip "postfix is not installed"
command -v swaks >/dev/null 2>&1 || skip "swaks is not installed"
command -v sqlite3 >/dev/null 2>&1 || skip "sqlite3 (the shell) is not installed"
[ "$(id -u)" = 0 ] || skip "a private Postfix instance needs root"
id postfix >/dev/null 2>&1 || skip "no postfix user"
PATH=$PATH:/usr/sbin


mkdir -p "$WORK"
D=$(mktemp -d "$WORK/postfix-pipe.XXXXXX") || fail "mktemp"
chmod 755 "$D"
SINK_PIDS=""
PASSED=0
cleanup() {
	postfix -c "$D/etc" stop >/dev/null 2>&1
	for p in $SINK_PIDS $GW_PID; do kill "$p" 2>/dev/null; done
	[ -n "${LOCK_PID:-}" ] && kill "$LOCK_PID" 2>/dev/null
	wait 2>/dev/null
	# keep the evidence of a failure, nothing of a pass
	[ "$PASSED" = 1 ] && rm -rf "$D"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

SMTP_PORT=$(free_port)
BOUNCE_SINK_PORT=$(free_port)
RELAY_SINK_PORT=$(free_port)
mkdir -p "$D/etc" "$D/queue" "$D/data" "$D/gw" "$D/sink-bounce" "$D/sink-relay"
chown postfix "$D/data"
chown nobody "$D/gw" "$D/sink-bounce" "$D/sink-relay"

# ---- gatewayd's side: database, keys, config, all owned by nobody
DB=$D/gw/gatewayd.db
KEYS=$D/gw/keys
CONF=$D/gw/gatewayd.conf
eval "$(runuser -u nobody -- "$SEED_BIN" "$DB" "$KEYS" "$DOMAIN")" || fail "seed"
[ -n "${REPLY1:-}" ] || fail "seed printed no addresses"
cat >"$CONF" <<EOF
[store]
path = $DB
busy_timeout_ms = 300
[mail]
from = chat@firm.example
from_name = Example & Co
reply_domain = $DOMAIN
batch_window = 0
transport = smtp://127.0.0.1:$RELAY_SINK_PORT
starttls = no
[links]
key_file = $KEYS
[web]
base_url = https://chat.firm.example
EOF
chown nobody "$CONF"

# ---- the rest of the Internet: where any bounce from Postfix would go,
# and where the relay sends explanations
smtp-sink -u nobody -d "$D/sink-bounce/%M." 127.0.0.1:$BOUNCE_SINK_PORT 64 &
SINK_PIDS="$SINK_PIDS $!"
smtp-sink -u nobody -d "$D/sink-relay/%M." 127.0.0.1:$RELAY_SINK_PORT 64 &
SINK_PIDS="$SINK_PIDS $!"

# ---- Postfix
{
	postfix_main_cf "$D" "$DOMAIN" "[127.0.0.1]:$BOUNCE_SINK_PORT"
	cat <<EOF
gatewayd_destination_recipient_limit = 1
smtpd_recipient_restrictions = permit_mynetworks, reject_unauth_destination
queue_run_delay = 2s
minimal_backoff_time = 2s
maximal_backoff_time = 4s
EOF
} >"$D/etc/main.cf"
cat >"$D/etc/transport" <<EOF
$DOMAIN gatewayd:
EOF
{
	postfix_master_cf "127.0.0.1:$SMTP_PORT"
	cat <<EOF
gatewayd  unix  - n n - - pipe
  flags=Rq user=nobody null_sender=
  argv=$PIPE_BIN -c $CONF \${sender} \${recipient}
EOF
} >"$D/etc/master.cf"
postfix -c "$D/etc" check >"$D/check.log" 2>&1 || { cat "$D/check.log"; fail "postfix check"; }
postfix -c "$D/etc" start >"$D/start.log" 2>&1 || { cat "$D/start.log"; fail "postfix start"; }

# wait_log PATTERN [SECONDS]: until the maillog has a line matching PATTERN
wait_log() {
	i=0
	while [ $i -lt $((${2:-20} * 5)) ]; do
		grep -q -E "$1" "$D/maillog" 2>/dev/null && return 0
		sleep 0.2
		i=$((i + 1))
	done
	return 1
}
# the address as an extended regular expression ('+' and '.' literal)
re() { printf '%s' "$1" | sed 's/[.+]/\\&/g'; }
sql() { sqlite3 -cmd ".timeout 5000" "$DB" "$1"; }
send() { # send FROM TO FILE
	swaks --silent 2 --server 127.0.0.1:$SMTP_PORT --from "$1" --to "$2" --data "@$3" \
		>"$D/swaks.log" 2>&1 || { cat "$D/swaks.log"; fail "swaks to $2"; }
}
message() { # message FILE MSGID TO EXTRA-HEADER SUBJECT BODY
	printf 'From: Jane Smith <jane@client.example>\r\nTo: <%s>\r\nSubject: %s\r\nMessage-ID: <%s>\r\nDate: %s\r\n%bContent-Type: text/plain; charset=utf-8\r\n\r\n%s\r\n' \
		"$3" "$5" "$2" "$(date -R)" "$4" "$6" >"$1"
}

# 1. a human reply
message "$D/m1" human1@client.example "$REPLY1" "" "Re: Documents for 2026" \
	"Thanks, I will send the statements on Monday."
send jane@client.example "$REPLY1" "$D/m1"
wait_log "to=<$(re "$REPLY1")>.*status=sent" || fail "human reply not delivered to the pipe"
[ "$(sql "SELECT count(*) FROM outbox WHERE kind = 'explanation'")" = 1 ] ||
	fail "no explanation queued for the human reply"
[ "$(sql "SELECT verdict FROM inbound_log WHERE message_id = 'human1@client.example'")" = explained ] ||
	fail "human reply not logged as explained"
echo "ok 1 - human reply: explanation queued"

# 2. an auto-reply
message "$D/m2" auto1@client.example "$REPLY1" "Auto-Submitted: auto-replied\r\n" \
	"Out of office: Re: Documents for 2026" "I am away until Monday."
send jane@client.example "$REPLY1" "$D/m2"
i=0
until [ "$(sql "SELECT count(*) FROM inbound_log WHERE message_id = 'auto1@client.example'")" = 1 ]; do
	i=$((i + 1)); [ $i -lt 100 ] || fail "auto-reply never reached the pipe"; sleep 0.2
done
# an out-of-office reply: never answered, but staff see when Jane is back
[ "$(sql "SELECT count(*) FROM inbound_log WHERE message_id = 'auto1@client.example' AND verdict = 'automatic' AND reason LIKE 'auto-submitted: auto-replied; out of office, away until 20__-__-__, %; staff note'")" = 1 ] ||
	fail "auto-reply not logged as automatic with its return date: $(sql "SELECT reason FROM inbound_log WHERE message_id = 'auto1@client.example'")"
[ "$(sql "SELECT count(*) FROM messages WHERE staff_only = 1 AND author_kind = 'system' AND body LIKE '% is away until % (automatic reply).'")" = 1 ] ||
	fail "no staff note about the auto-reply"
[ -n "$(sql "SELECT away_until FROM contacts WHERE email = 'jane@client.example'")" ] ||
	fail "the contact is not marked away"
[ "$(sql "SELECT count(*) FROM outbox WHERE kind = 'explanation'")" = 1 ] ||
	fail "the auto-reply was answered"
echo "ok 2 - auto-reply: nothing queued"

# 3. a DSN to the VERP address, null sender
printf 'From: MAILER-DAEMON@mx.client.example\r\nTo: <%s>\r\nSubject: Undelivered Mail Returned to Sender\r\nMessage-ID: <dsn1@mx.client.example>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/report; report-type=delivery-status; boundary="b"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nUndeliverable.\r\n\r\n--b\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.client.example\r\n\r\nFinal-Recipient: rfc822; jane@client.example\r\nAction: failed\r\nStatus: 5.1.1\r\nDiagnostic-Code: smtp; 550 5.1.1 user unknown\r\n\r\n--b--\r\n' \
	"$BOUNCE1" >"$D/m3"
send "<>" "$BOUNCE1" "$D/m3"
wait_log "to=<$(re "$BOUNCE1")>.*status=sent" || fail "DSN not delivered to the pipe"
[ "$(sql "SELECT email_status FROM contacts WHERE email = 'jane@client.example'")" = bouncing ] ||
	fail "the DSN did not mark the contact bouncing"
[ "$(sql "SELECT sender FROM inbound_log WHERE message_id = 'dsn1@mx.client.example'")" = "" ] ||
	fail "the null sender was not logged as empty"
sql "UPDATE contacts SET email_status = 'ok', bounce_reason = NULL, bounced_at = NULL"
echo "ok 3 - DSN: contact marked bouncing, no answer"

# 4. a locked database: deferred with 4.3.0, delivered after the lock
runuser -u nobody -- sh -c "(echo 'BEGIN EXCLUSIVE;'; sleep 6; echo 'COMMIT;') | sqlite3 '$DB'" &
LOCK_PID=$!
sleep 0.5
message "$D/m4" human2@client.example "$REPLY2" "" "Re: Your tax return" "Done, see attached."
send jane@client.example "$REPLY2" "$D/m4"
wait_log "to=<$(re "$REPLY2")>.*dsn=4\.3\.0, status=deferred" 15 || fail "locked database: no deferral"
grep -E "to=<$(re "$REPLY2")>.*status=deferred" "$D/maillog" | head -n 1 | sed 's/^.*status=/  maillog: status=/'
wait "$LOCK_PID"
LOCK_PID=""
wait_log "to=<$(re "$REPLY2")>.*status=sent" 25 || fail "not delivered after the lock was released"
[ "$(sql "SELECT count(*) FROM outbox WHERE kind = 'explanation'")" = 2 ] ||
	fail "the deferred reply was not explained exactly once"
[ "$(sql "SELECT count(*) FROM inbound_log WHERE message_id = 'human2@client.example'")" = 1 ] ||
	fail "the deferred reply left more than one log row"
echo "ok 4 - locked database: deferred, then delivered"

# 5. Postfix bounced nothing, and the queue is empty
grep -q "status=bounced" "$D/maillog" && fail "Postfix bounced a message"
[ -z "$(ls -A "$D/sink-bounce")" ] || fail "something reached the senders' sink"
postqueue -c "$D/etc" -p 2>&1 | grep -q "Mail queue is empty" || {
	postqueue -c "$D/etc" -p; fail "the queue is not empty"; }
echo "ok 5 - no bounce, empty queue"

# 6. the relay sends the explanations (when gatewayctl can deliver)
if [ -n "$CTL_BIN" ] && [ -x "$CTL_BIN" ]; then
	runuser -u nobody -- "$CTL_BIN" -c "$CONF" tick >"$D/tick.log" 2>&1 ||
		{ cat "$D/tick.log"; fail "gatewayctl tick"; }
	sent=$(sql "SELECT count(*) FROM outbox WHERE kind = 'explanation' AND status = 'sent'")
	if [ "$sent" = 0 ]; then
		cat "$D/tick.log"; fail "gatewayctl tick sent no explanation"
	else
		sleep 0.5
		found=$(grep -l -i "^Auto-Submitted: auto-replied" "$D"/sink-relay/* 2>/dev/null | head -n 1)
		[ -n "$found" ] || fail "no explanation reached the sink"
		grep -q -i "^X-Mail-Args: *<>" "$found" ||
			grep -q -i "MAIL FROM:<>" "$found" ||
			fail "the explanation was not sent with the null sender"
		echo "ok 6 - relay: explanation delivered to the sink"
	fi
else
	echo "ok 6 # SKIP no gatewayctl: explanations checked as outbox rows"
fi

# 7. the hand-over: the same pipe service with the daemon running
if [ -n "$GW_BIN" ] && [ -x "$GW_BIN" ]; then
	runuser -u nobody -- "$GW_BIN" -f -c "$CONF" >"$D/gatewayd.log" 2>&1 &
	GW_PID=$!
	i=0
	until grep -q "hands messages over on $DB.sock" "$D/gatewayd.log"; do
		kill -0 "$GW_PID" 2>/dev/null || { cat "$D/gatewayd.log"; fail "gatewayd exited"; }
		i=$((i + 1)); [ $i -lt 100 ] || fail "gatewayd did not open [pipe] socket"
		sleep 0.1
	done
	message "$D/m7" handover1@client.example "$REPLY2" "" "Re: Documents for 2026" \
		"Handed over."
	sent_before=$(grep -c -E "to=<$(re "$REPLY2")>.*status=sent" "$D/maillog")
	send jane@client.example "$REPLY2" "$D/m7"
	i=0
	until [ "$(grep -c -E "to=<$(re "$REPLY2")>.*status=sent" "$D/maillog")" -gt "$sent_before" ]; do
		i=$((i + 1)); [ $i -lt 100 ] || fail "the reply was not delivered to the pipe"
		sleep 0.2
	done
	grep -q "pipe: handover1@client.example from jane@client.example" "$D/gatewayd.log" ||
		{ cat "$D/gatewayd.log"; fail "the daemon did not decide the reply"; }
	[ "$(sql "SELECT count(*) FROM inbound_log WHERE message_id = 'handover1@client.example'")" = 1 ] ||
		fail "the reply handed over is not recorded once"
	grep -q "status=bounced" "$D/maillog" && fail "Postfix bounced a message"
	echo "ok 7 - hand-over: the daemon decided the reply Postfix piped"
else
	echo "ok 7 # SKIP no gatewayd: the hand-over is tested by test_pipe_handover"
fi
PASSED=1
echo "PASS"
exit 0
