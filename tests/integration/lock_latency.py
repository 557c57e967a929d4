#!/usr/bin/env python3
"""lock_latency.py - what the daemon's clients see while another process
holds the SQLite write lock.

    lock_latency.py --gatewayd PATH --gatewayctl PATH --dir TMPDIR [--bench]

A database is made with gatewayctl (a firm, staff, an account, contacts, a
thread of --messages messages) and the real gatewayd is started on it with
the web view, the JSON API, the policy service and LMTP on loopback, under a
systemd-style watchdog (NOTIFY_SOCKET read here, WATCHDOG_USEC=1 s,
WATCHDOG_PID).  Then another process takes the write lock (BEGIN IMMEDIATE
and an UPDATE) and holds it for --hold seconds while requests of every kind
are made.

Test mode (the default) asserts behaviour, not speed:
  - every GET, policy query and LMTP greeting made while the lock is held
    is answered correctly within --bound seconds (1 s against a 3 s lock:
    it did not wait for the lock) and before the lock is released;
  - every POST (web replies with the page's CSRF token, API messages)
    succeeds (200/201/303), not before the lock was released (its write
    cannot have committed earlier), no later than one lock period after
    it, and its message is in the database;
  - WATCHDOG=1 keeps arriving: no gap of WATCHDOG_USEC or more while the
    lock is held.
Latencies (p50/p99/max per kind) are printed as information only.
Exit 0 pass, 1 fail.

Bench mode (--bench, used by bench/lock/run.sh) asserts nothing: --runs
times, closed-loop clients of each kind run over keep-alive connections
while the lock is held, and one "RUN kind n p50 p99 max" line (ms) per kind
and run is printed.

Python standard library only.
"""
import argparse
import http.client
import json
import os
import re
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.parse

from gwtest import free_port, gateway_conf, pct

WATCHDOG_USEC = 1000000
SUCCESS = (200, 201, 303)

# ---- helpers ---------------------------------------------------------------


def port_open(port):
    try:
        socket.create_connection(("127.0.0.1", port), 0.5).close()
        return True
    except OSError:
        return False


def wait_for(what, cond, seconds):
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if cond():
            return
        time.sleep(0.05)
    raise SystemExit("FAIL: %s" % what)


# ---- the gateway under test ------------------------------------------------


class Gateway:
    def __init__(self, args):
        self.a = args
        self.dir = args.dir
        os.makedirs(self.dir, exist_ok=True)
        self.db = os.path.join(self.dir, "gw.db")
        self.conf = os.path.join(self.dir, "gatewayd.conf")
        self.log = os.path.join(self.dir, "gatewayd.log")
        self.web, self.api, self.pol, self.lmtp = (free_port() for _ in range(4))
        self.proc = None
        self.notes = []          # (monotonic time, datagram)
        self.notes_lock = threading.Lock()
        self.reader_cookies = []
        self.write_config()

    def write_config(self):
        d = self.dir
        with open(self.conf, "w") as f:
            f.write(gateway_conf(d, self.web, self.api, """[policy]
listen = 127.0.0.1:{pol}

[lmtp]
listen = 127.0.0.1:{lmtp}

""".format(pol=self.pol, lmtp=self.lmtp)))

    def ctl(self, *argv):
        out = subprocess.run([self.a.gatewayctl, "-c", self.conf] + list(argv),
                             check=True, stdout=subprocess.PIPE, text=True)
        return out.stdout.strip()

    def seed(self):
        self.ctl("init")
        self.ctl("firm", "set", "--name", "Example & Partners")
        self.staff = self.ctl("staff", "add", "Max Member", "max@firm.example",
                              "--role", "owner")
        acct = self.ctl("account", "add", "Acme Bakery Ltd")
        self.anna = self.ctl("contact", "add", acct, "Anna Baker", "anna@acme.example")
        self.readers = [self.ctl("contact", "add", acct, "Reader %d" % i,
                                 "reader%d@acme.example" % i)
                        for i in range(self.a.readers)]
        self.thread = self.ctl("thread", "new", acct, "--from", self.staff,
                               "--subject", "Year-end accounts",
                               "--body", "Hello Anna, please send the **bank statements**.",
                               "--task", "Upload statements")
        for i in range(2, self.a.messages + 1):
            if i % 2 == 0:
                self.ctl("message", "post", self.thread, "--from", "contact:" + self.anna,
                         "--body", "Reply %d: here is what you asked for, see *the list*." % i)
            else:
                self.ctl("message", "post", self.thread, "--from", "staff:" + self.staff,
                         "--body", "Message %d: thanks, we **received** it.\n- one\n- two" % i)
        self.apikey = self.ctl("apikey", "add", "portal")

    def listen_notify(self):
        path = os.path.join(self.dir, "notify.sock")
        self.notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.notify.bind(path)

        def loop():
            while True:
                try:
                    data = self.notify.recv(4096)
                except OSError:
                    return
                t = time.monotonic()
                with self.notes_lock:
                    for line in data.decode(errors="replace").splitlines():
                        self.notes.append((t, line))

        threading.Thread(target=loop, daemon=True).start()
        return path

    def notes_matching(self, prefix):
        with self.notes_lock:
            return [t for t, line in self.notes if line.startswith(prefix)]

    def start(self):
        env = dict(os.environ)
        env["NOTIFY_SOCKET"] = self.listen_notify()
        env["WATCHDOG_USEC"] = str(WATCHDOG_USEC)
        # WATCHDOG_PID must be the daemon's own pid: the shell execs it.
        self.proc = subprocess.Popen(
            ["sh", "-c", 'WATCHDOG_PID=$$; export WATCHDOG_PID; exec "$0" "$@"',
             self.a.gatewayd, "-c", self.conf, "--foreground"],
            env=env, stdout=open(self.log, "ab"), stderr=subprocess.STDOUT)
        wait_for("gatewayd sent no READY=1 (see %s)" % self.log,
                 lambda: self.notes_matching("READY=1") or self.proc.poll() is not None, 15)
        if self.proc.poll() is not None:
            raise SystemExit("FAIL: gatewayd exited %s at start:\n%s" % (self.proc.returncode,
                                                                         self.log_tail()))
        for port in (self.web, self.api, self.pol, self.lmtp):
            wait_for("nothing listens on port %d" % port, lambda: port_open(port), 10)
        wait_for("no WATCHDOG=1 although WATCHDOG_USEC is set",
                 lambda: self.notes_matching("WATCHDOG=1"), 5)

    def stop(self):
        if self.proc is None or self.proc.poll() is not None:
            return self.proc.returncode if self.proc else 0
        self.proc.terminate()
        try:
            return self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            return "killed after 30 s"

    def log_tail(self, n=30):
        try:
            with open(self.log, errors="replace") as f:
                return "".join(f.readlines()[-n:])
        except OSError:
            return ""

    def cookie_for(self, contact):
        link = self.ctl("link", self.thread, "--for", "contact:" + contact)
        u = urllib.parse.urlsplit(link)
        c = http.client.HTTPConnection("127.0.0.1", self.web, timeout=10)
        c.request("GET", u.path)
        r = c.getresponse()
        r.read()
        m = re.match(r"(gw_session=[^;]*)", r.getheader("Set-Cookie") or "")
        c.close()
        if not m:
            raise SystemExit("FAIL: no session cookie from %s (status %d)" % (link, r.status))
        return m.group(1)

    def prepare_clients(self):
        self.cookie = self.cookie_for(self.anna)
        self.reader_cookies = [self.cookie_for(r) for r in self.readers]
        self.page = "/t/%s" % self.thread
        status, body = self.http("GET", self.web, self.page, {"Cookie": self.cookie})
        m = re.search(r'name="csrf" value="([^"]+)"', body)
        if status != 200 or not m:
            raise SystemExit("FAIL: the thread page (status %d) has no CSRF token" % status)
        self.csrf = m.group(1)
        # The page again, now from the page cache; the API once.
        self.http("GET", self.web, self.page, {"Cookie": self.cookie})
        status, _ = self.http("GET", self.api, "/api/v1/threads/%s" % self.thread, self.api_auth())
        if status != 200:
            raise SystemExit("FAIL: API GET of the thread: status %d" % status)

    def api_auth(self):
        return {"Authorization": "Bearer " + self.apikey}

    @staticmethod
    def http(method, port, path, headers, body=None, conn=None):
        c = conn or http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        c.request(method, path, body=body, headers=headers)
        r = c.getresponse()
        data = r.read().decode(errors="replace")
        if conn is None:
            c.close()
        return r.status, data

    # one request of each kind: (ok, detail) -------------------------------

    def get_static(self, conn=None):
        s, _ = self.http("GET", self.web, "/static/app.css", {}, conn=conn)
        return s == 200, "status %d" % s

    def get_page(self, cookie, conn=None):
        s, body = self.http("GET", self.web, self.page, {"Cookie": cookie}, conn=conn)
        return s == 200 and "Year-end accounts" in body, "status %d" % s

    def get_api(self, conn=None):
        s, _ = self.http("GET", self.api, "/api/v1/threads/%s" % self.thread, self.api_auth(),
                         conn=conn)
        return s == 200, "status %d" % s

    def policy_query(self, sock=None):
        s = sock or socket.create_connection(("127.0.0.1", self.pol), 30)
        s.sendall(b"request=smtpd_access_policy\nprotocol_state=RCPT\n"
                  b"sender=a@example.org\nrecipient=reply+forgedtoken@reply.firm.example\n\n")
        data = b""
        while not data.endswith(b"\n\n"):
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
        if sock is None:
            s.close()
        line = data.decode(errors="replace").strip()
        return line.startswith("action="), line or "no answer"

    def lmtp_greeting(self):
        s = socket.create_connection(("127.0.0.1", self.lmtp), 30)
        line = s.makefile("rb").readline().decode(errors="replace").strip()
        try:
            s.sendall(b"QUIT\r\n")
        except OSError:
            pass
        s.close()
        return line.startswith("220 "), line or "no greeting"

    def post_reply(self, text):
        body = urllib.parse.urlencode({"csrf": self.csrf, "body": text})
        s, _ = self.http("POST", self.web, self.page + "/reply",
                         {"Cookie": self.cookie,
                          "Content-Type": "application/x-www-form-urlencoded"}, body)
        return s in SUCCESS, "status %d" % s

    def post_api(self, text):
        body = json.dumps({"from_staff": int(self.staff), "body": text})
        h = self.api_auth()
        h["Content-Type"] = "application/json"
        s, _ = self.http("POST", self.api, "/api/v1/threads/%s/messages" % self.thread, h, body)
        return s in SUCCESS, "status %d" % s

    def messages_with(self, text):
        con = sqlite3.connect(self.db, timeout=10)
        try:
            return con.execute("SELECT count(*) FROM messages WHERE body = ?",
                               (text,)).fetchone()[0]
        finally:
            con.close()


# ---- the lock --------------------------------------------------------------

LOCKER = r"""
import sqlite3, sys, time
con = sqlite3.connect(sys.argv[1], timeout=30, isolation_level=None)
con.execute("BEGIN IMMEDIATE")
con.execute("UPDATE firm SET name = name")
print("LOCKED %.6f" % time.monotonic(), flush=True)
time.sleep(float(sys.argv[2]))
con.execute("COMMIT")
print("RELEASED %.6f" % time.monotonic(), flush=True)
"""


class Lock:
    """Another process holding the write lock for `hold` seconds."""

    def __init__(self, db, hold):
        self.p = subprocess.Popen([sys.executable, "-c", LOCKER, db, str(hold)],
                                  stdout=subprocess.PIPE, text=True)
        line = self.p.stdout.readline().split()
        if len(line) != 2 or line[0] != "LOCKED":
            raise SystemExit("FAIL: the locking process did not take the lock")
        self.taken = float(line[1])

    def wait_released(self):
        line = self.p.stdout.readline().split()
        self.p.wait()
        if len(line) != 2 or line[0] != "RELEASED":
            raise SystemExit("FAIL: the locking process did not commit")
        self.released = float(line[1])
        return self.released


# ---- one timed request -----------------------------------------------------


class Sample:
    def __init__(self, kind, fn, *args):
        self.kind, self.fn, self.args = kind, fn, args
        self.sent = self.done = None
        self.ok, self.detail = False, "not run"

    def run(self):
        self.sent = time.monotonic()
        try:
            self.ok, self.detail = self.fn(*self.args)
        except Exception as e:  # a refused or reset connection, a timeout
            self.ok, self.detail = False, "%s: %s" % (type(e).__name__, e)
        self.done = time.monotonic()

    @property
    def latency(self):
        return self.done - self.sent


def at(t, sample):
    """A thread that runs sample at monotonic time t."""
    def go():
        delay = t - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        sample.run()
    th = threading.Thread(target=go, daemon=True)
    th.start()
    return th


def summary(kinds):
    print("%-14s %4s %9s %9s %9s" % ("kind", "n", "p50 ms", "p99 ms", "max ms"))
    for kind, lat in kinds:
        ms = [x * 1000 for x in lat]
        print("%-14s %4d %9.1f %9.1f %9.1f" % (kind, len(ms), pct(ms, 50), pct(ms, 99),
                                                max(ms) if ms else float("nan")))


# ---- test mode -------------------------------------------------------------


def run_test(gw, a):
    failures = []
    nonce = "%d.%d" % (os.getpid(), int(time.time()))
    lock = Lock(gw.db, a.hold)
    t0 = lock.taken
    threads, gets, posts = [], [], []

    # The POSTs first: on a loop that waits for the lock they stall it.
    for i in range(a.posts):
        text = "lock-latency web reply %d %s" % (i, nonce)
        posts.append((Sample("POST web", gw.post_reply, text), text))
        text = "lock-latency api message %d %s" % (i, nonce)
        posts.append((Sample("POST api", gw.post_api, text), text))
    for s, _ in posts:
        threads.append(at(t0 + 0.05, s))

    # Then the reads, spread over the first half of the lock period.
    last = t0 + a.hold / 2
    step = (last - (t0 + 0.3)) / max(1, a.gets - 1)
    for i in range(a.gets):
        t = t0 + 0.3 + i * step
        batch = [Sample("static", gw.get_static),
                 Sample("page cached", gw.get_page, gw.cookie),
                 Sample("page first", gw.get_page, gw.reader_cookies[i % len(gw.reader_cookies)]),
                 Sample("api GET", gw.get_api),
                 Sample("policy", gw.policy_query),
                 Sample("lmtp greeting", gw.lmtp_greeting)]
        gets += batch
        threads += [at(t, s) for s in batch]

    released = lock.wait_released()
    for th in threads:
        th.join(60)
    held = released - t0
    print("lock held %.2f s by another process; %d reads, %d POSTs during it"
          % (held, len(gets), len(posts)))

    # Reads: answered, within the bound, before the lock was released;
    # one line per kind of read that did not.
    by_kind = {}
    for s in gets:
        by_kind.setdefault(s.kind, []).append(s)
    for kind, samples in by_kind.items():
        lost = [s for s in samples if s.done is None or not s.ok]
        late = [s for s in samples if s.done is not None and s.ok and
                (s.latency >= a.bound or s.done >= released)]
        if lost:
            s = lost[0]
            failures.append("%s: %d of %d reads made while the lock was held got no "
                            "good answer (first, sent at +%.2f s: %s)"
                            % (kind, len(lost), len(samples), s.sent - t0,
                               s.detail if s.done is not None else "no answer in 60 s"))
        if late:
            lat = sorted(s.latency for s in late)
            after = sum(1 for s in late if s.done >= released)
            failures.append("%s: %d of %d reads made while the lock was held answered "
                            "after %.2f..%.2f s (bound %.1f s); %d only after the lock "
                            "was released" % (kind, len(late), len(samples), lat[0],
                                              lat[-1], a.bound, after))

    # POSTs: succeed after the release, within one lock period, durable.
    for s, text in posts:
        if s.done is None:
            failures.append("%s: no answer within 60 s" % s.kind)
            continue
        since = s.done - released
        if not s.ok:
            failures.append("%s: %s after %.2f s" % (s.kind, s.detail, s.latency))
        elif since < -0.1:
            failures.append("%s: success %.2f s before the lock was released: "
                            "its write cannot have committed" % (s.kind, -since))
        elif since >= held:
            failures.append("%s: answered %.2f s after the lock was released "
                            "(waited behind other POSTs for more than one lock "
                            "period, %.2f s)" % (s.kind, since, held))
        if s.ok and gw.messages_with(text) != 1:
            failures.append("%s answered %s but its message is not in the database once"
                            % (s.kind, s.detail))

    # The watchdog: pings kept coming while the lock was held.
    pings = [t for t in gw.notes_matching("WATCHDOG=1") if t0 <= t <= released]
    edges = [t0] + pings + [released]
    gap = max(b - a_ for a_, b in zip(edges, edges[1:]))
    print("watchdog: %d WATCHDOG=1 while the lock was held, longest gap %.2f s "
          "(WATCHDOG_USEC %.1f s)" % (len(pings), gap, WATCHDOG_USEC / 1e6))
    if gap >= WATCHDOG_USEC / 1e6:
        failures.append("watchdog: no WATCHDOG=1 for %.2f s while the lock was held "
                        "(systemd would kill the daemon after %.1f s)"
                        % (gap, WATCHDOG_USEC / 1e6))

    kinds = {}
    for s in gets + [p for p, _ in posts]:
        if s.done is not None:
            kinds.setdefault(s.kind, []).append(s.latency)
    print("latencies while the lock was held (information, not asserted):")
    summary(sorted(kinds.items()))
    post_after = [p.done - released for p, _ in posts if p.done is not None]
    if post_after:
        print("POST answered after the release: %.1f ms median, %.1f ms max"
              % (pct([x * 1000 for x in post_after], 50), max(post_after) * 1000))
    return failures


# ---- bench mode ------------------------------------------------------------


def run_bench(gw, a):
    sys.setswitchinterval(0.0002)  # a waiting client thread is not a slow server
    for run in range(1, a.runs + 1):
        stop = threading.Event()
        results = {}
        rlock = threading.Lock()

        def record(kind, lat):
            with rlock:
                results.setdefault(kind, []).append(lat)

        def loop(kind, make, call):
            conn = make()
            while not stop.is_set():
                t = time.monotonic()
                try:
                    res = call(conn)
                    if res is None:  # nothing left to ask
                        return
                    ok = res[0]
                except Exception:
                    ok = False
                    conn = make()
                if ok:
                    record(kind, time.monotonic() - t)
                else:
                    record(kind + " errors", 0.0)
                time.sleep(a.think)

        def web_conn():
            return http.client.HTTPConnection("127.0.0.1", gw.web, timeout=30)

        def api_conn():
            return http.client.HTTPConnection("127.0.0.1", gw.api, timeout=30)

        def pol_conn():
            return socket.create_connection(("127.0.0.1", gw.pol), 30)

        # Each reader's first view of the page is rendered; the cached
        # loop re-reads one page that the warm-up rendered.
        readers = list(gw.reader_cookies)

        def first_views(conn):
            if not readers:
                return None
            return gw.get_page(readers.pop(), conn)

        lock = Lock(gw.db, a.hold)
        workers = [
            ("static", web_conn, lambda c: gw.get_static(c)),
            ("static", web_conn, lambda c: gw.get_static(c)),
            ("page cached", web_conn, lambda c: gw.get_page(gw.cookie, c)),
            ("page first", web_conn, first_views),
            ("policy", pol_conn, lambda c: gw.policy_query(c)),
            ("api GET", api_conn, lambda c: gw.get_api(c)),
        ]
        ths = [threading.Thread(target=loop, args=w, daemon=True) for w in workers]
        posts = []
        for i in range(a.posts):
            tag = "bench %d.%d.%d" % (os.getpid(), run, i)
            posts.append(Sample("POST web", gw.post_reply, "web " + tag))
            posts.append(Sample("POST api", gw.post_api, "api " + tag))
        for th in ths:
            th.start()
        pths = [at(lock.taken + 0.05, s) for s in posts]
        released = lock.wait_released()
        stop.set()
        for th in ths + pths:
            th.join(60)
        for kind, lat in sorted(results.items()):
            if kind.endswith(" errors"):
                print("run %d: %d failed %s" % (run, len(lat), kind[:-7]))
                continue
            ms = [x * 1000 for x in lat]
            print("RUN %s %d %.3f %.3f %.3f" % (kind.replace(" ", "_"), len(ms),
                                                 pct(ms, 50), pct(ms, 99), max(ms)))
        after = [(s.done - released) * 1000 for s in posts if s.done is not None and s.ok]
        bad = len(posts) - len(after)
        if after:
            print("RUN post_after_release %d %.3f %.3f %.3f"
                  % (len(after), pct(after, 50), pct(after, 99), max(after)))
        if bad:
            print("run %d: %d POSTs failed" % (run, bad))
        # The next run starts from rendered pages again, for new readers.
        gw.reader_cookies = [gw.cookie_for(r) for r in gw.readers]
        time.sleep(0.5)
    return []


# ---- main ------------------------------------------------------------------


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--gatewayd", required=True)
    ap.add_argument("--gatewayctl", required=True)
    ap.add_argument("--dir", required=True, help="an empty temp directory")
    ap.add_argument("--messages", type=int, default=50)
    ap.add_argument("--readers", type=int, default=12,
                    help="contacts whose first view of the page is rendered under the lock")
    ap.add_argument("--hold", type=float, default=3.0, help="seconds the lock is held")
    ap.add_argument("--bound", type=float, default=1.0,
                    help="a read answered later than this waited for the lock")
    ap.add_argument("--gets", type=int, default=12, help="reads of each kind (test mode)")
    ap.add_argument("--posts", type=int, default=3, help="web and API POSTs of each kind")
    ap.add_argument("--bench", action="store_true")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--think", type=float, default=0.005,
                    help="bench: pause of each client between requests (s)")
    a = ap.parse_args()

    gw = Gateway(a)
    failures = []
    try:
        gw.seed()
        gw.start()
        gw.prepare_clients()
        failures = run_bench(gw, a) if a.bench else run_test(gw, a)
    finally:
        rc = gw.stop()
    if rc != 0:
        failures.append("gatewayd exited %s after SIGTERM" % rc)
    if failures:
        print("FAIL: %d assertion%s:" % (len(failures), "" if len(failures) == 1 else "s"))
        for f in failures:
            print("  " + f)
        print("--- gatewayd log (last 15 lines)")
        print(gw.log_tail(15), end="")
        return 1
    print("done" if a.bench else "PASS")
    return 0


if __name__ == "__main__":
    sys.exit(main())
