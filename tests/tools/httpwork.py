#!/usr/bin/python3
"""HTTP/1.1 client workloads with known figures, over raw sockets so that
the test controls how requests are cut into writes.

  httpwork.py HOST PORT SCENARIO...

Scenarios: keepalive (5 connections x 8 requests over /ok /created
/missing /broken), close (6 requests, one connection each, GET and
DELETE), pipelined (three requests in one write), split (headers in four
writes), chunked (a chunked POST body in three writes, then a GET), head
(HEAD requests, whose responses have no body), errors (20 requests on one
keep-alive connection, 15 of them to /broken), healthy (20 requests on one
keep-alive connection to /ok and /created), big (40 GETs of /big, a
300 KiB file, on one keep-alive connection; the tally's "TCP ooo" is how
many segments the client's TCP received past a hole, from TCP_INFO's
tcpi_rcv_ooopack). The Host header is
$HTTPWORK_HOST, "test" by default. Prints one JSON object:
"METHOD STATUS" -> responses received.
"""

import collections
import http.client
import json
import os
import socket
import struct
import sys
import time

KEEPALIVE_PATHS = ["/ok", "/created", "/missing", "/broken"]
PAYLOAD = b"order=1234&amount=50000"


class Unclosable:
    """http.client closes the reader after each response; keep it open."""

    def __init__(self, f):
        self.f = f

    def __getattr__(self, name):
        return getattr(self.f, name)

    def close(self):
        pass


class Conn:
    """A socket and one buffered reader for all its responses: pipelined
    responses may arrive in one read."""

    def __init__(self, host, port):
        fam = socket.AF_INET6 if ":" in host else socket.AF_INET
        self.sock = socket.socket(fam, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.sock.connect((host, port))
        self.reader = self.sock.makefile("rb")

    def makefile(self, *args, **kwargs):
        return Unclosable(self.reader)

    def sendall(self, data):
        self.sock.sendall(data)

    def close(self):
        self.reader.close()
        self.sock.close()


def connect(host, port):
    return Conn(host, port)


HOST = os.environ.get("HTTPWORK_HOST", "test")


def request(method, path, body=b"", close=False, extra=""):
    head = "%s %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: httpwork\r\n%s" % (method, path, HOST, extra)
    if body:
        head += "Content-Length: %d\r\n" % len(body)
    if close:
        head += "Connection: close\r\n"
    return head.encode() + b"\r\n" + body


def read_response(sock, method, tally):
    r = http.client.HTTPResponse(sock, method=method)
    r.begin()
    r.read()
    tally["%s %d" % (method, r.status)] += 1
    return r


def keepalive(host, port, tally):
    for _ in range(5):
        s = connect(host, port)
        for i in range(8):
            method = "POST" if i % 4 == 3 else "GET"
            body = PAYLOAD if method == "POST" else b""
            s.sendall(request(method, KEEPALIVE_PATHS[i % 4], body))
            read_response(s, method, tally)
        s.close()


def close(host, port, tally):
    for i in range(6):
        s = connect(host, port)
        method = "DELETE" if i % 2 else "GET"
        s.sendall(request(method, "/missing" if i % 3 == 0 else "/ok", close=True))
        read_response(s, method, tally)
        s.close()


def pipelined(host, port, tally):
    s = connect(host, port)
    s.sendall(request("GET", "/ok") + request("GET", "/missing") +
              request("POST", "/created", PAYLOAD))
    for method in ("GET", "GET", "POST"):
        read_response(s, method, tally)
    s.close()


def split(host, port, tally):
    s = connect(host, port)
    whole = request("GET", "/broken")
    for part in (whole[:2], whole[2:20], whole[20:31], whole[31:]):
        s.sendall(part)
        time.sleep(0.05)
    read_response(s, "GET", tally)
    s.close()


def chunked(host, port, tally):
    s = connect(host, port)
    s.sendall(b"POST /created HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\n\r\n")
    time.sleep(0.05)
    s.sendall(b"5;ext=1\r\nhello\r\n")
    time.sleep(0.05)
    s.sendall(b"7\r\n world!\r\n0\r\n\r\n")
    read_response(s, "POST", tally)
    s.sendall(request("GET", "/ok"))
    read_response(s, "GET", tally)
    s.close()


def head(host, port, tally):
    s = connect(host, port)
    for path in ("/ok", "/missing", "/ok"):
        s.sendall(request("HEAD", path))
        read_response(s, "HEAD", tally)
    s.close()


def errors(host, port, tally):
    s = connect(host, port)
    for i in range(20):
        s.sendall(request("GET", "/ok" if i % 4 == 0 else "/broken"))
        read_response(s, "GET", tally)
    s.close()


def healthy(host, port, tally):
    s = connect(host, port)
    for i in range(20):
        s.sendall(request("GET", "/created" if i % 4 == 0 else "/ok"))
        read_response(s, "GET", tally)
    s.close()


BIG_REQUESTS = 40
# struct tcp_info (linux/tcp.h): tcpi_rcv_ooopack is the u32 at this offset.
TCPI_RCV_OOOPACK = 224


def big(host, port, tally):
    s = connect(host, port)
    for _ in range(BIG_REQUESTS):
        s.sendall(request("GET", "/big"))
        read_response(s, "GET", tally)
    info = s.sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 256)
    if len(info) < TCPI_RCV_OOOPACK + 4:
        sys.exit("TCP_INFO has no tcpi_rcv_ooopack on this kernel")
    tally["TCP ooo"] += struct.unpack_from("I", info, TCPI_RCV_OOOPACK)[0]
    s.close()


SCENARIOS = {f.__name__: f for f in (keepalive, close, pipelined, split, chunked, head,
                                     errors, healthy, big)}


def main():
    if len(sys.argv) < 4 or any(a not in SCENARIOS for a in sys.argv[3:]):
        sys.exit(__doc__)
    host, port = sys.argv[1], int(sys.argv[2])
    tally = collections.Counter()
    for name in sys.argv[3:]:
        SCENARIOS[name](host, port, tally)
    print(json.dumps(tally), flush=True)


if __name__ == "__main__":
    main()
