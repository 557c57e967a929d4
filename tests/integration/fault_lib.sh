# fault_lib.sh - shared by the fault tests (tests/integration/fault_*.sh and
# tests/long/*.sh): waiting, free loopback ports, an smtp-sink with fault
# options, the daemon's config, starting and killing gatewayd, and reading
# the outbox.  Sourced, not run.
#
# The caller sets T (its temp directory) and may set the paths below before
# calling anything; every helper works on these globals, the way
# daemon_test.sh does:
#   DB KEYS CONF LOG          database, key file, gatewayd.conf, daemon log
#   SINKDIR SINKPORT SINKPID  where and on which port smtp-sink dumps mail
#   DAEMONPID                 the running gatewayd, empty when none
#   GATEWAYD RELAY_TOOL       the built programs
# Failures go through fl_fail, which the caller may redefine.

PATH=$PATH:/usr/sbin:/sbin
BASE_URL=https://chat.firm.example
DOMAIN=reply.example
SINKPID=
DAEMONPID=

fl_fail() {
	echo "FAIL: $*"
	if [ -n "${LOG:-}" ] && [ -f "$LOG" ]; then
		echo "--- gatewayd log (last 20 lines)"
		tail -n 20 "$LOG"
	fi
	exit 1
}

fl_skip() {
	echo "skipped: $*"
	exit 77
}

# fl_paths: the default file names under T.
fl_paths() {
	DB=${DB:-$T/gw.db}
	KEYS=${KEYS:-$T/keys}
	CONF=${CONF:-$T/gatewayd.conf}
	LOG=${LOG:-$T/gatewayd.log}
	SINKDIR=${SINKDIR:-$T/sink}
}

# fl_wait_until SECONDS COMMAND...: poll every 0.1 s.
fl_wait_until() {
	_n=$(($1 * 10))
	shift
	while [ "$_n" -gt 0 ]; do
		if "$@"; then
			return 0
		fi
		sleep 0.1
		_n=$((_n - 1))
	done
	return 1
}

fl_free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

fl_port_open() {
	python3 -c 'import socket,sys; socket.create_connection(("127.0.0.1",int(sys.argv[1])),1)' "$1" \
		2>/dev/null
}

# fl_random MIN MAX: a random integer in [MIN, MAX].
fl_random() {
	_r=$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')
	echo $(($1 + _r % ($2 - $1 + 1)))
}

# fl_sleep_ms MS
fl_sleep_ms() {
	sleep "$(awk -v ms="$1" 'BEGIN { printf "%.3f", ms / 1000 }')"
}

fl_need_sink() {
	command -v smtp-sink >/dev/null 2>&1 || fl_skip "smtp-sink (Postfix) is not installed"
	command -v python3 >/dev/null 2>&1 || fl_skip "python3 is not installed"
}

# fl_start_sink [FAULT OPTIONS]: smtp-sink on SINKPORT dumping every mail
# it accepted (a transaction it saw cut off leaves no file) into SINKDIR.
fl_start_sink() {
	mkdir -p "$SINKDIR"
	chmod 1777 "$SINKDIR"
	_user=
	[ "$(id -u)" = 0 ] && _user="-u nobody"
	# shellcheck disable=SC2086
	smtp-sink $_user "$@" -d "$SINKDIR/%H%M%S." 127.0.0.1:"$SINKPORT" 64 \
		>>"$T/sink.log" 2>&1 &
	SINKPID=$!
	fl_wait_until 5 fl_port_open "$SINKPORT" || fl_fail "smtp-sink did not start"
}

fl_stop_sink() {
	if [ -n "$SINKPID" ]; then
		kill "$SINKPID" 2>/dev/null || true
		wait "$SINKPID" 2>/dev/null || true
	fi
	SINKPID=
}

# fl_write_config [EXTRA [mail] LINES]: the daemon's config, mail to the
# sink, short retries and the shortest lease.  WEB_EXTRA adds lines to
# [web].
fl_write_config() {
	cat >"$CONF" <<EOF
[store]
path = $DB
attachments_dir = $T/attachments

[mail]
transport = smtp://127.0.0.1:$SINKPORT
from = chat@firm.example
from_name = Example & Co
reply_domain = $DOMAIN
batch_window = 0
helo_name = gatewayd.test.example
starttls = no
timeout = 10s
concurrency = 4
retry_min = 1s
retry_max = 2s
max_lifetime = 1h
lease = 10s
poll_interval_ms = 200
${1:-}

[links]
key_file = $KEYS

[web]
base_url = $BASE_URL
${WEB_EXTRA:-}

[log]
level = info
EOF
}

# fl_seed ACCOUNTS CONTACTS: one bulk chat, ACCOUNTS x CONTACTS outbox rows,
# each to its own address (c<A>.<C>@client<A>.example).
fl_seed() {
	[ -f "$KEYS" ] || "$RELAY_TOOL" keys "$KEYS"
	"$RELAY_TOOL" seed "$DB" "$1" "$2" >/dev/null || fl_fail "seed"
	N=$(($1 * $2))
}

fl_start_daemon() {
	_started=$(grep -c "daemon: started" "$LOG" 2>/dev/null || true)
	"$GATEWAYD" -c "$CONF" --foreground >>"$LOG" 2>&1 &
	DAEMONPID=$!
}

# fl_wait_started: until the daemon just started logs "daemon: started"
# (its signal handlers are in place from then on).
fl_wait_started() {
	_up() { [ "$(grep -c "daemon: started" "$LOG" 2>/dev/null || true)" -gt "${_started:-0}" ]; }
	fl_wait_until 20 _up || fl_fail "gatewayd did not start"
}

fl_kill_daemon() {
	if [ -n "$DAEMONPID" ]; then
		kill -9 "$DAEMONPID" 2>/dev/null || true
		wait "$DAEMONPID" 2>/dev/null || true
	fi
	DAEMONPID=
}

# fl_stop_daemon: SIGTERM, wait; the exit code must be 0.
fl_stop_daemon() {
	fl_wait_started
	kill -TERM "$DAEMONPID"
	_rc=0
	wait "$DAEMONPID" || _rc=$?
	DAEMONPID=
	[ "$_rc" = 0 ] || fl_fail "gatewayd exited $_rc after SIGTERM"
}

fl_counts() { "$RELAY_TOOL" counts "$DB"; }
fl_count_of() { fl_counts | tr ' ' '\n' | sed -n "s/^$1=//p"; }
fl_all_sent() { [ "$(fl_counts)" = "queued=0 sending=0 sent=$N failed=0" ]; }

# fl_cleanup: stop whatever is still running (for the caller's trap).
fl_cleanup() {
	fl_kill_daemon
	fl_stop_sink
}
