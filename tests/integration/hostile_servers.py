#!/usr/bin/env python3
"""Hostile remote-cache servers on 127.0.0.1 for hostile_remote.sh. One mode per process:

  redis-trickle   answers any command with a bulk reply sent at 1 byte/s, forever
  redis-huge      announces a $<1 TB> bulk reply, then sends an endless body
  redis-moved     answers any command with -MOVED to WITNESS_PORT (a second listener that appends
                  one line to WITNESS_FILE per connection: it must stay empty)
  http-length     HTTP 200 with Content-Length: 1 TB, then an endless body
  http-chunked    HTTP 200, chunked, an endless body

Usage: hostile_servers.py MODE PORT [WITNESS_PORT WITNESS_FILE]. Writes "ready" on stdout once
listening. Exits by itself after 15 minutes."""
import socket
import sys
import threading
import time

CHUNK = b"x" * 65536
TB = 10**12


def listener(port):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", port))
    s.listen(64)
    return s


def endless(conn, chunk=CHUNK):
    while True:
        conn.sendall(chunk)


def read_http_head(conn):
    data = b""
    while b"\r\n\r\n" not in data:
        got = conn.recv(65536)
        if not got:
            raise ConnectionError
        data += got


def serve(mode, conn, witness_port):
    conn.recv(65536)  # the command or request (a PUT's body is never read)
    if mode == "redis-trickle":
        for b in b"$1000000\r\n" + CHUNK * 16:
            conn.sendall(bytes([b]))
            time.sleep(1)
    elif mode == "redis-huge":
        conn.sendall(b"$%d\r\n" % TB)
        endless(conn)
    elif mode == "redis-moved":
        while True:
            conn.sendall(b"-MOVED 1 127.0.0.1:%d\r\n" % witness_port)
            if not conn.recv(65536):
                return
    elif mode == "http-length":
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % TB)
        endless(conn)
    elif mode == "http-chunked":
        conn.sendall(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
        endless(conn, b"%x\r\n%s\r\n" % (len(CHUNK), CHUNK))


def handle(mode, conn, witness_port):
    try:
        serve(mode, conn, witness_port)
    except OSError:
        pass  # the client gave up: what it should do
    finally:
        conn.close()


def witness(s, path):
    while True:
        conn, addr = s.accept()
        with open(path, "a") as f:
            f.write(f"connection from {addr}\n")
        conn.close()


def main():
    mode, port = sys.argv[1], int(sys.argv[2])
    witness_port = int(sys.argv[3]) if len(sys.argv) > 3 else 0
    if mode == "redis-moved":
        threading.Thread(target=witness, args=(listener(witness_port), sys.argv[4]), daemon=True).start()
    s = listener(port)
    print("ready", flush=True)
    s.settimeout(1)
    end = time.time() + 900
    while time.time() < end:
        try:
            conn, _ = s.accept()
        except socket.timeout:
            continue
        threading.Thread(target=handle, args=(mode, conn, witness_port), daemon=True).start()


if __name__ == "__main__":
    main()
