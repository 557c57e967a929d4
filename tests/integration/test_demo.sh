#!/bin/sh
# test_demo.sh BUILD_DIR SOURCE_DIR - scripts/demo.sh as a new user meets
# it, in a temporary DEMO_DIR: with its port taken it fails, says so and
# names DEMO_PORT; run again with DEMO_PORT it uses that port (the config
# of the failed run does not stick), prints the View-chat links only after
# the daemon listens, the links work, and SIGTERM stops the daemon.
# Exit 0 pass, 1 fail, 77 without python3 (it holds the taken port).
set -eu
BUILD=$(cd "${1:?usage: test_demo.sh BUILD_DIR SOURCE_DIR}" && pwd)
SRC=$(cd "${2:?usage: test_demo.sh BUILD_DIR SOURCE_DIR}" && pwd)
if ! command -v python3 >/dev/null 2>&1; then
	echo "demo test skipped: python3 (to hold a port) is not installed"
	exit 77
fi
T=$(mktemp -d /tmp/gw-demo-test.XXXXXX)
holder=""
demo=""
cleanup() {
	[ -n "$holder" ] && kill "$holder" 2>/dev/null || :
	[ -n "$demo" ] && kill "$demo" 2>/dev/null || :
	rm -rf "$T"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; [ -f "$T/out" ] && cat "$T/out" >&2; exit 1; }

# A port held by someone else, and a free one.
python3 -c '
import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(5)
f = socket.socket(); f.bind(("127.0.0.1", 0)); free = f.getsockname()[1]; f.close()
print(s.getsockname()[1], free, flush=True)
time.sleep(600)' >"$T/ports" &
holder=$!
for _ in $(seq 50); do [ -s "$T/ports" ] && break; sleep 0.1; done
read -r taken free <"$T/ports" || fail "no ports"
export DEMO_DIR="$T/demo"

# 1. The port is taken: a clear failure that names DEMO_PORT.
rc=0
DEMO_PORT=$taken sh "$SRC/scripts/demo.sh" "$BUILD" >"$T/out" 2>&1 || rc=$?
[ "$rc" = 1 ] || fail "taken port: exit $rc, want 1"
grep -q "port $taken is taken" "$T/out" || fail "taken port: not reported"
grep -q "DEMO_PORT=" "$T/out" || fail "taken port: DEMO_PORT not named"
grep -q "/v/" "$T/out" && fail "taken port: links printed although nothing listens"
echo "ok - a taken port is reported, naming DEMO_PORT, and no link is printed"

# 2. DEMO_PORT after the failed run: honoured.
DEMO_PORT=$free sh "$SRC/scripts/demo.sh" "$BUILD" >"$T/out" 2>&1 &
demo=$!
for _ in $(seq 150); do grep -q "staff link" "$T/out" && break; sleep 0.1; done
grep -q "staff link" "$T/out" || fail "second run: no links after 15 s"
grep -q "listen = 127.0.0.1:$free" "$DEMO_DIR/gatewayd.conf" || fail "config kept the old port"
echo "ok - DEMO_PORT given after a failed run is honoured"
listen_line=$(grep -n "web view on" "$T/out" | head -1 | cut -d: -f1)
link_line=$(grep -n "client link" "$T/out" | head -1 | cut -d: -f1)
[ -n "$listen_line" ] && [ "$listen_line" -lt "$link_line" ] ||
	fail "links printed before the daemon listened"
echo "ok - the links come after the daemon listens"
link=$(grep -A1 "client link" "$T/out" | tail -1 | tr -d ' ')
case $link in
"http://127.0.0.1:$free/v/"*) ;;
*) fail "client link $link is not on port $free" ;;
esac
if command -v curl >/dev/null 2>&1; then
	# The link is exchanged for a session and a redirect to the thread.
	code=$(curl -s -L -b "$T/jar" -c "$T/jar" -o "$T/page" -w '%{http_code}' "$link")
	[ "$code" = 200 ] || fail "client link ended in $code"
	grep -q "Year-end accounts 2026" "$T/page" || fail "client link: no thread page"
	grep -q "pm.firm.example" "$T/page" && fail "client page shows the staff's link"
	echo "ok - the printed client link opens the thread (without the staff's link)"
fi

# 3. SIGTERM (as Ctrl-C's trap does) stops the daemon.
kill -TERM "$demo"
for _ in $(seq 100); do kill -0 "$demo" 2>/dev/null || break; sleep 0.1; done
kill -0 "$demo" 2>/dev/null && fail "demo.sh still running 10 s after SIGTERM"
demo=""
grep -q "daemon: stopped" "$DEMO_DIR/gatewayd.log" || fail "the daemon did not stop cleanly"
echo "ok - SIGTERM stops the daemon cleanly"
