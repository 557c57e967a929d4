#!/bin/sh
# webhook_test.sh SCENARIO - the real gatewayd posting signed webhooks to a
# real HTTP receiver on loopback (webhook_receiver.py, python3's
# http.server), with events made by gatewayctl in another process.
#
#   signed          every event arrives once, its signature verifies
#   retry_500       500 answers are retried until the endpoint takes them
#   timeout         an endpoint slower than [webhooks] timeout is retried
#   order           a thread's events arrive in order although the first failed
#   disable         an endpoint failing for disable_after is disabled, the
#                   owner gets an email; enabling it again delivers every event
#   redirect        a redirect (loop) is not followed: a clear error, nothing lost
#   kill9           kill -9 of the daemon mid-stream loses no event
#   bad_config      bad URL, missing or world-readable secret file: errors
#                   naming the key and line
#   api             endpoints made, listed, disabled, enabled and deleted
#                   through the JSON API, beside one of [webhooks]
#
# Environment: GATEWAYD, GATEWAYCTL.  Exit 0 pass, 1 fail, 77 skipped
# (python3, sqlite3 or openssl missing).  KEEP=1 keeps the temp directory.
set -eu
. "$(dirname "$0")/test_lib.sh"

scenario=${1:?usage: webhook_test.sh SCENARIO}
: "${GATEWAYD:?GATEWAYD not set}" "${GATEWAYCTL:?GATEWAYCTL not set}"
HERE=$(cd "$(dirname "$0")" && pwd)

for p in python3 sqlite3 openssl; do
	if ! command -v $p >/dev/null 2>&1; then
		echo "skipped: $p is not installed"
		exit 77
	fi
done

T=$(mktemp -d /tmp/gw-webhook-test.XXXXXX)
DB=$T/gw.db
CONF=$T/gatewayd.conf
LOG=$T/gatewayd.log
HOOKLOG=$T/hooks.jsonl
CONTROL=$T/control
SECRET=$T/hook.secret
DAEMONPID=
RECVPID=

cleanup() {
	[ -n "$DAEMONPID" ] && kill -9 "$DAEMONPID" 2>/dev/null || true
	[ -n "$RECVPID" ] && kill "$RECVPID" 2>/dev/null || true
	remove_temp "$T"
}
trap cleanup EXIT INT TERM

fail() {
	echo "FAIL ($scenario): $*"
	echo "--- gatewayd log (last 30 lines)"
	tail -n 30 "$LOG" 2>/dev/null || true
	echo "--- receiver log (last 10 lines)"
	tail -n 10 "$HOOKLOG" 2>/dev/null || true
	exit 1
}

ctl() { "$GATEWAYCTL" -c "$CONF" "$@"; }
sql() { sqlite3 -cmd ".timeout 5000" "$DB" "$1"; }

control() { echo "$*" >"$CONTROL"; }

start_receiver() {
	: >"$HOOKLOG"
	control ok
	python3 "$HERE/webhook_receiver.py" "$T/port" "$HOOKLOG" "$SECRET" "$CONTROL" &
	RECVPID=$!
	wait_until 10 test -s "$T/port" || fail "the receiver did not start"
	PORT=$(cat "$T/port")
}

# write_config [EXTRA [webhooks] LINES]
write_config() {
	cat >"$CONF" <<EOC
[store]
path = $DB
attachments_dir = $T/attachments
synchronous = normal

[mail]
transport = maildir:$T/Maildir
from = chat@firm.example
reply_domain = reply.example
batch_window = 0
poll_interval_ms = 200

[links]
key_file = $T/keys

[webhooks]
timeout = ${HOOK_TIMEOUT:-5s}
retry_min = 1s
retry_max = 2s
disable_after = ${DISABLE_AFTER:-1h}
poll_interval_ms = 100
crm.url = http://127.0.0.1:$PORT/hook
crm.secret_file = $SECRET
crm.events = ${EVENTS:-*}
${1:-}
EOC
}

make_secret() {
	umask 077
	head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$SECRET"
	echo >>"$SECRET"
	umask 022
}

seed_people() {
	ctl init >/dev/null
	ctl firm set --name "Example & Co" >/dev/null
	ctl staff add "Firm Owner" owner@firm.example --role owner >/dev/null
	ctl account add Acme >/dev/null
	ctl contact add 1 "Client Contact" contact@client.example >/dev/null
}

start_daemon() {
	touch "$LOG"
	"$GATEWAYD" -c "$CONF" --foreground >>"$LOG" 2>&1 &
	DAEMONPID=$!
	wait_until 10 grep -q "daemon: started" "$LOG" || fail "gatewayd did not start"
}

stop_daemon() {
	kill -TERM "$DAEMONPID"
	rc=0
	wait "$DAEMONPID" || rc=$?
	DAEMONPID=
	[ "$rc" = 0 ] || fail "gatewayd exited $rc after SIGTERM"
}

new_thread() { ctl thread new 1 --from 1 --subject "$1" --body "first"; }
post() { ctl message post "$1" --from "$2" --body "$3" >/dev/null; }

events_total() { sql "SELECT count(*) FROM webhook_events"; }
delivered_total() { sql "SELECT count(*) FROM webhook_deliveries WHERE status = 'delivered'"; }
# Every delivery done, and every event has one (an event is written only
# when an endpoint wants it).
all_delivered() {
	[ "$(sql "SELECT count(*) FROM webhook_deliveries WHERE status <> 'delivered'")" = 0 ] &&
		[ "$(sql "SELECT count(*) FROM webhook_events e WHERE NOT EXISTS
			(SELECT 1 FROM webhook_deliveries d WHERE d.event_id = e.id)")" = 0 ] &&
		[ "$(events_total)" -gt 0 ]
}

# check_log: what the receiver saw, judged by python (see each flag).
#   --verified     every request's signature verified
#   --once N       N distinct event ids answered 2xx, each exactly once
#   --at-least N   N distinct event ids answered 2xx (duplicates allowed)
#   --ordered      per thread, 2xx deliveries in event order (message ids
#                  increasing, chat.created first), and no event answered
#                  2xx before an earlier one of its thread was
check_log() {
	python3 - "$HOOKLOG" "$@" <<'EOPY' || fail "receiver log: see above"
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
args = sys.argv[2:]
ok = [r for r in recs if 200 <= r["status"] < 300]
def die(msg):
    print(msg)
    sys.exit(1)
i = 0
while i < len(args):
    a = args[i]
    if a == "--verified":
        bad = [r for r in recs if not r["verified"]]
        if bad or not recs:
            die("signature did not verify: %s" % (bad[:1] or "no request"))
        if any(r["event_id"] != r["id"] or r["header_type"] != r["type"] for r in recs):
            die("headers disagree with the body")
    elif a in ("--once", "--at-least"):
        n = int(args[i + 1]); i += 1
        ids = [r["event_id"] for r in ok]
        if len(set(ids)) != n:
            die("%d distinct events delivered, want %d" % (len(set(ids)), n))
        if a == "--once" and len(ids) != n:
            die("duplicates: %d deliveries of %d events" % (len(ids), n))
    elif a == "--ordered":
        seen = {}
        for r in ok:
            key = r["message_id"] if r["type"] == "message.posted" else 0
            last = seen.get(r["thread_id"])
            if r["type"] == "chat.created" and last is not None:
                die("chat.created after other events of thread %s" % r["thread_id"])
            if last is not None and key < last:
                die("thread %s: message %s after %s" % (r["thread_id"], key, last))
            seen[r["thread_id"]] = key
    i += 1
EOPY
}

setup() {
	make_secret
	start_receiver
	write_config "${1:-}"
	seed_people
}

case $scenario in
signed)
	setup
	start_daemon
	t1=$(new_thread "One")
	t2=$(new_thread "Two")
	post "$t1" staff:1 "hello one"
	post "$t2" contact:1 "hello two"
	post "$t1" contact:1 "again"
	wait_until 20 all_delivered || fail "not every event delivered"
	[ "$(events_total)" = 5 ] || fail "5 events expected, got $(events_total)"
	check_log --verified --once 5 --ordered
	grep -q "webhook: crm evt_[0-9a-f]* (message.posted) to http://127.0.0.1:$PORT/hook: delivered (204)" \
		"$LOG" || fail "no delivered line in the log"
	# The shell check of docs/webhooks.md, on the last request as received.
	. "$T/last.headers"
	secret=$(head -n 1 "$SECRET")
	mac=$( { printf '%s.' "$HOOK_T"; cat "$T/last.body"; } |
	      openssl dgst -sha256 -hmac "$secret" | sed 's/^.*= //')
	[ -n "$HOOK_V1" ] && [ "$mac" = "$HOOK_V1" ] || fail "the openssl check of docs/webhooks.md does not verify"
	stop_daemon
	;;
retry_500)
	setup
	control 500 3
	start_daemon
	t1=$(new_thread "One")
	post "$t1" staff:1 "a"
	wait_until 30 all_delivered || fail "not delivered after 500s"
	check_log --verified --once 2 --ordered
	grep -q "webhook: crm evt_.* answered 500, retry in [0-9]*s" "$LOG" ||
		fail "no retry line after a 500"
	[ "$(grep -c '"status": 500' "$HOOKLOG")" = 3 ] || fail "want 3 answers of 500"
	stop_daemon
	;;
timeout)
	HOOK_TIMEOUT=1s
	setup
	control slow 3 1
	start_daemon
	new_thread "One" >/dev/null
	wait_until 30 all_delivered || fail "not delivered after a timeout"
	grep -q "webhook: crm evt_.*: no answer within 1s (\[webhooks\] timeout), retry in" "$LOG" ||
		fail "no timeout line"
	check_log --verified --at-least 1
	stop_daemon
	;;
order)
	setup
	control 500 4
	start_daemon
	t1=$(new_thread "One")
	t2=$(new_thread "Two")
	for i in 1 2 3 4 5; do
		post "$t1" staff:1 "one $i"
		post "$t2" contact:1 "two $i"
	done
	wait_until 60 all_delivered || fail "not every event delivered"
	check_log --verified --once 12 --ordered
	stop_daemon
	;;
disable)
	DISABLE_AFTER=2s
	setup
	control 500
	start_daemon
	t1=$(new_thread "One")
	post "$t1" staff:1 "a"
	post "$t1" staff:1 "b"
	disabled() { [ "$(sql "SELECT enabled FROM webhook_endpoints WHERE name = 'crm'")" = 0 ]; }
	wait_until 30 disabled || fail "the endpoint was not disabled"
	grep -q "webhook: crm: disabled after failing for 2s" "$LOG" || fail "no disable line"
	[ "$(sql "SELECT count(*) FROM outbox WHERE kind = 'staff_webhook_disabled'
		AND recipient_address = 'owner@firm.example'")" = 1 ] ||
		fail "the owner was not told"
	ctl --json webhook list | grep -q '"enabled": false' || fail "webhook list: not disabled"
	# Nothing is posted while disabled; events made meanwhile wait too.
	post "$t1" contact:1 "c"
	sleep 2
	n=$(wc -l <"$HOOKLOG")
	sleep 2
	[ "$(wc -l <"$HOOKLOG")" = "$n" ] || fail "posted to a disabled endpoint"
	[ "$(delivered_total)" = 0 ] || fail "delivered while failing"
	control ok
	ctl webhook enable crm | grep -q "webhook crm: enabled" || fail "enable said otherwise"
	wait_until 20 all_delivered || fail "not delivered after enabling"
	check_log --once 4 --ordered
	# The owner's email is composed and delivered to the Maildir.
	wait_until 10 sh -c "grep -rl 'Webhook disabled' '$T/Maildir' >/dev/null 2>&1" ||
		fail "no staff_webhook_disabled email in the Maildir"
	python3 - "$T/Maildir" "crm (http://127.0.0.1:$PORT/hook): answered 500" <<'EOPY' ||
import email, email.policy, pathlib, sys
for f in pathlib.Path(sys.argv[1]).rglob("*"):
    if not f.is_file():
        continue
    m = email.message_from_bytes(f.read_bytes(), policy=email.policy.default)
    if "Webhook disabled" in str(m["Subject"]):
        text = m.get_body(("plain",)).get_content()
        sys.exit(0 if sys.argv[2] in " ".join(text.split()) else 1)
sys.exit(1)
EOPY
		fail "the email does not name the endpoint"
	stop_daemon
	;;
redirect)
	setup
	control redirect
	start_daemon
	new_thread "One" >/dev/null
	wait_until 20 grep -q "answered 302, a redirect to http://127.0.0.1:$PORT/hook; redirects are not followed" \
		"$LOG" || fail "no clear redirect error"
	[ "$(grep -c '"status": 302' "$HOOKLOG")" -lt 5 ] || fail "redirects followed"
	[ "$(sql "SELECT count(*) FROM webhook_deliveries WHERE status <> 'delivered'")" = 1 ] ||
		fail "the event is not waiting"
	ctl webhook list | grep -q "redirects are not followed" || fail "webhook list: no last error"
	control ok
	wait_until 20 all_delivered || fail "lost after redirects"
	stop_daemon
	;;
kill9)
	setup
	control slow 0.2
	start_daemon
	t1=$(new_thread "One")
	t2=$(new_thread "Two")
	i=0
	while [ $i -lt 40 ]; do
		post "$t1" staff:1 "one $i"
		post "$t2" contact:1 "two $i"
		i=$((i + 1))
	done
	some() { [ "$(grep -c '"status": 200' "$HOOKLOG")" -ge 10 ]; }
	wait_until 30 some || fail "nothing delivered before the kill"
	kill -9 "$DAEMONPID"
	wait "$DAEMONPID" 2>/dev/null || true
	DAEMONPID=
	before=$(delivered_total)
	[ "$before" -lt "$(events_total)" ] || fail "all delivered before the kill: test proves nothing"
	start_daemon
	wait_until 90 all_delivered || fail "events lost after kill -9: $(delivered_total) of $(events_total)"
	[ "$(events_total)" = 82 ] || fail "82 events expected, got $(events_total)"
	check_log --verified --at-least 82 --ordered
	stop_daemon
	;;
bad_config)
	make_secret
	PORT=1
	seed_conf() { write_config "$1"; }
	expect_error() {
		out=$("$GATEWAYD" -c "$CONF" --check-config 2>&1 >/dev/null) && fail "accepted: $1"
		echo "$out" | grep -q "$2" || fail "want \"$2\", got: $out"
	}
	write_config "crm2.url = ftp://127.0.0.1/x
crm2.secret_file = $SECRET"
	expect_error "ftp url" "gatewayd.conf:[0-9]*: \[webhooks\] crm2.url: \"ftp://127.0.0.1/x\" is not an http:// or https:// URL"
	write_config "crm2.url = https://hooks.example/x
crm2.secret_file = $T/missing"
	expect_error "missing secret" "\[webhooks\] crm2.secret_file: $T/missing: cannot read: No such file"
	cp "$SECRET" "$T/open.secret"
	chmod 644 "$T/open.secret"
	write_config "crm2.url = https://hooks.example/x
crm2.secret_file = $T/open.secret"
	expect_error "world-readable secret" "\[webhooks\] crm2.secret_file: $T/open.secret: mode is 0644, readable or writable by others"
	"$GATEWAYCTL" -c "$CONF" doctor 2>&1 |
		grep -q "\[webhooks\] crm2.secret_file: $T/open.secret: mode is 0644" ||
		fail "gatewayctl doctor does not name the open secret file"
	write_config "crm2.url = https://hooks.example/x"
	expect_error "no secret_file" "\[webhooks\] crm2.secret_file: missing"
	write_config "crm2.url = https://hooks.example/x
crm2.secret_file = $SECRET
crm2.events = message.posted, chat.deleted"
	expect_error "unknown event" "\[webhooks\] crm2.events: \"chat.deleted\" is no event"
	write_config "crm2.colour = blue"
	expect_error "unknown key" "\[webhooks\] crm2.colour: unknown key"
	write_config "concurrency = 0"
	expect_error "no threads" "\[webhooks\] concurrency: \"0\" is out of range"
	# A secret that went missing after start: the attempt fails naming it,
	# the event waits and goes out once the file is back.
	start_receiver
	write_config
	seed_people
	start_daemon
	mv "$SECRET" "$SECRET.away"
	new_thread "One" >/dev/null
	wait_until 20 grep -q "webhook: crm evt_.*: secret_file $SECRET: cannot read" "$LOG" ||
		fail "no secret_file error"
	mv "$SECRET.away" "$SECRET"
	wait_until 20 all_delivered || fail "lost after the secret came back"
	stop_daemon
	;;
api)
	setup
	APIPORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
	printf '\n[api]\nlisten = 127.0.0.1:%s\n' "$APIPORT" >>"$CONF"
	KEY=$(ctl apikey add portal) || fail "apikey add failed"
	start_daemon
	# api METHOD PATH [JSON]: prints "STATUS BODY"
	api() {
		python3 -c 'import sys, urllib.request, urllib.error
req = urllib.request.Request("http://127.0.0.1:%s/api/v1%s" % (sys.argv[1], sys.argv[3]),
                             method=sys.argv[2], data=sys.argv[5].encode() if sys.argv[5] else None)
req.add_header("Authorization", "Bearer " + sys.argv[4])
req.add_header("Content-Type", "application/json")
try:
    r = urllib.request.urlopen(req, timeout=5)
    print(r.status, r.read().decode())
except urllib.error.HTTPError as e:
    print(e.code, e.read().decode())' "$APIPORT" "$1" "$2" "$KEY" "${3:-}"
	}
	expect() { case $1 in $2) ;; *) fail "$3: got $1" ;; esac; }
	out=$(api POST /webhooks "{\"name\": \"portal\", \"url\": \"ftp://x.example/\", \"secret_file\": \"$SECRET\"}")
	expect "$out" '422 *"field":"url"*' "ftp url"
	cp "$SECRET" "$T/open.secret"
	chmod 644 "$T/open.secret"
	out=$(api POST /webhooks "{\"name\": \"portal\", \"url\": \"http://127.0.0.1:$PORT/api-hook\", \"secret_file\": \"$T/open.secret\"}")
	expect "$out" '422 *readable or writable by others*"field":"secret_file"*' "open secret"
	out=$(api POST /webhooks "{\"name\": \"crm\", \"url\": \"http://127.0.0.1:$PORT/api-hook\", \"secret_file\": \"$SECRET\"}")
	expect "$out" '409 *' "name of the config endpoint"
	out=$(api POST /webhooks "{\"name\": \"portal\", \"url\": \"http://127.0.0.1:$PORT/api-hook\", \"secret_file\": \"$SECRET\", \"events\": [\"message.posted\", \"chat.moved\"]}")
	expect "$out" '422 *chat.moved*"field":"events"*' "unknown event"
	out=$(api POST /webhooks "{\"name\": \"portal\", \"url\": \"http://127.0.0.1:$PORT/api-hook\", \"secret_file\": \"$SECRET\", \"events\": [\"message.posted\"]}")
	expect "$out" '201 *"source":"api"*' "create"
	pid=$(echo "${out#* }" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
	out=$(api GET /webhooks)
	expect "$out" '200 *"name":"crm"*"source":"config"*"name":"portal"*' "list"
	t1=$(new_thread "One")
	post "$t1" staff:1 "for both"
	# crm gets chat.created and message.posted; portal only message.posted.
	wait_until 20 all_delivered || fail "not delivered to both"
	[ "$(sql "SELECT count(*) FROM webhook_deliveries")" = 3 ] || fail "want 3 deliveries"
	out=$(api PATCH "/webhooks/$pid" '{"enabled": false}')
	expect "$out" '200 *"enabled":false*' "disable"
	post "$t1" staff:1 "crm only"
	wait_until 10 sh -c "[ \$(sqlite3 '$DB' \"SELECT count(*) FROM webhook_deliveries WHERE status = 'delivered'\") = 4 ]" ||
		fail "crm did not get the second message"
	sleep 1
	[ "$(sql "SELECT count(*) FROM webhook_deliveries WHERE status = 'queued'")" = 1 ] ||
		fail "portal's event is not waiting while disabled"
	out=$(api PATCH "/webhooks/$pid" '{"enabled": true}')
	expect "$out" '200 *"enabled":true*' "enable"
	wait_until 10 all_delivered || fail "portal's waiting event not delivered after enabling"
	out=$(api DELETE /webhooks/1)
	expect "$out" '422 *config file*' "deleting the config endpoint"
	out=$(api DELETE "/webhooks/$pid")
	expect "$out" '204*' "delete"
	out=$(api GET "/webhooks/$pid")
	expect "$out" '404*' "deleted endpoint"
	check_log --verified
	stop_daemon
	;;
*)
	echo "unknown scenario $scenario"
	exit 2
	;;
esac
echo "ok ($scenario)"
