# py_lib.sh - shared by the tests whose scenario is a Python script run
# against the real gatewayd (lock_latency.sh, retention_serving.sh).
# Sourced, not run.
. "$(dirname "$0")/test_lib.sh"

# py_run SCRIPT PREFIX [ARGS...]: run SCRIPT (beside this file) with
# --gatewayd "$GATEWAYD" --gatewayctl "$GATEWAYCTL" --dir and a new temp
# directory /tmp/PREFIX.XXXXXX, removed afterwards unless KEEP=1; exit with
# its status, or 77 without python3 and its sqlite3 module.
py_run() {
	_script=$1
	_prefix=$2
	shift 2
	: "${GATEWAYD:?GATEWAYD not set}" "${GATEWAYCTL:?GATEWAYCTL not set}"

	if ! command -v python3 >/dev/null 2>&1; then
		echo "skipped: python3 is not installed"
		exit 77
	fi
	if ! python3 -c 'import sqlite3' 2>/dev/null; then
		echo "skipped: python3 has no sqlite3 module"
		exit 77
	fi

	T=$(mktemp -d "/tmp/$_prefix.XXXXXX")
	trap py_cleanup EXIT INT TERM

	_rc=0
	# -B: no __pycache__ in the source tree.
	python3 -B "$(dirname "$0")/$_script" --gatewayd "$GATEWAYD" --gatewayctl "$GATEWAYCTL" \
		--dir "$T" "$@" || _rc=$?
	exit "$_rc"
}

py_cleanup() {
	remove_temp "$T"
}
