#!/bin/sh
# retention_serving.sh - the daemon deletes a large retention backlog while
# it serves the web view and the JSON API; see retention_serving.py.
#
# Environment: GATEWAYD, GATEWAYCTL (paths of the built programs).
# Exit 0 pass, 1 fail, 77 skipped (no python3 with its sqlite3 module).
# KEEP=1 keeps the temp directory (database, config, daemon log).
set -eu
. "$(dirname "$0")/py_lib.sh"

py_run retention_serving.py gw-retention "$@"
