#!/bin/sh
# bench/privacy/run.sh - exporting and erasing one person on a large
# installation: time and peak memory of `gatewayctl person export` (a zip
# streamed from the database and the attachment store) and `person erase`
# (one transaction, then the file removals, VACUUM and a WAL checkpoint).
#
# The installation: one account, two contacts, ten threads, NMSG messages
# of about 300 bytes split between the two contacts, and NFILES files of
# FILEMB MB uploaded by the first contact, loaded with sqlite3(1) so that
# building it takes seconds.  No peer tool does this job; the figures are
# reported as they are (docs/performance.md).
#
# usage: bench/privacy/run.sh [-b BUILD_DIR] [-m NMSG] [-f NFILES] [-s FILEMB]
#   defaults: ./build, 200000 messages, 20 files of 5 MB
set -eu
. "$(dirname "$0")/../lib.sh"

BUILD=./build
NMSG=200000
NFILES=20
FILEMB=5
while [ $# -gt 0 ]; do
	case $1 in
	-b) BUILD=$2; shift 2 ;;
	-m) NMSG=$2; shift 2 ;;
	-f) NFILES=$2; shift 2 ;;
	-s) FILEMB=$2; shift 2 ;;
	*) echo "usage: $0 [-b BUILD_DIR] [-m NMSG] [-f NFILES] [-s FILEMB]" >&2; exit 64 ;;
	esac
done
CTL=$(cd "$BUILD" && pwd)/gatewayd/gatewayctl
[ -x "$CTL" ] || { echo "missing $CTL: build first" >&2; exit 1; }
command -v sqlite3 >/dev/null || { echo "sqlite3 is needed" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "/usr/bin/time is needed (apt-get install time)" >&2; exit 1; }

T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
cd "$T"
cat >gw.conf <<CONF
[store]
path = $T/gw.db
attachments_dir = $T/attachments

[mail]
transport = maildir:$T/Maildir
from = chat@firm.example
reply_domain = reply.firm.example
batch_window = 0

[links]
key_file = $T/keys

[web]
base_url = https://chat.firm.example
CONF
ctl() { "$CTL" -c gw.conf "$@" >/dev/null; }
ctl init
ctl firm set --name "Example & Partners"
ctl staff add "Olivia Owner" owner@firm.example --role owner
ctl account add "Acme Bakery"
ctl contact add 1 "Anna Baker" anna@acme.example
ctl contact add 1 "Ben Baker" ben@acme.example
for i in 1 2 3 4 5 6 7 8 9 10; do
	ctl thread new 1 --from 1 --subject "Year-end $i" --body "Hello"
done
i=1
while [ "$i" -le "$NFILES" ]; do
	head -c $((FILEMB * 1024 * 1024)) /dev/urandom >f.bin
	h=$(sha256sum f.bin | cut -c1-64)
	mkdir -p "attachments/$(echo "$h" | cut -c1-2)"
	mv f.bin "attachments/$(echo "$h" | cut -c1-2)/$h"
	echo "INSERT INTO attachments (thread_id, uploader_kind, uploader_id, file_name,"\
		"content_type, size, sha256, created_at) VALUES ($((i % 10 + 1)), 'contact', 1,"\
		"'file$i.bin', 'application/octet-stream', $((FILEMB * 1024 * 1024)), '$h', 0);"
	i=$((i + 1))
done >att.sql
sqlite3 gw.db <att.sql
sqlite3 gw.db "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $NMSG)
 INSERT INTO messages (thread_id, author_kind, author_id, body, created_at)
 SELECT i % 10 + 1, 'contact', i % 2 + 1, printf('message %d: %s', i, hex(randomblob(140))), i
 FROM n;"
echo "installation: $NMSG messages, $NFILES files of $FILEMB MB;" \
	"database $(du -h gw.db | cut -f1), attachments $(du -sh attachments | cut -f1)"

/usr/bin/time -f "%e %M" -o export.time "$CTL" -c gw.conf person export contact:1 out.zip >/dev/null
read -r ex_s ex_kb <export.time
/usr/bin/time -f "%e %M" -o erase.time "$CTL" -c gw.conf person erase contact:1 >/dev/null
read -r er_s er_kb <erase.time
echo "export: ${ex_s} s, at most $((ex_kb / 1024)) MB resident, a $(du -h out.zip | cut -f1) zip"
echo "erase:  ${er_s} s (VACUUM included), at most $((er_kb / 1024)) MB resident;" \
	"database now $(du -h gw.db | cut -f1)"
bench_result privacy "person export, $NMSG messages and $NFILES x $FILEMB MB" "$ex_s" \
	- - s - - reported 1 "max RSS $((ex_kb / 1024)) MB"
bench_result privacy "person erase, VACUUM included" "$er_s" - - s - - reported 1 \
	"max RSS $((er_kb / 1024)) MB"
