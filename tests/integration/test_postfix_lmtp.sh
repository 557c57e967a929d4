#!/bin/sh
# test_postfix_lmtp.sh - gatewayd's policy service and LMTP listener behind
# a real, private Postfix.
#
# Starts the gatewayd daemon (as nobody, on a fresh database) with
# [policy] listen and [lmtp] listen on free loopback ports, and a Postfix
# instance of its own (config, queue and log under the build directory,
# SMTP on a free loopback port) that asks the policy service at RCPT
# (check_policy_service inet:) and delivers the reply domain through
# lmtp:inet:.  An smtp-sink stands in for the rest of the Internet.
# Then checks with swaks:
#   1. a forged reply+TOKEN recipient -> 5xx at RCPT, nothing logged
#   2. a human reply                  -> delivered once over LMTP, explained,
#                                        one explanation in the outbox
#   3. an out-of-office reply         -> delivered, logged automatic, no answer;
#                                        a staff note, the contact away until Monday
#   4. Postfix never bounced anything: no "status=bounced", empty queue,
#      nothing arrived at the sink that stands for senders' servers.
# Postfix, the sink and gatewayd are stopped on every way out.
#
# usage: test_postfix_lmtp.sh GATEWAYD_BIN SEED_BIN WORK_DIR
# Exit 0 pass, 1 fail, 77 skipped (no Postfix, swaks or root).
set -u
. "$(dirname "$0")/postfix_lib.sh"
. "$(dirname "$0")/test_lib.sh"

GW_BIN=$1
SEED_BIN=$2
WORK=$3
DOMAIN=reply.example

fail() {
	echo "FAIL: $*"
	if [ -n "${D:-}" ] && [ -f "$D/maillog" ]; then
		echo "---- maillog (tail)"
		tail -n 30 "$D/maillog"
	fi
	if [ -n "${D:-}" ] && [ -f "$D/gatewayd.log" ]; then
		echo "---- gatewayd log (tail)"
		tail -n 30 "$D/gatewayd.log"
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
D=$(mktemp -d "$WORK/postfix-lmtp.XXXXXX") || fail "mktemp"
chmod 755 "$D"
SINK_PIDS=""
GW_PID=""
PASSED=0
cleanup() {
	postfix -c "$D/etc" stop >/dev/null 2>&1
	for p in $SINK_PIDS $GW_PID; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	# keep the evidence of a failure, nothing of a pass
	[ "$PASSED" = 1 ] && rm -rf "$D"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

SMTP_PORT=$(free_port)
LMTP_PORT=$(free_port)
POLICY_PORT=$(free_port)
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
cat >"$CONF" <<EOC
[store]
path = $DB
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
[lmtp]
listen = 127.0.0.1:$LMTP_PORT
[policy]
listen = 127.0.0.1:$POLICY_PORT
EOC
chown nobody "$CONF"

# ---- the rest of the Internet: where any bounce from Postfix would go,
# and where gatewayd's relay sends explanations
smtp-sink -u nobody -d "$D/sink-bounce/%M." 127.0.0.1:$BOUNCE_SINK_PORT 64 &
SINK_PIDS="$SINK_PIDS $!"
smtp-sink -u nobody -d "$D/sink-relay/%M." 127.0.0.1:$RELAY_SINK_PORT 64 &
SINK_PIDS="$SINK_PIDS $!"

# ---- gatewayd
runuser -u nobody -- "$GW_BIN" -f -c "$CONF" >"$D/gatewayd.log" 2>&1 &
GW_PID=$!
i=0
until grep -q "LMTP on" "$D/gatewayd.log" 2>/dev/null &&
      grep -q "policy service on" "$D/gatewayd.log" 2>/dev/null; do
	kill -0 "$GW_PID" 2>/dev/null || { GW_PID=""; fail "gatewayd exited"; }
	i=$((i + 1)); [ $i -lt 100 ] || fail "gatewayd did not open its listeners"
	sleep 0.1
done

# ---- Postfix
{
	postfix_main_cf "$D" "$DOMAIN" "[127.0.0.1]:$BOUNCE_SINK_PORT"
	cat <<EOC
smtpd_recipient_restrictions = reject_unauth_destination,
	check_policy_service inet:127.0.0.1:$POLICY_PORT, permit
queue_run_delay = 2s
minimal_backoff_time = 2s
maximal_backoff_time = 4s
EOC
} >"$D/etc/main.cf"
cat >"$D/etc/transport" <<EOC
$DOMAIN lmtp:inet:127.0.0.1:$LMTP_PORT
EOC
postfix_master_cf "127.0.0.1:$SMTP_PORT" >"$D/etc/master.cf"
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
	swaks --server 127.0.0.1:$SMTP_PORT --from "$1" --to "$2" --data "@$3" \
		>"$D/swaks.log" 2>&1 || { cat "$D/swaks.log"; fail "swaks to $2"; }
}
message() { # message FILE MSGID TO EXTRA-HEADER SUBJECT BODY
	printf 'From: Jane Smith <jane@client.example>\r\nTo: <%s>\r\nSubject: %s\r\nMessage-ID: <%s>\r\nDate: %s\r\n%bContent-Type: text/plain; charset=utf-8\r\n\r\n%s\r\n' \
		"$3" "$5" "$2" "$(date -R)" "$4" "$6" >"$1"
}

# 1. a forged token: one character inside the MAC of a genuine one
# changed (a -> b or back), so the address is well formed and only the
# HMAC can tell
FORGED=$(python3 -c 'import sys
a = sys.argv[1]; i = a.index("@") - 10
print(a[:i] + ("b" if a[i] == "a" else "a") + a[i + 1:])' "$REPLY1")
[ "$FORGED" != "$REPLY1" ] || fail "could not forge a token"
message "$D/m0" forged1@client.example "$FORGED" "" "Re: Documents for 2026" "Hello."
swaks --server 127.0.0.1:$SMTP_PORT --from jane@client.example --to "$FORGED" \
	--data "@$D/m0" >"$D/swaks-forged.log" 2>&1 && {
	cat "$D/swaks-forged.log"; fail "the forged recipient was accepted"; }
grep -A 1 -E '^ *[-~]> RCPT TO:' "$D/swaks-forged.log" | grep -q -E '^ *<\*\* 5[0-9][0-9]' || {
	cat "$D/swaks-forged.log"; fail "the forged recipient was not refused with 5xx at RCPT"; }
grep -q -E "NOQUEUE: reject: RCPT from .*<$(re "$FORGED")>" "$D/maillog" ||
	wait_log "NOQUEUE: reject: RCPT from .*<$(re "$FORGED")>" 5 ||
	fail "Postfix did not log the RCPT reject"
[ "$(sql "SELECT count(*) FROM inbound_log WHERE message_id = 'forged1@client.example'")" = 0 ] ||
	fail "the forged message reached gatewayd"
grep -E -o '<\*\* 5[0-9][0-9].*' "$D/swaks-forged.log" | head -n 1 | sed 's/^/  swaks: /'
echo "ok 1 - forged recipient: refused at RCPT"

# 2. a human reply, through the policy check and LMTP
message "$D/m1" human1@client.example "$REPLY1" "" "Re: Documents for 2026" \
	"Thanks, I will send the statements on Monday."
send jane@client.example "$REPLY1" "$D/m1"
wait_log "to=<$(re "$REPLY1")>.*relay=127\.0\.0\.1\[127\.0\.0\.1\]:$LMTP_PORT.*status=sent" ||
	fail "human reply not delivered over LMTP"
[ "$(sql "SELECT count(*) FROM inbound_log WHERE message_id = 'human1@client.example'")" = 1 ] ||
	fail "the human reply is not logged exactly once"
[ "$(sql "SELECT verdict FROM inbound_log WHERE message_id = 'human1@client.example'")" = explained ] ||
	fail "human reply not logged as explained"
[ "$(sql "SELECT count(*) FROM outbox WHERE kind = 'explanation'")" = 1 ] ||
	fail "not exactly one explanation queued for the human reply"
[ "$(grep -c -E "to=<$(re "$REPLY1")>.*status=sent" "$D/maillog")" = 1 ] ||
	fail "the human reply was delivered more than once"
echo "ok 2 - human reply: delivered once over LMTP, explanation queued"

# 3. an auto-reply
message "$D/m2" auto1@client.example "$REPLY1" "Auto-Submitted: auto-replied\r\n" \
	"Out of office: Re: Documents for 2026" "I am away until Monday."
send jane@client.example "$REPLY1" "$D/m2"
i=0
until [ "$(sql "SELECT count(*) FROM inbound_log WHERE message_id = 'auto1@client.example'")" = 1 ]; do
	i=$((i + 1)); [ $i -lt 100 ] || fail "auto-reply never reached gatewayd"; sleep 0.2
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
i=0
until [ "$(grep -c -E "to=<$(re "$REPLY1")>.*status=sent" "$D/maillog")" = 2 ]; do
	i=$((i + 1)); [ $i -lt 50 ] || fail "auto-reply not delivered exactly once"; sleep 0.2
done
echo "ok 3 - auto-reply: accepted, logged automatic, nothing queued"

# 4. Postfix bounced nothing, and the queue is empty
i=0
until postqueue -c "$D/etc" -p 2>&1 | grep -q "Mail queue is empty"; do
	i=$((i + 1))
	[ $i -lt 50 ] || { postqueue -c "$D/etc" -p; fail "the queue is not empty"; }
	sleep 0.2
done
grep -q "status=bounced" "$D/maillog" && fail "Postfix bounced a message"
grep -q "status=deferred" "$D/maillog" && fail "Postfix deferred a message"
[ -z "$(ls -A "$D/sink-bounce")" ] || fail "something reached the senders' sink"
echo "ok 4 - no bounce, empty queue"
PASSED=1
echo "PASS"
exit 0
