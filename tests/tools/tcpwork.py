#!/usr/bin/python3
"""TCP workloads with known figures, for the network tests.

  tcpwork.py server HOST PORT [--reset]
      Listen and echo every connection until the peer shuts down, then
      close; with --reset, close each connection at once with a reset.
      Prints "ready" once listening; runs until killed.
  tcpwork.py client HOST PORT CONNS BYTES [--hold]
      CONNS connections one after another, each sending BYTES and reading
      the echo; with --hold, all open at once, waiting for a line on stdin
      before finishing. Prints one JSON line of what happened, with the
      kernel's own per-socket figures (TCP_INFO) read before each close.
"""

import errno
import json
import os
import socket
import struct
import sys
import threading

TCPI_TOTAL_RETRANS = 100      # offsets in struct tcp_info
TCPI_BYTES_ACKED = 120
TCPI_BYTES_RECEIVED = 128
TCPI_BYTES_SENT = 200


def tcp_info(s):
    raw = s.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 256)
    retrans, = struct.unpack_from("I", raw, TCPI_TOTAL_RETRANS)
    acked, received = struct.unpack_from("QQ", raw, TCPI_BYTES_ACKED)
    sent, resent = struct.unpack_from("QQ", raw, TCPI_BYTES_SENT)
    return {"retrans": retrans, "bytes_acked": acked, "bytes_received": received,
            "bytes_sent": sent, "bytes_retrans": resent}


def family_of(host):
    return socket.AF_INET6 if ":" in host else socket.AF_INET


def echo(conn):
    with conn:
        while True:
            data = conn.recv(65536)
            if not data:
                break
            conn.sendall(data)


def server(host, port, reset):
    ls = socket.socket(family_of(host), socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind((host, port))
    ls.listen(128)
    print("ready", flush=True)
    while True:
        conn, _ = ls.accept()
        if reset:
            conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            conn.close()
            continue
        threading.Thread(target=echo, args=(conn,), daemon=True).start()


def exchange(s, nbytes, totals):
    payload = b"x" * nbytes
    s.sendall(payload)
    try:
        s.shutdown(socket.SHUT_WR)
    except OSError as e:
        # A reset that lands between sendall and shutdown has already
        # closed the socket: shutdown says ENOTCONN, SO_ERROR keeps why.
        err = s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
        if e.errno == errno.ENOTCONN and err == errno.ECONNRESET:
            raise ConnectionResetError(err, os.strerror(err)) from e
        raise
    got = 0
    while True:
        data = s.recv(65536)
        if not data:
            break
        got += len(data)
    info = tcp_info(s)
    totals["sent"] += nbytes
    totals["received"] += got
    for k, v in info.items():
        totals["info_" + k] += v


def client(host, port, conns, nbytes, hold):
    totals = {"sent": 0, "received": 0, "connected": 0, "refused": 0, "reset": 0,
              "info_retrans": 0, "info_bytes_acked": 0, "info_bytes_received": 0,
              "info_bytes_sent": 0, "info_bytes_retrans": 0}
    socks = []
    for _ in range(conns):
        s = socket.socket(family_of(host), socket.SOCK_STREAM)
        try:
            s.connect((host, port))
        except ConnectionRefusedError:
            totals["refused"] += 1
            s.close()
            continue
        totals["connected"] += 1
        if hold:
            socks.append(s)
            continue
        try:
            exchange(s, nbytes, totals)
        except ConnectionResetError:
            totals["reset"] += 1
        s.close()
    if hold:
        print("holding", flush=True)
        sys.stdin.readline()
        for s in socks:
            exchange(s, nbytes, totals)
            s.close()
    print(json.dumps(totals), flush=True)


def main():
    args = sys.argv[1:]
    if len(args) >= 3 and args[0] == "server":
        server(args[1], int(args[2]), "--reset" in args[3:])
    elif len(args) >= 5 and args[0] == "client":
        client(args[1], int(args[2]), int(args[3]), int(args[4]), "--hold" in args[5:])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
