#!/usr/bin/env python3
"""webhook_receiver.py PORTFILE LOG SECRETFILE CONTROL - a webhook endpoint
for the tests, on 127.0.0.1 (port chosen by the kernel, written to PORTFILE).

Every request is checked the way docs/webhooks.md tells receivers to:
HMAC-SHA256 of the secret over "T.BODY", compared with v1 of the
Gatewayd-Signature header, whose t must equal Gatewayd-Timestamp.  One JSON
line per request goes to LOG: the event id, type, thread and message ids,
whether the signature verified, and the status answered.

CONTROL is a file read on every request; its first line says how to answer:
  ok              204
  500 [N]         500 (the next N requests only, then ok; no N: always)
  slow SECS [N]   wait SECS before answering 200 (the next N requests)
  redirect        302 to this same URL (a redirect loop, if followed)
"""
import hashlib
import hmac
import json
import os
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PORTFILE, LOG, SECRETFILE, CONTROL = sys.argv[1:5]
SECRET = open(SECRETFILE, "rb").read().split(b"\n")[0].strip()
LOCK = threading.Lock()
USED = {}  # control line -> requests answered under it


def decide():
    """The answer for this request, from CONTROL (counting N down)."""
    try:
        line = open(CONTROL).read().split("\n")[0].split()
    except OSError:
        line = ["ok"]
    if not line:
        return ("ok", 0)
    kind, args = line[0], line[1:]
    key = " ".join(line)
    with LOCK:
        n = USED.get(key, 0)
        USED[key] = n + 1
    if kind == "500":
        if args and n >= int(args[0]):
            return ("ok", 0)
        return ("500", 0)
    if kind == "slow":
        if len(args) > 1 and n >= int(args[1]):
            return ("ok", 0)
        return ("slow", float(args[0]))
    if kind == "redirect":
        return ("redirect", 0)
    return ("ok", 0)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        ts = self.headers.get("Gatewayd-Timestamp", "")
        sig = dict(p.split("=", 1) for p in self.headers.get("Gatewayd-Signature", "").split(",")
                   if "=" in p)
        want = hmac.new(SECRET, ts.encode() + b"." + body, hashlib.sha256).hexdigest()
        verified = sig.get("t") == ts and hmac.compare_digest(sig.get("v1", ""), want)
        try:
            ev = json.loads(body)
        except ValueError:
            ev = {}
        data = ev.get("data", {})
        kind, secs = decide()
        if kind == "slow":
            time.sleep(secs)
        status = {"ok": 204, "500": 500, "slow": 200, "redirect": 302}[kind]
        rec = {"at": time.time(), "event_id": self.headers.get("Gatewayd-Event-Id"),
               "id": ev.get("id"), "type": ev.get("type"),
               "header_type": self.headers.get("Gatewayd-Event"),
               "thread_id": data.get("thread_id"), "message_id": data.get("message_id"),
               "verified": verified, "status": status}
        with LOCK, open(LOG, "a") as f:
            f.write(json.dumps(rec) + "\n")
        with LOCK:
            # The last request as received, for checking by other tools.
            base = os.path.join(os.path.dirname(LOG), "last")
            with open(base + ".body", "wb") as f:
                f.write(body)
            with open(base + ".headers", "w") as f:
                f.write("HOOK_T=%s\nHOOK_V1=%s\n" % (ts, sig.get("v1", "")))
        try:
            self.send_response(status)
            if kind == "redirect":
                self.send_header("Location", "http://127.0.0.1:%d%s" %
                                 (self.server.server_address[1], self.path))
            self.send_header("Content-Length", "0")
            self.end_headers()
        except OSError:
            pass  # the client gave up (timeout)


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
server.daemon_threads = True
with open(PORTFILE + ".tmp", "w") as f:
    f.write(str(server.server_address[1]))
os.rename(PORTFILE + ".tmp", PORTFILE)
server.serve_forever()
