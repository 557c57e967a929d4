#!/bin/sh
# bench/web/run.sh - the web view's thread page side by side with nginx
# serving the same HTML bytes as a static file, both under wrk.
#
#   bench/web/run.sh [BUILD_DIR]        (default: build)
#   env: MESSAGES (50), DURATION (5s), REPEAT (5), THREADS (2), CONNS (32),
#        SSE_STREAMS (20: event streams held open during gatewayd's runs;
#        0 = none), SSE_BASELINE (1: also measure gatewayd without them)
#
# 1. A temp database with one thread of MESSAGES messages (staff and client
#    taking turns), made with gatewayctl.
# 2. gatewayd serves it; a client's View-chat link is exchanged for a
#    session cookie, and the thread page is saved for nginx.
# 3. wrk -tTHREADS -cCONNS against gatewayd (with the cookie) and against
#    nginx (the saved page), alternating REPEAT times; medians compared.
#    While gatewayd is measured, SSE_STREAMS clients (curl) keep
#    GET /t/ID/events open with the cookie, as open browser tabs do: every
#    stream costs the daemon a look at the thread each second, on the
#    same loop that serves the pages.  With SSE_BASELINE=1 each round also
#    measures gatewayd without streams, to show what they cost.
# Prints the rates (medians, with the spread of the runs), the ratio with
# streams open (target >= 0.5) and our p99 (target < 10 ms), and a RESULT
# line for bench/run.sh (see bench/lib.sh).
# Not part of `make check`: it measures speed.  Needs wrk, nginx-light, curl
# (installed when missing and run as root).
set -eu
. "$(dirname "$0")/../lib.sh"

BUILD=${1:-build}
MESSAGES=${MESSAGES:-50}
DURATION=${DURATION:-5s}
REPEAT=${REPEAT:-5}
THREADS=${THREADS:-2}
CONNS=${CONNS:-32}
SSE_STREAMS=${SSE_STREAMS:-20}
SSE_BASELINE=${SSE_BASELINE:-1}
top=$(cd "$(dirname "$0")/../.." && pwd)
GATEWAYD=$BUILD/gatewayd/gatewayd
CTL=$BUILD/gatewayd/gatewayctl
PATH=$PATH:/usr/sbin:/sbin

for p in "$GATEWAYD" "$CTL"; do
	[ -x "$p" ] || { echo "missing $p: build first (cmake --build $BUILD)"; exit 2; }
done
"$top/scripts/deps.sh" wrk nginx-light curl python3

T=$(mktemp -d /tmp/gw-bench-web.XXXXXX)
chmod 755 "$T"    # nginx workers read the saved page
DAEMONPID=
NGINXPID=
SSEPIDS=
cleanup() {
	for p in $SSEPIDS; do kill "$p" 2>/dev/null || true; done
	[ -n "$DAEMONPID" ] && kill "$DAEMONPID" 2>/dev/null || true
	[ -n "$NGINXPID" ] && kill "$NGINXPID" 2>/dev/null || true
	[ "${KEEP:-0}" = 1 ] && echo "kept $T" || rm -rf "$T"
}
trap cleanup EXIT INT TERM
free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
WEBPORT=$(free_port)
NGXPORT=$(free_port)

cat >"$T/gatewayd.conf" <<CONF
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
listen = 127.0.0.1:$WEBPORT
base_url = http://127.0.0.1:$WEBPORT
[log]
level = warn
CONF
ctl() { "$CTL" -c "$T/gatewayd.conf" "$@"; }
ctl init >/dev/null
ctl firm set --name "Example & Partners" >/dev/null
staff=$(ctl staff add "Max Member" max@firm.example --role owner)
acct=$(ctl account add "Acme Bakery Ltd")
anna=$(ctl contact add "$acct" "Anna Baker" anna@acme.example)
thread=$(ctl thread new "$acct" --from "$staff" --subject "Year-end accounts" \
	--body "Hello Anna, please send the **bank statements** for December." \
	--task "Upload statements" --task "Confirm the stock count")
i=2
while [ "$i" -le "$MESSAGES" ]; do
	if [ $((i % 2)) = 0 ]; then
		ctl message post "$thread" --from "contact:$anna" \
			--body "Reply $i: here is what you asked for, see *the attached* list." >/dev/null
	else
		ctl message post "$thread" --from "staff:$staff" \
			--body "Message $i: thanks, we **received** it.
- item one
- item two" >/dev/null
	fi
	i=$((i + 1))
done

"$GATEWAYD" -c "$T/gatewayd.conf" --foreground 2>"$T/gatewayd.log" &
DAEMONPID=$!
for _ in $(seq 50); do
	curl -s -o /dev/null "http://127.0.0.1:$WEBPORT/" && break
	sleep 0.1
done
link=$(ctl link "$thread" --for "contact:$anna")
cookie=$(curl -s -D - -o /dev/null "$link" | sed -n 's/^Set-Cookie: \(gw_session=[^;]*\).*/\1/p' | tr -d '\r')
[ -n "$cookie" ] || { echo "no session cookie from $link"; exit 1; }
page="http://127.0.0.1:$WEBPORT/t/$thread"
mkdir -p "$T/www" "$T/nginx"
curl -s -H "Cookie: $cookie" -o "$T/www/page.html" -w '%{http_code}' "$page" | grep -q 200 ||
	{ echo "the thread page did not load"; exit 1; }
bytes=$(wc -c <"$T/www/page.html")

cat >"$T/nginx.conf" <<NGX
daemon off;
worker_processes 1;
pid $T/nginx/nginx.pid;
error_log $T/nginx/error.log;
events { worker_connections 1024; }
http {
	access_log off;
	client_body_temp_path $T/nginx/body;
	proxy_temp_path $T/nginx/proxy;
	fastcgi_temp_path $T/nginx/fastcgi;
	uwsgi_temp_path $T/nginx/uwsgi;
	scgi_temp_path $T/nginx/scgi;
	server {
		listen 127.0.0.1:$NGXPORT;
		root $T/www;
		default_type text/html;
	}
}
NGX
nginx -c "$T/nginx.conf" -e "$T/nginx/error.log" &
NGINXPID=$!
sleep 0.5

# run_wrk URL [HEADER] -> "RATE P99_MS"
run_wrk() {
	if [ -n "${2:-}" ]; then
		out=$(wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" --latency -H "$2" "$1")
	else
		out=$(wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" --latency "$1")
	fi
	echo "$out" | awk -v url="$1" '
		/Requests\/sec/ { rate = $2 }
		$1 == "99%" { v = $2; u = v; sub(/[0-9.]+/, "", u); sub(/[a-z]+$/, "", v)
			ms = (u == "us") ? v / 1000 : (u == "s") ? v * 1000 : v }
		/Non-2xx/ { bad = $NF }
		END { if (bad) print "non-2xx responses from " url ": " bad > "/dev/stderr"; printf "%s %.3f\n", rate, ms }'
}

# sse_start: SSE_STREAMS event streams of the thread, held open by curl;
# the first one's headers prove that the daemon took them as streams.
sse_start() {
	n=0
	while [ "$n" -lt "$SSE_STREAMS" ]; do
		curl -s -N -o /dev/null -D "$T/sse.$n.h" -H "Cookie: $cookie" "$page/events" &
		SSEPIDS="$SSEPIDS $!"
		n=$((n + 1))
	done
	[ "$SSE_STREAMS" -gt 0 ] || return 0
	for _ in $(seq 50); do
		grep -qi '^content-type: text/event-stream' "$T/sse.0.h" 2>/dev/null && break
		sleep 0.1
	done
	grep -qi '^content-type: text/event-stream' "$T/sse.0.h" 2>/dev/null ||
		{ echo "GET $page/events did not open an event stream" >&2; exit 1; }
	for p in $SSEPIDS; do
		kill -0 "$p" 2>/dev/null || { echo "an event stream closed early" >&2; exit 1; }
	done
}
sse_stop() {
	for p in $SSEPIDS; do
		kill "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
	SSEPIDS=
	rm -f "$T"/sse.*.h
}

: >"$T/ours"
: >"$T/bare"
: >"$T/peer"
r=1
while [ "$r" -le "$REPEAT" ]; do
	sse_start
	run_wrk "$page" "Cookie: $cookie" >>"$T/ours"
	sse_stop
	if [ "$SSE_BASELINE" = 1 ] && [ "$SSE_STREAMS" -gt 0 ]; then
		run_wrk "$page" "Cookie: $cookie" >>"$T/bare"
	fi
	run_wrk "http://127.0.0.1:$NGXPORT/page.html" >>"$T/peer"
	r=$((r + 1))
done

# shellcheck disable=SC2046
ours=$(bench_stats $(cut -d' ' -f1 "$T/ours"))
# shellcheck disable=SC2046
peer=$(bench_stats $(cut -d' ' -f1 "$T/peer"))
# shellcheck disable=SC2046
p99=$(bench_stats $(cut -d' ' -f2 "$T/ours"))
# shellcheck disable=SC2046
peer_p99=$(bench_stats $(cut -d' ' -f2 "$T/peer"))
ratio=$(bench_ratio "${ours%% *}" "${peer%% *}")
spread() { echo "$1" | awk '{ printf "%s..%s", $2, $3 }'; }
streams="$SSE_STREAMS SSE streams open"
[ "$SSE_STREAMS" -gt 0 ] || streams="no SSE streams"

echo "web view: thread page with $MESSAGES messages ($bytes bytes), wrk -t$THREADS -c$CONNS -d$DURATION, median of $REPEAT"
echo "gatewayd measured with $streams (GET /t/$thread/events, held by curl)"
printf '%-28s %12s %14s %10s\n' "" "gatewayd" "nginx static" "ratio"
printf '%-28s %12s %14s %10s\n' "requests/s" "${ours%% *}" "${peer%% *}" "$ratio"
printf '%-28s %12s %14s\n' "requests/s spread" "$(spread "$ours")" "$(spread "$peer")"
printf '%-28s %12s %14s\n' "p99 latency (ms)" "${p99%% *}" "${peer_p99%% *}"
printf '%-28s %12s %14s\n' "p99 spread" "$(spread "$p99")" "$(spread "$peer_p99")"
note=""
if [ -s "$T/bare" ]; then
	# shellcheck disable=SC2046
	bare=$(bench_stats $(cut -d' ' -f1 "$T/bare"))
	# shellcheck disable=SC2046
	bare_p99=$(bench_stats $(cut -d' ' -f2 "$T/bare"))
	bare_ratio=$(bench_ratio "${bare%% *}" "${peer%% *}")
	printf '%-28s %12s %14s %10s\n' "without SSE streams: req/s" "${bare%% *}" "" "$bare_ratio"
	printf '%-28s %12s\n' "without SSE streams: p99 ms" "${bare_p99%% *}"
	note="; without SSE streams ${bare%% *} req/s (ratio $bare_ratio), p99 ${bare_p99%% *} ms"
fi
echo "targets (with $streams): ratio >= 0.5, our p99 < 10 ms"
verdict=$(bench_verdict "$ratio" ">=" 0.5)
[ "$(bench_verdict "${p99%% *}" "<" 10)" = met ] || verdict=missed
bench_result web "web: thread page, $MESSAGES messages ($bytes bytes), wrk -t$THREADS -c$CONNS, $streams" \
	"$ours" "nginx static, same bytes" "$peer" req/s "$ratio" ">= 0.5, p99 < 10 ms" \
	"$verdict" "$REPEAT" "p99 ${p99%% *} ms ($(spread "$p99")); nginx p99 ${peer_p99%% *} ms$note"
