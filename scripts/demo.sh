#!/bin/sh
# demo.sh BUILD_DIR - set up ./demo and run gatewayd on it in the foreground.
#
# ./demo holds a config, a SQLite database, a key file and a Maildir that
# receives every email the daemon sends.  Running it again keeps the data
# (delete ./demo to start over).
set -eu
build=${1:-build}
top=$(cd "$(dirname "$0")/.." && pwd)
demo=$top/demo
ctl="$top/$build/gatewayd/gatewayctl"
daemon="$top/$build/gatewayd/gatewayd"
port=${DEMO_PORT:-8080}
conf=$demo/gatewayd.conf

mkdir -p "$demo"
if [ ! -f "$conf" ]; then
	cat >"$conf" <<CONF
# Demo configuration: paths are relative to this file.
[store]
path = gatewayd.db
attachments_dir = attachments

[mail]
transport = maildir:Maildir
from = chat@firm.example
from_name = Example & Partners
reply_domain = reply.firm.example

[links]
key_file = keys

[web]
listen = 127.0.0.1:$port
base_url = http://127.0.0.1:$port

[log]
level = info
CONF
fi

"$ctl" -c "$conf" init
if [ ! -f "$demo/.seeded" ]; then
	"$ctl" -c "$conf" firm set --name "Example & Partners" --allow-client-chats >/dev/null
	owner=$("$ctl" -c "$conf" staff add "Olivia Owner" olivia@firm.example --role owner)
	member=$("$ctl" -c "$conf" staff add "Max Member" max@firm.example --role member)
	acme=$("$ctl" -c "$conf" account add "Acme Bakery Ltd")
	birch=$("$ctl" -c "$conf" account add "Birch & Sons")
	"$ctl" -c "$conf" staff assign "$member" "$acme"
	anna=$("$ctl" -c "$conf" contact add "$acme" "Anna Baker" anna@acme.example --may-create)
	"$ctl" -c "$conf" contact add "$acme" "Ben Baker" ben@acme.example --no-notify >/dev/null
	"$ctl" -c "$conf" contact add "$birch" "Clara Birch" clara@birch.example >/dev/null
	thread=$("$ctl" -c "$conf" thread new "$acme" --from "$member" \
		--subject "Year-end accounts 2026" \
		--body "Hello Anna, please send us the **bank statements** for December and confirm the stock count." \
		--task "Upload December bank statements" --task "Confirm the stock count" \
		--remind --remind-days 3 --remind-count 2)
	printf '%s\n%s\n%s\n' "$thread" "$anna" "$owner" >"$demo/.seeded"
fi
thread=$(sed -n 1p "$demo/.seeded")
anna=$(sed -n 2p "$demo/.seeded")
owner=$(sed -n 3p "$demo/.seeded")

echo
echo "gatewayd demo"
echo "  config:   $conf"
echo "  mail to:  $demo/Maildir/new (every email the daemon sends)"
echo "  client link (Anna Baker, Acme Bakery Ltd):"
echo "    $("$ctl" -c "$conf" link "$thread" --for "contact:$anna")"
echo "  staff link (Olivia Owner):"
echo "    $("$ctl" -c "$conf" link "$thread" --for "staff:$owner")"
echo
echo "Starting gatewayd in the foreground; Ctrl-C stops it."
exec "$daemon" -c "$conf" --foreground
