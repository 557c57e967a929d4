#!/bin/sh
# fault_concurrency.sh - one database, everything at once: 20 gatewayd-pipe
# processes taking replies, the daemon delivering notifications to
# smtp-sink, and web traffic (thread pages and posted replies) through the
# daemon's web view.
#
#   1. Seed 10 x 20 notifications; the daemon (web view on, base_url on
#      loopback) delivers them.  The mail at the sink gives the reply
#      addresses and View-chat links the rest of the test uses, as a
#      client's mail program would.
#   2. Queue as many again (a resend), then at once:
#        - PIPES gatewayd-pipe workers, each feeding MSGS human replies from
#          its own sender, with [store] busy_timeout_ms = 100 so that the
#          lock is contended for real; a 75 is retried after a pause, the
#          way Postfix would;
#        - 2 web clients: open a View link (session cookie), then load the
#          thread page ten times and post a reply with the page's CSRF
#          token, again and again until the pipes are done.
#   3. Then:
#        - gatewayd-pipe exited only 0 or 75 (never 1, 70, 74 or a signal),
#          and every message that got 75 was taken when retried;
#        - each message is in the inbound log once, with a real verdict;
#        - the web view answered every request with 200 or a redirect (no
#          5xx: a busy database is waited for, not shown);
#        - the daemon kept running, delivered every outbox row (the
#          notifications, the explanations the pipes queued, the staff
#          emails about the web replies), each Message-ID at the sink, none
#          unknown; it stops cleanly; PRAGMA integrity_check is ok.
# Prints the counts (75s, retries, web requests, rows delivered).
#
# Environment: GATEWAYD, GATEWAYD_PIPE, RELAY_TOOL; PIPES (20), MSGS (4).
# Exit 0 pass, 1 fail, 77 skipped (no smtp-sink, python3, curl or sqlite3).
set -eu
. "$(dirname "$0")/fault_lib.sh"
: "${GATEWAYD:?GATEWAYD not set}" "${GATEWAYD_PIPE:?GATEWAYD_PIPE not set}"
: "${RELAY_TOOL:?RELAY_TOOL not set}"
PIPES=${PIPES:-20}
MSGS=${MSGS:-4}
fl_need_sink
command -v curl >/dev/null 2>&1 || fl_skip "curl is not installed"
command -v sqlite3 >/dev/null 2>&1 || fl_skip "sqlite3 (the shell) is not installed"

T=$(mktemp -d /tmp/gw-fault-concurrency.XXXXXX)
chmod 755 "$T"
fl_paths
cleanup() {
	touch "$T/stop" 2>/dev/null || true
	fl_cleanup
	wait 2>/dev/null || true
	if [ "${KEEP:-0}" = 1 ]; then echo "kept $T"; else rm -rf "$T"; fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM

SINKPORT=$(fl_free_port)
WEBPORT=$(fl_free_port)
BASE_URL=http://127.0.0.1:$WEBPORT
fl_start_sink
fl_seed 10 20
WEB_EXTRA="listen = 127.0.0.1:$WEBPORT"
fl_write_config
# The pipes' own config: the same database, a short busy timeout.
sed 's/^\[store\]$/[store]\nbusy_timeout_ms = 100/' "$CONF" >"$T/pipe.conf"
sql() { sqlite3 -cmd ".timeout 10000" "$DB" "$1"; }

fl_start_daemon
fl_wait_until 60 fl_all_sent || fl_fail "the first notifications were not sent: $(fl_counts)"

# Reply addresses and View links, as the clients received them.
python3 - "$SINKDIR" "$T/replies" "$T/views" <<'EOF'
import email, os, re, sys
from email import policy
replies, views = set(), set()
for name in os.listdir(sys.argv[1]):
    with open(os.path.join(sys.argv[1], name), "rb") as f:
        msg = email.message_from_binary_file(f, policy=policy.default)
    m = re.search(r"reply\+[a-z0-9]+@[a-z0-9.-]+", str(msg.get("Reply-To", "")))
    if m:
        replies.add(m.group(0))
    body = msg.get_body(("plain",))
    if body is not None:
        views.update(re.findall(r"http://127\.0\.0\.1:\d+/v/[A-Za-z0-9_-]+", body.get_content()))
with open(sys.argv[2], "w") as f:
    f.write("\n".join(sorted(replies)) + "\n")
with open(sys.argv[3], "w") as f:
    f.write("\n".join(sorted(views)) + "\n")
EOF
n_replies=$(grep -c . "$T/replies" || true)
[ "$n_replies" -ge 20 ] || fl_fail "only $n_replies reply addresses in the delivered mail"
grep -q . "$T/views" || fl_fail "no View link in the delivered mail"

"$RELAY_TOOL" resend "$DB" >/dev/null

# ---- web clients: LOOPS until $T/stop exists
web_client() {
	jar=$T/web$1.cookies
	link=$(sed -n "$(($1 + 1))p" "$T/views")
	curl -s -o /dev/null -w '%{http_code} %{time_total} LINK\n' -c "$jar" "$link" >>"$T/web$1.codes"
	page=$(curl -s -o /dev/null -w '%{redirect_url}' -b "$jar" "$link")
	thread=${page##*/t/}
	thread=${thread%%[!0-9]*}
	[ -n "$thread" ] || { echo "no-thread" >>"$T/web$1.codes"; return; }
	k=0
	until [ -e "$T/stop" ]; do
		# ten page loads over one connection, then a reply
		# shellcheck disable=SC2046
		curl -s -w '%{http_code} %{time_total} GET\n' -b "$jar" \
			$(printf -- "-o $T/web$1.html $BASE_URL/t/$thread %.0s" 1 2 3 4 5 6 7 8 9 10) \
			>>"$T/web$1.codes"
		csrf=$(sed -n 's/.*name="csrf" value="\([^"]*\)".*/\1/p' "$T/web$1.html" | head -n 1)
		if [ -n "$csrf" ]; then
			curl -s -o /dev/null -w '%{http_code} %{time_total} POST\n' -b "$jar" -F "csrf=$csrf" \
				-F "body=Reply $k from web client $1" \
				"$BASE_URL/t/$thread/reply" >>"$T/web$1.codes"
		fi
		k=$((k + 1))
	done
}

# ---- pipe workers: MSGS replies each; a 75 is retried after 0.2 s
pipe_worker() {
	m=1
	while [ "$m" -le "$MSGS" ]; do
		rcpt=$(sed -n "$((($1 * MSGS + m) % n_replies + 1))p" "$T/replies")
		mid="storm-$1-$m@client$1.example"
		printf 'From: Sender %s <s%s@client%s.example>\r\nTo: <%s>\r\nSubject: Re: Your annual accounts\r\nMessage-ID: <%s>\r\nDate: %s\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nHere are the statements, message %s.\r\n' \
			"$1" "$1" "$1" "$rcpt" "$mid" "$(date -R)" "$m" >"$T/msg-$1-$m"
		tries=0
		while :; do
			rc=0
			"$GATEWAYD_PIPE" -c "$T/pipe.conf" "s$1@client$1.example" "$rcpt" \
				<"$T/msg-$1-$m" >"$T/out-$1" 2>&1 || rc=$?
			tries=$((tries + 1))
			echo "$mid $rc $(head -c 200 "$T/out-$1" | tr '\n' ' ')" >>"$T/pipe$1.codes"
			[ "$rc" = 75 ] || break
			[ "$tries" -lt 100 ] || break
			sleep 0.2
		done
		m=$((m + 1))
	done
}

started=$(date +%s)
web_client 0 &
webpids=$!
web_client 1 &
webpids="$webpids $!"
w=0
pids=
while [ "$w" -lt "$PIPES" ]; do
	pipe_worker "$w" &
	pids="$pids $!"
	w=$((w + 1))
done
for p in $pids; do wait "$p"; done
touch "$T/stop"
for p in $webpids; do wait "$p"; done
kill -0 "$DAEMONPID" || fl_fail "gatewayd died during the storm"
storm=$(($(date +%s) - started))

# ---- the pipes
cat "$T"/pipe*.codes >"$T/pipe.all"
runs=$(wc -l <"$T/pipe.all")
tempfails=$(awk '$2 == 75' "$T/pipe.all" | wc -l)
bad=$(awk '$2 != 0 && $2 != 75' "$T/pipe.all")
[ -z "$bad" ] || fl_fail "gatewayd-pipe exited other than 0 or 75: $(echo "$bad" | head -n 3)"
awk '$2 == 75 && $3 != "4.3.0" { print; exit 1 }' "$T/pipe.all" >/dev/null ||
	fl_fail "a 75 without its 4.3.0 line: $(awk '$2 == 75 && $3 != "4.3.0"' "$T/pipe.all" | head -n 1)"
msgs=$((PIPES * MSGS))
taken=$(awk '$2 == 0 { n++ } END { print n + 0 }' "$T/pipe.all")
[ "$taken" = "$msgs" ] || fl_fail "want $msgs messages taken (exit 0), have $taken"
awk '$2 == 75 { $1 = $2 = ""; print }' "$T/pipe.all" | sort | uniq -c | sort -rn | head -n 3 |
	sed 's/^/  75: /'
recorded=$(sql "SELECT count(DISTINCT message_id) FROM inbound_log WHERE message_id LIKE 'storm-%' AND verdict <> 'duplicate'")
[ "$recorded" = "$msgs" ] || fl_fail "want $msgs messages in the inbound log, have $recorded"
twice=$(sql "SELECT count(*) FROM (SELECT message_id FROM inbound_log WHERE message_id LIKE 'storm-%' AND verdict <> 'duplicate' GROUP BY message_id HAVING count(*) > 1)")
[ "$twice" = 0 ] || fl_fail "$twice messages recorded more than once"
explained=$(sql "SELECT count(*) FROM inbound_log WHERE message_id LIKE 'storm-%' AND verdict = 'explained'")

# ---- the web view
cat "$T"/web*.codes >"$T/web.all"
web_requests=$(wc -l <"$T/web.all")
web_bad=$(cut -d' ' -f1 "$T/web.all" | grep -v -x -E '200|302|303' | sort | uniq -c | tr '\n' ' ')
[ -z "$web_bad" ] || fl_fail "the web view answered other than 200/302/303: $web_bad"
web_posts=$(sql "SELECT count(*) FROM messages WHERE body LIKE 'Reply % from web client %'")
[ "$web_posts" -ge 1 ] || fl_fail "no reply posted through the web view"

# ---- the daemon delivers everything, then stops cleanly
N=$(fl_counts | tr ' =' '\n\n' | awk 'NR % 2 == 0 { n += $1 } END { print n }')
fl_wait_until 120 fl_all_sent || fl_fail "not all sent after the storm: $(fl_counts)"
fl_stop_daemon
"$RELAY_TOOL" rows "$DB" sent | sed -n 's/.* mail_id=\([^ ]*\) .*/\1/p' | sort -u >"$T/mids.sent"
find "$SINKDIR" -type f -exec sed -n 's/^[Mm]essage-[Ii][Dd]: *<\(.*\)>.*/\1/p' {} + | sort >"$T/mids.sink"
lost=$(sort -u "$T/mids.sink" | comm -23 "$T/mids.sent" - | wc -l)
unknown=$(sort -u "$T/mids.sink" | comm -13 "$T/mids.sent" - | wc -l)
dup=$(($(wc -l <"$T/mids.sink") - $(sort -u "$T/mids.sink" | wc -l)))
[ "$lost" = 0 ] || fl_fail "$lost sent rows with no mail at the sink"
[ "$unknown" = 0 ] || fl_fail "$unknown mails at the sink of no sent row"
[ "$dup" = 0 ] || fl_fail "$dup copies at the sink (no fault was injected)"
[ "$(sql 'PRAGMA integrity_check')" = ok ] || fl_fail "integrity_check: $(sql 'PRAGMA integrity_check')"
busy_warn=$(grep -c "cannot claim outbox rows" "$LOG" || true)

echo "pipes: $PIPES x $MSGS messages, $runs runs, $tempfails exit 75 (retried and taken), none other; $explained explained"
web_times=$(awk '{ n[$3]++; s[$3] += $2; if ($2 > m[$3]) m[$3] = $2 }
	END { for (k in n) printf "%s %d avg %.3fs max %.3fs; ", k, n[k], s[k] / n[k], m[k] }' "$T/web.all")
echo "web: $web_requests requests, all 200/303; $web_posts replies posted; $web_times"
echo "daemon: $N rows delivered, lost 0, copies 0, $busy_warn 'cannot claim' warnings; storm ${storm}s"
echo "PASS (concurrency)"
