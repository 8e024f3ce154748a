"""Calls to outside dependencies, per service and peer: a client service
calls Debian's nginx on another loopback address that the config names
payment-gateway, the same nginx by the Host header it asks for, a plain
TCP echo server (named ip:port), a closed port (connect failures) and a
TLS server (named by the SNI the client sends). Two hosts asked for at
one address and port are two peers: each connection is named by its own
Host or server name. Every counter must equal what the client saw."""

import collections
import json
import os
import signal
import subprocess
import tempfile
import time

from pantau_lib import (BUILD, Cgroup, Nginx, Pantau, burn, check, free_port, http_client,
                        rand_suffix, series, spawn_in, stop, tcp_client, tcp_server, value, wait_for)

HTTPMINI = os.path.join(BUILD, "tests", "tools", "httpmini")

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


def httpmini_client(cg, port, host=None):
    """httpmini's client script in the cgroup, to 127.0.0.1:port with Host
    host (default: 127.0.0.1:port); ({"METHOD Nxx": responses}, connections)."""
    cmd = [HTTPMINI, "client", "--port", str(port), "--cgroup", cg.path]
    if host:
        cmd += ["--host", host]
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                       timeout=120)
    check(p.returncode == 0, "httpmini client failed (%s): %s" % (p.returncode, p.stdout))
    tally, conns = {}, None
    for line in p.stdout.splitlines():
        f = line.split()
        if f[0] == "requests":
            tally["%s %s" % (f[1], f[2])] = int(f[3])
        elif f[0] == "connections":
            conns = int(f[1])
    check(tally and conns, "httpmini client printed no tally: %r" % p.stdout)
    return tally, conns


def add_classes(*tallies):
    out = {}
    for t in tallies:
        for k, n in by_class(t).items():
            out[k] = out.get(k, 0) + n
    return out


def test_hosts_at_one_address_are_two_peers():
    """The case a user met: a client calls 127.0.0.1:PORT with its default
    Host (127.0.0.1:PORT), then with Host: pay.example.test, then with its
    default again. Each connection is named by its own Host, not by the
    first one seen at that address, for requests, their durations and
    connect times alike, and in the request and connection events."""
    srv, cli = Cgroup("t-dvh"), Cgroup("t-dvcli")
    server = None
    try:
        with Pantau(args=("--events-file", "@EVENTS@")) as p:
            port = free_port()
            ready = os.path.join(p.tmp, "httpmini.ready")
            server = subprocess.Popen([HTTPMINI, "serve", "--port", str(port), "--cgroup", srv.path,
                                       "--ready", ready], stdout=subprocess.DEVNULL)
            wait_for(lambda: os.path.exists(ready) and os.path.getsize(ready) > 0, 10,
                     "httpmini serve")
            first, conns1 = httpmini_client(cli, port)
            pay, conns2 = httpmini_client(cli, port, "pay.example.test")
            again, conns3 = httpmini_client(cli, port)
            want = {"127.0.0.1": add_classes(first, again), "pay.example.test": add_classes(pay)}
            want_conns = {"127.0.0.1": conns1 + conns3, "pay.example.test": conns2}

            def counted(m):
                return all(dep_counts(m, cli.service, peer) == {k: float(v) for k, v in w.items()}
                           for peer, w in want.items())
            try:
                m = wait_for(lambda: (lambda m: counted(m) and m)(p.metrics()), 15,
                             "the calls under both names")
            except Exception:
                got = {}
                for ls, v in series(p.metrics(), "pantau_dependency_requests_total",
                                    service=cli.service).items():
                    got.setdefault(dict(ls)["peer"], {})[dict(ls)["status_class"]] = v
                raise AssertionError("calls by peer: pantau %r, client %r" % (got, want))
            peers = {dict(ls)["peer"] for ls in series(m, "pantau_dependency_requests_total",
                                                       service=cli.service)}
            for peer, w in want.items():
                n = sum(w.values())
                durations = value(m, "pantau_dependency_request_duration_seconds_count",
                                  service=cli.service, peer=peer, protocol="http")
                connects = value(m, "pantau_dependency_connect_duration_seconds_count",
                                 service=cli.service, peer=peer)
                print("  %s: client %r over %d connections; pantau %r, %s durations, %s connect "
                      "times" % (peer, w, want_conns[peer], dep_counts(m, cli.service, peer),
                                 durations, connects))
                check(durations == n, "%s: %s durations for %d calls" % (peer, durations, n))
                check(connects == want_conns[peer], "%s: %s connect times for %d connections"
                      % (peer, connects, want_conns[peer]))
            check(peers == set(want), "the client's peers: %r, want %r" % (peers, sorted(want)))
            connect_peers = {dict(ls)["peer"] for ls in series(
                m, "pantau_dependency_connect_duration_seconds_count", service=cli.service)}
            check(connect_peers == set(want), "connect times under %r" % connect_peers)

            def events():
                """{dataset: Counter(peer)} of the client's outbound events."""
                out = collections.defaultdict(collections.Counter)
                with open(p.events_path) as f:
                    for line in f:
                        d = json.loads(line)
                        if (d["service"]["name"] == cli.service
                                and d["network"]["direction"] == "outbound"):
                            out[d["event"]["dataset"]][d["pantau"]["peer"]] += 1
                return out
            want_events = {
                "pantau.http": {peer: sum(w.values()) for peer, w in want.items()},
                "pantau.connection": want_conns,
            }
            try:
                wait_for(lambda: events() == want_events, 10, "the client's events by peer")
            finally:
                print("  events by peer: %r" % {k: dict(v) for k, v in events().items()})
    finally:
        if server:
            stop(server)
        srv.remove()
        cli.remove()


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
            # Two server names at one address and port: two peers.
            for name in ("pay.example.test", "api.example.test", "pay.example.test"):
                c = spawn_in(cli, ["openssl", "s_client", "-connect", "127.0.0.1:%d" % port,
                                   "-servername", name],
                             stdin=subprocess.DEVNULL)
                c.communicate(timeout=30)
            wall = time.time() - start
            m = wait_for(lambda: (lambda m: sum(dep_counts(m, cli.service, "pay.example.test",
                                                          protocol="tls").values()) == 2 and m)
                         (p.metrics()), 15, "two TLS calls named by SNI")
            m = wait_for(lambda: (lambda m: sum(dep_counts(m, cli.service, "api.example.test",
                                                          protocol="tls").values()) == 1 and m)
                         (p.metrics()), 15, "one TLS call named api.example.test")
            got = dep_counts(m, cli.service, "pay.example.test", protocol="tls")
            got_api = dep_counts(m, cli.service, "api.example.test", protocol="tls")
            print("  TLS calls to pay.example.test: %r, to api.example.test: %r" % (got, got_api))
            check(got == {"none": 2.0}, "TLS calls: %r" % got)
            check(got_api == {"none": 1.0}, "TLS calls to the second name: %r" % got_api)
            for name, calls in (("pay.example.test", 2), ("api.example.test", 1)):
                connects = value(m, "pantau_dependency_connect_duration_seconds_count",
                                 service=cli.service, peer=name)
                check(connects == calls, "connect times under %s: %s, %d connections"
                      % (name, connects, calls))
            # Each call's duration: ClientHello sent to the server's first byte back.
            n = value(m, "pantau_dependency_request_duration_seconds_count", service=cli.service,
                      peer="pay.example.test", protocol="tls")
            s = value(m, "pantau_dependency_request_duration_seconds_sum", service=cli.service,
                      peer="pay.example.test", protocol="tls")
            s_api = value(m, "pantau_dependency_request_duration_seconds_sum", service=cli.service,
                          peer="api.example.test", protocol="tls")
            served = wait_for(lambda: (lambda m: value(
                m, "pantau_request_duration_seconds_count", service=srv.service, protocol="tls")
                == 3 and m)(p.metrics()), 15, "the server's three TLS connections")
            s_srv = value(served, "pantau_request_duration_seconds_sum", service=srv.service,
                          protocol="tls")
            print("  TLS first answer: client %.6f s over %d calls (+ %.6f s for the other name), "
                  "server %.6f s; the three s_client runs took %.3f s" % (s, n, s_api, s_srv, wall))
            check(n == 2 and 0 < s and 0 < s_api and s + s_api < wall,
                  "TLS durations %s (sum %s s + %s s), runs took %.3f s" % (n, s, s_api, wall))
            check(0 < s_srv <= s + s_api, "the server answered in %s s, the client waited %s s"
                  % (s_srv, s + s_api))
    finally:
        if server:
            stop(server)
        srv.remove()
        cli.remove()


def rules_config(service, peer, prefix):
    return ('services:\n  rules:\n    - { cgroup: "/%s-*", name: %s }\n'
            'peers:\n  rules:\n    - { cidr: 127.0.0.3/32, name: %s }\n' % (prefix, service, peer))


def test_sighup_renames_services_and_peers_without_losing_counts():
    prefix = "t-ren" + rand_suffix(4)
    srv, cli = Cgroup("t-rensrv"), Cgroup(prefix)
    nginx = None
    try:
        with Pantau(config=rules_config("alpha", "gateway-a", prefix)) as p:
            nginx = Nginx(srv, addrs=("127.0.0.3",))
            first = sum(http_client(cli, "127.0.0.3", nginx.port, "keepalive").values())
            burn("--cgroup", cli.path, "--cpu-ms", "300").wait(timeout=30)
            wait_for(lambda: sum(dep_counts(p.metrics(), "alpha", "gateway-a").values()) == first, 15,
                     "alpha's %d calls to gateway-a" % first)
            alpha_cpu = value(p.metrics(), "pantau_cpu_seconds_total", service="alpha")

            with open(p.config, "w") as f:
                f.write(rules_config("beta", "gateway-b", prefix))
            p.proc.send_signal(signal.SIGHUP)
            wait_for(lambda: "service and peer rules applied" in p.log_text(), 10, "the reload")
            second = sum(http_client(cli, "127.0.0.3", nginx.port, "keepalive", "close").values())
            burn("--cgroup", cli.path, "--cpu-ms", "300").wait(timeout=30)
            m = wait_for(lambda: (lambda m: m if sum(dep_counts(m, "beta", "gateway-b").values()) == second
                                  else None)(p.metrics()), 15, "beta's %d calls to gateway-b" % second)
            truth = cli.usage_usec() / 1e6
            cpu = {s: value(m, "pantau_cpu_seconds_total", service=s) for s in ("alpha", "beta")}
            calls = {(s, peer): sum(dep_counts(m, s, peer).values())
                     for s, peer in (("alpha", "gateway-a"), ("beta", "gateway-b"), ("beta", "gateway-a"))}
            print("  calls before / after the reload: %d / %d; pantau %r" % (first, second, calls))
            print("  CPU: alpha %.4f s (before the reload %.4f), beta %.4f s, cpu.stat %.4f s"
                  % (cpu["alpha"], alpha_cpu, cpu["beta"], truth))
            check(calls[("alpha", "gateway-a")] == first, "alpha's calls changed: %r" % calls)
            check(calls[("beta", "gateway-b")] == second and calls[("beta", "gateway-a")] == 0,
                  "calls after the reload: %r" % calls)
            check(cpu["alpha"] >= alpha_cpu and cpu["beta"] > 0, "CPU %r, alpha had %.4f" % (cpu, alpha_cpu))
            check(abs(cpu["alpha"] + cpu["beta"] - truth) / truth < 0.05,
                  "alpha + beta %.4f s, cpu.stat %.4f s" % (cpu["alpha"] + cpu["beta"], truth))
    finally:
        if nginx:
            nginx.stop()
        srv.remove()
        cli.remove()
