# postfix_lib.sh - shared by the tests that run a private Postfix instance
# (sourced, not run).

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
