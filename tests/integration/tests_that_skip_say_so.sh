#!/bin/sh
# tests_that_skip_say_so.sh - a test that cannot run here is reported as
# skipped, with its reason, never as passed.
#
#   tests_that_skip_say_so.sh BUILD_DIR TEST_INBOUND_CORPUS TEST_TRANSPORT
#
#   1. test_inbound_corpus without its corpus, and test_transport without
#      smtp-sink (the two preconditions taken away through GW_CORPUS_DIR
#      and GW_SMTP_SINK) exit 77 and print one "SKIP: reason" line each;
#   2. every ctest test of BUILD_DIR has SKIP_RETURN_CODE 77, so that ctest
#      reads that exit as "skipped";
#   3. scripts/test_skips.py, which ends `make check`, counts a skipped
#      test and prints its reason from a ctest JUnit report.
set -eu
BUILD=$1
CORPUS_TEST=$2
TRANSPORT_TEST=$3
here=$(cd "$(dirname "$0")" && pwd)
T=$(mktemp -d /tmp/gw-skips.XXXXXX)
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
command -v python3 >/dev/null 2>&1 || { echo "skipped: python3 is not installed"; exit 77; }

# expect_skip NAME OUTPUT_FILE RC REASON
expect_skip() {
	[ "$3" = 77 ] || { cat "$2"; fail "$1 exited $3 without its precondition, want 77"; }
	grep -qx "SKIP: $4" "$2" || { cat "$2"; fail "$1 did not say \"SKIP: $4\""; }
	echo "ok: $1 exits 77: $(grep '^SKIP: ' "$2")"
}

rc=0
GW_CORPUS_DIR=$T/no-corpus "$CORPUS_TEST" >"$T/corpus.out" 2>&1 || rc=$?
expect_skip test_inbound_corpus "$T/corpus.out" "$rc" "corpus tests: no corpus at $T/no-corpus"

rc=0
GW_SMTP_SINK=$T/no-smtp-sink "$TRANSPORT_TEST" >"$T/transport.out" 2>&1 || rc=$?
expect_skip test_transport "$T/transport.out" "$rc" \
	"smtp tests: no smtp-sink at $T/no-smtp-sink (install postfix)"
# The tests that need no sink still ran, and passed.
grep -q '^\[       OK \] test_transport_maildir_delivers' "$T/transport.out" ||
	fail "test_transport skipped its local tests too"

(cd "$BUILD" && ctest --show-only=json-v1) >"$T/tests.json"
missing=$(python3 - "$T/tests.json" <<'PY'
import json, sys
tests = json.load(open(sys.argv[1]))["tests"]
for t in tests:
    props = {p["name"]: p["value"] for p in t.get("properties", [])}
    if props.get("SKIP_RETURN_CODE") != 77:
        print(t["name"])
PY
)
[ -z "$missing" ] || fail "tests without SKIP_RETURN_CODE 77: $(echo $missing)"
echo "ok: every test has SKIP_RETURN_CODE 77"

mkdir -p "$T/build"
cat >"$T/build/ctest-junit.xml" <<'XML'
<?xml version="1.0" encoding="UTF-8"?>
<testsuite name="(empty)" tests="3" failures="0" disabled="0" skipped="2">
	<testcase name="test_a" classname="test_a" status="run"><system-out>ok
</system-out></testcase>
	<testcase name="test_b" classname="test_b" status="notrun">
		<skipped message="SKIP_RETURN_CODE=77"/>
		<system-out>[  SKIPPED ] test_b_x
SKIP: b tests: no peer &amp; no luck
</system-out></testcase>
	<testcase name="fault_c" classname="fault_c" status="notrun">
		<skipped message="SKIP_RETURN_CODE=77"/>
		<system-out>skipped: smtp-sink (Postfix) is not installed
</system-out></testcase>
</testsuite>
XML
python3 "$here/../../scripts/test_skips.py" "$T/build/ctest-junit.xml" >"$T/list"
cat >"$T/want" <<'EOF2'
skipped: 2 tests
  build/test_b: b tests: no peer & no luck
  build/fault_c: smtp-sink (Postfix) is not installed
EOF2
diff -u "$T/want" "$T/list" || fail "scripts/test_skips.py"
echo "ok: scripts/test_skips.py lists them"
echo "PASS (tests that skip say so)"
