#!/bin/sh
# fuzz/run.sh - build the libFuzzer targets of fuzz/ with clang (ASan +
# UBSan) and run each of them on its seeds.
#
#   fuzz/run.sh [--smoke] [-t SECONDS] [TARGET...]
#
#   --smoke      short bounded run for CI: every seed is replayed once, then
#                each target fuzzes for 12 s (or -t) from an empty working
#                corpus that is thrown away afterwards
#   -t SECONDS   fuzzing time per target (default 300, 12 with --smoke)
#   TARGET       inbound links config web_form http zip (default: all)
#
# Environment: GW_FUZZ_BUILD (build directory, default build-fuzz in the
# repository), GW_FUZZ_CORPUS (third-party mail, default ../shared/corpus
# next to the repository), CC_FUZZ (default clang-14, else clang), JOBS
# (build jobs, default 2), GW_FUZZ_ARGS (more libFuzzer options for every
# target).
#
# Seeds (rebuilt in BUILD/fuzz-seeds on every run, never in the source
# tree): tests/data/inbound and ../shared/corpus for inbound mail (skipped
# with a note when the corpus is absent), fuzz/seeds/* and
# docs/gatewayd.conf.example, tokens the links target mints itself and
# zips the zip target makes with libarchive.
# The working corpora of long runs stay in BUILD/fuzz-corpus/TARGET and
# grow from run to run; crashes, leaks and timeouts are written to
# BUILD/fuzz-artifacts/TARGET/ and make the script exit 1 (reproduce one
# with BUILD/fuzz/fuzz_TARGET FILE).
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
build=${GW_FUZZ_BUILD:-$root/build-fuzz}
corpus_dir=${GW_FUZZ_CORPUS:-$(cd "$root/.." && pwd)/shared/corpus}
jobs=${JOBS:-2}
smoke=0
seconds=

usage() {
	echo "usage: fuzz/run.sh [--smoke] [-t SECONDS] [inbound|links|config|web_form|http...]" >&2
	exit 2
}

while [ $# -gt 0 ]; do
	case $1 in
	--smoke) smoke=1 ;;
	-t) [ $# -ge 2 ] || usage; seconds=$2; shift ;;
	-t*) seconds=${1#-t} ;;
	-h|--help) usage ;;
	-*) usage ;;
	*) break ;;
	esac
	shift
done
case $seconds in
'') if [ $smoke = 1 ]; then seconds=12; else seconds=300; fi ;;
*[!0-9]*) usage ;;
esac
targets=${*:-inbound links config web_form http zip}
for t in $targets; do
	case $t in
	inbound|links|config|web_form|http|zip) ;;
	*) echo "fuzz/run.sh: unknown target \"$t\"" >&2; usage ;;
	esac
done

# ---- build -----------------------------------------------------------------

if [ -z "${CC_FUZZ:-}" ]; then
	if command -v clang-14 >/dev/null 2>&1; then CC_FUZZ=clang-14; else CC_FUZZ=clang; fi
fi
if [ ! -f "$build/CMakeCache.txt" ]; then
	echo "fuzz: configuring $build with $CC_FUZZ"
	cmake -S "$root" -B "$build" -DCMAKE_C_COMPILER="$CC_FUZZ" \
		-DCMAKE_BUILD_TYPE=Sanitize -DGW_FUZZ=ON -DGW_WERROR=ON >"$build.configure.log" 2>&1 || {
		cat "$build.configure.log" >&2
		exit 1
	}
	mv "$build.configure.log" "$build/fuzz-configure.log"
fi
echo "fuzz: building the targets in $build"
cmake --build "$build" --target fuzzers -j "$jobs" >"$build/fuzz-build.log" 2>&1 || {
	tail -n 60 "$build/fuzz-build.log" >&2
	exit 1
}

# ---- seeds -----------------------------------------------------------------

seeds=$build/fuzz-seeds
rm -rf "$seeds"
mkdir -p "$seeds"

# link_seeds DEST MAXBYTES PATH...: symlinks to the files under each PATH
# (a file or a directory, searched recursively) of at most MAXBYTES bytes.
link_seeds() {
	dest=$1 max=$2
	shift 2
	mkdir -p "$dest"
	n=$(find "$dest" -mindepth 1 -maxdepth 1 | wc -l)
	find "$@" -type f -size -"$((max + 1))"c ! -name 'LICENSE*' ! -name '*.md' 2>/dev/null |
		sort | while IFS= read -r f; do
			n=$((n + 1))
			ln -s "$f" "$dest/$n-${f##*/}"
		done
}

max_len() {
	case $1 in
	inbound) echo 65536 ;;
	links) echo 512 ;;
	config) echo 4096 ;;
	web_form) echo 16384 ;;
	http) echo 16384 ;;
	zip) echo 65536 ;;
	esac
}

for t in $targets; do
	case $t in
	inbound)
		link_seeds "$seeds/inbound" "$(max_len inbound)" "$root/tests/data/inbound"
		if [ -d "$corpus_dir" ]; then
			link_seeds "$seeds/inbound" "$(max_len inbound)" "$corpus_dir"
		else
			echo "fuzz: $corpus_dir is absent: inbound seeds from tests/data only"
		fi ;;
	links)
		mkdir -p "$seeds/links"
		GW_FUZZ_WRITE_SEEDS=$seeds/links "$build/fuzz/fuzz_links" >/dev/null 2>&1 ;;
	config)
		link_seeds "$seeds/config" "$(max_len config)" "$root/fuzz/seeds/config" \
			"$root/docs/gatewayd.conf.example" ;;
	web_form)
		link_seeds "$seeds/web_form" "$(max_len web_form)" "$root/fuzz/seeds/web_form" ;;
	http)
		link_seeds "$seeds/http" "$(max_len http)" "$root/fuzz/seeds/http" ;;
	zip)
		mkdir -p "$seeds/zip"
		GW_FUZZ_WRITE_SEEDS=$seeds/zip "$build/fuzz/fuzz_zip" >/dev/null 2>&1 ;;
	esac
done

# ---- run -------------------------------------------------------------------

# Scratch files of the targets (databases, config files) in memory when
# /dev/shm is there; gone afterwards even when a target crashed.
GW_FUZZ_TMPDIR=$(mktemp -d /dev/shm/gw-fuzz.XXXXXX 2>/dev/null || mktemp -d)
export GW_FUZZ_TMPDIR
trap 'rm -rf "$GW_FUZZ_TMPDIR"' EXIT

status=0
summary=$build/fuzz-summary.txt
: >"$summary"
start=$(date +%s)
for t in $targets; do
	if [ $smoke = 1 ]; then
		work=$build/fuzz-corpus-smoke/$t
		rm -rf "$work"
	else
		work=$build/fuzz-corpus/$t
	fi
	art=$build/fuzz-artifacts/$t
	log=$build/fuzz-$t.log
	mkdir -p "$work" "$art"
	dict=
	[ -f "$root/fuzz/dict/$t.dict" ] && dict=-dict=$root/fuzz/dict/$t.dict
	echo "fuzz: $t for ${seconds}s (seeds: $(find "$seeds/$t" -mindepth 1 -maxdepth 1 | wc -l), log: $log)"
	rc=0
	# shellcheck disable=SC2086
	ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1} \
	UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1} \
	"$build/fuzz/fuzz_$t" -max_total_time="$seconds" -max_len="$(max_len "$t")" \
		-timeout=25 -rss_limit_mb=2560 -print_final_stats=1 \
		-artifact_prefix="$art/" $dict ${GW_FUZZ_ARGS:-} \
		"$work" "$seeds/$t" >"$log" 2>&1 || rc=$?
	last=$(grep -a -E '^#[0-9]+.*cov: ' "$log" | tail -n 1 || true)
	cov=$(printf '%s' "$last" | sed -n 's/.*cov: \([0-9]*\).*/\1/p')
	ft=$(printf '%s' "$last" | sed -n 's/.*ft: \([0-9]*\).*/\1/p')
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
	eps=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
	rss=$(sed -n 's/^stat::peak_rss_mb: *//p' "$log")
	if [ $rc -eq 0 ]; then
		result=ok
	else
		result="FAILED (exit $rc)"
		status=1
		grep -a -E 'ERROR: |SUMMARY: |runtime error|fuzz_[a-z_]+: |Test unit written' "$log" |
			head -n 20 >&2 || true
	fi
	printf '%-9s %-16s cov %-6s ft %-7s runs %-9s exec/s %-7s rss %sMB\n' "$t" "$result" \
		"${cov:-?}" "${ft:-?}" "${runs:-?}" "${eps:-?}" "${rss:-?}" | tee -a "$summary"
	[ $smoke = 1 ] && rm -rf "$work"
done
echo "fuzz: $(($(date +%s) - start))s of fuzzing; summary in $summary"
exit $status
