"""Per-service TCP figures from real connections on this kernel: a server
and a client, each in a cgroup of its own, exchange a known number of
bytes over a known number of connections; the truth is what they did and
what the kernel's TCP_INFO says about their sockets."""

import os
import subprocess

from pantau_lib import (Cgroup, LossyNetns, Pantau, check, free_port, spawn_in, stop, tcp_client,
                        tcp_server, value, wait_for, TCPWORK)

CONNS = 20
NBYTES = 10000


def metric(m, name, svc, **labels):
    return value(m, name, service=svc, **labels) or 0


def exchange_counts_exactly(host):
    srv, cli = Cgroup("t-tsrv"), Cgroup("t-tcli")
    server = None
    try:
        with Pantau() as p:
            port = free_port()
            server = tcp_server(srv, host, port)
            rep = tcp_client(cli, host, port, CONNS, NBYTES)
            check(rep["connected"] == CONNS and rep["received"] == CONNS * NBYTES,
                  "the workload itself failed: %r" % rep)
            m = wait_for(lambda: (lambda m: metric(m, "pantau_tcp_rtt_seconds_count", srv.service)
                                  == CONNS and m)(p.metrics()), 15, "%d closed connections" % CONNS)
            for cg, direction in ((srv, "inbound"), (cli, "outbound")):
                opened = metric(m, "pantau_tcp_connections_opened_total", cg.service, direction=direction)
                rx = metric(m, "pantau_network_bytes_total", cg.service, direction="received")
                tx = metric(m, "pantau_network_bytes_total", cg.service, direction="sent")
                rtt = metric(m, "pantau_tcp_rtt_seconds_count", cg.service)
                active = metric(m, "pantau_tcp_connections_active", cg.service, direction=direction)
                print("  %s %s: opened %d, received %d, sent %d, rtt samples %d, active %d" %
                      (host, cg.service, opened, rx, tx, rtt, active))
                check(opened == CONNS, "%s: %d %s connections, made %d" % (cg.service, opened, direction, CONNS))
                check(rx == CONNS * NBYTES and tx == CONNS * NBYTES,
                      "%s: received %d, sent %d bytes; the workload moved %d each way" %
                      (cg.service, rx, tx, CONNS * NBYTES))
                check(rtt == CONNS, "%s: %d RTT samples for %d connections" % (cg.service, rtt, CONNS))
                check(active == 0, "%s: %d connections still active after all closed" % (cg.service, active))
            tcp_reqs = metric(m, "pantau_requests_total", srv.service, protocol="tcp",
                              method="none", status_class="none")
            check(tcp_reqs == CONNS, "a non-HTTP server: %d tcp requests for %d connections" %
                  (tcp_reqs, CONNS))
            check(rep["info_bytes_sent"] - rep["info_bytes_retrans"] == CONNS * NBYTES,
                  "TCP_INFO disagrees with the workload: %r" % rep)
    finally:
        if server:
            stop(server)
        srv.remove()
        cli.remove()


def test_connections_and_bytes_are_counted_per_service_ipv4():
    exchange_counts_exactly("127.0.0.1")


def test_connections_and_bytes_are_counted_per_service_ipv6():
    exchange_counts_exactly("::1")


def test_active_connections_and_a_listener_older_than_pantau():
    srv, cli = Cgroup("t-tsrv"), Cgroup("t-tcli")
    port = free_port()
    server = tcp_server(srv, "127.0.0.1", port)   # listening before pantau starts
    client = None
    try:
        with Pantau() as p:
            client = spawn_in(cli, ["/usr/bin/python3", TCPWORK, "client", "127.0.0.1", str(port),
                                    "5", "1000", "--hold"], stdin=subprocess.PIPE)
            check(client.stdout.readline().strip() == "holding", "client did not hold")
            m = wait_for(lambda: (lambda m: metric(m, "pantau_tcp_connections_active", cli.service,
                                                   direction="outbound") == 5 and m)(p.metrics()),
                         15, "5 active outbound connections")
            got_in = metric(m, "pantau_tcp_connections_active", srv.service, direction="inbound")
            print("  active: client outbound 5, server inbound %d" % got_in)
            check(got_in == 5, "server has %d active inbound connections, client holds 5" % got_in)
            client.stdin.write("\n")
            client.stdin.flush()
            client.communicate(timeout=60)
            m = wait_for(lambda: (lambda m: metric(m, "pantau_tcp_connections_active", srv.service,
                                                   direction="inbound") == 0 and m)(p.metrics()),
                         15, "connections to close")
            rx = metric(m, "pantau_network_bytes_total", srv.service, direction="received")
            opened = metric(m, "pantau_tcp_connections_opened_total", srv.service, direction="inbound")
            check(opened == 5 and rx == 5000,
                  "listener from before pantau: %d connections, %d bytes (want 5, 5000)" % (opened, rx))
    finally:
        if client:
            stop(client)
        stop(server)
        srv.remove()
        cli.remove()


def sh(*cmd):
    subprocess.run(list(cmd), check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def out_resets(ns):
    """Tcp OutRsts of a network namespace: every reset its kernel sent."""
    out = subprocess.run(["ip", "netns", "exec", ns, "cat", "/proc/net/snmp"],
                         stdout=subprocess.PIPE, text=True, check=True).stdout
    names, values = [l.split() for l in out.splitlines() if l.startswith("Tcp:")][:2]
    return int(values[names.index("OutRsts")])


def test_connect_failures_and_resets_go_to_their_services():
    """In a namespace of its own, so that its kernel's reset counter is the
    truth: a reset answering a segment no socket wants (a refused connect)
    belongs to no service, and every other one to the server. The server
    sends one per connection it resets, and one more when the client's
    data arrives after that close: the listener answers it."""
    ns = "pantau-r-" + os.urandom(3).hex()
    srv, cli = Cgroup("t-trst"), Cgroup("t-tcli")
    server = None
    try:
        sh("ip", "netns", "add", ns)
        sh("ip", "netns", "exec", ns, "ip", "link", "set", "lo", "up")
        with Pantau() as p:
            rsts0 = out_resets(ns)
            rep = tcp_client(cli, "127.0.0.1", 9001, 3, 100, netns=ns)
            check(rep["refused"] == 3, "connections to a closed port were not refused: %r" % rep)
            server = tcp_server(srv, "127.0.0.1", 9000, "--reset", netns=ns)
            rep = tcp_client(cli, "127.0.0.1", 9000, 4, 100, netns=ns)
            check(rep["reset"] == 4, "the resetting server did not reset 4 times: %r" % rep)
            truth = out_resets(ns) - rsts0 - 3
            m = wait_for(lambda: (lambda m: metric(m, "pantau_tcp_resets_total", srv.service,
                                                   direction="sent") >= truth and m)(p.metrics()),
                         15, "%d resets sent" % truth)
            fails = metric(m, "pantau_tcp_connect_failures_total", cli.service)
            sent = metric(m, "pantau_tcp_resets_total", srv.service, direction="sent")
            got = metric(m, "pantau_tcp_resets_total", cli.service, direction="received")
            srv_fails = metric(m, "pantau_tcp_connect_failures_total", srv.service)
            print("  connect failures %d; resets sent by server %d (kernel %d), received by "
                  "client %d" % (fails, sent, truth, got))
            check(fails == 3, "client: %d connect failures, made 3" % fails)
            check(truth >= 4, "the namespace sent %d resets for 4 reset connections" % truth)
            check(sent == truth, "server: %d resets sent, the kernel sent %d" % (sent, truth))
            # Each refused connect is answered by a reset too; a reset that
            # comes after the first one finds the client's socket gone.
            check(4 + 3 <= got <= truth + 3,
                  "client: %d resets received, want 4 + 3 refusals at least" % got)
            check(srv_fails == 0, "the server got the client's failures")
    finally:
        if server:
            stop(server)
        subprocess.run(["ip", "netns", "del", ns], stderr=subprocess.DEVNULL)
        srv.remove()
        cli.remove()


def test_retransmits_under_packet_loss_are_the_senders():
    """A server in a network namespace behind a veth pair that drops 10%
    of what arrives: the client's retransmits, which the kernel sends from
    timers and softirqs, are the client's, as its own TCP_INFO says."""
    srv, cli = Cgroup("t-tlsrv"), Cgroup("t-tlcli")
    server = None
    try:
        with LossyNetns("10.231.7", 0.1) as ns, Pantau() as p:
            server = tcp_server(srv, ns.ns_addr, 9000, netns=ns.name)
            # Offloads make few, large segments: a round may lose none. Up to
            # three rounds, until the loss caused retransmits to count.
            truth = rounds = 0
            while truth == 0 and rounds < 3:
                rep = tcp_client(cli, ns.ns_addr, 9000, 4, 200000)
                check(rep["received"] == 4 * 200000, "the lossy exchange did not complete: %r" % rep)
                truth += rep["info_retrans"]
                rounds += 1
            conns = 4 * rounds
            # Closed on both sides: the namespace's sockets show their bytes at close.
            m = wait_for(lambda: (lambda m: metric(m, "pantau_tcp_rtt_seconds_count", srv.service) == conns
                                  and metric(m, "pantau_tcp_rtt_seconds_count", cli.service) == conns
                                  and m)(p.metrics()), 30, "%d closed connections on both sides" % conns)
            got = metric(m, "pantau_tcp_retransmits_total", cli.service)
            srv_rx = metric(m, "pantau_network_bytes_total", srv.service, direction="received")
            print("  client retransmits: pantau %d, TCP_INFO %d; server received %d bytes (%d rounds)" %
                  (got, truth, srv_rx, rounds))
            check(truth > 0, "10%% loss caused no retransmits in 3 rounds: the test proves nothing")
            # TCP_INFO is read before close: a FIN sent again after it is pantau's only.
            check(truth <= got <= truth + conns, "client retransmits %d, its sockets say %d" % (got, truth))
            check(srv_rx == conns * 200000, "server in the namespace received %d bytes" % srv_rx)
    finally:
        if server:
            stop(server)
        srv.remove()
        cli.remove()
