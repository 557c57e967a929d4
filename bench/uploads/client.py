#!/usr/bin/env python3
"""client.py - CLIENTS concurrent multipart uploads of SIZE bytes each.

   client.py URL CLIENTS SIZE ROUND [COOKIE CSRF]

Each client POSTs one multipart/form-data body (a text field and one
file) to URL at the same moment; every file starts with its own round and
client number, so that no two are the same content.  Prints
"SECONDS BYTES FAILED": the wall time from the first request to the last
answer, the bytes of the bodies sent, and how many answers were not
2xx/3xx.
"""
import http.client
import os
import sys
import threading
import time
import urllib.parse


def main():
    url, clients, size, rnd = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    cookie = sys.argv[5] if len(sys.argv) > 5 else None
    csrf = sys.argv[6] if len(sys.argv) > 6 else None
    u = urllib.parse.urlsplit(url)
    target = u.path + ("?" + u.query if u.query else "")
    shared = os.urandom(size - 64)
    bodies = []
    for i in range(clients):
        head = ("--BenchB\r\nContent-Disposition: form-data; name=\"body\"\r\n\r\n"
                "upload %s-%d\r\n--BenchB\r\nContent-Disposition: form-data; name=\"file\"; "
                "filename=\"scan-%s-%d.pdf\"\r\nContent-Type: application/pdf\r\n\r\n"
                % (rnd, i, rnd, i)).encode()
        unique = ("%-64s" % ("round %s client %d" % (rnd, i))).encode()
        bodies.append(head + unique + shared + b"\r\n--BenchB--\r\n")
    failed = []
    start = threading.Barrier(clients + 1)

    def one(i):
        conn = http.client.HTTPConnection(u.hostname, u.port, timeout=120)
        conn.connect()
        headers = {"Content-Type": "multipart/form-data; boundary=BenchB",
                   "Content-Length": str(len(bodies[i]))}
        if cookie:
            headers["Cookie"] = cookie
        if csrf:
            headers["X-CSRF-Token"] = csrf
        start.wait()
        try:
            conn.request("POST", target, body=bodies[i], headers=headers)
            r = conn.getresponse()
            r.read()
            if r.status >= 400:
                failed.append(r.status)
        except Exception as e:  # noqa: BLE001 - counted, not raised
            failed.append(str(e))
        conn.close()

    threads = [threading.Thread(target=one, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    start.wait()
    t0 = time.monotonic()
    for t in threads:
        t.join()
    print("%.4f %d %d" % (time.monotonic() - t0, sum(len(b) for b in bodies), len(failed)))
    if failed:
        print("failures: %s" % failed[:5], file=sys.stderr)


main()
