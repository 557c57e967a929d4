#!/bin/sh
# bench/uploads/run.sh - CLIENTS people uploading a SIZE file each at the
# same moment, into gatewayd's web view and, side by side, into nginx
# storing the same request bodies in files (client_body_in_file_only).
#
#   bench/uploads/run.sh [BUILD_DIR]        (default: build)
#   env: CLIENTS (20), SIZE (10485760), REPEAT (3)
#
# 1. A temp database with one thread, made with gatewayctl; gatewayd
#    serves it with [web] max_upload 16M, max_post 32M and a body budget
#    that lets every upload in at once.  A client's View-chat link gives
#    the session cookie; the thread page gives the form's CSRF token.
# 2. Each round, client.py opens CLIENTS connections and posts CLIENTS
#    multipart bodies (a text and one file, each file its own content) at
#    once: to gatewayd's POST /t/ID/reply, then to nginx, which writes each
#    body to a file before it answers (through a proxy_pass to a second
#    server that answers 204; it never sees the body).
# 3. gatewayd's peak RSS during its rounds (VmHWM, reset before each
#    round through /proc/PID/clear_refs) against its idle RSS.
# Prints the upload rates (medians of REPEAT rounds, MB/s of request
# bodies), the ratio ours/nginx (target >= 0.5), the peak RSS above idle
# (target < 64 MB) and RESULT lines for bench/run.sh (bench/lib.sh).
# gatewayd does more per upload than nginx: it parses the multipart body,
# hashes each file (SHA-256), fsyncs it into the content store and
# commits one message per post; nginx writes the bytes and no fsync.
# Not part of `make check`: it measures speed.  Needs nginx-light, curl,
# python3 (installed when missing and run as root).
set -eu
. "$(dirname "$0")/../lib.sh"

BUILD=${1:-build}
CLIENTS=${CLIENTS:-20}
SIZE=${SIZE:-10485760}
REPEAT=${REPEAT:-3}
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
GATEWAYD=$BUILD/gatewayd/gatewayd
CTL=$BUILD/gatewayd/gatewayctl
[ -x "$GATEWAYD" ] || GATEWAYD=$(find "$BUILD" -name gatewayd -type f -perm -u+x | head -1)
[ -x "$CTL" ] || CTL=$(find "$BUILD" -name gatewayctl -type f -perm -u+x | head -1)
PATH=$PATH:/usr/sbin:/sbin

for p in "$GATEWAYD" "$CTL"; do
	[ -x "$p" ] || { echo "missing gatewayd or gatewayctl in $BUILD: build first"; exit 2; }
done
"$top/scripts/deps.sh" nginx-light curl python3

T=$(mktemp -d /tmp/gw-bench-uploads.XXXXXX)
chmod 755 "$T"
DAEMONPID=
NGINXPID=
cleanup() {
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
BACKPORT=$(free_port)

cat >"$T/gatewayd.conf" <<CONF
[store]
path = gatewayd.db
attachments_dir = attachments
[mail]
transport = maildir:Maildir
from = chat@firm.example
reply_domain = reply.firm.example
[links]
key_file = keys
[web]
listen = 127.0.0.1:$WEBPORT
base_url = http://127.0.0.1:$WEBPORT
max_upload = 16M
max_post = 32M
body_budget = 1G
request_timeout = 300s
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
	--body "Please upload the scans.")

"$GATEWAYD" -c "$T/gatewayd.conf" --foreground 2>"$T/gatewayd.log" &
DAEMONPID=$!
for _ in $(seq 50); do
	curl -s -o /dev/null "http://127.0.0.1:$WEBPORT/" && break
	sleep 0.1
done
link=$(ctl link "$thread" --for "contact:$anna")
cookie=$(curl -s -D - -o /dev/null "$link" | sed -n 's/^Set-Cookie: \(gw_session=[^;]*\).*/\1/p' | tr -d '\r')
[ -n "$cookie" ] || { echo "no session cookie from $link"; exit 1; }
csrf=$(curl -s -H "Cookie: $cookie" "http://127.0.0.1:$WEBPORT/t/$thread" |
	sed -n 's/.*name="csrf" value="\([^"]*\)".*/\1/p' | head -1)
[ -n "$csrf" ] || { echo "no CSRF token on the thread page"; exit 1; }
ours_url="http://127.0.0.1:$WEBPORT/t/$thread/reply?csrf=$csrf"

mkdir -p "$T/nginx/body"
cat >"$T/nginx.conf" <<NGX
daemon off;
worker_processes 1;
pid $T/nginx/nginx.pid;
error_log $T/nginx/error.log;
events { worker_connections 1024; }
http {
	access_log off;
	client_body_temp_path $T/nginx/body 1 2;
	proxy_temp_path $T/nginx/proxy;
	fastcgi_temp_path $T/nginx/fastcgi;
	uwsgi_temp_path $T/nginx/uwsgi;
	scgi_temp_path $T/nginx/scgi;
	client_max_body_size 32m;
	server {
		listen 127.0.0.1:$BACKPORT;
		location / { return 204; }
	}
	server {
		listen 127.0.0.1:$NGXPORT;
		location /upload {
			# every body to a file, kept, before the answer
			client_body_in_file_only on;
			proxy_pass_request_body off;
			proxy_set_header Content-Length "";
			proxy_pass http://127.0.0.1:$BACKPORT/;
		}
	}
}
NGX
nginx -c "$T/nginx.conf" -e "$T/nginx/error.log" &
NGINXPID=$!
sleep 0.5

rss_kb() { awk -v k="$2" '$1 == k":" { print $2 }' "/proc/$1/status"; }
idle=$(rss_kb "$DAEMONPID" VmRSS)
: >"$T/ours"
: >"$T/peer"
: >"$T/peak"
r=1
while [ "$r" -le "$REPEAT" ]; do
	echo 5 >"/proc/$DAEMONPID/clear_refs" 2>/dev/null || true
	out=$(python3 "$here/client.py" "$ours_url" "$CLIENTS" "$SIZE" "g$r" "$cookie" "$csrf")
	set -- $out
	[ "$3" = 0 ] || { echo "gatewayd: $3 uploads failed"; tail -5 "$T/gatewayd.log"; exit 1; }
	awk -v s="$1" -v b="$2" 'BEGIN { printf "%.2f\n", b / s / 1048576 }' >>"$T/ours"
	echo $(( $(rss_kb "$DAEMONPID" VmHWM) - idle )) >>"$T/peak"
	out=$(python3 "$here/client.py" "http://127.0.0.1:$NGXPORT/upload" "$CLIENTS" "$SIZE" "n$r")
	set -- $out
	[ "$3" = 0 ] || { echo "nginx: $3 uploads failed"; exit 1; }
	awk -v s="$1" -v b="$2" 'BEGIN { printf "%.2f\n", b / s / 1048576 }' >>"$T/peer"
	# nginx keeps its files (client_body_in_file_only on): gone before the next round
	find "$T/nginx/body" -type f -delete
	r=$((r + 1))
done

stored=$(ctl --json thread show "$thread" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["attachments"]))')
[ "$stored" = $((CLIENTS * REPEAT)) ] || { echo "gatewayd stored $stored files, not $((CLIENTS * REPEAT))"; exit 1; }
set -- $(bench_stats $(cat "$T/ours")); ours=$1 omin=$2 omax=$3
set -- $(bench_stats $(cat "$T/peer")); peer=$1 pmin=$2 pmax=$3
set -- $(bench_stats $(cat "$T/peak")); peak=$1 kmin=$2 kmax=$3
ratio=$(bench_ratio "$ours" "$peer")
peak_mb=$(awk -v k="$kmax" 'BEGIN { printf "%.1f\n", k / 1024 }')
echo "uploads: $CLIENTS clients x $SIZE bytes at once, $REPEAT rounds"
echo "gatewayd: $ours MB/s (runs $omin..$omax), $stored files stored, each hashed and fsync'd"
echo "nginx (client_body_in_file_only): $peer MB/s (runs $pmin..$pmax)"
echo "ratio gatewayd/nginx: $ratio (target >= 0.5)"
echo "gatewayd RSS: idle $((idle / 1024)) MB, peak above idle $peak_mb MB (max of the rounds; target < 64 MB)"
verdict=$(bench_verdict "$ratio" ">=" 0.5)
printf 'RESULT\tuploads\tupload rate\t%s\t%s\t%s\tnginx\t%s\t%s\t%s\tMB/s\t%s\t>= 0.5\t%s\t%s\tpeak RSS above idle %s MB\n' \
	"$ours" "$omin" "$omax" "$peer" "$pmin" "$pmax" "$ratio" "$verdict" "$REPEAT" "$peak_mb"
