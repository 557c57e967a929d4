# bench/lib.sh - helpers shared by the benchmark scripts (sourced, not run).
#
# Every benchmark runs gatewayd and its peer several times, alternating,
# and reports the median of the runs with their spread.  Besides its own
# human-readable lines, each script prints one machine-readable line per
# comparison, which bench/run.sh collects into its table:
#
#   RESULT<TAB>name<TAB>label<TAB>ours<TAB>ours_min<TAB>ours_max<TAB>
#     peer_label<TAB>peer<TAB>peer_min<TAB>peer_max<TAB>unit<TAB>ratio<TAB>
#     target<TAB>verdict<TAB>runs<TAB>note
#
# name is the benchmark's short name (outbound, web, ...); ours/peer are
# medians in unit, with the min and max of the runs; ratio is ours / peer
# (for a time, lower is better); target reads like ">= 0.5" and says the
# direction; verdict is met, missed or reported (no target given); note is
# free text (accounting, latencies).  Empty fields are "-".

# bench_stats V...: "MEDIAN MIN MAX" of the numbers (the median of an even
# count is the mean of the two middle values).
bench_stats() {
	printf '%s\n' "$@" | sed '/^$/d' | sort -g | awk '
		{ v[NR] = $1 }
		END {
			if (NR == 0) { print "0 0 0"; exit }
			m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
			printf "%.6g %.6g %.6g\n", m, v[1], v[NR] }'
}

# bench_ratio A B: A / B with two decimals ("-" when B is 0).
bench_ratio() {
	awk -v a="$1" -v b="$2" 'BEGIN { if (b + 0 == 0) print "-"; else printf "%.2f\n", a / b }'
}

# bench_verdict VALUE OP LIMIT: "met" when VALUE OP LIMIT holds (OP is
# ">=" or "<=" or "<" or ">"), else "missed".
bench_verdict() {
	awk -v v="$1" -v op="$2" -v l="$3" 'BEGIN {
		if (v == "-") { print "missed"; exit }
		if (op == ">=") ok = v + 0 >= l + 0
		else if (op == "<=") ok = v + 0 <= l + 0
		else if (op == ">") ok = v + 0 > l + 0
		else ok = v + 0 < l + 0
		print ok ? "met" : "missed" }'
}

# bench_result NAME LABEL "OURS_STATS" PEER_LABEL "PEER_STATS" UNIT RATIO
#              TARGET VERDICT RUNS [NOTE]
# where *_STATS are the "MEDIAN MIN MAX" of bench_stats ("-" for none).
bench_result() {
	_o=$(echo "$3" | awk '{ print $1, ($2 == "" ? $1 : $2), ($3 == "" ? $1 : $3) }')
	_p=$(echo "$5" | awk '{ print $1, ($2 == "" ? $1 : $2), ($3 == "" ? $1 : $3) }')
	# shellcheck disable=SC2086
	printf 'RESULT\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' \
		"$1" "$2" $_o "$4" $_p "$6" "$7" "$8" "$9" "${10}" "${11:--}"
}

# bench_now_ms: wall clock in milliseconds.
bench_now_ms() { date +%s%3N; }

# bench_free_port: a free TCP port on 127.0.0.1.
bench_free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
