# test_lib.sh - shared by the integration tests in shell (sourced, not
# run).  free_port is postfix_lib.sh's.

# skip REASON: say why the test cannot run here, and exit 77.
skip() {
	echo "SKIP: $*"
	exit 77
}

# remove_temp DIR: remove the test's temp directory, or with KEEP=1 keep
# it for inspection and say where.
remove_temp() {
	if [ "${KEEP:-0}" = 1 ]; then
		echo "kept $1"
	else
		rm -rf "$1"
	fi
}

# wait_until SECONDS COMMAND...: run COMMAND every 0.1 s until it succeeds
# (0), or SECONDS have passed (1).  Its counter has a name of its own: the
# COMMAND may read the caller's variables.
wait_until() {
	_wait_n=$(($1 * 10))
	shift
	while [ "$_wait_n" -gt 0 ]; do
		if "$@"; then
			return 0
		fi
		sleep 0.1
		_wait_n=$((_wait_n - 1))
	done
	return 1
}
