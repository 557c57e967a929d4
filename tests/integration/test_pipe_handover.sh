#!/bin/sh
# test_pipe_handover.sh - gatewayd-pipe handing messages to the running
# gatewayd over [pipe] socket, with the real programs on a fresh database:
#
#   down      no daemon: decided in the process (gatewayd-pipe-local), 0
#   up        the daemon decides and commits before its 250: 0, and the
#             daemon's log has the decision
#   forged    the daemon refuses the address (550): decided locally, the
#             message recorded as dropped, 0
#   oversize  over [inbound] max_size: decided locally (over-limit), 0
#   4xx       another process holds the write lock past the daemon's busy
#             timeout: the daemon answers 451, gatewayd-pipe exits 75 with
#             "4.3.0 gatewayd: ..." and nothing is recorded; the retry is
#   slow      the same lock, a [pipe] timeout shorter than the daemon's
#             wait: 75 "no answer ... timed out" after the timeout; the
#             daemon commits once the lock is gone, and the retry is a
#             redelivery (duplicate); a stopped daemon (SIGSTOP) that
#             never greets: decided locally after the timeout, or after
#             10 s when the timeout is longer
#   dies      the daemon SIGKILLed while the message is half sent: the
#             program decides locally from what it kept and the rest of
#             stdin (memfd), the whole message recorded; then the stale
#             socket: decided locally
#   odd       a server on the socket that is not gatewayd (test-only, in
#             Python): garbage for a greeting runs locally; a 421 greeting
#             is 75 with its enhanced code; no reply or a garbage reply
#             after the final dot is 75, never 0
#
# Every run exits 0 or 75 and nothing else.
#
# usage: test_pipe_handover.sh GATEWAYD_BIN PIPE_BIN SEED_BIN WORK_DIR
# Exit 0 pass, 1 fail, 77 skipped (no python3 or sqlite3).
set -u

GW_BIN=$(realpath "$1")
PIPE_BIN=$(realpath "$2")
SEED_BIN=$(realpath "$3")
WORK=$4

skip() { echo "SKIP: $*"; exit 77; }
fail() {
	echo "FAIL: $*"
	if [ -f "${D:-/nonexistent}/gatewayd.log" ]; then
		echo "---- gatewayd log (tail)"
		tail -n 20 "$D/gatewayd.log"
	fi
	for f in out err; do
		[ -f "${D:-/nonexistent}/$f" ] && { echo "---- last $f"; cat "$D/$f"; }
	done
	exit 1
}
command -v python3 >/dev/null 2>&1 || skip "python3 is not installed (lock holder, odd server)"
command -v sqlite3 >/dev/null 2>&1 || skip "sqlite3 (the shell) is not installed"

mkdir -p "$WORK"
D=$(mktemp -d "$(realpath "$WORK")/handover.XXXXXX")
GW_PID=""
HELPER_PID=""
cleanup() {
	for p in $GW_PID $HELPER_PID; do
		kill -CONT "$p" 2>/dev/null
		kill "$p" 2>/dev/null
	done
	rm -rf "$D"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

DB=$D/gatewayd.db
SOCK=$DB.sock
eval "$("$SEED_BIN" "$DB" "$D/keys" reply.example)" || fail "seed"
[ -n "${REPLY1:-}" ] || fail "seed printed no addresses"
mkdir -p "$D/Maildir"

# conf NAME EXTRA: a config on the one database; EXTRA goes to the end.
conf() {
	cat >"$D/$1.conf" <<EOF
[store]
path = $DB
busy_timeout_ms = 3000
[mail]
from = chat@firm.example
reply_domain = reply.example
batch_window = 0
transport = maildir:$D/Maildir
max_explanations_per_day = 1000
[links]
key_file = $D/keys
[inbound]
max_size = 16k
$2
EOF
}
conf daemon ""
conf pipe "[pipe]
timeout = 10s"
conf quick "[pipe]
timeout = 1s"
conf patient "[pipe]
timeout = 60s"

N=0
# message ID [BODY_LINES]: a reply from Jane with its own Message-ID.
message() {
	printf 'From: Jane Smith <jane@client.example>\nTo: <%s>\nSubject: Re: Documents\nMessage-ID: <%s@client.example>\nDate: Wed, 25 Nov 2026 10:00:00 +0000\n\nThank you.\n.a line that starts with a dot\n' \
		"$REPLY1" "$1"
	i=0
	while [ "$i" -lt "${2:-0}" ]; do
		echo "Line $i of a longer reply, to make the message as long as needed."
		i=$((i + 1))
	done
}

# deliver CONF RCPT ID [BODY_LINES]: gatewayd-pipe -v with message ID;
# sets RC, out and err.
deliver() {
	message "$3" "${4:-0}" >"$D/msg"
	"$PIPE_BIN" -v -c "$D/$1.conf" jane@client.example "$2" <"$D/msg" >"$D/out" 2>"$D/err"
	RC=$?
	case $RC in
	0|75) ;;
	*) fail "gatewayd-pipe exited $RC (only 0 and 75 are allowed)" ;;
	esac
}

verdict() { sqlite3 "$DB" "SELECT verdict FROM inbound_log WHERE message_id = '$1@client.example' ORDER BY id"; }
size_of() { sqlite3 "$DB" "SELECT size FROM inbound_log WHERE message_id = '$1@client.example'"; }

start_daemon() {
	: >"$D/gatewayd.log"
	"$GW_BIN" -f -c "$D/daemon.conf" >>"$D/gatewayd.log" 2>&1 &
	GW_PID=$!
	i=0
	until grep -q "hands messages over on $SOCK" "$D/gatewayd.log"; do
		kill -0 "$GW_PID" 2>/dev/null || { GW_PID=""; fail "gatewayd exited"; }
		i=$((i + 1)); [ $i -lt 100 ] || fail "gatewayd did not open [pipe] socket"
		sleep 0.1
	done
}
stop_daemon() {
	kill "$GW_PID"
	wait "$GW_PID" 2>/dev/null
	GW_PID=""
}

# hold_lock SECONDS: another process holds SQLite's write lock.
hold_lock() {
	rm -f "$D/lock.out"   # the job truncates it only once it runs
	python3 -c 'import sqlite3, sys, time
c = sqlite3.connect(sys.argv[1], isolation_level=None)
c.execute("BEGIN IMMEDIATE")
c.execute("UPDATE inbound_log SET reason = reason WHERE 0")
print("locked", flush=True)
time.sleep(float(sys.argv[2]))
c.execute("ROLLBACK")' "$DB" "$1" >"$D/lock.out" 2>&1 &
	HELPER_PID=$!
	i=0
	until grep -q locked "$D/lock.out"; do
		i=$((i + 1)); [ $i -lt 100 ] || fail "the lock holder did not start"
		sleep 0.05
	done
}
release_lock() {
	kill "$HELPER_PID" 2>/dev/null
	wait "$HELPER_PID" 2>/dev/null
	HELPER_PID=""
}

# ---- down: no daemon, no socket
deliver pipe "$REPLY1" down
[ $RC = 0 ] || fail "down: exit $RC"
# No socket: as quiet as without the hand-over, the decision's line only.
[ "$(wc -l <"$D/err")" = 1 ] && grep -q "pipe: down@client.example from" "$D/err" ||
	fail "down: not decided locally, or not quietly"
[ "$(verdict down)" = explained ] || fail "down: verdict '$(verdict down)'"
echo "ok: daemon down, decided in the process"

# ---- up
start_daemon
[ "$(stat -c %a "$SOCK")" = 600 ] || fail "up: the socket is mode $(stat -c %a "$SOCK"), want 600"
deliver pipe "$REPLY1" up
[ $RC = 0 ] || fail "up: exit $RC"
grep -q "handed over to gatewayd: 250 2.0.0" "$D/err" || fail "up: not handed over"
grep -q "pipe: up@client.example from jane@client.example" "$D/gatewayd.log" ||
	fail "up: the daemon did not log the decision"
[ "$(verdict up)" = explained-suppressed ] || fail "up: verdict '$(verdict up)'"
# The dot-stuffed line came back as written: the size is the message's.
[ "$(size_of up)" = "$(wc -c <"$D/msg")" ] || fail "up: size $(size_of up) of $(wc -c <"$D/msg")"
echo "ok: daemon up, committed by the daemon before its 250"

# ---- forged: 550 at RCPT, decided (dropped) locally
deliver pipe "reply+forged@reply.example" forged
[ $RC = 0 ] || fail "forged: exit $RC"
grep -q "handed over" "$D/err" && fail "forged: handed over"
[ "$(verdict forged)" = dropped ] || fail "forged: verdict '$(verdict forged)'"
echo "ok: a refused address is recorded locally"

# ---- oversize: over max_size, recorded locally
deliver pipe "$REPLY1" big 400
[ $RC = 0 ] || fail "oversize: exit $RC"
grep -q "did not take the whole message" "$D/err" || fail "oversize: not decided locally"
[ "$(verdict big)" = over-limit ] || fail "oversize: verdict '$(verdict big)'"
echo "ok: an oversized message is recorded locally"

# ---- 4xx: the daemon's decision times out on the lock (3 s) and says 451
hold_lock 8
deliver pipe "$REPLY1" busy
release_lock
[ $RC = 75 ] || fail "4xx: exit $RC"
grep -q "^4\.3\.0 gatewayd: <.*> temporary failure (.*database is locked), try again later (after the message)\$" \
	"$D/out" || fail "4xx: reply '$(cat "$D/out")'"
[ -z "$(verdict busy)" ] || fail "4xx: recorded '$(verdict busy)'"
deliver pipe "$REPLY1" busy
[ $RC = 0 ] || fail "4xx: retry exit $RC"
[ "$(verdict busy)" = explained-suppressed ] || fail "4xx: retry verdict '$(verdict busy)'"
echo "ok: the daemon's 451 is 75 with its text; the retry is delivered"

# ---- slow: [pipe] timeout 1 s while the daemon waits 3 s for the lock
hold_lock 8
t0=$(date +%s%3N)
deliver quick "$REPLY1" slow
t1=$(date +%s%3N)
release_lock
[ $RC = 75 ] || fail "slow: exit $RC after $((t1 - t0)) ms; lock: $(cat "$D/lock.out")"
grep -q "^4\.3\.0 gatewayd-pipe: no answer from gatewayd after the message (timed out)" "$D/out" ||
	fail "slow: reply '$(cat "$D/out")'"
[ $((t1 - t0)) -lt 2900 ] || fail "slow: took $((t1 - t0)) ms, the timeout is 1 s"
# The daemon got the lock once it was released and committed after all:
# Postfix's retry is recognised as a redelivery.
i=0
until grep -q "pipe: slow@client.example" "$D/gatewayd.log"; do
	i=$((i + 1)); [ $i -lt 100 ] || fail "slow: the daemon never decided"
	sleep 0.1
done
deliver pipe "$REPLY1" slow
[ $RC = 0 ] || fail "slow: retry exit $RC"
[ "$(verdict slow | tr '\n' ' ')" = "explained-suppressed duplicate " ] ||
	fail "slow: verdicts '$(verdict slow | tr '\n' ' ')'"
echo "ok: no answer within [pipe] timeout after the message is 75"

# A stopped daemon accepts (the kernel does) but never greets.
kill -STOP "$GW_PID"
deliver quick "$REPLY1" stopped
kill -CONT "$GW_PID"
[ $RC = 0 ] || fail "stopped: exit $RC"
grep -q "no answer from gatewayd; deciding in this process" "$D/err" ||
	fail "stopped: not decided locally"
[ "$(verdict stopped)" = explained-suppressed ] || fail "stopped: verdict '$(verdict stopped)'"
# Before the message it is never waited for longer than 10 s.
kill -STOP "$GW_PID"
t0=$(date +%s)
deliver patient "$REPLY1" stopped2
t1=$(date +%s)
kill -CONT "$GW_PID"
[ $RC = 0 ] || fail "stopped, patient: exit $RC"
[ $((t1 - t0)) -le 13 ] || fail "stopped, patient: waited $((t1 - t0)) s for the greeting"
[ "$(verdict stopped2)" = explained-suppressed ] || fail "stopped, patient: verdict"
echo "ok: a daemon that does not greet within [pipe] timeout (at most 10 s): decided locally"

# ---- dies: SIGKILL while the message is half sent
message dies 150 >"$D/dies.eml"
head -c 6000 "$D/dies.eml" >"$D/dies.1"
tail -c +6001 "$D/dies.eml" >"$D/dies.2"
rm -f "$D/fifo"
mkfifo "$D/fifo"
"$PIPE_BIN" -v -c "$D/pipe.conf" jane@client.example "$REPLY1" <"$D/fifo" >"$D/out" 2>"$D/err" &
PIPE_PID=$!
exec 3>"$D/fifo"
cat "$D/dies.1" >&3
sleep 1
kill -KILL "$GW_PID"
wait "$GW_PID" 2>/dev/null
GW_PID=""
cat "$D/dies.2" >&3
exec 3>&-
wait $PIPE_PID
RC=$?
[ $RC = 0 ] || fail "dies: exit $RC"
grep -q "did not take the whole message; deciding in this process" "$D/err" ||
	fail "dies: not decided locally from the kept message"
[ "$(verdict dies)" = explained-suppressed ] || fail "dies: verdict '$(verdict dies)'"
[ "$(size_of dies)" = "$(wc -c <"$D/dies.eml")" ] ||
	fail "dies: recorded $(size_of dies) bytes of $(wc -c <"$D/dies.eml")"
echo "ok: the daemon killed mid-transfer: decided locally, the whole message"

[ -S "$SOCK" ] || fail "dies: the killed daemon left no socket behind (test assumption)"
deliver pipe "$REPLY1" stale
[ $RC = 0 ] || fail "stale: exit $RC"
grep -q "does not answer on \[pipe\] socket; deciding in this process" "$D/err" ||
	fail "stale: not decided locally"
[ "$(verdict stale)" = explained-suppressed ] || fail "stale: verdict '$(verdict stale)'"
echo "ok: a stale socket: decided locally"

# ---- odd: not gatewayd on the socket (fault injection, test-only)
# odd MODE: greet with garbage, or after the final dot close / say garbage.
odd() {
	rm -f "$SOCK" "$D/odd.ready"
	python3 -c 'import os, socket, sys
mode, path, ready = sys.argv[1:4]
s = socket.socket(socket.AF_UNIX)
s.bind(path); s.listen(1)
open(ready, "w").close()
c, _ = s.accept()
f = c.makefile("rwb", buffering=0)
if mode == "greeting":
    f.write(b"hello there\r\n"); c.close(); sys.exit(0)
if mode == "busy":
    f.write(b"421 4.3.2 too busy, come back later\r\n"); c.close(); sys.exit(0)
f.write(b"220 odd LMTP\r\n")
for reply in (b"250 odd", b"250 ok", b"250 ok", b"354 go"):
    f.readline(); f.write(reply + b"\r\n")
while f.readline() not in (b".\r\n", b""):
    pass
if mode == "garbage":
    f.write(b"OK!\r\n")
c.close()' "$1" "$SOCK" "$D/odd.ready" >/dev/null 2>&1 &
	HELPER_PID=$!
	i=0
	until [ -f "$D/odd.ready" ]; do
		i=$((i + 1)); [ $i -lt 100 ] || fail "the odd server did not start"
		sleep 0.05
	done
}
odd greeting
deliver quick "$REPLY1" oddgreet
wait $HELPER_PID; HELPER_PID=""
[ $RC = 0 ] || fail "odd greeting: exit $RC"
grep -q "no answer from gatewayd; deciding in this process" "$D/err" ||
	fail "odd greeting: not decided locally"
[ "$(verdict oddgreet)" = explained-suppressed ] || fail "odd greeting: verdict"
odd busy
deliver quick "$REPLY1" oddbusy
wait $HELPER_PID; HELPER_PID=""
[ $RC = 75 ] || fail "odd 421: exit $RC"
grep -q "^4\.3\.2 gatewayd: too busy, come back later (greeting)\$" "$D/out" ||
	fail "odd 421: reply '$(cat "$D/out")'"
[ -z "$(verdict oddbusy)" ] || fail "odd 421: recorded"
for mode in close garbage; do
	odd $mode
	deliver quick "$REPLY1" "odd$mode"
	wait $HELPER_PID; HELPER_PID=""
	[ $RC = 75 ] || fail "odd $mode: exit $RC"
	grep -q "^4\.3\.0 gatewayd-pipe: no answer from gatewayd after the message" "$D/out" ||
		fail "odd $mode: reply '$(cat "$D/out")'"
	[ -z "$(verdict "odd$mode")" ] || fail "odd $mode: recorded"
done
echo "ok: a server that answers oddly: locally before DATA, 75 on 4xx and after the message"

echo "PASS"
