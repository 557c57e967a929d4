# postfix_lib.sh - shared by the tests that run a private Postfix instance
# (sourced, not run).

# free_port: a TCP port on 127.0.0.1 that is free now.
free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# postfix_main_cf DIR DOMAIN RELAYHOST: the main.cf settings every private
# instance shares: queue and config under DIR, loopback only, no DNS, no
# TLS, no local delivery, mail for DOMAIN routed by DIR/etc/transport, all
# other mail (bounces) to RELAYHOST, and the log in DIR/maillog.  Tests
# append their own restrictions, limits and retry timing after it.
postfix_main_cf() {
	cat <<EOF
compatibility_level = 3.6
queue_directory = $1/queue
data_directory = $1/data
mail_owner = postfix
setgid_group = postdrop
myhostname = mx.test.example
mydomain = test.example
myorigin = test.example
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mydestination =
mynetworks = 127.0.0.0/8
relay_domains = $2
transport_maps = texthash:$1/etc/transport
relayhost = $3
smtp_dns_support_level = disabled
smtp_tls_security_level = none
lmtp_tls_security_level = none
alias_maps =
alias_database =
local_recipient_maps =
maillog_file = $1/maillog
maillog_file_prefixes = $1
biff = no
EOF
}

# postfix_master_cf LISTEN: the master.cf services of a private instance
# whose smtpd listens on LISTEN (e.g. 127.0.0.1:2525): no chroot anywhere,
# and postlogd so that maillog_file works without syslog.  Tests append
# their own transports (pipe, lmtp) after it.
postfix_master_cf() {
	cat <<EOF
$1 inet n - n - - smtpd
pickup    unix  n - n 60 1 pickup
cleanup   unix  n - n - 0 cleanup
qmgr      unix  n - n 300 1 qmgr
rewrite   unix  - - n - - trivial-rewrite
bounce    unix  - - n - 0 bounce
defer     unix  - - n - 0 bounce
trace     unix  - - n - 0 bounce
verify    unix  - - n - 1 verify
flush     unix  n - n 1000? 0 flush
proxymap  unix  - - n - - proxymap
smtp      unix  - - n - - smtp
relay     unix  - - n - - smtp
lmtp      unix  - - n - - lmtp
showq     unix  n - n - - showq
error     unix  - - n - - error
retry     unix  - - n - - error
discard   unix  - - n - - discard
anvil     unix  - - n - 1 anvil
scache    unix  - - n - 1 scache
postlog   unix-dgram n - n - 1 postlogd
EOF
}
