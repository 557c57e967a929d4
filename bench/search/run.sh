#!/bin/sh
# bench/search/run.sh - the staff's search over 10^5 messages, through the
# store function and through HTTP (the JSON API and the web view's home
# page), p50 and p99 of each.
#
# usage: bench/search/run.sh [-n MESSAGES] [-r ROUNDS] [-b BUILD_DIR]
#   -n MESSAGES  messages in the database (default 100000)
#   -r ROUNDS    times each query of the mix runs (default 30)
#   -b DIR       a build configured with -DGW_BENCH=ON (default ./build)
#
# 1. bench_search init: 500 accounts, threads of 20 messages, Zipf-drawn
#    words (bench/search/bench_search.c says how).
# 2. bench_search run: the query mix (common to rare words, two words, a
#    word start, account and contact names, FTS5 syntax characters, the
#    home page and the unread filter), as the owner and as a member who
#    sees one account in ten, through store_search(): wall and CPU time.
# 3. gatewayd serves the database; the same queries go to
#    GET /api/v1/search?q=...&staff=ID and to the web view's GET /?q=...
#    (a staff session), one at a time over one keep-alive connection.
# Target: p99 under 20 ms.  Wall times count whatever else the cores are
# doing; the CPU times of step 2 say what the search itself costs.  The
# load average is printed with the results.
set -eu
. "$(dirname "$0")/../lib.sh"

MESSAGES=100000
ROUNDS=30
BUILD=./build
while [ $# -gt 0 ]; do
	case $1 in
	-n) MESSAGES=$2; shift 2 ;;
	-r) ROUNDS=$2; shift 2 ;;
	-b) BUILD=$2; shift 2 ;;
	*) echo "usage: $0 [-n MESSAGES] [-r ROUNDS] [-b BUILD_DIR]" >&2; exit 64 ;;
	esac
done
DRIVER=$BUILD/bench/bench_search
GATEWAYD=$BUILD/gatewayd/gatewayd
CTL=$BUILD/gatewayd/gatewayctl
for p in "$DRIVER" "$GATEWAYD" "$CTL"; do
	[ -x "$p" ] || { echo "missing $p: configure $BUILD with -DGW_BENCH=ON and build" >&2; exit 1; }
done
command -v python3 >/dev/null || { echo "missing python3" >&2; exit 1; }

T=$(mktemp -d /tmp/bench-search.XXXXXX)
DAEMONPID=
cleanup() {
	[ -n "$DAEMONPID" ] && kill "$DAEMONPID" 2>/dev/null || true
	[ "${KEEP:-0}" = 1 ] && echo "kept $T" || rm -rf "$T"
}
trap cleanup EXIT INT TERM

echo "== building $MESSAGES messages"
"$DRIVER" init "$T/gatewayd.db" "$MESSAGES"

echo "== through the store (store_search, $ROUNDS rounds of each query)"
"$DRIVER" run "$T/gatewayd.db" "$ROUNDS" | tee "$T/store.out"

WEBPORT=$(bench_free_port)
APIPORT=$(bench_free_port)
cat >"$T/gatewayd.conf" <<CONF
[store]
path = $T/gatewayd.db
attachments_dir = $T/attachments
[mail]
transport = maildir:$T/Maildir
from = chat@firm.example
reply_domain = reply.firm.example
[links]
key_file = $T/keys
[web]
listen = 127.0.0.1:$WEBPORT
base_url = http://127.0.0.1:$WEBPORT
[api]
listen = 127.0.0.1:$APIPORT
[log]
level = warn
CONF
ctl() { "$CTL" -c "$T/gatewayd.conf" "$@"; }
ctl init >/dev/null
KEY=$(ctl apikey add bench)
OWNER=$(ctl --json staff list | python3 -c 'import json,sys; print([s["id"] for s in json.load(sys.stdin) if s["role"]=="owner"][0])')
MEMBER=$(ctl --json staff list | python3 -c 'import json,sys; print([s["id"] for s in json.load(sys.stdin) if s["role"]=="member"][0])')
"$DRIVER" queries "$T/gatewayd.db" >"$T/queries"
"$GATEWAYD" -c "$T/gatewayd.conf" --foreground 2>"$T/gatewayd.log" &
DAEMONPID=$!
for _ in $(seq 100); do
	python3 -c "import socket; socket.create_connection(('127.0.0.1', $WEBPORT), 1)" 2>/dev/null && break
	sleep 0.1
done
LINK_OWNER=$(ctl link 1 --for "staff:$OWNER")
LINK_MEMBER=$(ctl link 1 --for "staff:$MEMBER")

echo "== through HTTP ($ROUNDS rounds of each query)"
# The daemon's CPU time (user + system, in clock ticks) around the
# requests: what a search costs it, whatever else the cores do.
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$DAEMONPID/stat"; }
TICKS0=$(cpu_ticks)
python3 - "$T/queries" "$ROUNDS" "$WEBPORT" "$APIPORT" "$KEY" "$OWNER" "$MEMBER" \
	"$LINK_OWNER" "$LINK_MEMBER" <<'PY' | tee "$T/http.out"
import http.client, sys, time, urllib.parse

queries, rounds, webport, apiport, key, owner, member, link_owner, link_member = sys.argv[1:]
rounds = int(rounds)
mix = [l.rstrip("\n").split("\t", 1) for l in open(queries) if l.strip("\n")]

def cookie_for(link):
    u = urllib.parse.urlsplit(link)
    c = http.client.HTTPConnection("127.0.0.1", int(webport))
    c.request("GET", u.path)
    r = c.getresponse(); r.read()
    for k, v in r.getheaders():
        if k.lower() == "set-cookie" and v.startswith("gw_session="):
            return v.split(";")[0]
    # a GET shows a button; the POST starts the session
    raise SystemExit("no session from " + link)

def pct(v, p):
    v = sorted(v)
    return v[max(0, min(len(v) - 1, int(-(-p * len(v) // 1)) - 1))]

def run(name, conn, path_of, headers):
    allv = []
    for member_flag, q in mix:
        who = member if member_flag == "1" else owner
        path = path_of(q, who)
        times = []
        for _ in range(rounds):
            t0 = time.perf_counter()
            conn.request("GET", path, headers=headers(who))
            r = conn.getresponse(); body = r.read()
            times.append((time.perf_counter() - t0) * 1000)
            if r.status != 200:
                raise SystemExit("%s %s: %d %s" % (name, path, r.status, body[:200]))
        allv += times
    print("%-5s %d requests: p50 %.2f ms p99 %.2f ms max %.2f ms" %
          (name, len(allv), pct(allv, .5), pct(allv, .99), max(allv)))
    return allv

api = http.client.HTTPConnection("127.0.0.1", int(apiport))
run("api", api, lambda q, who: "/api/v1/search?" + urllib.parse.urlencode(
    {"q": q, "staff": who} if q else {"staff": who}),
    lambda who: {"Authorization": "Bearer " + key})
try:
    cookies = {owner: cookie_for(link_owner), member: cookie_for(link_member)}
except SystemExit as e:
    print("web: skipped (%s)" % e)
else:
    web = http.client.HTTPConnection("127.0.0.1", int(webport))
    run("web", web, lambda q, who: "/?" + urllib.parse.urlencode({"q": q}) if q else "/",
        lambda who: {"Cookie": cookies[who]})
PY
TICKS1=$(cpu_ticks)
NREQ=$(awk '/requests:/ { n += $2 } END { print n + 0 }' "$T/http.out")
awk -v t="$((TICKS1 - TICKS0))" -v hz="$(getconf CLK_TCK)" -v n="$NREQ" 'BEGIN {
	if (n > 0) printf "gatewayd CPU: %.2f ms per request (mean of %d)\n", t * 1000 / hz / n, n }'
LOAD="$(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
echo "load average: $LOAD"

# RESULT lines for bench/run.sh: the p99s against the target of 20 ms.
store_p99=$(sed -n 's/^ALL .* p99 \([0-9.]*\) ms max .*(wall).*/\1/p' "$T/store.out")
store_p50=$(sed -n 's/^ALL .*: p50 \([0-9.]*\) ms p99.*(wall).*/\1/p' "$T/store.out")
cpu_p99=$(sed -n 's/.*; p50 [0-9.]* ms p99 \([0-9.]*\) ms (cpu).*/\1/p' "$T/store.out")
bench_result search "store_search(), $MESSAGES messages, p99" "$store_p99" - - ms - \
	"< 20" "$(bench_verdict "$store_p99" "<" 20)" "$ROUNDS" \
	"p50 $store_p50 ms; CPU p99 $cpu_p99 ms; load $LOAD"
for via in api web; do
	line=$(grep "^$via " "$T/http.out" || true)
	[ -n "$line" ] || continue
	p50=$(echo "$line" | sed -n 's/.* p50 \([0-9.]*\) ms.*/\1/p')
	p99=$(echo "$line" | sed -n 's/.* p99 \([0-9.]*\) ms.*/\1/p')
	bench_result search "GET over HTTP ($via), $MESSAGES messages, p99" "$p99" - - ms - \
		"< 20" "$(bench_verdict "$p99" "<" 20)" "$ROUNDS" "p50 $p50 ms; load $LOAD"
done
