#!/bin/sh
# demo.sh BUILD_DIR - set up ./demo and run gatewayd on it in the foreground.
# DEMO_PORT: the web view's port (default 8080); DEMO_DIR: another
# directory than ./demo (the tests use a temporary one).
#
# ./demo holds a config, a SQLite database, a key file and a Maildir that
# receives every email the daemon sends.  Running it again keeps the data
# (delete ./demo to start over).  The config is written on every run, so
# that DEMO_PORT (default 8080) is honoured whatever the last run used.
# The links are printed once the daemon listens; a daemon that cannot
# start (the port taken) is reported with what to do.
set -eu
build=${1:-build}
top=$(cd "$(dirname "$0")/.." && pwd)
case $build in
/*) ;;
*) build=$top/$build ;;
esac
demo=${DEMO_DIR:-$top/demo}
ctl="$build/gatewayd/gatewayctl"
daemon="$build/gatewayd/gatewayd"
port=${DEMO_PORT:-8080}
conf=$demo/gatewayd.conf
log=$demo/gatewayd.log

case $port in
''|*[!0-9]*) echo "demo: DEMO_PORT=$port is not a port number" >&2; exit 64 ;;
esac
if [ "$port" -lt 1 ] || [ "$port" -gt 65535 ]; then
	echo "demo: DEMO_PORT=$port is not within 1..65535" >&2
	exit 64
fi

mkdir -p "$demo"
cat >"$conf" <<CONF
# Demo configuration, written by scripts/demo.sh on every run (DEMO_PORT
# picks the port).  Paths are relative to this file.
[store]
path = gatewayd.db

[mail]
transport = maildir:Maildir
from = Example & Partners <chat@firm.example>
reply_domain = reply.firm.example

[links]
key_file = keys

[web]
listen = 127.0.0.1:$port
base_url = http://127.0.0.1:$port

[log]
level = info
CONF

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
	# A link staff see on the thread (clients never do).
	"$ctl" -c "$conf" thread link "$thread" --label "Job 4711: year-end accounts" \
		--url "https://pm.firm.example/jobs/4711" >/dev/null
	printf '%s\n%s\n%s\n' "$thread" "$anna" "$owner" >"$demo/.seeded"
fi
thread=$(sed -n 1p "$demo/.seeded")
anna=$(sed -n 2p "$demo/.seeded")
owner=$(sed -n 3p "$demo/.seeded")

# Start the daemon, and print the links only once it listens.
: >"$log"
"$daemon" -c "$conf" --foreground >>"$log" 2>&1 &
pid=$!
trap 'kill -TERM "$pid" 2>/dev/null || :' INT TERM HUP
waited=0
until grep -q "daemon: web view on" "$log"; do
	if ! kill -0 "$pid" 2>/dev/null || [ "$waited" -ge 300 ]; then
		kill -TERM "$pid" 2>/dev/null || :
		cat "$log" >&2
		echo "demo: gatewayd did not start (log: $log)" >&2
		if grep -qi "in use" "$log"; then
			echo "demo: port $port is taken; pick another: DEMO_PORT=8081 make demo" >&2
		fi
		exit 1
	fi
	sleep 0.1
	waited=$((waited + 1))
done
shown=$(wc -c <"$log")
head -c "$shown" "$log"

echo
echo "gatewayd demo"
echo "  config:   $conf"
echo "  log:      $log"
echo "  mail to:  $demo/Maildir/new (every email the daemon sends)"
echo "  client link (Anna Baker, Acme Bakery Ltd):"
echo "    $("$ctl" -c "$conf" link "$thread" --for "contact:$anna")"
echo "  staff link (Olivia Owner):"
echo "    $("$ctl" -c "$conf" link "$thread" --for "staff:$owner")"
echo
echo "gatewayd listens on 127.0.0.1:$port; Ctrl-C stops it."
# The rest of the log as it comes, until the daemon ends.
tail -c +"$((shown + 1))" -f --pid="$pid" "$log" &
tailer=$!
status=0
wait "$pid" || status=$?
# A signal interrupts wait before the daemon has finished: wait for it.
while kill -0 "$pid" 2>/dev/null; do
	wait "$pid" || status=$?
done
wait "$tailer" 2>/dev/null || :
exit "$status"
