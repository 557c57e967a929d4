#!/bin/sh
# fault_pipe_kill.sh - gatewayd-pipe killed with SIGKILL in the middle of
# its work under a real, private Postfix: Postfix keeps the message and
# retries, each message is recorded once and answered at most once.
#
# The pipe service runs a wrapper (written below, test-only) in front of
# gatewayd-pipe that counts the attempts per queue id and recipient:
#
#   phase "steps" (a human reply on each of two threads, an auto-reply, a DSN):
#     attempt 1  gatewayd-pipe runs under strace with every write to the
#                database's WAL held back; the wrapper waits until strace
#                shows a thread of it inside such a write while its process
#                holds SQLite's WAL write lock (seen in /proc/locks), then
#                SIGKILLs it: killed inside its transaction, before the commit
#     attempt 2  under strace with exit_group held back; killed once strace
#                shows it inside exit_group: after its commit, before
#                Postfix heard 0
#     attempt 3  runs as is
#   phase "random" (replies from eight senders): attempts 1 and 2 are
#     SIGKILLed 0-60 ms after the start, wherever they are; attempt 3 runs.
#
# Every killed attempt ends the wrapper with SIGKILL too, so pipe(8) sees
# "Command died with signal 9".  Then:
#   - Postfix deferred every killed attempt (dsn 4.3.0), bounced nothing,
#     and delivered every message in the end; the queue is empty;
#   - per message exactly one inbound-log row with a real verdict; the
#     further rows are "duplicate" (redeliveries): exactly one per message
#     in phase "steps" (attempt 1 left nothing, attempt 2 committed), and
#     as many as kills that came after the commit in phase "random";
#   - one explanation per human reply (in phase "random" per reply whose
#     verdict is "explained": the daily caps hold some back), none for the
#     auto-reply and the DSN;
#   - PRAGMA integrity_check is ok.
#
# usage: fault_pipe_kill.sh PIPE_BIN SEED_BIN WORK_DIR
# Exit 0 pass, 1 fail, 77 skipped (no Postfix, swaks, sqlite3, strace,
# ptrace, or not root).
set -u
. "$(dirname "$0")/postfix_lib.sh"
. "$(dirname "$0")/test_lib.sh"

PIPE_BIN=$(realpath "$1")
SEED_BIN=$(realpath "$2")
WORK=$3
DOMAIN=reply.example

fail() {
	echo "FAIL: $*"
	if [ -n "${D:-}" ] && [ -f "$D/maillog" ]; then
		echo "---- maillog (tail)"
		tail -n 30 "$D/maillog"
		echo "---- wrapper log"
		cat "$D/state/log" 2>/dev/null
	fi
	exit 1
}

PATH=$PATH:/usr/sbin:/sbin
command -v postfix >/dev/null 2>&1 || skip "postfix is not installed"
command -v swaks >/dev/null 2>&1 || skip "swaks is not installed"
command -v sqlite3 >/dev/null 2>&1 || skip "sqlite3 (the shell) is not installed"
command -v strace >/dev/null 2>&1 || skip "strace is not installed (it holds gatewayd-pipe inside its transaction)"
command -v python3 >/dev/null 2>&1 || skip "python3 is not installed"
[ "$(id -u)" = 0 ] || skip "a private Postfix instance needs root"
id postfix >/dev/null 2>&1 || skip "no postfix user"
runuser -u nobody -- strace -qq -o /dev/null true 2>/dev/null ||
	skip "strace cannot trace here (ptrace not permitted)"


mkdir -p "$WORK"
D=$(mktemp -d "$WORK/fault-pipe-kill.XXXXXX") || fail "mktemp"
chmod 755 "$D"
SINK_PID=
PASSED=0
cleanup() {
	postfix -c "$D/etc" stop >/dev/null 2>&1
	[ -n "$SINK_PID" ] && kill "$SINK_PID" 2>/dev/null
	wait 2>/dev/null
	[ "$PASSED" = 1 ] && rm -rf "$D"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

SMTP_PORT=$(free_port)
BOUNCE_SINK_PORT=$(free_port)
mkdir -p "$D/etc" "$D/queue" "$D/data" "$D/gw" "$D/sink-bounce" "$D/state/attempts"
chown postfix "$D/data"
chown nobody "$D/gw" "$D/sink-bounce" "$D/state" "$D/state/attempts"

DB=$D/gw/gatewayd.db
KEYS=$D/gw/keys
CONF=$D/gw/gatewayd.conf
eval "$(runuser -u nobody -- "$SEED_BIN" "$DB" "$KEYS" "$DOMAIN")" || fail "seed"
[ -n "${REPLY1:-}" ] || fail "seed printed no addresses"
cat >"$CONF" <<EOF
[store]
path = $DB
busy_timeout_ms = 5000
[mail]
from = chat@firm.example
reply_domain = $DOMAIN
batch_window = 0
transport = smtp://127.0.0.1:9
[links]
key_file = $KEYS
[web]
base_url = https://chat.firm.example
EOF
chown nobody "$CONF"

# ---- the wrapper pipe(8) runs: WRAP QUEUE_ID SENDER RECIPIENT (as nobody)
cat >"$D/wrap.sh" <<EOF
#!/bin/sh
PATH=/usr/bin:/bin:/usr/sbin:/sbin
S=$D/state
PIPE="$PIPE_BIN -c $CONF"
DB=$DB
EOF
cat >>"$D/wrap.sh" <<'EOF'
key=$S/attempts/$1.$(printf '%s' "$3" | cksum | cut -d' ' -f1)
n=$(($(cat "$key" 2>/dev/null || echo 0) + 1))
echo "$n" >"$key"
mode=$(cat "$S/mode")
case $mode:$n in
steps:1) how=lock ;;
steps:2) how=exit ;;
random:1 | random:2) how=random ;;
*) exec $PIPE "$2" "$3" ;;
esac
say() { echo "$1 $3 attempt $n: $4" >>"$S/log"; }
# pipe(8) shows the output of a failed command: keep the shell's own
# "Killed" out of it, as a real SIGKILL leaves no output either.
exec 3<&0 2>>"$S/wrap.err"
case $how in
lock) trace=$S/trace.$1.$n
	strace -f -qq -o "$trace" -P "$DB-wal" -e trace=pwrite64 \
	-e inject=pwrite64:delay_enter=20000000 $PIPE "$2" "$3" <&3 2>>"$S/strace.log" & ;;
exit) trace=$S/trace.$1.$n
	strace -f -qq -o "$trace" -e trace=exit_group \
	-e inject=exit_group:delay_enter=20000000 $PIPE "$2" "$3" <&3 2>>"$S/strace.log" & ;;
random) $PIPE "$2" "$3" <&3 & ;;
esac
runner=$!
if [ "$how" = random ]; then
	sleep "0.$(printf %03d $(($(od -An -N2 -tu2 /dev/urandom) % 61)))"
	kill -9 "$runner" 2>/dev/null
	wait "$runner"
	st=$?
	if [ "$st" = 137 ]; then
		say "$@" "killed at a random moment"
		kill -9 $$
	fi
	say "$@" "finished before the kill (exit $st)"
	exit "$st"
fi
# held_in_trace CALL: strace's last line is CALL entered and not returned;
# then tid is the thread that made it and pid its process.  strace names
# the caller itself: which thread of gatewayd-pipe does the work, and
# whether /proc/PID/syscall of the main thread shows it, has varied.
held_in_trace() {
	last=$(tail -n 1 "$trace" 2>/dev/null)
	case $last in
	*"$1("*") = "*) return 1 ;;
	*"$1("*) ;;
	*) return 1 ;;
	esac
	tid=${last%% *}
	tgid=$(sed -n 's/^Tgid:[[:space:]]*//p' "/proc/$tid/status" 2>/dev/null)
	[ -n "$tgid" ] || return 1
	pid=$tgid
}
# The process strace runs, and the moment to kill it.
at() {
	case $how in
	# inside a write to the WAL, holding its write lock
	lock) held_in_trace pwrite64 &&
		grep -Eq "POSIX  ADVISORY  WRITE ($pid|$tid) [0-9a-f:]* 120 120\$" /proc/locks ;;
	# inside exit_group: its commit made
	exit) held_in_trace exit_group ;;
	esac
}
start=$(date +%s)
pid=
while [ $(($(date +%s) - start)) -lt 50 ] && kill -0 "$runner" 2>/dev/null; do
	if at 2>/dev/null; then
		kill -9 "$pid"
		kill -9 "$runner" 2>/dev/null # strace would sit out its delay
		case $how in
		lock) say "$@" "killed inside its transaction (WAL write lock held, in pwrite64)" ;;
		exit) say "$@" "killed after its commit (in exit_group)" ;;
		esac
		wait "$runner"
		kill -9 $$
	fi
	sleep 0.01
done
say "$@" "never reached the $how point (pid ${pid:-none}, $(($(date +%s) - start))s)"
tail -n 2 "$trace" >>"$S/log" 2>&1
wait "$runner"
EOF
chmod 755 "$D/wrap.sh"
echo steps >"$D/state/mode"

# ---- the senders' side: where a bounce from Postfix would go
smtp-sink -u nobody -d "$D/sink-bounce/%M." 127.0.0.1:"$BOUNCE_SINK_PORT" 64 &
SINK_PID=$!

# ---- Postfix: one pipe process at a time, so that the attempts of each
# message follow one another as the wrapper counts them
{
	postfix_main_cf "$D" "$DOMAIN" "[127.0.0.1]:$BOUNCE_SINK_PORT"
	cat <<EOF
gatewayd_destination_recipient_limit = 1
smtpd_recipient_restrictions = permit_mynetworks, reject_unauth_destination
queue_run_delay = 1s
minimal_backoff_time = 1s
maximal_backoff_time = 2s
EOF
} >"$D/etc/main.cf"
echo "$DOMAIN gatewayd:" >"$D/etc/transport"
{
	postfix_master_cf "127.0.0.1:$SMTP_PORT"
	cat <<EOF
gatewayd  unix  - n n - 1 pipe
  flags=Rq user=nobody null_sender=
  argv=/bin/sh $D/wrap.sh \${queue_id} \${sender} \${recipient}
EOF
} >"$D/etc/master.cf"
postfix -c "$D/etc" check >"$D/check.log" 2>&1 || { cat "$D/check.log"; fail "postfix check"; }
postfix -c "$D/etc" start >"$D/start.log" 2>&1 || { cat "$D/start.log"; fail "postfix start"; }

sql() { sqlite3 -cmd ".timeout 5000" "$DB" "$1"; }
send() { # send FROM TO FILE
	swaks --silent 2 --server 127.0.0.1:"$SMTP_PORT" --from "$1" --to "$2" --data "@$3" \
		>"$D/swaks.log" 2>&1 || { cat "$D/swaks.log"; fail "swaks to $2"; }
}
message() { # message FILE MSGID FROM TO EXTRA-HEADER SUBJECT BODY
	printf 'From: %s\r\nTo: <%s>\r\nSubject: %s\r\nMessage-ID: <%s>\r\nDate: %s\r\n%bContent-Type: text/plain; charset=utf-8\r\n\r\n%s\r\n' \
		"$3" "$4" "$6" "$2" "$(date -R)" "$5" "$7" >"$1"
}
# rows MSGID [VERDICT-CONDITION]: inbound-log rows of the message
rows() { sql "SELECT count(*) FROM inbound_log WHERE message_id = '$1' ${2:-}"; }
# wait_recorded MSGID SECONDS: until a delivery of the message succeeded
# (its real row and the redeliveries the phase expects are there)
delivered() { [ "$(rows "$1" "AND verdict <> 'duplicate'")" -ge 1 ] && [ "$(rows "$1")" -ge "$2" ]; }
# A message that arrives while qmgr is busy with it can be left in the
# incoming queue ("skipped, still being delivered"), where only the next
# arrival makes qmgr look again; a flush every 5 s stands in for it (here
# and in wait_queue_empty).
wait_delivered() {
	i=0
	until delivered "$1" "$2"; do
		i=$((i + 1))
		[ $i -lt $(($3 * 5)) ] || return 1
		[ $((i % 25)) != 0 ] || postqueue -c "$D/etc" -f
		sleep 0.2
	done
}
queue_empty() { postqueue -c "$D/etc" -p 2>&1 | grep -q "Mail queue is empty"; }
wait_queue_empty() {
	i=0
	until queue_empty; do
		i=$((i + 1))
		[ $i -lt $(($1 * 5)) ] || return 1
		[ $((i % 25)) != 0 ] || postqueue -c "$D/etc" -f
		sleep 0.2
	done
}

# ---- phase "steps"
message "$D/s1" steps-human1@client.example "Jane Smith <jane@client.example>" "$REPLY1" "" \
	"Re: Documents for 2026" "Thanks, I will send the statements on Monday."
message "$D/s2" steps-human2@client.example "Jane Smith <jane@client.example>" "$REPLY2" "" \
	"Re: Your tax return" "Signed and attached."
message "$D/s3" steps-auto@client.example "Jane Smith <jane@client.example>" "$REPLY1" \
	"Auto-Submitted: auto-replied\r\n" "Out of office: Re: Documents for 2026" "Away until Monday."
printf 'From: MAILER-DAEMON@mx.client.example\r\nTo: <%s>\r\nSubject: Undelivered Mail Returned to Sender\r\nMessage-ID: <steps-dsn@mx.client.example>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/report; report-type=delivery-status; boundary="b"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nUndeliverable.\r\n\r\n--b\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.client.example\r\n\r\nFinal-Recipient: rfc822; jane@client.example\r\nAction: failed\r\nStatus: 5.1.1\r\nDiagnostic-Code: smtp; 550 5.1.1 user unknown\r\n\r\n--b--\r\n' \
	"$BOUNCE1" >"$D/s4"
send jane@client.example "$REPLY1" "$D/s1"
send jane@client.example "$REPLY2" "$D/s2"
send jane@client.example "$REPLY1" "$D/s3"
for m in steps-human1@client.example steps-human2@client.example steps-auto@client.example; do
	wait_delivered "$m" 2 60 || fail "$m: not delivered after its killed attempts"
done
# The DSN marks Jane bouncing: after her replies, so that it cannot change
# how they are answered.
send "<>" "$BOUNCE1" "$D/s4"
wait_delivered steps-dsn@mx.client.example 2 60 || fail "the DSN: not delivered after its killed attempts"
wait_queue_empty 30 || fail "phase steps: the queue did not empty"
[ "$(grep -c 'killed inside its transaction' "$D/state/log")" = 4 ] ||
	fail "phase steps: want 4 kills inside the transaction"
[ "$(grep -c 'killed after its commit' "$D/state/log")" = 4 ] ||
	fail "phase steps: want 4 kills after the commit"
for m in steps-human1@client.example steps-human2@client.example steps-auto@client.example \
	steps-dsn@mx.client.example; do
	[ "$(rows "$m" "AND verdict <> 'duplicate'")" = 1 ] || fail "$m: not recorded exactly once"
	# 1: attempt 1 committed nothing, attempt 2 did, attempt 3 saw it
	[ "$(rows "$m" "AND verdict = 'duplicate'")" = 1 ] ||
		fail "$m: want exactly one redelivery row, have $(rows "$m" "AND verdict = 'duplicate'")"
done
[ "$(sql "SELECT verdict FROM inbound_log WHERE message_id = 'steps-human1@client.example' AND verdict <> 'duplicate'")" = explained ] ||
	fail "the first human reply was not explained"
[ "$(sql "SELECT verdict FROM inbound_log WHERE message_id = 'steps-auto@client.example' AND verdict <> 'duplicate'")" = automatic ] ||
	fail "the auto-reply was not recorded as automatic"
[ "$(sql "SELECT verdict FROM inbound_log WHERE message_id = 'steps-dsn@mx.client.example' AND verdict <> 'duplicate'")" = bounce ] ||
	fail "the DSN was not recorded as a bounce"
[ "$(sql "SELECT count(*) FROM outbox WHERE kind = 'explanation'")" = 2 ] ||
	fail "want 2 explanations (one per human reply), have $(sql "SELECT count(*) FROM outbox WHERE kind = 'explanation'")"
echo "ok 1 - killed inside the transaction and after the commit: recorded once, explained once"

# ---- phase "random"
echo random >"$D/state/mode"
k=1
while [ $k -le 8 ]; do
	message "$D/r$k" "random$k@client.example" "Sender $k <s$k@client.example>" "$REPLY1" "" \
		"Re: Documents for 2026" "Answer number $k."
	send "s$k@client.example" "$REPLY1" "$D/r$k"
	k=$((k + 1))
done
k=1
while [ $k -le 8 ]; do
	wait_delivered "random$k@client.example" 1 60 || fail "random$k: not delivered"
	k=$((k + 1))
done
wait_queue_empty 30 || fail "phase random: the queue did not empty"
k=1
redeliveries=0
explained=0
while [ $k -le 8 ]; do
	m=random$k@client.example
	[ "$(rows "$m" "AND verdict <> 'duplicate'")" = 1 ] || fail "$m: not recorded exactly once"
	redeliveries=$((redeliveries + $(rows "$m" "AND verdict = 'duplicate'")))
	# answered once if its verdict says so (the daily caps may say no)
	want=$(rows "$m" "AND verdict = 'explained'")
	[ "$(sql "SELECT count(*) FROM outbox WHERE kind = 'explanation' AND recipient_address = 's$k@client.example'")" = "$want" ] ||
		fail "$m: want $want explanation(s) to s$k@client.example"
	explained=$((explained + want))
	k=$((k + 1))
done
random_kills=$(grep -c 'killed at a random moment' "$D/state/log")
random_done=$(grep -c 'finished before the kill' "$D/state/log")
echo "ok 2 - random kills: $random_kills killed, $random_done finished first, $redeliveries after the commit (logged as duplicate); each recorded once; $explained answered (once each), the rest held back by the daily caps"

# ---- Postfix's side
died=$(grep -c 'status=deferred (Command died with signal 9' "$D/maillog")
kills=$(grep -c 'killed' "$D/state/log")
[ "$died" = "$kills" ] ||
	fail "want $kills deferrals 'Command died with signal 9' (one per kill), the maillog has $died"
grep 'status=deferred (Command died with signal 9' "$D/maillog" | head -n 1 |
	sed 's/^.*relay=/  maillog: relay=/'
grep -q "status=bounced" "$D/maillog" && fail "Postfix bounced a message"
[ -z "$(ls -A "$D/sink-bounce")" ] || fail "something reached the senders' sink"
[ "$(sql 'PRAGMA integrity_check')" = ok ] || fail "integrity_check: $(sql 'PRAGMA integrity_check')"
echo "ok 3 - $kills kills, each deferred by Postfix (4.3.0), none bounced; integrity_check ok"
PASSED=1
echo "PASS"
exit 0
