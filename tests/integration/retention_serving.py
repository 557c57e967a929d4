#!/usr/bin/env python3
"""retention_serving.py - the real gatewayd deleting a large backlog while
it serves the web view and the JSON API.

    retention_serving.py --gatewayd PATH --gatewayctl PATH --dir TMPDIR
                         [--threads N]

A database is made with gatewayctl (staff, two accounts, a live thread, an
API key); then N threads archived eight years ago (three messages each) are
written straight into it for one account, 20 for a second account that is
put on legal hold, and 5000 inbound log rows a year old.  gatewayd starts
with [retention] archived_threads = 7y, inbound_log = 90d and small
batches, and deletes them on its store pool's writer lane while this
script keeps asking: GET and POST on the API, GET on the web view.

Asserts:
  - every request made while retention runs is answered with success, none
    slower than --bound seconds, and at least 20 were answered before it
    finished (the two really overlapped);
  - afterwards exactly the old threads of the account not on hold are gone
    (with their messages), the held account's and the live thread are
    there with every message posted meanwhile, the old inbound rows are gone;
  - the daemon logged the run; every API read made meanwhile left its
    audit entry.
Durations and latencies are printed.  Exit 0 pass, 1 fail.
Python standard library only.
"""
import argparse
import http.client
import json
import os
import socket
import sqlite3
import subprocess
import sys
import threading
import time

from gwtest import free_port, gateway_conf, pct

YEAR = 365 * 86400


def fail(msg, log=None):
    print("FAIL: " + msg)
    if log and os.path.exists(log):
        print("--- gatewayd log (last 30 lines)")
        with open(log, errors="replace") as f:
            print("".join(f.readlines()[-30:]))
    sys.exit(1)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--gatewayd", required=True)
    ap.add_argument("--gatewayctl", required=True)
    ap.add_argument("--dir", required=True)
    ap.add_argument("--threads", type=int, default=20000)
    ap.add_argument("--bound", type=float, default=2.0)
    a = ap.parse_args()

    d = a.dir
    db = os.path.join(d, "gw.db")
    conf = os.path.join(d, "gatewayd.conf")
    log = os.path.join(d, "gatewayd.log")
    web, api = free_port(), free_port()
    with open(conf, "w") as f:
        f.write(gateway_conf(d, web, api, """[retention]
archived_threads = 7y
inbound_log = 90d
batch = 200

"""))

    def ctl(*argv):
        return subprocess.run([a.gatewayctl, "-c", conf] + list(argv), check=True,
                              stdout=subprocess.PIPE, text=True).stdout.strip()

    ctl("init")
    ctl("firm", "set", "--name", "Example & Partners")
    staff = ctl("staff", "add", "Olivia Owner", "olivia@firm.example", "--role", "owner")
    acme = ctl("account", "add", "Acme Bakery Ltd")
    held = ctl("account", "add", "Held Ltd")
    ctl("contact", "add", acme, "Anna Baker", "anna@acme.example")
    live = ctl("thread", "new", acme, "--from", staff, "--subject", "Year-end",
               "--body", "Hello Anna")
    key = ctl("apikey", "add", "portal")
    ctl("account", "hold", held, "on")

    now = int(time.time())
    old = now - 8 * YEAR
    con = sqlite3.connect(db)
    con.execute("PRAGMA foreign_keys = ON")
    with con:
        def add_threads(account, n, tag):
            for i in range(n):
                cur = con.execute(
                    "INSERT INTO threads (account_id, subject, created_by_kind, created_by_id,"
                    " created_at, last_message_at, archived_at, mail_root_id)"
                    " VALUES (?, ?, 'staff', ?, ?, ?, ?, ?)",
                    (account, "old %d" % i, staff, old, old, old, "%s%d@x.example" % (tag, i)))
                t = cur.lastrowid
                con.executemany(
                    "INSERT INTO messages (thread_id, author_kind, author_id, body, created_at)"
                    " VALUES (?, 'staff', ?, ?, ?)",
                    [(t, staff, "old message %d" % k, old) for k in range(3)])
        add_threads(int(acme), a.threads, "old")
        add_threads(int(held), 20, "held")
        con.executemany(
            "INSERT INTO inbound_log (received_at, sender, recipient, size, verdict)"
            " VALUES (?, 'x@example.org', 'r@reply.firm.example', 100, 'dropped')",
            [(now - YEAR,)] * 5000)
    con.close()

    proc = subprocess.Popen([a.gatewayd, "-c", conf, "--foreground"],
                            stdout=open(log, "ab"), stderr=subprocess.STDOUT)
    try:
        run(a, proc, db, log, web, api, key, acme, held, live, staff)
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()


def count(db, sql, *args):
    con = sqlite3.connect("file:%s?mode=ro" % db, uri=True, timeout=10)
    try:
        return con.execute(sql, args).fetchone()[0]
    finally:
        con.close()


def run(a, proc, db, log, web, api, key, acme, held, live, staff):
    t0 = time.monotonic()
    while True:
        try:
            socket.create_connection(("127.0.0.1", api), 0.5).close()
            socket.create_connection(("127.0.0.1", web), 0.5).close()
            break
        except OSError:
            if proc.poll() is not None or time.monotonic() - t0 > 15:
                fail("gatewayd did not start", log)
            time.sleep(0.05)

    old_left = lambda: count(db, "SELECT count(*) FROM threads WHERE account_id = ? AND"
                             " archived_at IS NOT NULL", int(acme))
    hdr = {"Authorization": "Bearer " + key, "Content-Type": "application/json"}
    lat = {"api_get": [], "api_post": [], "web_get": []}
    errors = []
    gets = posts = 0
    answered_before_done = 0
    done_at = None
    start = time.monotonic()
    capi = http.client.HTTPConnection("127.0.0.1", api, timeout=30)
    cweb = http.client.HTTPConnection("127.0.0.1", web, timeout=30)
    i = 0
    while time.monotonic() - start < 240:
        i += 1
        for kind in ("api_get", "api_post", "web_get"):
            t = time.monotonic()
            if kind == "api_get":
                capi.request("GET", "/api/v1/threads/%s" % live, headers=hdr)
                r = capi.getresponse()
                gets += 1
            elif kind == "api_post":
                body = json.dumps({"from_staff": int(staff), "body": "while deleting %d" % i})
                capi.request("POST", "/api/v1/threads/%s/messages" % live, body=body,
                             headers=hdr)
                r = capi.getresponse()
                posts += 1
            else:
                cweb.request("GET", "/")
                r = cweb.getresponse()
            r.read()
            lat[kind].append(time.monotonic() - t)
            if r.status not in (200, 201):
                errors.append("%s: %d" % (kind, r.status))
        if i % 10 == 0:
            left = old_left()
            if left == 0:
                done_at = time.monotonic()
                break
            answered_before_done = i
    if done_at is None:
        fail("retention did not finish in 240 s (%d old threads left)" % old_left(), log)
    print("retention of %d threads: %.1f s while serving %d rounds of requests"
          % (a.threads, done_at - start, i))
    for kind, v in lat.items():
        print("%-8s n=%d p50=%.1f ms p99=%.1f ms max=%.1f ms"
              % (kind, len(v), pct(v, 50) * 1000, pct(v, 99) * 1000, max(v) * 1000))
    if errors:
        fail("%d requests failed, first: %s" % (len(errors), errors[0]), log)
    worst = max(max(v) for v in lat.values())
    if worst > a.bound:
        fail("a request took %.2f s (bound %.1f s)" % (worst, a.bound), log)
    if answered_before_done < 20:
        fail("only %d rounds answered before retention finished: no overlap" %
             answered_before_done, log)

    # what is left is exactly what must be
    if count(db, "SELECT count(*) FROM threads WHERE account_id = ?", int(held)) != 20:
        fail("the held account's threads were touched", log)
    if count(db, "SELECT count(*) FROM messages m JOIN threads t ON t.id = m.thread_id"
                 " WHERE t.account_id = ?", int(held)) != 60:
        fail("the held account's messages were touched", log)
    if count(db, "SELECT count(*) FROM messages WHERE thread_id NOT IN"
                 " (SELECT id FROM threads)") != 0:
        fail("messages left without their thread", log)
    if count(db, "SELECT count(*) FROM messages WHERE thread_id = ?", int(live)) != posts + 1:
        fail("the live thread lost messages", log)
    deadline = time.monotonic() + 10
    while count(db, "SELECT count(*) FROM inbound_log") != 0:
        if time.monotonic() > deadline:
            fail("old inbound log rows left", log)
        time.sleep(0.2)
    # every API read made meanwhile is in the audit log (within a second)
    deadline = time.monotonic() + 5
    while count(db, "SELECT count(*) FROM audit_log WHERE action = 'view' AND"
                    " actor_kind = 'api' AND thread_id = ?", int(live)) < gets:
        if time.monotonic() > deadline:
            fail("API reads missing from the audit log", log)
        time.sleep(0.1)
    deadline = time.monotonic() + 10
    while True:
        with open(log, errors="replace") as f:
            text = f.read()
        if "retention: deleted %d threads" % a.threads in text:
            break
        if time.monotonic() > deadline:
            fail("no retention line in the log", log)
        time.sleep(0.2)
    print("PASS")


if __name__ == "__main__":
    main()
