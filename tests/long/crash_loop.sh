#!/bin/sh
# crash_loop.sh - kill -9 the daemon at random moments while it delivers
# thousands of notifications to smtp-sink, restart it, again and again;
# then let it finish and account for every mail.
#
#   tests/long/crash_loop.sh [-b BUILD_DIR] [-k KILLS] [-s ACCOUNTSxCONTACTS]
#       defaults: -b build -k 100 -s 120x100 (12,000 notifications, a few
#       minutes); `make check` runs the short form through ctest
#       (fault_one_resend_per_worker_per_crash: -k 10 -s 25x80).
#   env: GATEWAYD, RELAY_TOOL override the programs under BUILD_DIR;
#        KEEP=1 keeps the temp directory.
#
# Each round starts gatewayd, kills it with SIGKILL after a random 0.1-1.5 s
# (0.1-0.6 s when the sink is fast), and records which outbox rows it left
# "sending".  The sink changes between
# rounds (only while no daemon runs, so that no transaction is cut by it):
#   fast       accepts everything at once (1 round in 10): kills land
#              anywhere, also between the sink's 250 and the row's commit
#   slow       answers one final dot in five a second or more late (8 in
#              10): kills land between the data and its acknowledgement,
#              and the delays make the outbox last a hundred rounds
#   lost-ack   takes the data and hangs up without answering the dot (1 in
#              10): the relay must assume the mail may have arrived
# (Delays go only on the last command the client may pipeline or on the
# dot: smtp-sink -W on MAIL or RCPT answers the pipelined DATA first.)
# At the end the daemon runs until the outbox is empty (leases run out after
# [mail] lease = 10s) and stops on SIGTERM.  Then:
#   - every row is sent, none failed, none left queued or sending;
#   - relay_tool verify: every sent row's mail arrived and checks out
#     (links and reply addresses verify), no mail of an unknown Message-ID;
#   - copies are counted per recipient (each row has its own address), so a
#     copy with a different Message-ID would show; every copy must belong to
#     a row that a kill left "sending" or whose acknowledgement the relay
#     logged as lost ("the message may have been delivered");
#   - at most one re-send per worker per kill: copies of rows in flight at
#     a kill number at most [mail] concurrency x kills (a worker marks each
#     mail sent in its own commit right after the 250, so a kill leaves it
#     at most the one mail in flight).
# Prints "kills K lost L duplicated D (same Message-ID: S)".
# Exit 0 pass, 1 fail, 2 usage, 77 skipped (no smtp-sink or python3).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../integration/fault_lib.sh"

BUILD=build
KILLS=100
SIZE=120x100
while getopts b:k:s: opt; do
	case $opt in
	b) BUILD=$OPTARG ;;
	k) KILLS=$OPTARG ;;
	s) SIZE=$OPTARG ;;
	*) echo "usage: crash_loop.sh [-b BUILD_DIR] [-k KILLS] [-s ACCOUNTSxCONTACTS]"; exit 2 ;;
	esac
done
GATEWAYD=${GATEWAYD:-$BUILD/gatewayd/gatewayd}
RELAY_TOOL=${RELAY_TOOL:-$BUILD/tests/relay_tool}
for p in "$GATEWAYD" "$RELAY_TOOL"; do
	[ -x "$p" ] || { echo "missing $p: build first, or set GATEWAYD and RELAY_TOOL"; exit 2; }
done
ACCOUNTS=${SIZE%x*}
CONTACTS=${SIZE#*x}
fl_need_sink

T=$(mktemp -d /tmp/gw-crash-loop.XXXXXX)
chmod 755 "$T"
fl_paths
cleanup() {
	fl_cleanup
	if [ "${KEEP:-0}" = 1 ]; then echo "kept $T"; else rm -rf "$T"; fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM

SINKPORT=$(fl_free_port)
started=$(date +%s)
fl_seed "$ACCOUNTS" "$CONTACTS"
fl_write_config
concurrency=$(sed -n 's/^concurrency = \([0-9]*\)$/\1/p' "$CONF")
[ -n "$concurrency" ] || fl_fail "no [mail] concurrency in $CONF"
: >"$T/in-flight"

sink_mode=
# use_sink MODE: (re)start the sink in MODE unless it already runs so.
use_sink() {
	[ "$sink_mode" = "$1" ] && return 0
	fl_stop_sink
	case $1 in
	fast) fl_start_sink ;;
	slow) fl_start_sink -W .:1:20 ;;
	lost-ack) fl_start_sink -q . -W DATA:1:10 ;;
	esac
	sink_mode=$1
}

kills=0
busy_kills=0
rounds_lost_ack=0
i=1
while [ "$i" -le "$KILLS" ]; do
	case $((i % 10)) in
	5)
		use_sink lost-ack
		rounds_lost_ack=$((rounds_lost_ack + 1))
		;;
	7) use_sink fast ;;
	*) use_sink slow ;;
	esac
	sent_before=$(fl_count_of sent)
	fl_start_daemon
	if [ "$sink_mode" = fast ]; then
		fl_sleep_ms "$(fl_random 100 600)"
	else
		fl_sleep_ms "$(fl_random 100 1500)"
	fi
	kill -0 "$DAEMONPID" 2>/dev/null || fl_fail "gatewayd died by itself in round $i"
	fl_kill_daemon
	kills=$((kills + 1))
	# "queued=Q sending=S sent=T failed=F" as $2 $4 $6 $8
	# shellcheck disable=SC2046
	set -- $(fl_counts | tr '=' ' ')
	[ "$2" = 0 ] || busy_kills=$((busy_kills + 1))
	echo "$i $sink_mode $(($6 - sent_before))" >>"$T/rounds"
	# Rows the dead daemon held: they may have reached the sink already.
	# And rows deferred after a lost acknowledgement: the kill may have
	# come between that commit and its log line.
	"$RELAY_TOOL" rows "$DB" >"$T/rows.now"
	grep ' sending attempts=' "$T/rows.now" | cut -d' ' -f1 >>"$T/in-flight"
	grep '(the message may have been delivered)' "$T/rows.now" | cut -d' ' -f1 >>"$T/lost-ack.db" || true
	if [ $((i % 10)) = 0 ] || [ "$i" = "$KILLS" ]; then
		echo "round $i ($sink_mode): $(fl_counts)"
	fi
	i=$((i + 1))
done

use_sink fast
fl_start_daemon
fl_wait_until 180 fl_all_sent || fl_fail "not all sent after the last restart: $(fl_counts)"
fl_stop_daemon
elapsed=$(($(date +%s) - started))

# Rows whose acknowledgement the relay logged as lost.
{
	sed -n 's/^gatewayd: relay: outbox \([0-9]*\) to .*(the message may have been delivered).*/\1/p' "$LOG"
	cat "$T/lost-ack.db" 2>/dev/null
} | sort -u >"$T/lost-ack"
sed -n 's/^gatewayd: relay: outbox \([0-9]*\) to .*, but recording it failed: .*/\1/p' \
	"$LOG" | sort -u >"$T/unrecorded"
sort -u "$T/in-flight" -o "$T/in-flight"

out=$("$RELAY_TOOL" verify "$DB" "$KEYS" "$BASE_URL" "$DOMAIN" "$SINKDIR") ||
	fl_fail "verify: $out"
echo "verify: $out"

# One line per accepted mail: envelope recipient and Message-ID.
find "$SINKDIR" -type f -exec awk '
	FNR == 1 { if (f != "") print r, m; f = FILENAME; r = "-"; m = "-"; h = 1 }
	{ sub(/\r$/, "") }
	h && $0 == "" && m != "-" { h = 0 }
	h && tolower($1) == "x-rcpt-args:" { r = tolower($2) }
	h && tolower($1) == "message-id:" { m = $2 }
	END { if (f != "") print r, m }' {} + | tr -d '<>' >"$T/accepted"
"$RELAY_TOOL" rows "$DB" sent |
	sed -n 's/^\([0-9]*\) sent attempts=[0-9]* to=\([^ ]*\) mail_id=\([^ ]*\) .*/\1 \2 \3/p' |
	tr 'A-Z' 'a-z' >"$T/rows"

# Per row: copies beyond the first, how many of them carry the row's
# Message-ID, and whether the row may have been duplicated.
summary=$(awk -v inflight="$T/in-flight" -v lostack="$T/lost-ack" -v unrec="$T/unrecorded" \
	-v rows="$T/rows" '
	BEGIN {
		while ((getline l < inflight) > 0) why[l] = why[l] "k"
		while ((getline l < lostack) > 0) why[l] = why[l] "a"
		while ((getline l < unrec) > 0) why[l] = why[l] "u"
		while ((getline l < rows) > 0) {
			split(l, f, " ")
			id[f[2]] = f[1]; mid[f[2]] = f[3]; nrows++
		}
	}
	{ n[$1]++; if ($2 == mid[$1]) same[$1]++ }
	END {
		for (a in id) {
			if (n[a] == 0) { lost++; continue }
			d = n[a] - 1
			if (d == 0) continue
			dup += d
			# copies with the row Message-ID beyond the first
			s = same[a] - 1; if (s > d) s = d; samemid += s
			w = why[id[a]]
			if (w == "") { unexplained++; print "unexplained copy: outbox " id[a] " to " a > "/dev/stderr" }
			else if (index(w, "a")) by_ack += d
			else if (index(w, "k")) by_kill += d
			else by_unrec += d
		}
		for (a in n) if (!(a in id)) stray += n[a]
		printf "rows=%d lost=%d duplicated=%d same_mid=%d by_kill=%d by_lost_ack=%d by_unrecorded=%d unexplained=%d stray=%d\n",
			nrows, lost, dup, samemid, by_kill, by_ack, by_unrec, unexplained, stray
	}' "$T/accepted")
echo "accounting: $summary"
val() { echo "$summary" | tr ' ' '\n' | sed -n "s/^$1=//p"; }

echo "kills $kills lost $(val lost) duplicated $(val duplicated) (same Message-ID: $(val same_mid))"
per_round=$(awk '{ n[$2]++; s[$2] += $3 } END { for (m in n) printf " %s %d", m, s[m] / n[m] }' "$T/rounds")
echo "  $N notifications, $kills kills ($busy_kills with mail still queued, $rounds_lost_ack rounds with lost acknowledgements)," \
	"$(wc -l <"$T/in-flight") rows in flight at a kill, $(wc -l <"$T/lost-ack") acknowledgements lost;" \
	"duplicates from kills $(val by_kill), from lost acknowledgements $(val by_lost_ack); ${elapsed}s"
echo "  re-sends from kills: $(val by_kill) (at most concurrency $concurrency x $kills kills" \
	"= $((concurrency * kills)); $(awk -v d="$(val by_kill)" -v k="$kills" \
	'BEGIN { printf "%.2f", k ? d / k : 0 }') per kill)"
echo "  rows marked sent per round:$per_round"

[ "$(val rows)" = "$N" ] || fl_fail "want $N sent rows, have $(val rows)"
[ "$(val lost)" = 0 ] || fl_fail "mail lost"
[ "$(val stray)" = 0 ] || fl_fail "mail to an address of no sent row"
[ "$(val unexplained)" = 0 ] || fl_fail "copies of rows that were neither in flight at a kill nor unacknowledged"
[ "$(val same_mid)" = "$(val duplicated)" ] || fl_fail "a copy with a different Message-ID"
[ "$(val by_kill)" -le $((concurrency * kills)) ] ||
	fl_fail "$(val by_kill) re-sends from $kills kills: more than one per worker per kill" \
		"(concurrency $concurrency, at most $((concurrency * kills)))"
[ $((busy_kills * 2)) -ge "$kills" ] ||
	echo "note: the outbox ran dry early; a larger -s keeps the kills among deliveries"
[ "$rounds_lost_ack" = 0 ] || [ -s "$T/lost-ack" ] ||
	fl_fail "rounds with a sink that loses acknowledgements, but the relay logged none"
echo "PASS (crash loop)"
