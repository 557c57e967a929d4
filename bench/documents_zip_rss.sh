#!/bin/sh
# documents_zip_rss.sh - the peak memory of gatewayd while a client
# downloads a thread's files as one zip (GET /t/ID/documents.zip).
#
#   sh bench/documents_zip_rss.sh [BUILD_DIR] [MEGABYTES] [RATE]
#
# Makes a thread with MEGABYTES (default 200) of files in 10 MB pieces
# (random bytes, so nothing compresses), starts gatewayd, downloads the
# zip with curl as the thread's client (at RATE, e.g. 20M, when given:
# a slow reader), checks it with unzip -t, and prints gatewayd's peak
# resident set (VmHWM) before and after the download.
set -eu
BUILD=${1:-build}
MB=${2:-200}
RATE=${3:-}
GATEWAYD=$BUILD/gatewayd/gatewayd
CTL=$BUILD/gatewayd/gatewayctl
for p in curl unzip sqlite3 sha256sum; do
	command -v $p >/dev/null 2>&1 || { echo "documents_zip_rss: $p is missing" >&2; exit 77; }
done
DIR=$(mktemp -d /tmp/gw-zip-rss.XXXXXX)
PID=
cleanup() {
	[ -n "$PID" ] && kill "$PID" 2>/dev/null && wait "$PID" 2>/dev/null
	rm -rf "$DIR"
}
trap cleanup EXIT INT TERM
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cat > "$DIR/gatewayd.conf" <<CONF
[store]
path = $DIR/gatewayd.db
attachments_dir = $DIR/attachments
[mail]
transport = maildir:$DIR/Maildir
from = chat@firm.example
reply_domain = reply.firm.example
[links]
key_file = $DIR/keys
[web]
listen = 127.0.0.1:$PORT
base_url = http://127.0.0.1:$PORT
[log]
level = warn
CONF
ctl() { "$CTL" -c "$DIR/gatewayd.conf" "$@"; }
ctl init >/dev/null
ctl firm set --name "Example" >/dev/null
ctl account add "Acme" >/dev/null
ctl contact add 1 "Carla Client" carla@acme.example >/dev/null
ctl staff add "Olivia Owner" olivia@firm.example --role owner >/dev/null
ctl thread new 1 --from 1 --subject "Year end" --body "Files" >/dev/null
mkdir -p "$DIR/attachments"
n=$((MB / 10))
i=1
while [ $i -le $n ]; do
	f=$DIR/piece
	head -c $((10 * 1024 * 1024)) /dev/urandom > "$f"
	h=$(sha256sum "$f" | cut -d' ' -f1)
	d=$(printf %.2s "$h")
	mkdir -p "$DIR/attachments/$d"
	mv "$f" "$DIR/attachments/$d/$h"
	sqlite3 "$DIR/gatewayd.db" "INSERT INTO attachments (thread_id, uploader_kind, uploader_id,
	  file_name, content_type, size, sha256, created_at, folder)
	  VALUES (1, 'contact', 1, 'piece-$i.bin', 'application/octet-stream',
	  $((10 * 1024 * 1024)), '$h', strftime('%s'), 'Scans/$((i % 3))')"
	i=$((i + 1))
done
"$GATEWAYD" -c "$DIR/gatewayd.conf" --foreground 2>"$DIR/gatewayd.log" &
PID=$!
for _ in $(seq 50); do curl -s -o /dev/null "http://127.0.0.1:$PORT/" && break; sleep 0.1; done
hwm() { awk '/VmHWM/ { print $2 " " $3 }' /proc/$PID/status; }
echo "gatewayd peak RSS before: $(hwm)"
URL=$(ctl link 1 --for contact:1 | grep -o 'http[^ ]*' | head -1)
curl -s -c "$DIR/cookies" -o /dev/null "$URL"
START=$(date +%s.%N)
curl -s -b "$DIR/cookies" ${RATE:+--limit-rate $RATE} -o "$DIR/all.zip" \
	"http://127.0.0.1:$PORT/t/1/documents.zip"
END=$(date +%s.%N)
echo "gatewayd peak RSS after:  $(hwm)"
SIZE=$(stat -c %s "$DIR/all.zip")
echo "zip: $SIZE bytes in $(echo "$END - $START" | bc) s"
unzip -tq "$DIR/all.zip"
# A client that leaves half-way: the writing thread goes with it.
threads() { awk '/^Threads/ { print $2 }' /proc/$PID/status; }
T0=$(threads)
curl -s -b "$DIR/cookies" --limit-rate 1M --max-time 1 -o /dev/null \
	"http://127.0.0.1:$PORT/t/1/documents.zip" || true
sleep 2
echo "threads before an abandoned download: $T0, after: $(threads)"
