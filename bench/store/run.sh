#!/bin/sh
# bench/store/run.sh - the store's post-message transaction against the
# same transaction typed into the sqlite3 shell.
#
# store_message_post() by a staff member is one write transaction
# (store/chat.c, notify.c, reminders.c): read the thread, check the
# author may post there, insert the message, touch the thread, read the
# notifiable contacts, insert one outbox row per contact (each with its own
# random Message-ID), set last_notified_at, restart the reminder cycle and
# re-check its stop rules, move the author's read mark, commit.  The SQL
# side runs exactly those statements, with the values the store would
# bind written out as literals, one transaction per post, through the
# sqlite3 shell with the same pragmas (WAL, synchronous=FULL, foreign
# keys, temp_store=MEMORY).  Both start from a copy of the same database
# (ACCOUNTS chats, CONTACTS contacts each) and both are timed as whole
# processes, so each pays its own start-up and close (WAL checkpoint).
#
# usage: bench/store/run.sh [-n POSTS] [-a ACCOUNTS] [-c CONTACTS]
#                           [-r RUNS] [-b BUILD_DIR]
#   -n POSTS     transactions per run (default 1000)
#   -a ACCOUNTS  accounts, one chat each (default 100)
#   -c CONTACTS  contacts per account: outbox rows per post (default 2)
#   -r RUNS      runs of each, alternating; medians compared (default 5)
#   -b DIR       a build configured with -DGW_BENCH=ON (default ./build)
# Prints both rates and the ratio (reported: the issue sets no target), and
# a RESULT line for bench/run.sh (bench/lib.sh).
set -eu
. "$(dirname "$0")/../lib.sh"

POSTS=1000
ACCOUNTS=100
CONTACTS=2
RUNS=5
BUILD=./build
while [ $# -gt 0 ]; do
	case $1 in
	-n) POSTS=$2; shift 2 ;;
	-a) ACCOUNTS=$2; shift 2 ;;
	-c) CONTACTS=$2; shift 2 ;;
	-r) RUNS=$2; shift 2 ;;
	-b) BUILD=$2; shift 2 ;;
	*) echo "usage: $0 [-n POSTS] [-a ACCOUNTS] [-c CONTACTS] [-r RUNS] [-b BUILD_DIR]" >&2
	   exit 64 ;;
	esac
done
DRIVER=$BUILD/bench/bench_store
[ -x "$DRIVER" ] || { echo "missing $DRIVER: configure $BUILD with -DGW_BENCH=ON and build" >&2; exit 1; }
command -v sqlite3 >/dev/null || { echo "missing sqlite3 (the shell)" >&2; exit 1; }

T=$(mktemp -d /tmp/bench-store.XXXXXX)
trap 'rm -rf "$T"' EXIT

"$DRIVER" init "$T/base.db" "$ACCOUNTS" "$CONTACTS"
"$DRIVER" body >"$T/body"

# ---- the SQL side: the statements of store_message_post, in its order --
# The messages get ids max(id)+1, +2, ... in both runs (INTEGER PRIMARY
# KEY, nothing else writes), so the script can name them as the store
# binds them.  Chats are taken round-robin in id order, as the driver does.
sqlite3 -separator ' ' "$T/base.db" \
	"SELECT t.id, t.account_id, c.id, c.email FROM threads t
	 JOIN contacts c ON c.account_id = t.account_id AND c.notify = 1 AND c.email_status = 'ok'
	 WHERE t.archived_at IS NULL ORDER BY t.id, c.id" >"$T/recipients"
first_msg=$(($(sqlite3 "$T/base.db" "SELECT max(id) FROM messages") + 1))
staff=$(sqlite3 "$T/base.db" "SELECT id FROM staff WHERE email = 'max@firm.example'")
now=$(date +%s)
awk -v posts="$POSTS" -v m0="$first_msg" -v staff="$staff" -v now="$now" \
    -v bodyfile="$T/body" '
BEGIN {
	while ((getline line < bodyfile) > 0)
		body = body (nb++ ? "\n" : "") line
	gsub(/\047/, "\047\047", body)
	core = "SELECT id, account_id, archived_at IS NOT NULL, rem_enabled, rem_days, rem_count," \
	       " coalesce(rem_message_id, 0), rem_sent, coalesce(rem_next_due, 0) FROM threads WHERE id = "
	print ".output /dev/null"
	print "PRAGMA synchronous = FULL;"
	print "PRAGMA foreign_keys = ON;"
	print "PRAGMA temp_store = MEMORY;"
	print "PRAGMA busy_timeout = 5000;"
}
{
	if (!($1 in acct)) { order[nt++] = $1; acct[$1] = $2 }
	k = $1 SUBSEP nc[$1]++
	cid[k] = $3; cmail[k] = $4
}
END {
	for (i = 0; i < posts; i++) {
		t = order[i % nt]; a = acct[t]; m = m0 + i
		print "BEGIN IMMEDIATE;"
		print core t ";"
		print "SELECT role IN (\047owner\047, \047admin\047) FROM staff WHERE id = " staff ";"
		print "INSERT INTO messages (thread_id, author_kind, author_id, body, staff_only, created_at)" \
		      " VALUES (" t ", \047staff\047, " staff ", \047" body "\047, 0, " now ");"
		print "UPDATE threads SET last_message_at = " now " WHERE id = " t ";"
		print "SELECT id, email FROM contacts WHERE account_id = " a \
		      " AND notify = 1 AND email_status = \047ok\047 ORDER BY id;"
		for (j = 0; j < nc[t]; j++) {
			k = t SUBSEP j
			print "INSERT INTO outbox (kind, recipient_kind, recipient_id, recipient_address," \
			      " thread_id, message_id, extra, next_attempt_at, created_at, mail_id, dedup_key)" \
			      " VALUES (\047new_message\047, \047contact\047, " cid[k] ", \047" cmail[k] "\047, " \
			      t ", " m ", NULL, " now ", " now \
			      ", \047gw.\047 || lower(hex(randomblob(16))) || \047@reply.example\047," \
			      " \047new_message:" m ":contact:" cid[k] "\047);"
		}
		print "UPDATE threads SET last_notified_at = " now " WHERE id = " t ";"
		print "UPDATE threads SET rem_message_id = " m ", rem_anchor_at = " now ", rem_sent = 0," \
		      " rem_next_due = CASE WHEN rem_enabled = 1 AND archived_at IS NULL" \
		      " THEN " now " + rem_days * 86400 END WHERE id = " t ";"
		print core t ";"
		print "SELECT EXISTS (SELECT 1 FROM messages WHERE thread_id = " t \
		      " AND author_kind = \047contact\047 AND id > " m ");"
		print "SELECT NOT EXISTS (SELECT 1 FROM tasks WHERE thread_id = " t " AND done_at IS NULL)" \
		      " AND EXISTS (SELECT 1 FROM read_marks WHERE thread_id = " t \
		      " AND reader_kind = \047contact\047 AND last_read_message_id >=" \
		      " (SELECT coalesce(max(id), 0) FROM messages WHERE thread_id = " t " AND staff_only = 0));"
		print "INSERT INTO read_marks (thread_id, reader_kind, reader_id, last_read_message_id, read_at)" \
		      " VALUES (" t ", \047staff\047, " staff ", " m ", " now ")" \
		      " ON CONFLICT (thread_id, reader_kind, reader_id) DO UPDATE SET" \
		      " last_read_message_id = max(last_read_message_id, excluded.last_read_message_id)," \
		      " read_at = excluded.read_at;"
		print "COMMIT;"
	}
}' "$T/recipients" >"$T/posts.sql"

# counts DB: messages and outbox rows added since the base
base_counts=$(sqlite3 "$T/base.db" "SELECT (SELECT count(*) FROM messages) || ' ' || (SELECT count(*) FROM outbox)")
check_counts() {
	got=$(sqlite3 "$1" "SELECT (SELECT count(*) FROM messages) || ' ' || (SELECT count(*) FROM outbox)")
	want=$(echo "$base_counts" | awk -v p="$POSTS" -v c="$CONTACTS" '{ print $1 + p, $2 + p * c }')
	[ "$got" = "$want" ] || { echo "store bench: $2 left messages/outbox $got, expected $want" >&2; exit 1; }
}

rate() { awk -v n="$POSTS" -v ms="$1" 'BEGIN { printf "%.1f", n * 1000 / (ms > 0 ? ms : 1) }'; }
rates_ours=""
rates_sql=""
r=0
while [ $r -lt "$RUNS" ]; do
	rm -f "$T"/run.db*
	cp "$T/base.db" "$T/run.db"
	sync "$T/run.db"    # the copy is on disk before the clock starts
	t0=$(bench_now_ms)
	"$DRIVER" post "$T/run.db" "$POSTS" >/dev/null
	t1=$(bench_now_ms)
	check_counts "$T/run.db" store
	rates_ours="$rates_ours $(rate $((t1 - t0)))"

	rm -f "$T"/run.db*
	cp "$T/base.db" "$T/run.db"
	sync "$T/run.db"    # the copy is on disk before the clock starts
	t0=$(bench_now_ms)
	sqlite3 -bail "$T/run.db" <"$T/posts.sql"
	t1=$(bench_now_ms)
	check_counts "$T/run.db" "the sqlite3 shell"
	rates_sql="$rates_sql $(rate $((t1 - t0)))"
	r=$((r + 1))
done

# shellcheck disable=SC2086
ours=$(bench_stats $rates_ours)
# shellcheck disable=SC2086
sql=$(bench_stats $rates_sql)
ratio=$(bench_ratio "${ours%% *}" "${sql%% *}")
echo "store: $POSTS post-message transactions per run ($CONTACTS outbox rows each), $RUNS runs, synchronous=FULL, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "store_message_post: ${ours%% *} tx/s (runs:$rates_ours)"
echo "sqlite3 shell:      ${sql%% *} tx/s (runs:$rates_sql)"
echo "ratio: $ratio (reported)"
bench_result store "store: post a message ($CONTACTS outbox rows), one transaction, synchronous=FULL" \
	"$ours" "the same statements in the sqlite3 shell" "$sql" tx/s "$ratio" - reported "$RUNS"
