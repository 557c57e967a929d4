#!/bin/sh
# test_imap_dovecot.sh - gatewayd reading a mailbox on a real, private
# Dovecot IMAP server ([imap], docs/imap.md).
#
# Starts Dovecot (its own config, passwd-file user and Maildir under the
# build directory, free loopback ports, a self-signed certificate) and
# gatewayd with [imap] url = imap://... through a small TCP relay
# (imap_tool.py proxy) that can cut a FETCH short; STARTTLS is required
# and the certificate checked against [imap] ca_file.  Then:
#   1. a human reply, an auto-reply and a bounce appended to the mailbox:
#      explained once / automatic / bounce, all moved to Processed
#   2. a message without header and a 50 MB message: logged malformed and
#      over-limit, moved to gatewayd-rejected, the big one never fetched whole
#   3. a decided message copied back into the mailbox: "duplicate", no
#      second explanation
#   4. the connection cut in the middle of a FETCH: logged, reconnected,
#      the message decided once
#   5. Dovecot restarted while gatewayd is in IDLE: reconnects, reads on
#   6. messages appended while gatewayd is stopped: decided after its start
#   7. the mailbox deleted under gatewayd: one clear line per attempt;
#      created again it has a new UIDVALIDITY, and its message is decided
#      although its UID is below the last one decided
#   8. a wrong password and an untrusted certificate (two more daemons):
#      a clear error, retried with backoff, the daemon keeps running
#   9. the database locked by another process: the message stays in the
#      mailbox and is decided once the lock is gone
#  10. a server without IDLE, MOVE and UIDPLUS, without TLS: polling, COPY
#      + \Deleted + EXPUNGE; the connection lost between deciding and
#      moving: moved after, never decided again
#  11. done = delete
# Each message leaves one inbound log row, and nothing is answered twice.
#
# usage: test_imap_dovecot.sh GATEWAYD_BIN SEED_BIN WORK_DIR
# Exit 0 pass, 1 fail, 77 skipped (no Dovecot, openssl, python3, sqlite3, root).
set -u
. "$(dirname "$0")/postfix_lib.sh"
. "$(dirname "$0")/test_lib.sh"

GW_BIN=$1
SEED_BIN=$2
WORK=$3
TOOL="python3 $(dirname "$0")/imap_tool.py"
DOMAIN=reply.example
MBOX=gwreplies

fail() {
	echo "FAIL: $*"
	for f in gatewayd.log gw-badpass.log gw-badcert.log dovecot.log; do
		[ -n "${D:-}" ] && [ -f "$D/$f" ] || continue
		echo "---- $f (tail)"
		tail -n 25 "$D/$f"
	done
	exit 1
}

# GW_DOVECOT: another dovecot binary (a missing one shows the skip)
DOVECOT=${GW_DOVECOT:-/usr/sbin/dovecot}
[ -x "$DOVECOT" ] && [ -x /usr/lib/dovecot/imap ] ||
	skip "Dovecot's IMAP server is not installed (apt-get install dovecot-imapd)"
command -v python3 >/dev/null 2>&1 || skip "python3 is not installed"
command -v pgrep >/dev/null 2>&1 || skip "pgrep (procps) is not installed"
command -v openssl >/dev/null 2>&1 || skip "openssl (the command) is not installed"
command -v sqlite3 >/dev/null 2>&1 || skip "sqlite3 (the shell) is not installed"
[ "$(id -u)" = 0 ] || skip "a private Dovecot instance needs root"
id dovenull >/dev/null 2>&1 && id dovecot >/dev/null 2>&1 ||
	skip "no dovecot and dovenull users (dovecot-core's postinst makes them)"

mkdir -p "$WORK"
D=$(mktemp -d "$WORK/imap-dovecot.XXXXXX") || fail "mktemp"
chmod 755 "$D"
GW_PID=""
PIDS=""
PASSED=0
cleanup() {
	for p in $GW_PID $PIDS; do kill "$p" 2>/dev/null; done
	"$DOVECOT" -c "$D/dovecot.conf" stop >/dev/null 2>&1
	wait 2>/dev/null
	[ "$PASSED" = 1 ] && rm -rf "$D"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

T0=$(date +%s)
since() { echo "$(($(date +%s) - T0)) s"; }
IMAP_PORT=$(free_port)
IMAPS_PORT=$(free_port)
PROXY_PORT=$(free_port)
BADPASS_PORT=$(free_port)
PLAIN_PORT=$(free_port)
USER=replies@firm.example
PASS=s3cret-imap

# ---- Dovecot: own config, user, Maildir, certificate
mkdir -p "$D/run" "$D/state" "$D/home" "$D/gw" "$D/outmail"
chown nobody:nogroup "$D/home"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 -subj /CN=localhost \
	-addext "subjectAltName=IP:127.0.0.1,DNS:localhost" \
	-keyout "$D/key.pem" -out "$D/cert.pem" >/dev/null 2>&1 || fail "openssl req"
echo "$USER:{PLAIN}$PASS" >"$D/passwd"
cat >"$D/dovecot.conf" <<EOC
base_dir = $D/run
state_dir = $D/state
log_path = $D/dovecot.log
info_log_path = $D/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = yes
ssl_cert = <$D/cert.pem
ssl_key = <$D/key.pem
disable_plaintext_auth = no
auth_failure_delay = 0
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u $D/passwd
}
userdb {
  driver = static
  args = uid=nobody gid=nogroup home=$D/home/%u
}
mail_location = maildir:~/Maildir
# a server without IDLE, MOVE and UIDPLUS for clients from 127.0.0.3
remote 127.0.0.3 {
  imap_capability = IMAP4rev1 LITERAL+ SASL-IR LOGIN-REFERRALS ID ENABLE
}
service imap-login {
  inet_listener imap {
    port = $IMAP_PORT
  }
  inet_listener imaps {
    port = $IMAPS_PORT
  }
}
EOC
start_dovecot() {
	"$DOVECOT" -c "$D/dovecot.conf" >>"$D/dovecot-start.log" 2>&1 ||
		{ cat "$D/dovecot-start.log"; fail "dovecot did not start"; }
	i=0
	until $TOOL $IMAP_PORT $USER $PASS create INBOX >/dev/null 2>&1; do
		i=$((i + 1)); [ $i -lt 50 ] || fail "dovecot does not answer"; sleep 0.1
	done
}
# Dovecot's imap processes outlive a stopped master by seconds, holding
# the Maildir's locks: end them too, as a restart of the machine would.
# "dovecot stop" may return before the master is gone, and a new one
# refuses to start while it is there.
stop_dovecot() {
	master=$(cat "$D/run/master.pid" 2>/dev/null)
	kids=$([ -n "$master" ] && pgrep -P "$master")
	"$DOVECOT" -c "$D/dovecot.conf" stop >/dev/null 2>&1
	[ -n "$kids" ] && kill $kids 2>/dev/null
	i=0
	while [ -n "$master" ] && kill -0 "$master" 2>/dev/null; do
		i=$((i + 1)); [ $i -lt 100 ] || fail "dovecot did not stop"; sleep 0.1
	done
	return 0
}
start_dovecot
$TOOL $IMAP_PORT $USER $PASS create $MBOX || fail "create $MBOX"

$TOOL proxy $PROXY_PORT $IMAP_PORT "$D/cut" &
PIDS="$PIDS $!"
$TOOL proxy $BADPASS_PORT $IMAP_PORT "$D/never" 127.0.0.2 &
PIDS="$PIDS $!"
$TOOL proxy $PLAIN_PORT $IMAP_PORT "$D/cutcopy" 127.0.0.3 &
PIDS="$PIDS $!"
wait_port() { python3 -c 'import socket, sys; socket.create_connection(("127.0.0.1", int(sys.argv[1]))).close()' "$1" 2>/dev/null; }

# ---- gatewayd: database, keys, config
DB=$D/gw/gatewayd.db
KEYS=$D/gw/keys
eval "$("$SEED_BIN" "$DB" "$KEYS" "$DOMAIN")" || fail "seed"
[ -n "${REPLY1:-}" ] || fail "seed printed no addresses"
printf '%s\n' "$PASS" >"$D/gw/imap-password"
chmod 600 "$D/gw/imap-password"
printf 'wrong-%s\n' "$PASS" >"$D/gw/bad-password"
chmod 600 "$D/gw/bad-password"
gw_conf() { # gw_conf DB URL PASSWORDFILE [EXTRA]
	cat <<EOC
[store]
path = $1
busy_timeout_ms = 300
[mail]
from = chat@firm.example
reply_domain = $DOMAIN
batch_window = 0
transport = maildir:$D/outmail
concurrency = 1
[links]
key_file = $KEYS
[web]
base_url = https://chat.firm.example
[imap]
url = $2
user = $USER
password_file = $3
mailbox = $MBOX
retry_min = 1s
retry_max = 2s
timeout = 10s
${4:-}
EOC
}
gw_conf "$DB" "imap://127.0.0.1:$PROXY_PORT" "$D/gw/imap-password" "ca_file = $D/cert.pem" \
	>"$D/gw/gatewayd.conf"

reading() { grep -c "imap: .*: reading" "$D/gatewayd.log" 2>/dev/null; }
start_gw() {
	n0=$(reading)
	"$GW_BIN" -f -c "$D/gw/gatewayd.conf" >>"$D/gatewayd.log" 2>&1 &
	GW_PID=$!
	i=0
	until [ "$(reading)" -gt "${n0:-0}" ]; do
		kill -0 "$GW_PID" 2>/dev/null || { GW_PID=""; fail "gatewayd exited"; }
		i=$((i + 1)); [ $i -lt 100 ] || fail "gatewayd did not start reading"
		sleep 0.1
	done
}
stop_gw() {
	kill "$GW_PID"
	wait "$GW_PID" || fail "gatewayd did not stop cleanly"
	GW_PID=""
}
sql() { sqlite3 -cmd ".timeout 5000" "$DB" "$1"; }
rows() { sql "SELECT count(*) FROM inbound_log WHERE message_id = '$1'"; }
verdict() { sql "SELECT group_concat(verdict, ',') FROM (SELECT verdict FROM inbound_log WHERE message_id = '$1' ORDER BY id)"; }
explanations() { sql "SELECT count(*) FROM outbox WHERE kind = 'explanation'"; }
# messages in a mailbox, from its Maildir++ folder (no IMAP login per poll)
count() { ls "$D/home/$USER/Maildir/.$1/cur" "$D/home/$USER/Maildir/.$1/new" 2>/dev/null | grep -c -v -e '^$' -e ':$'; }
has_rows() { [ "$(rows "$1")" = "$2" ]; }
log_has() { grep -q -E "$1" "${2:-$D/gatewayd.log}"; }
log_count() { grep -c -E "$1" "${2:-$D/gatewayd.log}"; }
is_count() { [ "$(count "$1")" = "$2" ]; }
message() { # message FILE MSGID HEADERS SUBJECT BODY
	printf 'Return-Path: <jane@client.example>\r\nDelivered-To: %s\r\nFrom: Jane Smith <jane@client.example>\r\nTo: <%s>\r\nSubject: %s\r\nMessage-ID: <%s>\r\nDate: %s\r\n%bContent-Type: text/plain; charset=utf-8\r\n\r\n%s\r\n' \
		"$REPLY1" "$REPLY1" "$4" "$2" "$(date -R)" "$3" "$5" >"$1"
}
append() { $TOOL $IMAP_PORT $USER $PASS append $MBOX "$@" || fail "append $*"; }

wait_until 5 wait_port $BADPASS_PORT || fail "the second relay does not listen"
wait_until 5 wait_port $PROXY_PORT || fail "the relay in front of Dovecot does not listen"
# Two more daemons, started now and looked at last (their retries take
# a few seconds): a wrong password, and a certificate not trusted (no
# ca_file) on the imaps port.
gw_conf "$D/gw/badpass.db" "imap://127.0.0.1:$BADPASS_PORT" "$D/gw/bad-password" \
	"ca_file = $D/cert.pem" >"$D/gw/badpass.conf"
gw_conf "$D/gw/badcert.db" "imaps://127.0.0.1:$IMAPS_PORT" "$D/gw/imap-password" \
	>"$D/gw/badcert.conf"
"$GW_BIN" -f -c "$D/gw/badpass.conf" >"$D/gw-badpass.log" 2>&1 &
BADPASS=$!
"$GW_BIN" -f -c "$D/gw/badcert.conf" >"$D/gw-badcert.log" 2>&1 &
BADCERT=$!
PIDS="$PIDS $BADPASS $BADCERT"

start_gw
log_has "reading, UIDVALIDITY [0-9]+, last UID decided 0, IDLE" ||
	fail "gatewayd does not say it reads with IDLE"

# 1. a human reply, an auto-reply and a bounce
message "$D/m-human" human1@client.example "" "Re: Documents for 2026" \
	"Thanks, I will send the statements on Monday."
message "$D/m-auto" auto1@client.example "Auto-Submitted: auto-replied\r\n" \
	"Out of office: Re: Documents for 2026" "I am away until Monday."
cat >"$D/m-bounce" <<EOM
Return-Path: <>
Delivered-To: $BOUNCE1
From: Mail Delivery System <MAILER-DAEMON@mx.client.example>
To: $BOUNCE1
Subject: Undelivered Mail Returned to Sender
Message-ID: <bounce1@mx.client.example>
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="B"

--B
Content-Type: text/plain

The mail system could not deliver your message.

--B
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.client.example

Final-Recipient: rfc822; jane@client.example
Action: failed
Status: 5.1.1
Diagnostic-Code: smtp; 550 5.1.1 user unknown

--B--
EOM
append "$D/m-human" "$D/m-auto" "$D/m-bounce"
wait_until 15 has_rows bounce1@mx.client.example 1 || fail "the three messages were not decided"
[ "$(verdict human1@client.example)" = explained ] || fail "human reply: $(verdict human1@client.example)"
[ "$(verdict auto1@client.example)" = automatic ] || fail "auto-reply: $(verdict auto1@client.example)"
[ "$(verdict bounce1@mx.client.example)" = bounce ] || fail "bounce: $(verdict bounce1@mx.client.example)"
[ "$(sql "SELECT recipient FROM inbound_log WHERE message_id = 'human1@client.example'")" = "$REPLY1" ] ||
	fail "the recipient was not taken from Delivered-To"
[ "$(sql "SELECT sender FROM inbound_log WHERE message_id = 'bounce1@mx.client.example'")" = "" ] ||
	fail "the bounce's null sender (Return-Path: <>) was not kept"
[ "$(explanations)" = 1 ] || fail "not exactly one explanation: $(explanations)"
wait_until 10 is_count Processed 3 || fail "Processed holds $(count Processed), not 3"
grep -q "Login: user=<$USER>, method=PLAIN, rip=127.0.0.1, .*, TLS," "$D/dovecot.log" ||
	fail "gatewayd did not log in over STARTTLS"
is_count $MBOX 0 || fail "the mailbox is not empty"
echo "ok 1 - human reply explained once, auto-reply and bounce never answered, all in Processed (at $(since))"

# 2. a message without header, and a 50 MB one
printf 'no header here, just words\r\nand more words\r\n' >"$D/m-noheader"
$TOOL $IMAP_PORT $USER $PASS big "$D/m-big" 50 || fail "big message"
append "$D/m-noheader" "$D/m-big"
wait_until 30 has_rows big1@client.example 1 || fail "the 50 MB message was not decided"
[ "$(verdict big1@client.example)" = over-limit ] || fail "50 MB: $(verdict big1@client.example)"
[ "$(sql "SELECT size > 50000000 FROM inbound_log WHERE message_id = 'big1@client.example'")" = 1 ] ||
	fail "the 50 MB message's size is not logged"
[ "$(sql "SELECT count(*) FROM inbound_log WHERE verdict = 'malformed'")" = 1 ] ||
	fail "the message without header was not logged malformed once"
wait_until 10 is_count gatewayd-rejected 2 || fail "gatewayd-rejected holds $(count gatewayd-rejected)"
rss=$(ps -o rss= -p "$GW_PID")
[ "$rss" -lt 100000 ] || fail "gatewayd holds $rss KB after the 50 MB message"
echo "ok 2 - no header: malformed; 50 MB: over-limit (RSS ${rss} KB); both in gatewayd-rejected (at $(since))"

# 3. a decided message back in the mailbox
$TOOL $IMAP_PORT $USER $PASS copy Processed $MBOX "Re: Documents for 2026" || fail "copy back"
wait_until 10 has_rows human1@client.example 2 || fail "the copy was not decided"
[ "$(verdict human1@client.example)" = explained,duplicate ] ||
	fail "copy back: $(verdict human1@client.example)"
[ "$(explanations)" = 1 ] || fail "the copy was answered again"
echo "ok 3 - a decided message again in the mailbox: duplicate, not answered twice (at $(since))"

# 4. the server's connection cut in the middle of a FETCH
message "$D/m-cut" cut1@client.example "" "Re: Documents for 2026" \
	"$(python3 -c 'print(("long reply line " * 60 + "\r\n") * 200)')"
touch "$D/cut"
append "$D/m-cut"
wait_until 15 has_rows cut1@client.example 1 || fail "the message of the cut FETCH was not decided"
[ ! -e "$D/cut" ] || fail "the relay never cut a FETCH"
log_has "connection lost during FETCH" || fail "the cut FETCH was not logged"
[ "$(log_count "connection lost during FETCH")" = 1 ] || fail "the cut FETCH was logged more than once"
[ "$(verdict cut1@client.example)" = dropped ] || [ "$(verdict cut1@client.example)" = explained-suppressed ] ||
	fail "cut: $(verdict cut1@client.example)"
echo "ok 4 - connection cut during FETCH: logged once, reconnected, decided once (at $(since))"

# 5. Dovecot restarted while gatewayd waits in IDLE
sleep 0.5
n=$(reading)
stop_dovecot
wait_until 10 log_has "connection lost during IDLE|no IMAP greeting|cannot connect" ||
	fail "the lost IDLE connection was not logged"
start_dovecot
wait_until 15 eval '[ "$(reading)" -gt "$n" ]' || fail "gatewayd did not reconnect"
log_has "reading, .*\(connected again\)" || fail "the reconnect does not say so"
message "$D/m-after" after1@client.example "Auto-Submitted: auto-replied\r\n" "Away" "Away."
append "$D/m-after"
wait_until 10 has_rows after1@client.example 1 || fail "nothing decided after Dovecot's restart"
echo "ok 5 - Dovecot restarted during IDLE: reconnected with backoff, reading again (at $(since))"

# 6. messages appended while gatewayd is stopped
stop_gw
for k in 1 2 3; do
	message "$D/m-down$k" down$k@client.example "Precedence: bulk\r\n" "Newsletter $k" "News."
done
append "$D/m-down1" "$D/m-down2" "$D/m-down3"
start_gw
wait_until 10 has_rows down3@client.example 1 || fail "messages appended while down not decided"
for k in 1 2; do has_rows down$k@client.example 1 || fail "down$k not decided once"; done
wait_until 10 is_count $MBOX 0 || fail "the mailbox is not empty after the restart"
echo "ok 6 - three messages appended while gatewayd was stopped: each decided once (at $(since))"

# 7. the mailbox deleted under gatewayd, then created again: a clear
# line per attempt while it is gone; the new mailbox has a new UIDVALIDITY
# and numbers from 1 again, below the last UID decided, and its message
# is decided all the same
sleep 0.5
$TOOL $IMAP_PORT $USER $PASS delete $MBOX || fail "delete $MBOX"
wait_until 10 log_has "mailbox \"$MBOX\" cannot be read" || fail "the missing mailbox was not logged"
sleep 1.5
kill -0 "$GW_PID" || fail "gatewayd died without its mailbox"
n=$(log_count "mailbox \"$MBOX\" cannot be read")
[ "$n" -ge 1 ] && [ "$n" -le 3 ] || fail "the missing mailbox was logged $n times in 1.5 s"
$TOOL $IMAP_PORT $USER $PASS create $MBOX || fail "create $MBOX again"
message "$D/m-back" back1@client.example "Precedence: bulk\r\n" "Newsletter 5" "News."
append "$D/m-back"
wait_until 10 has_rows back1@client.example 1 || fail "nothing decided once the mailbox was back"
log_has "UIDVALIDITY changed to [0-9]+: every message in it is decided again" ||
	fail "the new UIDVALIDITY was not logged"
log_has "UID 1 back1@client.example .*moved to" || fail "the new mailbox did not start at UID 1"
echo "ok 7 - mailbox deleted: a clear line per attempt ($n in 1.5 s); created again: new UIDVALIDITY logged, UID 1 decided (at $(since))"

# 8. the wrong password and the untrusted certificate
wait_until 10 eval '[ "$(log_count "login as \"$USER\" refused" "$D/gw-badpass.log")" -ge 2 ]' ||
	fail "the wrong password was not logged and retried"
log_has "refused: Authentication failed.*retry in [0-9.]+s \(failure 2 in a row\)" "$D/gw-badpass.log" ||
	fail "the wrong password's line does not say what and when"
wait_until 10 eval '[ "$(log_count "certificate not accepted: self.signed" "$D/gw-badcert.log")" -ge 2 ]' ||
	fail "the untrusted certificate was not logged and retried"
kill -0 $BADPASS && kill -0 $BADCERT || fail "a daemon gave up"
grep -h "imap: " "$D/gw-badpass.log" "$D/gw-badcert.log" | grep "failure 2 in" | sed 's/^/  /'
echo "ok 8 - wrong password and untrusted certificate: clear lines, retried with backoff (at $(since))"

# 9. the database locked by another process past busy_timeout_ms: the
# message stays in the mailbox and is decided once the lock is gone
python3 -c 'import os, sqlite3, sys, time
c = sqlite3.connect(sys.argv[1], isolation_level=None)
c.execute("BEGIN IMMEDIATE")
open(sys.argv[2], "w").close()
for _ in range(300):
    if os.path.exists(sys.argv[3]):
        break
    time.sleep(0.1)
c.execute("ROLLBACK")' "$DB" "$D/locked" "$D/unlock" &
LOCKER=$!
PIDS="$PIDS $LOCKER"
wait_until 10 test -e "$D/locked" || fail "the database was not locked"
message "$D/m-busy" busy1@client.example "Precedence: bulk\r\n" "Newsletter 6" "News."
append "$D/m-busy"
wait_until 10 log_has "UID [0-9]+ left for the next pass: .*(busy|locked)" ||
	fail "the locked database did not leave the message for the next pass"
[ "$(count $MBOX)" = 1 ] || fail "the message did not stay in the mailbox while the database was locked"
touch "$D/unlock"
wait "$LOCKER"
wait_until 15 has_rows busy1@client.example 1 || fail "the message was not decided once the lock was gone"
wait_until 10 is_count $MBOX 0 || fail "the message stayed in the mailbox"
echo "ok 9 - database locked: message left in the mailbox, decided once after (at $(since))"

# 10. a server without IDLE, MOVE and UIDPLUS, and no TLS: polling, and
# COPY + \Deleted + EXPUNGE
stop_gw
gw_conf "$DB" "imap://127.0.0.1:$PLAIN_PORT" "$D/gw/imap-password" \
	"starttls = no
poll_interval = 1s" >"$D/gw/gatewayd.conf"
start_gw
log_has "reading, UIDVALIDITY [0-9]+, last UID decided 0, polling" ||
	fail "gatewayd does not say it polls a server without IDLE"
before=$(count Processed)
# the connection is lost after the message is decided, before its COPY:
# it must be moved later without being decided again
echo copy >"$D/cutcopy"
message "$D/m-poll" poll1@client.example "Precedence: bulk\r\n" "Newsletter 7" "News."
append "$D/m-poll"
wait_until 10 has_rows poll1@client.example 1 || fail "nothing decided by polling"
wait_until 10 is_count Processed $((before + 1)) || fail "not copied to Processed"
wait_until 10 is_count $MBOX 0 || fail "not expunged from the mailbox"
[ ! -e "$D/cutcopy" ] || fail "the relay never cut a COPY"
log_has "connection lost during UID COPY" || fail "the lost COPY was not logged"
log_has "UID [0-9]+ was decided before; moved now" || fail "the message was not only moved after"
has_rows poll1@client.example 1 || fail "the message was decided twice"
echo "ok 10 - no IDLE, MOVE, UIDPLUS or TLS: polled; COPY lost after deciding: moved later, decided once (at $(since))"

# 11. done = delete
stop_gw
gw_conf "$DB" "imap://127.0.0.1:$PROXY_PORT" "$D/gw/imap-password" \
	"ca_file = $D/cert.pem
done = delete" >"$D/gw/gatewayd.conf"
start_gw
before=$(count Processed)
message "$D/m-del" del1@client.example "Precedence: bulk\r\n" "Newsletter 8" "News."
append "$D/m-del"
wait_until 10 has_rows del1@client.example 1 || fail "nothing decided with done = delete"
wait_until 10 is_count $MBOX 0 || fail "not deleted from the mailbox"
[ "$(count Processed)" = "$before" ] || fail "done = delete kept a copy in Processed"
log_has "UID [0-9]+ del1@client.example .*; deleted" || fail "the deletion is not logged"
echo "ok 11 - done = delete: decided, then deleted (at $(since))"

# every message once, nothing lost, the store's state saved
stop_gw
[ "$(sql "SELECT count(*) FROM inbound_log")" = 15 ] ||
	fail "$(sql "SELECT count(*) FROM inbound_log") inbound log rows, not 15"
for p in $BADPASS $BADCERT; do
	kill "$p"
	wait "$p" || fail "a daemon that could not log in did not stop cleanly"
done
[ "$(explanations)" = 1 ] || fail "more than one explanation"
[ "$(sql "SELECT count(*) FROM imap_state WHERE last_uid > 0")" = 2 ] ||
	fail "not one IMAP state per server address"
PASSED=1
echo "PASS"
exit 0
