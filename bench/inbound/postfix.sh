#!/bin/sh
# bench/inbound/postfix.sh - inbound end to end: smtp-source -> a private
# Postfix on loopback -> pipe(8) -> gatewayd-pipe, against the same Postfix
# piping the same kind of mail into /bin/true.  Prints both rates and ours
# as a fraction of the /bin/true one (what gatewayd-pipe costs on top of
# Postfix's own work for a pipe delivery).
#
# usage: bench/inbound/postfix.sh BUILD_DIR [N]     (as root; run.sh --postfix)
# smtp-source sends N messages of 20 KB over 4 sessions to a genuine
# reply+TOKEN address (all from one sender: the first is explained, the
# rest stop at the per-thread limit, each still parsed and logged), then
# the same to an address of the domain that pipes into /bin/true.
set -eu
. "$(dirname "$0")/../../tests/integration/postfix_lib.sh"

BUILD=$(cd "$1" && pwd)
N=${2:-500}
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

now_ms() { date +%s%3N; }
# run NAME RECIPIENT: seconds until all N messages to RECIPIENT were delivered
run() {
	t0=$(now_ms)
	smtp-source -s 4 -m "$N" -l 20000 -f client@client.example -t "$2" 127.0.0.1:"$PORT"
	while [ "$(grep -c "relay=$1,.*status=sent" "$D/maillog" 2>/dev/null || true)" -lt "$N" ]; do
		if grep -q "relay=$1,.*status=\(bounced\|deferred\)" "$D/maillog"; then
			grep "relay=$1,.*status=\(bounced\|deferred\)" "$D/maillog" | head -n 3 >&2
			echo "postfix.sh: $1 deferred or bounced mail" >&2
			exit 1
		fi
		sleep 0.1
	done
	echo $(($(now_ms) - t0))
}

ms_true=$(run truepipe "x@true.example")
ms_ours=$(run gatewayd "$REPLY1")
rows=$(sqlite3 "$D/gw/gatewayd.db" "SELECT group_concat(verdict || ' ' || n, ', ') FROM
	(SELECT verdict, count(*) AS n FROM inbound_log GROUP BY verdict)")
awk -v n="$N" -v a="$ms_ours" -v b="$ms_true" -v rows="$rows" 'BEGIN {
	printf "end to end, %d messages of 20 KB, 4 SMTP sessions:\n", n
	printf "  Postfix -> gatewayd-pipe: %.0f msg/s (%d ms; %s)\n", n * 1000 / a, a, rows
	printf "  Postfix -> /bin/true:     %.0f msg/s (%d ms)\n", n * 1000 / b, b
	printf "  ours as a fraction of /bin/true: %.2f\n", b / a }'
