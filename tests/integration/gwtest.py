"""gwtest.py - what the Python scenarios against a real gatewayd
(lock_latency.py, retention_serving.py) share: free loopback ports,
percentiles, and the config they start the daemon with.

Imported, not run.  Python standard library only.
"""
import math
import socket


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def pct(values, p):
    """The p-th percentile (nearest rank) of values."""
    if not values:
        return float("nan")
    v = sorted(values)
    k = max(0, min(len(v) - 1, math.ceil(p / 100.0 * len(v)) - 1))
    return v[k]


def gateway_conf(d, web, api, extra=""):
    """gatewayd.conf for a daemon whose files are all in directory d: mail
    to a Maildir, the web view and the JSON API on loopback ports web and
    api.  extra (whole sections, each ending in a blank line) goes before
    [log]."""
    return """[store]
path = {d}/gw.db
attachments_dir = {d}/attachments

[mail]
transport = maildir:{d}/Maildir
from = chat@firm.example
reply_domain = reply.firm.example
batch_window = 0

[links]
key_file = {d}/keys

[web]
listen = 127.0.0.1:{web}
base_url = http://127.0.0.1:{web}

[api]
listen = 127.0.0.1:{api}

{extra}[log]
level = info
""".format(d=d, web=web, api=api, extra=extra)
