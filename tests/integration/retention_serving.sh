#!/bin/sh
# retention_serving.sh - the daemon deletes a large retention backlog while
# it serves the web view and the JSON API; see retention_serving.py.
#
# Environment: GATEWAYD, GATEWAYCTL (paths of the built programs).
# Exit 0 pass, 1 fail, 77 skipped (no python3 with its sqlite3 module).
# KEEP=1 keeps the temp directory (database, config, daemon log).
set -eu
: "${GATEWAYD:?GATEWAYD not set}" "${GATEWAYCTL:?GATEWAYCTL not set}"

if ! command -v python3 >/dev/null 2>&1; then
	echo "skipped: python3 is not installed"
	exit 77
fi
if ! python3 -c 'import sqlite3' 2>/dev/null; then
	echo "skipped: python3 has no sqlite3 module"
	exit 77
fi

T=$(mktemp -d /tmp/gw-retention.XXXXXX)
cleanup() {
	if [ "${KEEP:-0}" = 1 ]; then
		echo "kept $T"
	else
		rm -rf "$T"
	fi
}
trap cleanup EXIT INT TERM

rc=0
python3 "$(dirname "$0")/retention_serving.py" --gatewayd "$GATEWAYD" \
	--gatewayctl "$GATEWAYCTL" --dir "$T" "$@" || rc=$?
exit "$rc"
