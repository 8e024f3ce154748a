#!/usr/bin/python3
"""A flood of HTTP peers, paths, methods and Host headers, for the flood tests.

  httpflood.py server PORT         answer every request on 0.0.0.0:PORT;
                                   prints "ready" once it listens
  httpflood.py client PORT N SEED  N connections, each to its own loopback
                                   address (127.1.0.0 up), one request with
                                   a random method, path and Host, then close;
                                   prints {"STATUS": responses, ...} as JSON

The server answers GET, POST and HEAD with 200 and any other method with
501, the way http.server does. Random methods are tokens of letters."""

import collections
import http.server
import json
import random
import socket
import socketserver
import string
import sys


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def _ok(self):
        body = b"ok\n"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    do_GET = do_POST = do_HEAD = _ok

    def log_message(self, *args):
        pass


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    request_queue_size = 512


def address(i):
    return "127.%d.%d.%d" % (1 + i // 65536, (i // 256) % 256, i % 256)


def client(port, n, seed):
    rnd = random.Random(seed)
    tally = collections.Counter()
    for i in range(n):
        method = rnd.choice(["GET", "POST", "HEAD"]) if rnd.random() < 0.5 else \
            "".join(rnd.choice(string.ascii_uppercase) for _ in range(rnd.randint(3, 12)))
        path = "/" + "/".join("".join(rnd.choice(string.ascii_lowercase + string.digits)
                                      for _ in range(rnd.randint(1, 16)))
                              for _ in range(rnd.randint(1, 6)))
        host = "h%d-%s.flood.test" % (i, "".join(rnd.choice(string.ascii_lowercase) for _ in range(6)))
        req = ("%s %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"
               % (method, path, host)).encode()
        with socket.create_connection((address(i), port), timeout=10) as s:
            s.sendall(req)
            data = b""
            while b"\r\n" not in data:
                chunk = s.recv(4096)
                if not chunk:
                    break
                data += chunk
            while s.recv(4096):
                pass
        status = data.split(b" ", 2)[1].decode() if data.startswith(b"HTTP/1.") else "none"
        tally[status] += 1
    print(json.dumps(tally))


def main():
    if sys.argv[1] == "server":
        srv = Server(("0.0.0.0", int(sys.argv[2])), Handler)
        print("ready", flush=True)
        srv.serve_forever()
    else:
        client(int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]))


if __name__ == "__main__":
    main()
