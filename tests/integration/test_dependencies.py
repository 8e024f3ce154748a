"""Calls to outside dependencies, per service and peer: a client service
calls Debian's nginx on another loopback address that the config names
payment-gateway, the same nginx by the Host header it asks for, a plain
TCP echo server (named ip:port), a closed port (connect failures) and a
TLS server (named by the SNI the client sends). Every counter must equal
what the client saw."""

import os
import subprocess
import tempfile
import time

from pantau_lib import (Cgroup, Nginx, Pantau, check, free_port, http_client, series, spawn_in,
                        stop, tcp_client, tcp_server, value, wait_for)

CONFIG = """peers:
  rules:
    - { cidr: 127.0.0.3/32, name: payment-gateway }
    - { host: "*.shop.test", name: shop }
"""


def by_class(tally):
    out = {}
    for k, n in tally.items():
        cls = k.split()[1][0] + "xx"
        out[cls] = out.get(cls, 0) + n
    return out


def dep_counts(m, service, peer, protocol="http"):
    return {dict(ls)["status_class"]: v for ls, v in
            series(m, "pantau_dependency_requests_total", service=service, peer=peer,
                   protocol=protocol).items()}


def test_dependencies_are_named_and_counted_per_peer():
    srv, cli, echo = Cgroup("t-dgw"), Cgroup("t-dcli"), Cgroup("t-decho")
    nginx = echo_srv = None
    try:
        with Pantau(config=CONFIG) as p:
            nginx = Nginx(srv, addrs=("127.0.0.3", "127.0.0.1", "127.0.0.4"))
            gw = http_client(cli, "127.0.0.3", nginx.port, "keepalive", "pipelined")
            byhost = http_client(cli, "127.0.0.1", nginx.port, "close",
                                 host_header="pay.example.test")
            # Peers are told apart by address and port: virtual hosts get one each here.
            shop = http_client(cli, "127.0.0.4", nginx.port, "head", host_header="www.shop.test")
            refused = tcp_client(cli, "127.0.0.3", free_port(), 3, 10)
            check(refused["refused"] == 3, "connects to a closed port were not refused: %r" % refused)
            echo_port = free_port()
            echo_srv = tcp_server(echo, "127.0.0.1", echo_port)
            echoed = tcp_client(cli, "127.0.0.1", echo_port, 4, 1000)
            want_gw = by_class(gw)
            m = wait_for(lambda: (lambda m: sum(dep_counts(m, cli.service, "payment-gateway").values())
                                  == sum(want_gw.values()) and m)(p.metrics()),
                         15, "the gateway calls")
            got_gw = dep_counts(m, cli.service, "payment-gateway")
            got_host = dep_counts(m, cli.service, "pay.example.test")
            got_shop = dep_counts(m, cli.service, "shop")
            fails = value(m, "pantau_dependency_connect_failures_total", service=cli.service,
                          peer="payment-gateway")
            tcp_peer = "127.0.0.1:%d" % echo_port
            got_tcp = dep_counts(m, cli.service, tcp_peer, protocol="tcp")
            dur = value(m, "pantau_dependency_request_duration_seconds_count", service=cli.service,
                        peer="payment-gateway", protocol="http")
            print("  payment-gateway: client saw %r, pantau %r, %s durations, %s connect failures"
                  % (want_gw, got_gw, dur, fails))
            print("  pay.example.test (Host): client %r, pantau %r" % (by_class(byhost), got_host))
            print("  shop (host rule): client %r, pantau %r" % (by_class(shop), got_shop))
            print("  %s (no name): pantau %r" % (tcp_peer, got_tcp))
            check(got_gw == {k: float(v) for k, v in want_gw.items()},
                  "gateway calls by status class: pantau %r, client %r" % (got_gw, want_gw))
            check(dur == sum(want_gw.values()), "gateway durations %s" % dur)
            check(got_host == {k: float(v) for k, v in by_class(byhost).items()},
                  "calls named by Host: %r" % got_host)
            check(got_shop == {k: float(v) for k, v in by_class(shop).items()},
                  "calls named by a host rule: %r" % got_shop)
            check(fails == 3, "connect failures to the gateway: %s, made 3" % fails)
            check(got_tcp == {"none": 4.0}, "plain TCP calls: %r" % got_tcp)
            # Connect times: one per connection that opened, none for the refused.
            connects = value(m, "pantau_dependency_connect_duration_seconds_count",
                             service=cli.service, peer=tcp_peer)
            connect_s = value(m, "pantau_dependency_connect_duration_seconds_sum",
                              service=cli.service, peer=tcp_peer)
            gw_connects = value(m, "pantau_dependency_connect_duration_seconds_count",
                                service=cli.service, peer="payment-gateway")
            print("  connect times to %s: %s connections, %.6f s in all (client opened %d); "
                  "payment-gateway: %s" % (tcp_peer, connects, connect_s or 0,
                                           echoed["connected"], gw_connects))
            check(connects == echoed["connected"] == 4,
                  "connect times: %s, the client opened %d" % (connects, echoed["connected"]))
            check(0 < connect_s < 4 * 1.0, "connect times add up to %s s on loopback" % connect_s)
            check(gw_connects and gw_connects >= 1, "no connect time for the gateway's connections")
            check(not series(m, "pantau_dependency_requests_total", service=srv.service),
                  "the server shows dependencies it never called")
    finally:
        if nginx:
            nginx.stop()
        if echo_srv:
            stop(echo_srv)
        for cg in (srv, cli, echo):
            cg.remove()


def test_tls_calls_are_named_by_their_sni():
    srv, cli = Cgroup("t-dtls"), Cgroup("t-dtcli")
    tmp = tempfile.mkdtemp(prefix="pantau-tls-")
    key, cert = os.path.join(tmp, "key.pem"), os.path.join(tmp, "cert.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key,
                    "-out", cert, "-subj", "/CN=pay.example.test", "-days", "1"],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    port = free_port()
    server = None
    try:
        with Pantau() as p:
            server = spawn_in(srv, ["openssl", "s_server", "-accept", "127.0.0.1:%d" % port,
                                    "-cert", cert, "-key", key, "-quiet"],
                              stdin=subprocess.DEVNULL)
            wait_for(lambda: "127.0.0.1:%d" % port in subprocess.run(
                ["ss", "-ltnH"], stdout=subprocess.PIPE, text=True).stdout, 10, "the TLS server")
            start = time.time()
            for _ in range(2):
                c = spawn_in(cli, ["openssl", "s_client", "-connect", "127.0.0.1:%d" % port,
                                   "-servername", "pay.example.test"],
                             stdin=subprocess.DEVNULL)
                c.communicate(timeout=30)
            wall = time.time() - start
            m = wait_for(lambda: (lambda m: sum(dep_counts(m, cli.service, "pay.example.test",
                                                          protocol="tls").values()) == 2 and m)
                         (p.metrics()), 15, "two TLS calls named by SNI")
            got = dep_counts(m, cli.service, "pay.example.test", protocol="tls")
            print("  TLS calls to pay.example.test: %r" % got)
            check(got == {"none": 2.0}, "TLS calls: %r" % got)
            # Each call's duration: ClientHello sent to the server's first byte back.
            n = value(m, "pantau_dependency_request_duration_seconds_count", service=cli.service,
                      peer="pay.example.test", protocol="tls")
            s = value(m, "pantau_dependency_request_duration_seconds_sum", service=cli.service,
                      peer="pay.example.test", protocol="tls")
            served = wait_for(lambda: (lambda m: value(
                m, "pantau_request_duration_seconds_count", service=srv.service, protocol="tls")
                == 2 and m)(p.metrics()), 15, "the server's two TLS connections")
            s_srv = value(served, "pantau_request_duration_seconds_sum", service=srv.service,
                          protocol="tls")
            print("  TLS first answer: client %.6f s over %d calls, server %.6f s; the two "
                  "s_client runs took %.3f s" % (s, n, s_srv, wall))
            check(n == 2 and 0 < s < wall, "TLS durations %s (sum %s s), runs took %.3f s"
                  % (n, s, wall))
            check(0 < s_srv <= s, "the server answered in %s s, the client waited %s s" % (s_srv, s))
    finally:
        if server:
            stop(server)
        srv.remove()
        cli.remove()
