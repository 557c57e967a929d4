#!/bin/sh
# bench/attack/run.sh - what two attacks cost: large anonymous bodies and descriptor exhaustion
# a running gatewayd: memory held by request bodies, and CPU, log lines
# and recovery under descriptor exhaustion and header trickles.
#
# usage: bench/attack/run.sh [-b BUILD_DIR] [-s SECONDS]
#   -b DIR      build directory holding gatewayd/gatewayd and
#               gatewayd/gatewayctl (default ./build)
#   -s SECONDS  length of the descriptor attack (default 20)
#
# One gatewayd (web view on loopback, `ulimit -n 1024`, [web] body_budget
# 256M so that 20 uploads of 9 MB fit at once; everything else default:
# max_body 10M, header_timeout 10s, max_per_client 32) over a database made
# with gatewayctl.  The attacker (bench/attack/attack.py) spreads its
# connections over many 127.0.x.y source addresses, so that the
# per-address cap does not hide the other defences.
#   (a) 150 anonymous connections at once, each POSTing a 10 MB body to
#       /t/1/reply (sent in full unless the server stops it): peak RSS of
#       gatewayd (VmHWM, reset before the phase), target < 100 MB; then 20
#       signed-in uploads of 9 MB at once through the reply form's action
#       (token in the query): all must answer 303, peak RSS reported.
#   (b) for SECONDS: 1,100 connections that never finish their headers
#       (the daemon runs out of descriptors) and 50 that send one header
#       line every 5 s, each reopened when the server closes it: gatewayd's
#       CPU (utime+stime from /proc/PID/stat over the attack), target
#       < 10 %; lines it logged, target < 100; and, once the attacker has
#       closed everything, the time until a GET of the thread page answers
#       200, target < 1 s.
# Loopback only, bounded counts and time; it stops by itself.  Besides
# the report, RESULT lines for bench/run.sh (bench/lib.sh).
set -eu
. "$(dirname "$0")/../lib.sh"

BUILD=./build
SECONDS_ATTACK=20
while [ $# -gt 0 ]; do
	case $1 in
	-b) BUILD=$2; shift 2 ;;
	-s) SECONDS_ATTACK=$2; shift 2 ;;
	*) echo "usage: $0 [-b BUILD_DIR] [-s SECONDS]" >&2; exit 64 ;;
	esac
done
top=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=$(cd "$BUILD" && pwd)
GW=$BUILD/gatewayd/gatewayd
CTL=$BUILD/gatewayd/gatewayctl
for f in "$GW" "$CTL"; do
	[ -x "$f" ] || { echo "missing $f: build first" >&2; exit 1; }
done
command -v curl >/dev/null || { echo "missing curl" >&2; exit 1; }

T=$(mktemp -d /tmp/gw-bench-attack.XXXXXX)
DAEMONPID=
cleanup() {
	[ -n "$DAEMONPID" ] && kill "$DAEMONPID" 2>/dev/null || true
	[ "${KEEP:-0}" = 1 ] && echo "kept $T" || rm -rf "$T"
}
trap cleanup EXIT INT TERM
PORT=$(bench_free_port)
cd "$T"
cat >gatewayd.conf <<CONF
[store]
path = gatewayd.db
attachments_dir = attachments
[mail]
transport = maildir:Maildir
from = chat@firm.example
reply_domain = reply.firm.example
batch_window = 0
[links]
key_file = keys
[web]
listen = 127.0.0.1:$PORT
base_url = http://127.0.0.1:$PORT
body_budget = 256M
[log]
level = info
CONF
ctl() { "$CTL" -c gatewayd.conf "$@"; }
ctl init >/dev/null
staff=$(ctl staff add "Max Member" max@firm.example --role owner)
acct=$(ctl account add "Acme Bakery Ltd")
anna=$(ctl contact add "$acct" "Anna Baker" anna@acme.example)
thread=$(ctl thread new "$acct" --from "$staff" --subject "Year-end accounts" \
	--body "Hello Anna, please send the **bank statements** for December.")

(ulimit -n 1024 && exec "$GW" -c gatewayd.conf --foreground) 2>gatewayd.log &
DAEMONPID=$!
for _ in $(seq 50); do
	curl -s -o /dev/null "http://127.0.0.1:$PORT/" && break
	sleep 0.1
done
link=$(ctl link "$thread" --for "contact:$anna")
cookie=$(curl -s -D - -o /dev/null "$link" | sed -n 's/^Set-Cookie: \(gw_session=[^;]*\).*/\1/p' | tr -d '\r')
[ -n "$cookie" ] || { echo "no session cookie from $link" >&2; exit 1; }
csrf=$(curl -s -H "Cookie: $cookie" "http://127.0.0.1:$PORT/t/$thread" |
	sed -n 's/.*id="replyform" method="post" action="[^"]*?csrf=\([^"]*\)".*/\1/p' | head -1)
[ -n "$csrf" ] || { echo "no CSRF token in the reply form's action" >&2; exit 1; }

(ulimit -n 4096 && exec python3 "$top/bench/attack/attack.py" --pid "$DAEMONPID" \
	--port "$PORT" --log "$T/gatewayd.log" --cookie "$cookie" --csrf "$csrf" \
	--thread "$thread" --seconds "$SECONDS_ATTACK") >measures
kill -0 "$DAEMONPID" 2>/dev/null || { echo "gatewayd died:"; tail -20 gatewayd.log; exit 1; }

m() { awk -v k="$1" '$1 == "MEASURE" && $2 == k { print $3 }' measures; }
echo "gatewayd under attack (loopback, ulimit -n 1024 for the daemon); RSS at start $(m rss_start_mb) MB"
printf '%-58s %10s  %s\n' "" "measured" "target"
# row KEY LABEL UNIT OP LIMIT NOTE: print, and a RESULT line
row() {
	v=$(m "$1")
	if [ -n "$4" ]; then
		verdict=$(bench_verdict "$v" "$4" "$5")
		target="$4 $5 $3 ($verdict)"
	else
		verdict=reported
		target="-"
	fi
	printf '%-58s %10s  %s\n' "$2" "$v $3" "$target"
	bench_result attack "$2" "$v" "-" "-" "$3" "-" "$([ -n "$4" ] && echo "$4 $5" || echo -)" \
		"$verdict" 1 "$6" >>results
}
: >results
row anon_hwm_mb "150 anonymous 10 MB bodies: peak RSS" MB "<" 100 \
	"VmHWM; $(m anon_413) of 150 answered 413 before the body, $(m anon_other) reset while sending"
row upload_hwm_mb "20 signed-in 9 MB uploads at once: peak RSS" MB "" "" \
	"VmHWM; $(m upload_303) of 20 answered 303 in $(m upload_seconds) s"
row upload_303 "20 signed-in 9 MB uploads at once: answered 303" "" ">=" 20 \
	"statuses $(m upload_statuses)"
row attack_cpu_pct "1,100 stalled + 50 trickling connections: CPU" "%" "<" 10 \
	"${SECONDS_ATTACK} s; $(m attack_connections) connections opened, $(m attack_connect_failures) connects failed"
row attack_log_lines "the same: lines logged" lines "<" 100 "during the attack"
row recovery_ms "the same: thread page answers after the attack" ms "<" 1000 \
	"GET with a session, from the attacker's last close"
cat results
