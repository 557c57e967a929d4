#!/usr/bin/env python3
"""bench/attack/attack.py - the attacks of bench/attack/run.sh against a
running gatewayd, measured from /proc (see run.sh for what and why).

Prints "MEASURE name value" lines for run.sh, and a few human lines.
Loopback only; every phase has a bounded count and a deadline.
"""
import argparse
import os
import re
import select
import socket
import threading
import time


def proc_status(pid, key):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])  # kB
    return 0


def cpu_ticks(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime + stime


def reset_peak(pid):
    with open(f"/proc/{pid}/clear_refs", "w") as f:
        f.write("5")


def log_lines(path):
    with open(path, "rb") as f:
        return sum(1 for _ in f)


def connect(port, src, timeout=5.0):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((src, 0))
    s.settimeout(timeout)
    s.connect(("127.0.0.1", port))
    return s


def src_addr(i):
    # Many loopback source addresses, so that the per-address cap does not
    # hide what the body limit and the EMFILE pause do.
    return f"127.0.{1 + i // 250}.{1 + i % 250}"


def http_get(port, path, cookie, timeout=5.0):
    s = connect(port, "127.0.0.1", timeout)
    try:
        s.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
                  f"Cookie: {cookie}\r\nConnection: close\r\n\r\n".encode())
        data = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
        return data
    finally:
        s.close()


def status_of(data):
    m = re.match(rb"HTTP/1\.\d (\d+)", data)
    return int(m.group(1)) if m else 0


# ---- (a) bodies ------------------------------------------------------------

def anon_body(port, i, size, results):
    """An anonymous POST of size bytes to an upload route, sent in full
    unless the server stops it."""
    status = 0
    try:
        s = connect(port, src_addr(i), 30)
        s.sendall(f"POST /t/1/reply HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
                  "Content-Type: multipart/form-data; boundary=X\r\n"
                  f"Content-Length: {size}\r\n\r\n".encode())
        chunk = b"a" * 65536
        sent = 0
        s.setblocking(False)
        answer = b""
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            r, w, _ = select.select([s], [s] if sent < size else [], [], 1)
            if r:
                try:
                    got = s.recv(65536)
                except OSError:
                    break
                if not got:
                    break
                answer += got
                if b"\r\n\r\n" in answer:
                    break
            if w and sent < size:
                try:
                    sent += s.send(chunk[: min(len(chunk), size - sent)])
                except (BlockingIOError, InterruptedError):
                    pass
                except OSError:
                    break
        status = status_of(answer)
        s.close()
    except OSError:
        status = -1
    results[i] = status


def upload(port, i, cookie, csrf, thread, size, results):
    boundary = "----benchBoundary%d" % i
    head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n"
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"body\"\r\n\r\nupload {i}\r\n"
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; "
            f"filename=\"ledger-{i}.bin\"\r\nContent-Type: application/octet-stream\r\n\r\n").encode()
    tail = f"\r\n--{boundary}--\r\n".encode()
    total = len(head) + size + len(tail)
    status = 0
    try:
        s = connect(port, src_addr(1000 + i), 120)
        s.sendall(f"POST /t/{thread}/reply?csrf={csrf} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
                  f"Cookie: {cookie}\r\nSec-Fetch-Site: same-origin\r\nOrigin: null\r\n"
                  f"Content-Type: multipart/form-data; boundary={boundary}\r\n"
                  f"Content-Length: {total}\r\nConnection: close\r\n\r\n".encode())
        s.sendall(head)
        block = bytes([i % 256]) * 65536
        left = size
        while left > 0:
            n = min(left, len(block))
            s.sendall(block[:n])
            left -= n
        s.sendall(tail)
        answer = b""
        while b"\r\n\r\n" not in answer:
            got = s.recv(65536)
            if not got:
                break
            answer += got
        status = status_of(answer)
        s.close()
    except OSError:
        status = -1
    results[i] = status


def run_threads(n, target, *args):
    results = [None] * n
    threads = [threading.Thread(target=target, args=(*args[:1], i, *args[1:], results))
               for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(180)
    return results


# ---- (b) descriptors and trickles --------------------------------------------

def hold_and_trickle(port, n_hold, n_trickle, seconds, every):
    """n_hold connections that send half a request line and never finish
    their headers, n_trickle that send one header line every `every`
    seconds; connections the server closes are opened again, for `seconds`."""
    hold, trickle = [], []
    opened = refused = 0
    deadline = time.monotonic() + seconds
    next_line = time.monotonic()
    while time.monotonic() < deadline:
        # Top the attack up to its size.
        while len(hold) < n_hold and time.monotonic() < deadline:
            try:
                s = connect(port, src_addr(opened % 100), 1)
                s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n")
                s.setblocking(False)
                hold.append(s)
                opened += 1
            except OSError:
                refused += 1
                break
        while len(trickle) < n_trickle:
            try:
                s = connect(port, src_addr(2000 + len(trickle)), 1)
                s.sendall(b"GET / HTTP/1.1\r\n")
                s.setblocking(False)
                trickle.append(s)
                opened += 1
            except OSError:
                refused += 1
                break
        if time.monotonic() >= next_line:
            for s in trickle:
                try:
                    s.send(b"X-Trickle: 1\r\n")
                except OSError:
                    pass
            next_line += every
        # Drop what the server closed (it is reopened on the next round).
        for group in (hold, trickle):
            if not group:
                continue
            p = select.poll()
            byfd = {s.fileno(): s for s in group}
            for fd in byfd:
                p.register(fd, select.POLLIN)
            for fd, _ in p.poll(0):
                # The server writes to these only as it closes them.
                group.remove(byfd[fd])
                byfd[fd].close()
        time.sleep(0.2)
    for s in hold + trickle:
        s.close()
    return opened, refused


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--pid", type=int, required=True)
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--cookie", required=True)
    ap.add_argument("--csrf", required=True)
    ap.add_argument("--thread", type=int, required=True)
    ap.add_argument("--anon", type=int, default=150)
    ap.add_argument("--anon-size", type=int, default=10 * 1024 * 1024)
    ap.add_argument("--uploads", type=int, default=20)
    ap.add_argument("--upload-size", type=int, default=9 * 1024 * 1024)
    ap.add_argument("--hold", type=int, default=1100)
    ap.add_argument("--trickle", type=int, default=50)
    ap.add_argument("--seconds", type=float, default=20)
    ap.add_argument("--every", type=float, default=5)
    a = ap.parse_args()
    pid, port = a.pid, a.port
    page = f"/t/{a.thread}"

    print(f"MEASURE rss_start_mb {proc_status(pid, 'VmRSS') / 1024:.1f}")
    # (a) anonymous bodies
    reset_peak(pid)
    t0 = time.monotonic()
    res = run_threads(a.anon, anon_body, port, a.anon_size)
    print(f"MEASURE anon_seconds {time.monotonic() - t0:.2f}")
    print(f"MEASURE anon_hwm_mb {proc_status(pid, 'VmHWM') / 1024:.1f}")
    print(f"MEASURE anon_413 {sum(1 for r in res if r == 413)}")
    print(f"MEASURE anon_other {sum(1 for r in res if r != 413)}")
    # (a) signed-in uploads, all at once
    reset_peak(pid)
    t0 = time.monotonic()
    res = run_threads(a.uploads, upload, port, a.cookie, a.csrf, a.thread, a.upload_size)
    print(f"MEASURE upload_seconds {time.monotonic() - t0:.2f}")
    print(f"MEASURE upload_hwm_mb {proc_status(pid, 'VmHWM') / 1024:.1f}")
    print(f"MEASURE upload_303 {sum(1 for r in res if r == 303)}")
    print(f"MEASURE upload_statuses {','.join(str(r) for r in res)}")
    # (b) descriptors and trickle
    lines0 = log_lines(a.log)
    ticks0, w0 = cpu_ticks(pid), time.monotonic()
    opened, refused = hold_and_trickle(port, a.hold, a.trickle, a.seconds, a.every)
    ticks1, w1 = cpu_ticks(pid), time.monotonic()
    stop = time.monotonic()
    answered = 0
    while time.monotonic() - stop < 30:
        try:
            if status_of(http_get(port, page, a.cookie, 2)) == 200:
                answered = 1
                break
        except OSError:
            pass
        time.sleep(0.05)
    recovery = time.monotonic() - stop
    hz = os.sysconf("SC_CLK_TCK")
    print(f"MEASURE attack_cpu_pct {100.0 * (ticks1 - ticks0) / hz / (w1 - w0):.1f}")
    print(f"MEASURE attack_log_lines {log_lines(a.log) - lines0}")
    print(f"MEASURE attack_connections {opened}")
    print(f"MEASURE attack_connect_failures {refused}")
    print(f"MEASURE recovery_ms {1000 * recovery:.0f}")
    print(f"MEASURE recovered {answered}")
    print(f"MEASURE rss_end_mb {proc_status(pid, 'VmRSS') / 1024:.1f}")


if __name__ == "__main__":
    main()
