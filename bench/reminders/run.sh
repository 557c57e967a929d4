#!/bin/sh
# bench/reminders/run.sh - the reminder scheduler with 10^3 .. 10^6 threads.
#
# For each thread count N a database is created by the store itself
# (bench_reminders init: store_open, the real schema and pragmas) and then
# seeded with SQL in one transaction through the sqlite3 shell: one owner,
# N/10 accounts of one contact each, N threads with reminders on, each with
# the staff message its reminder concerns.  DUE of the threads (default
# 10,000, spread over the ids and over the due times) fall due at DUE_AT;
# the others later, at times spread over ten days.
#
# (a) Idle pass, per N: PASSES scheduler passes at a time when nothing is
#     due (store_reminders_run finds nothing, store_reminders_next_due
#     names the time to sleep until).  The cost of a pass must be flat in
#     N: the target is at most 2x the pass at the smallest N.
# (b) Due, at the largest N: one store_reminders_run at DUE_AT enqueues the
#     DUE reminders (batches of 100 per transaction, each re-checking the
#     stop rules), against the same work in the sqlite3 shell: per batch of
#     100, the same SELECT of due rows, the stop rules as one UPDATE, the
#     same outbox INSERT (ON CONFLICT (dedup_key) DO NOTHING) and the same
#     UPDATE of the thread's reminder state, one transaction per batch, with
#     the store's pragmas (store/reminders.c, notify.c).  Both start from a
#     copy of the same database and are timed as whole processes; both must
#     leave DUE reminder rows.  Reported as our time over the shell's.
#
# usage: bench/reminders/run.sh [-N "1000 10000 ..."] [-d DUE] [-p PASSES]
#                               [-r RUNS] [-b BUILD_DIR]
#   -N LIST     thread counts (default "1000 10000 100000 1000000")
#   -d DUE      reminders due in (b) (default 10000; at most the largest N)
#   -p PASSES   idle passes per run (default 5000)
#   -r RUNS     runs of each measurement; medians reported (default 5)
#   -b DIR      a build configured with -DGW_BENCH=ON (default ./build)
# Prints the figures and RESULT lines for bench/run.sh (bench/lib.sh).
set -eu
. "$(dirname "$0")/../lib.sh"

SIZES="1000 10000 100000 1000000"
DUE=10000
PASSES=5000
RUNS=5
BUILD=./build
while [ $# -gt 0 ]; do
	case $1 in
	-N) SIZES=$2; shift 2 ;;
	-d) DUE=$2; shift 2 ;;
	-p) PASSES=$2; shift 2 ;;
	-r) RUNS=$2; shift 2 ;;
	-b) BUILD=$2; shift 2 ;;
	*) echo "usage: $0 [-N \"1000 10000 ...\"] [-d DUE] [-p PASSES] [-r RUNS] [-b BUILD_DIR]" >&2
	   exit 64 ;;
	esac
done
DRIVER=$BUILD/bench/bench_reminders
[ -x "$DRIVER" ] || { echo "missing $DRIVER: configure $BUILD with -DGW_BENCH=ON and build" >&2; exit 1; }
command -v sqlite3 >/dev/null || { echo "missing sqlite3 (the shell)" >&2; exit 1; }
MAXN=$(printf '%s\n' $SIZES | sort -n | tail -n 1)
MINN=$(printf '%s\n' $SIZES | sort -n | head -n 1)
[ "$DUE" -le "$MAXN" ] || { echo "DUE ($DUE) is more than the largest N ($MAXN)" >&2; exit 64; }

T=$(mktemp -d /tmp/bench-reminders.XXXXXX)
trap 'rm -rf "$T"' EXIT

T0=1798761600                   # 2027-01-01, when every cycle started
DUE_AT=$((T0 + 3 * 86400))      # reminders of 3-day cycles fall due
IDLE_AT=$((DUE_AT - 1000))      # before the first one: nothing is due

# pow N: "10^k" for a power of ten, else N
pow() { awk -v n="$1" 'BEGIN { k = log(n) / log(10); r = sprintf("%.0f", k);
	if (10 ^ r == n) printf "10^%d", r; else printf "%d", n }'; }

# seed DB N DUE_N: the rows, in one transaction, without a journal (the
# database is scratch until it is complete), then back to WAL.
seed() {
	n=$2
	accounts=$((n / 10 > 0 ? n / 10 : 1))
	step=$((n / $3))
	sqlite3 -bail "$1" >/dev/null <<EOF
PRAGMA journal_mode = OFF;
PRAGMA synchronous = OFF;
BEGIN;
INSERT INTO staff (id, name, email, role, created_at)
 VALUES (1, 'Max Member', 'max@firm.example', 'owner', $T0);
WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < $accounts)
INSERT INTO accounts (id, name, created_at) SELECT i, 'Client ' || i || ' Ltd', $T0 FROM s;
WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < $accounts)
INSERT INTO contacts (id, account_id, name, email, created_at)
 SELECT i, i, 'Contact ' || i, 'c1@client' || i || '.example', $T0 FROM s;
WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < $n)
INSERT INTO threads (id, account_id, subject, created_by_kind, created_by_id, created_at,
  last_message_at, last_notified_at, mail_root_id, rem_enabled, rem_days, rem_count,
  rem_message_id, rem_anchor_at, rem_sent, rem_next_due)
 SELECT i, (i - 1) % $accounts + 1, 'Year-end accounts', 'staff', 1, $T0, $T0, $T0,
  'gw.t.' || i || '@reply.example', 1, 3, 1, i, $T0, 0,
  CASE WHEN i % $step = 0 AND i / $step <= $3 THEN $DUE_AT - i % 997
       ELSE $DUE_AT + 1 + (i * 7919) % 864000 END
 FROM s;
WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < $n)
INSERT INTO messages (id, thread_id, author_kind, author_id, body, staff_only, created_at)
 SELECT i, i, 'staff', 1, 'Hello, please send the bank statements for December.', 0, $T0 FROM s;
COMMIT;
PRAGMA journal_mode = WAL;
EOF
}

# The shell's side of (b): ceil(DUE/100) + 1 batches, as the store runs
# them (it stops after the first batch that is not full).
due_sql() {
	batches=$(($1 / 100 + 1))
	cat <<EOF
.output /dev/null
PRAGMA synchronous = FULL;
PRAGMA foreign_keys = ON;
PRAGMA temp_store = MEMORY;
PRAGMA busy_timeout = 5000;
CREATE TEMP TABLE due (id INTEGER PRIMARY KEY);
EOF
	i=0
	while [ $i -lt $batches ]; do
		cat <<EOF
BEGIN IMMEDIATE;
DELETE FROM temp.due;
INSERT INTO temp.due (id) SELECT id FROM threads WHERE rem_next_due IS NOT NULL
 AND rem_next_due <= $DUE_AT ORDER BY rem_next_due LIMIT 100;
UPDATE threads SET rem_next_due = NULL WHERE id IN (SELECT id FROM temp.due) AND (
 rem_enabled = 0 OR archived_at IS NOT NULL OR coalesce(rem_message_id, 0) = 0
 OR rem_sent >= rem_count
 OR EXISTS (SELECT 1 FROM messages WHERE thread_id = threads.id AND author_kind = 'contact'
  AND id > threads.rem_message_id)
 OR (NOT EXISTS (SELECT 1 FROM tasks WHERE thread_id = threads.id AND done_at IS NULL)
  AND EXISTS (SELECT 1 FROM read_marks WHERE thread_id = threads.id AND reader_kind = 'contact'
   AND last_read_message_id >= (SELECT coalesce(max(id), 0) FROM messages
    WHERE thread_id = threads.id AND staff_only = 0))));
INSERT INTO outbox (kind, recipient_kind, recipient_id, recipient_address, thread_id,
  message_id, extra, next_attempt_at, created_at, mail_id, dedup_key)
 SELECT 'reminder', 'contact', c.id, c.email, t.id, t.rem_message_id, t.rem_sent + 1,
  $DUE_AT, $DUE_AT, 'gw.' || lower(hex(randomblob(16))) || '@reply.example',
  'reminder:' || t.id || ':' || t.rem_message_id || ':' || (t.rem_sent + 1) || ':contact:' || c.id
 FROM temp.due d CROSS JOIN threads t ON t.id = d.id
  CROSS JOIN contacts c ON c.account_id = t.account_id
 WHERE t.rem_next_due IS NOT NULL AND c.notify = 1 AND c.email_status = 'ok'
 ON CONFLICT (dedup_key) DO NOTHING;
UPDATE threads SET rem_sent = rem_sent + 1, last_notified_at = $DUE_AT,
 rem_next_due = CASE WHEN rem_sent + 1 < rem_count THEN $DUE_AT + rem_days * 86400 END
 WHERE id IN (SELECT id FROM temp.due) AND rem_next_due IS NOT NULL;
COMMIT;
EOF
		i=$((i + 1))
	done
}

# reminders DB: "rows threads" left by a run of (b)
reminders_left() {
	sqlite3 -separator ' ' "$1" "SELECT (SELECT count(*) FROM outbox WHERE kind = 'reminder'),
		(SELECT count(*) FROM threads WHERE rem_sent = 1 AND last_notified_at = $DUE_AT)"
}

# Seed every N first, then alternate the idle runs over the sizes, so that
# a burst of other load on the machine does not fall on one size only.
for n in $SIZES; do
	db=$T/n$n.db
	"$DRIVER" init "$db"
	t0=$(bench_now_ms)
	seed "$db" "$n" $((DUE < n ? DUE : n))
	t1=$(bench_now_ms)
	echo "$(pow "$n") threads: seeded in $((t1 - t0)) ms ($(du -m "$db" | cut -f1) MB)"
done

# (a) idle passes
r=0
while [ $r -lt "$RUNS" ]; do
	for n in $SIZES; do
		out=$("$DRIVER" idle "$T/n$n.db" "$IDLE_AT" "$PASSES")
		echo "$out" | awk '{ print $2 }' >>"$T/idle.$n"
		echo "$out" | awk '{ print $4 "+" $6 }' >>"$T/parts.$n"
	done
	r=$((r + 1))
done
# shellcheck disable=SC2046
idle_base=$(bench_stats $(cat "$T/idle.$MINN"))
for n in $SIZES; do
	# shellcheck disable=SC2046
	idle=$(bench_stats $(cat "$T/idle.$n"))
	echo "$(pow "$n") threads: idle pass ${idle%% *} us (runs: $(paste -s -d' ' "$T/idle.$n");" \
		"reminders_run + next_due: $(paste -s -d' ' "$T/parts.$n"))"
	if [ "$n" = "$MINN" ]; then
		bench_result reminders "reminders: idle scheduler pass, $(pow "$n") threads" "$idle" \
			- - us - - reported "$RUNS" "the base the larger N are compared with"
	else
		ratio=$(bench_ratio "${idle%% *}" "${idle_base%% *}")
		bench_result reminders "reminders: idle scheduler pass, $(pow "$n") threads" "$idle" \
			"the same pass at $(pow "$MINN") threads" "$idle_base" us "$ratio" \
			"<= 2 (flat in N)" "$(bench_verdict "$ratio" "<=" 2)" "$RUNS"
	fi
	[ "$n" = "$MAXN" ] || rm -f "$T/n$n.db"*
done

# (b) DUE reminders at the largest N, against the sqlite3 shell
n=$MAXN
db=$T/n$n.db
due_n=$((DUE < n ? DUE : n))
due_sql "$due_n" >"$T/due.sql"
ours=""
sql=""
r=0
while [ $r -lt "$RUNS" ]; do
	rm -f "$T"/run.db*
	cp "$db" "$T/run.db"
	sync "$T/run.db"    # the copy is on disk before the clock starts
	t0=$(bench_now_ms)
	"$DRIVER" due "$T/run.db" "$DUE_AT" "$due_n" >/dev/null
	t1=$(bench_now_ms)
	[ "$(reminders_left "$T/run.db")" = "$due_n $due_n" ] ||
		{ echo "store left $(reminders_left "$T/run.db") reminders/threads, expected $due_n" >&2; exit 1; }
	ours="$ours $((t1 - t0))"

	rm -f "$T"/run.db*
	cp "$db" "$T/run.db"
	sync "$T/run.db"    # the copy is on disk before the clock starts
	t0=$(bench_now_ms)
	sqlite3 -bail "$T/run.db" <"$T/due.sql"
	t1=$(bench_now_ms)
	[ "$(reminders_left "$T/run.db")" = "$due_n $due_n" ] ||
		{ echo "the shell left $(reminders_left "$T/run.db") reminders/threads, expected $due_n" >&2; exit 1; }
	sql="$sql $((t1 - t0))"
	r=$((r + 1))
done
echo "$due_n due of $(pow "$n"): store_reminders_run ms per run:$ours; sqlite3 shell:$sql"
# shellcheck disable=SC2086
ours=$(bench_stats $ours)
# shellcheck disable=SC2086
sql=$(bench_stats $sql)
ratio=$(bench_ratio "${ours%% *}" "${sql%% *}")
echo "  median: store ${ours%% *} ms, sqlite3 shell ${sql%% *} ms, ratio $ratio (our time / the shell's)"
bench_result reminders "reminders: $due_n due of $(pow "$n") threads processed (time)" "$ours" \
	"the same SQL in the sqlite3 shell" "$sql" ms "$ratio" - reported "$RUNS" \
	"$((due_n / 100 + 1)) transactions each"
