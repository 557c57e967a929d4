#!/bin/sh
# bench/inbound/postfix.sh - inbound end to end: smtp-source -> a private
# Postfix on loopback -> pipe(8) -> gatewayd-pipe, against the same Postfix
# piping the same kind of mail into /bin/true.  Prints both rates and ours
# as a fraction of the /bin/true one (what gatewayd-pipe costs on top of
# Postfix's own work for a pipe delivery), and a RESULT line for
# bench/run.sh (reported: the issue sets no target).
#
# usage: bench/inbound/postfix.sh BUILD_DIR [N [RUNS]]   (as root; run.sh --postfix)
# Each run, smtp-source sends N messages (default 100) of 20 KB over 4
# sessions to an address of the domain that pipes into /bin/true, then the
# same to a genuine reply+TOKEN address (all from one sender: the first is
# explained, the rest stop at the per-thread limit, each still parsed and
# logged).  RUNS runs (default 5); medians compared.  No gatewayd runs
# here: gatewayd-pipe does the work itself (gatewayd-pipe-local), the
# daemon-down path of bench/inbound/run.sh.
set -eu
. "$(dirname "$0")/../../tests/integration/postfix_lib.sh"
. "$(dirname "$0")/../lib.sh"

BUILD=$(cd "$1" && pwd)
N=${2:-100}
RUNS=${3:-5}
PIPE=${GW_PIPE_BIN:-$BUILD/mta-hooks/gatewayd-pipe}
SEED=$BUILD/tests/test_postfix_pipe_seed
[ "$(id -u)" = 0 ] || { echo "postfix.sh: needs root (a private Postfix)" >&2; exit 1; }
command -v smtp-source >/dev/null || PATH=$PATH:/usr/sbin

free_port() {
	/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

D=$(mktemp -d /tmp/bench-inbound-postfix.XXXXXX)
chmod 755 "$D"
cleanup() {
	postfix -c "$D/etc" stop >/dev/null 2>&1 || true
	rm -rf "$D"
}
trap cleanup EXIT
mkdir -p "$D/etc" "$D/queue" "$D/data" "$D/gw"
chown postfix "$D/data"
chown nobody "$D/gw"
PORT=$(free_port)

eval "$(runuser -u nobody -- "$SEED" "$D/gw/gatewayd.db" "$D/gw/keys" reply.example)"
cat >"$D/gw/gatewayd.conf" <<EOF
[store]
path = $D/gw/gatewayd.db
[mail]
from = chat@firm.example
reply_domain = reply.example
batch_window = 0
[links]
key_file = $D/gw/keys
EOF

cat >"$D/etc/main.cf" <<EOF
compatibility_level = 3.6
queue_directory = $D/queue
data_directory = $D/data
mail_owner = postfix
setgid_group = postdrop
myhostname = mx.test.example
mydomain = test.example
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mydestination =
mynetworks = 127.0.0.0/8
relay_domains = reply.example, true.example
transport_maps = texthash:$D/etc/transport
gatewayd_destination_recipient_limit = 1
truepipe_destination_recipient_limit = 1
smtp_dns_support_level = disabled
alias_maps =
alias_database =
local_recipient_maps =
smtpd_recipient_restrictions = permit_mynetworks, reject_unauth_destination
maillog_file = $D/maillog
maillog_file_prefixes = $D
EOF
printf 'reply.example gatewayd:\ntrue.example truepipe:\n' >"$D/etc/transport"
{
	postfix_master_cf "127.0.0.1:$PORT"
	cat <<EOF
gatewayd  unix  - n n - - pipe
  flags=Rq user=nobody null_sender=
  argv=$PIPE -c $D/gw/gatewayd.conf \${sender} \${recipient}
truepipe  unix  - n n - - pipe
  flags=Rq user=nobody null_sender=
  argv=/bin/true \${sender} \${recipient}
EOF
} >"$D/etc/master.cf"
postfix -c "$D/etc" start >/dev/null 2>&1

# run NAME RECIPIENT DONE: ms until the maillog shows DONE deliveries
# through transport NAME (counted from the start of the benchmark)
run() {
	t0=$(bench_now_ms)
	smtp-source -s 4 -m "$N" -l 20000 -f client@client.example -t "$2" 127.0.0.1:"$PORT"
	while [ "$(grep -c "relay=$1,.*status=sent" "$D/maillog" 2>/dev/null || true)" -lt "$3" ]; do
		if grep -q "relay=$1,.*status=\(bounced\|deferred\)" "$D/maillog"; then
			grep "relay=$1,.*status=\(bounced\|deferred\)" "$D/maillog" | head -n 3 >&2
			echo "postfix.sh: $1 deferred or bounced mail" >&2
			exit 1
		fi
		sleep 0.05
	done
	echo $(($(bench_now_ms) - t0))
}

rates_true=""
rates_ours=""
r=1
while [ $r -le "$RUNS" ]; do
	ms=$(run truepipe "x@true.example" $((r * N)))
	rates_true="$rates_true $(awk -v n="$N" -v ms="$ms" 'BEGIN { printf "%.1f", n * 1000 / ms }')"
	ms=$(run gatewayd "$REPLY1" $((r * N)))
	rates_ours="$rates_ours $(awk -v n="$N" -v ms="$ms" 'BEGIN { printf "%.1f", n * 1000 / ms }')"
	r=$((r + 1))
done
rows=$(sqlite3 "$D/gw/gatewayd.db" "SELECT group_concat(verdict || ' ' || n, ', ') FROM
	(SELECT verdict, count(*) AS n FROM inbound_log GROUP BY verdict)")
# shellcheck disable=SC2086
ours=$(bench_stats $rates_ours)
# shellcheck disable=SC2086
theirs=$(bench_stats $rates_true)
ratio=$(bench_ratio "${ours%% *}" "${theirs%% *}")
echo "end to end, $N messages of 20 KB per run, 4 SMTP sessions, $RUNS runs:"
echo "  Postfix -> gatewayd-pipe: ${ours%% *} msg/s (runs:$rates_ours; $rows)"
echo "  Postfix -> /bin/true:     ${theirs%% *} msg/s (runs:$rates_true)"
echo "  ours as a fraction of /bin/true: $ratio"
bench_result postfix "inbound end to end: smtp-source -> Postfix -> pipe(8)" "$ours" \
	"Postfix piping into /bin/true" "$theirs" msg/s "$ratio" - reported "$RUNS" "$rows"
