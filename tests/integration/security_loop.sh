#!/bin/sh
# security_loop.sh - two gateways that write to each other must not loop.
#
# Gateways A and B, each with its own config, key file, SQLite database and
# Maildir transport.  Each has a contact whose address is the other's reply
# address (someone pasted a Reply-To into the contact list), and each gets
# a human-looking reply whose envelope sender is the other's reply address
# (a forwarder), so that each one answers once.  A small router then plays
# the MTA between them: every mail one gateway delivers to its Maildir for
# the other's reply domain is fed to the other's gatewayd-pipe with the
# envelope from Return-Path and Delivered-To, round after round, until no
# mail crosses any more.  The loop header and Auto-Submitted must stop it:
# at most one answer from each side, and quiet within a few rounds.
#
# The second pass does the same through a relay that strips the loop
# header, Auto-Submitted and X-Auto-Response-Suppress: the null sender of
# an answer and the bounce+ sender of a notification still stop it.
#
# Usage: security_loop.sh GATEWAYCTL GATEWAYD_PIPE
# Exit 0 pass, 1 fail, 77 skipped (no sqlite3 command).  KEEP=1 keeps the
# temp directory.
set -eu

CTL=${1:?usage: security_loop.sh GATEWAYCTL GATEWAYD_PIPE}
PIPE=${2:?usage: security_loop.sh GATEWAYCTL GATEWAYD_PIPE}
if ! command -v sqlite3 >/dev/null 2>&1; then
	echo "skipped: the sqlite3 command is not installed"
	exit 77
fi

T=$(mktemp -d /tmp/gw-security-loop.XXXXXX)
cleanup() {
	if [ "${KEEP:-0}" = 1 ]; then
		echo "kept $T"
	else
		rm -rf "$T"
	fi
}
trap cleanup EXIT INT TERM

fail() {
	echo "FAIL: $*"
	for g in a b; do
		[ -f "$T/$g/gw.db" ] || continue
		echo "--- gateway $g: inbound log"
		sqlite3 "$T/$g/gw.db" "SELECT id, sender, recipient, verdict, reason FROM inbound_log" || true
		echo "--- gateway $g: outbox"
		sqlite3 "$T/$g/gw.db" "SELECT id, kind, recipient_address, status FROM outbox" || true
	done
	exit 1
}

ctl() { g=$1; shift; "$CTL" -c "$T/$g/gatewayd.conf" "$@"; }
sql() { sqlite3 "$T/$1/gw.db" "$2"; }

# setup G: a gateway with a firm, a staff member, an account with the
# human contact "human@client-G.example", and a chat to them.
setup() {
	g=$1
	mkdir -p "$T/$g"
	cat >"$T/$g/gatewayd.conf" <<EOF
[store]
path = $T/$g/gw.db
attachments_dir = $T/$g/attachments
synchronous = normal
[mail]
transport = maildir:$T/$g/Maildir
from = chat@firm-$g.example
from_name = Firm $g
reply_domain = reply.$g.example
batch_window = 0
[links]
key_file = $T/$g/keys
[web]
base_url = https://chat.firm-$g.example
EOF
	ctl "$g" init >/dev/null
	ctl "$g" firm set --name "Firm $g" >/dev/null
	staff=$(ctl "$g" staff add "Staff $g" "staff@firm-$g.example" --role owner)
	account=$(ctl "$g" account add "Client of $g")
	ctl "$g" contact add "$account" "Human $g" "human@client-$g.example" >/dev/null
	thread=$(ctl "$g" thread new "$account" --from "$staff" --subject "Matter at $g" \
		--body "Please send the papers.")
	eval "STAFF_$g=$staff ACCOUNT_$g=$account THREAD_$g=$thread"
	ctl "$g" tick >/dev/null 2>&1
}

# reply_address G: the Reply-To of G's first notification to its human.
reply_address() {
	f=$(grep -l "^Delivered-To: human@client-$1.example" "$T/$1/Maildir/new/"* | head -n 1)
	# the header block, folded lines joined (a long Reply-To may be folded)
	awk '/^\r?$/ { exit } /^[ \t]/ { sub(/^[ \t]+/, " "); line = line $0; next }
	     { if (line != "") print line; line = $0 } END { if (line != "") print line }' "$f" |
		tr -d '\r' | sed -n 's/^Reply-To: *\(.*<\)\{0,1\}\([^<>]*\)>*$/\2/p' | head -n 1
}

# route MODE: feed every mail not routed yet from one gateway's Maildir to
# the other's pipe when it is addressed to the other's reply domain; MODE
# strip removes the loop and auto-reply headers on the way.  Sets CROSSED
# to how many crossed.
route() {
	CROSSED=0
	for g in a b; do
		case $g in a) other=b ;; *) other=a ;; esac
		for f in "$T/$g/Maildir/new/"*; do
			[ -f "$f" ] || continue
			grep -qxF "$f" "$T/routed" 2>/dev/null && continue
			echo "$f" >>"$T/routed"
			sender=$(sed -n '1s/^Return-Path: <\(.*\)>$/\1/p' "$f")
			rcpt=$(sed -n '2s/^Delivered-To: //p' "$f")
			case $rcpt in
			*@reply.$other.example) ;;
			*) continue ;; # to a person, not to a gateway
			esac
			# as SMTP carries it: without the delivery agent's two lines
			tail -n +3 "$f" >"$T/msg"
			if [ "$1" = strip ]; then
				grep -viE '^(X-Gatewayd-Loop|Auto-Submitted|X-Auto-Response-Suppress):' \
					"$T/msg" >"$T/msg.stripped" || true
				mv "$T/msg.stripped" "$T/msg"
			fi
			rc=0
			"$PIPE" -c "$T/$other/gatewayd.conf" "$sender" "$rcpt" <"$T/msg" || rc=$?
			[ "$rc" = 0 ] || fail "gatewayd-pipe of $other exited $rc for $f"
			CROSSED=$((CROSSED + 1))
		done
	done
}

run_pass() {
	mode=$1
	rm -rf "$T/a" "$T/b" "$T/routed"
	setup a
	setup b
	RA=$(reply_address a)
	RB=$(reply_address b)
	case $RA in reply+*@reply.a.example) ;; *) fail "no reply address from a: '$RA'" ;; esac
	case $RB in reply+*@reply.b.example) ;; *) fail "no reply address from b: '$RB'" ;; esac
	# Each gateway's client list holds the other's reply address ...
	eval "ctl a contact add \$ACCOUNT_a 'Gateway B' '$RB' >/dev/null"
	eval "ctl b contact add \$ACCOUNT_b 'Gateway A' '$RA' >/dev/null"
	eval "ctl a message post \$THREAD_a --from staff:\$STAFF_a --body 'News for everyone.' >/dev/null"
	eval "ctl b message post \$THREAD_b --from staff:\$STAFF_b --body 'News for everyone.' >/dev/null"
	# ... and each gets a reply by email from the other's reply address.
	for g in a b; do
		case $g in a) from=$RB; to=$RA ;; *) from=$RA; to=$RB ;; esac
		{
			printf 'From: <%s>\nTo: <%s>\nSubject: Re: Matter at %s\n' "$from" "$to" "$g"
			printf 'Message-ID: <spark-%s-%s@client.example>\n' "$g" "$mode"
			printf '\nThe papers are attached.\n'
		} >"$T/spark"
		"$PIPE" -c "$T/$g/gatewayd.conf" "$from" "$to" <"$T/spark" ||
			fail "spark into $g: exit $?"
	done
	for g in a b; do
		[ "$(sql "$g" "SELECT count(*) FROM outbox WHERE kind = 'explanation'")" = 1 ] ||
			fail "$mode: gateway $g did not answer the reply once"
	done

	rounds=0
	crossed=0
	while :; do
		ctl a tick >/dev/null 2>&1
		ctl b tick >/dev/null 2>&1
		route "$mode"
		crossed=$((crossed + CROSSED))
		[ "$CROSSED" = 0 ] && break
		rounds=$((rounds + 1))
		[ "$rounds" -le 5 ] || fail "$mode: mail still crossing after $rounds rounds"
	done

	for g in a b; do
		answers=$(sql "$g" "SELECT count(*) FROM outbox WHERE kind = 'explanation'")
		[ "$answers" = 1 ] || fail "$mode: gateway $g answered $answers times"
		queued=$(sql "$g" "SELECT count(*) FROM outbox WHERE status != 'sent'")
		[ "$queued" = 0 ] || fail "$mode: gateway $g has $queued mails not sent"
		# Everything the other gateway sent was recorded and not answered.
		bad=$(sql "$g" "SELECT count(*) FROM inbound_log WHERE message_id NOT LIKE 'spark-%'
			AND verdict NOT IN ('loop', 'automatic', 'bounce', 'dropped', 'duplicate')")
		[ "$bad" = 0 ] || fail "$mode: gateway $g gave $bad of the other's mails another verdict"
		seen=$(sql "$g" "SELECT count(*) FROM inbound_log WHERE message_id NOT LIKE 'spark-%'")
		[ "$seen" -ge 2 ] || fail "$mode: gateway $g saw only $seen mails of the other"
	done
	echo "$mode: $crossed mails crossed in $rounds rounds; one answer each"
}

run_pass keep
run_pass strip
echo "PASS"
