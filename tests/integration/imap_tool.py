#!/usr/bin/env python3
"""imap_tool.py - the IMAP client side of test_imap_dovecot.sh.

  imap_tool.py PORT USER PASSWORD append MAILBOX FILE...   APPEND each file
  imap_tool.py PORT USER PASSWORD count MAILBOX            messages in it (-1: none)
  imap_tool.py PORT USER PASSWORD copy FROM TO SUBJECT     COPY the message
  imap_tool.py PORT USER PASSWORD create MAILBOX
  imap_tool.py PORT USER PASSWORD delete MAILBOX
  imap_tool.py PORT USER PASSWORD big FILE MB              write an MB-megabyte message
  imap_tool.py proxy LISTEN_PORT TARGET_PORT FLAG_FILE [SOURCE]
      a TCP relay that, while FLAG_FILE exists, cuts the first large
      server-to-client burst short (a server that closes in the middle of a
      FETCH), then removes FLAG_FILE.  A FLAG_FILE that reads "copy" cuts
      the connection instead when the client sends a COPY (plain IMAP only:
      the connection lost after a message was decided, before it was moved).  SOURCE: the loopback address it
      connects from (Dovecot slows every login from an address that failed
      to log in; a client that fails on purpose comes from another one).

Plain IMAP on 127.0.0.1 (the private Dovecot allows LOGIN without TLS).
"""
import imaplib
import os
import socket
import sys
import threading


def login(port, user, password):
    m = imaplib.IMAP4("127.0.0.1", int(port))
    m.login(user, password)
    return m


def quote(name):
    return '"' + name.replace('\\', '\\\\').replace('"', '\\"') + '"'


def proxy(listen_port, target_port, flag, source=None):
    srv = socket.socket()
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", int(listen_port)))
    srv.listen(16)

    def relay(src, dst, to_client):
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                mode = None
                if os.path.exists(flag):
                    with open(flag) as f:
                        mode = f.read().strip() or "fetch"
                if mode == "fetch" and to_client and len(data) > 4096:
                    dst.sendall(data[:len(data) // 3])
                    os.unlink(flag)
                    break
                if mode == "copy" and not to_client and b" COPY " in data:
                    os.unlink(flag)
                    break
                dst.sendall(data)
        except OSError:
            pass
        for s in (src, dst):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    while True:
        c, _ = srv.accept()
        try:
            s = socket.create_connection(("127.0.0.1", int(target_port)),
                                         source_address=(source, 0) if source else None)
        except OSError:
            c.close()
            continue
        threading.Thread(target=relay, args=(c, s, False), daemon=True).start()
        threading.Thread(target=relay, args=(s, c, True), daemon=True).start()


def main(argv):
    if argv[1] == "proxy":
        proxy(argv[2], argv[3], argv[4], argv[5] if len(argv) > 5 else None)
        return 0
    port, user, password, cmd = argv[1:5]
    args = argv[5:]
    if cmd == "big":
        with open(args[0], "wb") as f:
            f.write(b"From: Jane Smith <jane@client.example>\r\n"
                    b"Subject: the whole archive\r\nMessage-ID: <big1@client.example>\r\n"
                    b"Content-Type: text/plain\r\n\r\n")
            line = b"x" * 998 + b"\r\n"
            for _ in range(int(args[1]) * 1024 * 1024 // len(line)):
                f.write(line)
        return 0
    m = login(port, user, password)
    if cmd == "append":
        for path in args[1:]:
            with open(path, "rb") as f:
                typ, data = m.append(quote(args[0]), None, None, f.read())
            if typ != "OK":
                print(data, file=sys.stderr)
                return 1
    elif cmd == "count":
        typ, data = m.select(quote(args[0]), readonly=True)
        print(int(data[0]) if typ == "OK" else -1)
    elif cmd == "copy":
        m.select(quote(args[0]))
        typ, data = m.uid("SEARCH", None, "SUBJECT", quote(args[2]))
        uids = data[0].split()
        if typ != "OK" or not uids:
            print("no message with that subject", file=sys.stderr)
            return 1
        typ, data = m.uid("COPY", uids[0], quote(args[1]))
        if typ != "OK":
            return 1
    elif cmd == "create":
        m.create(quote(args[0]))
    elif cmd == "delete":
        typ, data = m.delete(quote(args[0]))
        if typ != "OK":
            print(data, file=sys.stderr)
            return 1
    m.logout()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
