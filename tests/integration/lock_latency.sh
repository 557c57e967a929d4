#!/bin/sh
# lock_latency.sh - the daemon's clients while another process holds the
# SQLite write lock for 3 s: reads (static files, thread pages, the API,
# the policy service, the LMTP greeting) are answered without waiting for
# the lock, POSTs complete once it is released and are durable, and the
# systemd watchdog keeps being fed.  The scenario and its assertions are in
# lock_latency.py (Python standard library only); speed is measured by
# bench/lock/run.sh, not asserted here.
#
# Environment: GATEWAYD, GATEWAYCTL (paths of the built programs).
# Exit 0 pass, 1 fail, 77 skipped (no python3 with its sqlite3 module).
# KEEP=1 keeps the temp directory (database, config, daemon log).
set -eu
. "$(dirname "$0")/py_lib.sh"

py_run lock_latency.py gw-lock-latency "$@"
