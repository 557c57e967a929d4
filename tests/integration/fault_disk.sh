#!/bin/sh
# fault_disk.sh - the database on a full disk, then on a read-only file
# system (a small tmpfs of its own, remounted read-only):
#
#   disk full   with the daemon running and mail waiting for it:
#     - gatewayd-pipe exits 75 with one "4.3.0" line that says the disk is
#       full, and commits nothing;
#     - gatewayctl (a write) exits 75 with "gatewayctl: CMD: ... full";
#     - the daemon keeps running and logs what failed, then resumes by
#       itself once there is space, and delivers every row;
#     - with space again the retried message is taken once, the retried
#       command works.
#   read-only   (the daemon stopped: a file system with files open for
#               writing cannot be remounted read-only):
#     - gatewayd-pipe exits 75 with one "4.3.0" line naming the database;
#     - gatewayctl (a write) exits 75 with a clear error;
#     - gatewayd refuses to start with an error saying why, or starts and
#       logs; either way it does not crash (no signal);
#     - read-write again: the retried message is taken once, the daemon
#       starts and delivers.
#   afterwards  PRAGMA integrity_check is ok; every row committed before a
#               fault is still there, and each retried message is recorded
#               exactly once.
#
# Needs root and permission to mount (skips with a message otherwise).
# Environment: GATEWAYD, GATEWAYCTL, GATEWAYD_PIPE, RELAY_TOOL, SEED (the
# test_postfix_pipe_seed program).
# Exit 0 pass, 1 fail, 77 skipped.
set -eu
. "$(dirname "$0")/fault_lib.sh"
: "${GATEWAYD:?}" "${GATEWAYCTL:?}" "${GATEWAYD_PIPE:?}" "${RELAY_TOOL:?}" "${SEED:?}"
fl_need_sink
command -v sqlite3 >/dev/null 2>&1 || fl_skip "sqlite3 (the shell) is not installed"
[ "$(id -u)" = 0 ] || fl_skip "mounting a small tmpfs needs root"

T=$(mktemp -d /tmp/gw-fault-disk.XXXXXX)
chmod 755 "$T"
M=$T/fs
mkdir "$M"
if ! mount -t tmpfs -o size=4m,mode=0755 gw-fault-disk "$M" 2>"$T/mount.err"; then
	why=$(cat "$T/mount.err")
	rm -rf "$T"
	fl_skip "cannot mount a tmpfs here (a container without CAP_SYS_ADMIN?): $why"
fi
DB=$M/gw.db
fl_paths
cleanup() {
	fl_cleanup
	umount "$M" 2>/dev/null || umount -l "$M" 2>/dev/null || true
	if [ "${KEEP:-0}" = 1 ]; then echo "kept $T"; else rm -rf "$T"; fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM

sql() { sqlite3 -cmd ".timeout 10000" "$DB" "$1"; }
ctl() { "$GATEWAYCTL" -c "$CONF" "$@"; }
# pipe_msg NAME MSGID RCPT: a human reply from Jane, as a file
pipe_msg() {
	printf 'From: Jane Smith <jane@client.example>\r\nTo: <%s>\r\nSubject: Re: Documents for 2026\r\nMessage-ID: <%s>\r\nDate: %s\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nThe statements are on their way.\r\n' \
		"$3" "$2" "$(date -R)" >"$T/$1"
}
# run_pipe NAME RCPT: sets rc and out
run_pipe() {
	rc=0
	out=$("$GATEWAYD_PIPE" -c "$CONF" jane@client.example "$2" <"$T/$1" 2>&1) || rc=$?
}
# run_ctl ARGS...: sets rc and out (stdout and stderr)
run_ctl() {
	rc=0
	out=$(ctl "$@" 2>&1) || rc=$?
}
in_log() { sql "SELECT count(*) FROM inbound_log WHERE message_id = '$1'"; }
fill_disk() {
	dd if=/dev/zero of="$M/filler" bs=64k >/dev/null 2>&1 || true
	# and the last few blocks
	dd if=/dev/zero of="$M/filler2" bs=4k >/dev/null 2>&1 || true
}

SINKPORT=$(fl_free_port)
eval "$("$SEED" "$DB" "$KEYS" "$DOMAIN")" || fl_fail "seed"
fl_write_config
N=$(sql "SELECT count(*) FROM outbox")

# ---- committed before any fault
fl_start_sink
fl_start_daemon
fl_wait_until 30 fl_all_sent || fl_fail "the first notifications were not sent: $(fl_counts)"
pipe_msg m0 before@client.example "$REPLY1"
run_pipe m0 "$REPLY1"
[ "$rc" = 0 ] || fl_fail "a reply before any fault: exit $rc: $out"
run_ctl account add "Before Ltd"
[ "$rc" = 0 ] || fl_fail "gatewayctl before any fault: exit $rc: $out"
N=$(sql "SELECT count(*) FROM outbox")
fl_wait_until 30 fl_all_sent || fl_fail "the explanation was not sent: $(fl_counts)"
before_accounts=$(sql "SELECT group_concat(id || ':' || name, ',') FROM (SELECT * FROM accounts ORDER BY id)")
before_inbound=$(sql "SELECT group_concat(id || ':' || message_id || ':' || verdict, ',') FROM (SELECT * FROM inbound_log ORDER BY id)")
before_outbox=$(sql "SELECT group_concat(id || ':' || mail_id, ',') FROM (SELECT * FROM outbox ORDER BY id)")

# ---- disk full, the daemon running with mail waiting
fl_stop_sink                     # the mail waits: connection refused, retried
"$RELAY_TOOL" resend "$DB" >/dev/null
deferred_once() {
	[ "$(fl_count_of queued)" -gt 0 ] && ! "$RELAY_TOOL" rows "$DB" queued | grep -q ' attempts=0 '
}
fl_wait_until 10 deferred_once || fl_fail "the resent rows were not tried: $(fl_counts)"
sql "PRAGMA wal_checkpoint(TRUNCATE)" >/dev/null
fill_disk
echo "disk full: $(df -k "$M" | awk 'NR == 2 { print $4 " KiB free" }')"

pipe_msg m1 full@client.example "$REPLY1"
run_pipe m1 "$REPLY1"
echo "  gatewayd-pipe: exit $rc: $out"
[ "$rc" = 75 ] || fl_fail "gatewayd-pipe on a full disk: exit $rc, want 75: $out"
case $out in
"4.3.0 "*full*) ;;
*) fl_fail "gatewayd-pipe on a full disk: no 4.3.0 line saying so: $out" ;;
esac
[ "$(in_log full@client.example)" = 0 ] || fl_fail "a message that got 75 left a row"

run_ctl account add "During Ltd"
echo "  gatewayctl: exit $rc: $out"
[ "$rc" = 75 ] || fl_fail "gatewayctl on a full disk: exit $rc, want 75: $out"
case $out in
"gatewayctl: account add: "*full*) ;;
*) fl_fail "gatewayctl on a full disk: unclear error: $out" ;;
esac

fl_start_sink
sleep 3
kill -0 "$DAEMONPID" 2>/dev/null || fl_fail "gatewayd died on a full disk"
grep -q "full" "$LOG" || fl_fail "the daemon logged nothing about the full disk"
grep "full" "$LOG" | head -n 2 | sed 's/^/  daemon log: /'

rm -f "$M/filler" "$M/filler2"
N=$(sql "SELECT count(*) FROM outbox")
fl_wait_until 60 fl_all_sent || fl_fail "not all sent once there was space: $(fl_counts)"
kill -0 "$DAEMONPID" 2>/dev/null || fl_fail "gatewayd died"
grep -q "relay: worker [0-9]*: claiming outbox rows again" "$LOG" ||
	fl_fail "the daemon did not log that it resumed"
run_pipe m1 "$REPLY1"
[ "$rc" = 0 ] || fl_fail "the retried message with space again: exit $rc: $out"
[ "$(in_log full@client.example)" = 1 ] || fl_fail "the retried message is not recorded exactly once"
run_ctl account add "During Ltd"
[ "$rc" = 0 ] || fl_fail "the retried gatewayctl with space again: exit $rc: $out"
echo "ok 1 - disk full: pipe 75 (4.3.0), gatewayctl 75, the daemon kept running and caught up"

# ---- read-only
fl_stop_daemon
mount -o remount,ro "$M" || fl_fail "cannot remount $M read-only"
pipe_msg m2 readonly@client.example "$REPLY2"
run_pipe m2 "$REPLY2"
echo "  gatewayd-pipe: exit $rc: $out"
[ "$rc" = 75 ] || fl_fail "gatewayd-pipe on a read-only database: exit $rc, want 75: $out"
case $out in
"4.3.0 "*"$DB"*"Read-only file system"*) ;;
*) fl_fail "gatewayd-pipe on a read-only database: no 4.3.0 line naming it and why: $out" ;;
esac
run_ctl account add "Readonly Ltd"
echo "  gatewayctl: exit $rc: $out"
[ "$rc" = 75 ] || fl_fail "gatewayctl on a read-only database: exit $rc, want 75: $out"
case $out in
"gatewayctl: account add: $DB"*"Read-only file system"*) ;;
*) fl_fail "gatewayctl on a read-only database: unclear error: $out" ;;
esac
rc=0
timeout 10 "$GATEWAYD" -c "$CONF" --foreground >"$T/ro.log" 2>&1 || rc=$?
echo "  gatewayd: exit $rc: $(head -c 300 "$T/ro.log")"
[ "$rc" -lt 128 ] || [ "$rc" = 124 ] || fl_fail "gatewayd on a read-only database died by a signal: exit $rc"
[ "$rc" = 124 ] || grep -q "Read-only file system" "$T/ro.log" ||
	fl_fail "gatewayd on a read-only database stopped without saying why"

mount -o remount,rw "$M" || fl_fail "cannot remount $M read-write"
run_pipe m2 "$REPLY2"
[ "$rc" = 0 ] || fl_fail "the retried message, read-write again: exit $rc: $out"
[ "$(in_log readonly@client.example)" = 1 ] || fl_fail "the retried message is not recorded exactly once"
fl_start_daemon
N=$(sql "SELECT count(*) FROM outbox")
fl_wait_until 60 fl_all_sent || fl_fail "not all sent, read-write again: $(fl_counts)"
fl_stop_daemon
echo "ok 2 - read-only: pipe 75 (4.3.0), gatewayctl 75, read-write again: taken once, delivered"

# ---- nothing lost, nothing corrupted
[ "$(sql 'PRAGMA integrity_check')" = ok ] || fl_fail "integrity_check: $(sql 'PRAGMA integrity_check')"
now_accounts=$(sql "SELECT group_concat(id || ':' || name, ',') FROM (SELECT * FROM accounts ORDER BY id)")
now_inbound=$(sql "SELECT group_concat(id || ':' || message_id || ':' || verdict, ',') FROM (SELECT * FROM inbound_log ORDER BY id)")
now_outbox=$(sql "SELECT group_concat(id || ':' || mail_id, ',') FROM (SELECT * FROM outbox ORDER BY id)")
case $now_accounts in "$before_accounts",*) ;; *) fl_fail "accounts changed: $before_accounts -> $now_accounts" ;; esac
case $now_inbound in "$before_inbound",*) ;; *) fl_fail "inbound log changed: $before_inbound -> $now_inbound" ;; esac
case $now_outbox in "$before_outbox",*) ;; *) fl_fail "outbox changed before its end" ;; esac
[ "$(sql "SELECT count(*) FROM accounts WHERE name = 'During Ltd'")" = 1 ] ||
	fl_fail "the account of the retried command is not there once"
[ "$(sql "SELECT count(*) FROM accounts WHERE name = 'Readonly Ltd'")" = 0 ] ||
	fl_fail "a command that got 75 left an account"
echo "ok 3 - integrity_check ok, every row committed before the faults still there"
echo "PASS (disk)"
