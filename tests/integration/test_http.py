"""HTTP requests per service, from the kernel's view of real traffic:
Debian's nginx in a test service answers fixed statuses per path, and a
client in another cgroup sends requests the way the test chooses (keep-
alive, one per connection, pipelined, headers split over writes, chunked
bodies, HEAD). Every counter must equal what the client received."""

import collections
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time

from pantau_lib import (BUILD, Cgroup, LossyNetns, Nginx, Pantau, check, free_port, http_client,
                        series, spawn_in, stop, value, wait_for)

HTTPMINI = os.path.join(BUILD, "tests", "tools", "httpmini")

SCENARIOS = ("keepalive", "close", "pipelined", "split", "chunked", "head")


def expected_counts(tally):
    """{(method, status_class): n} from the client's {"METHOD STATUS": n}."""
    want = collections.Counter()
    for k, n in tally.items():
        method, status = k.split()
        want[(method, status[0] + "xx")] += n
    return want


def served_counts(m, service):
    got = {}
    for ls, v in series(m, "pantau_requests_total", service=service, protocol="http").items():
        d = dict(ls)
        got[(d["method"], d["status_class"])] = v
    return got


def made_counts(m, service):
    """{status_class: n} of the requests the service made, all peers."""
    got = collections.Counter()
    for ls, v in series(m, "pantau_dependency_requests_total", service=service, protocol="http").items():
        got[dict(ls)["status_class"]] += v
    return got


class ParsedOnce:
    """pantau_requests_parsed_once_total since the first scrape, by
    outcome, less what the test's own scrapes add: each is a connection
    with both ends on this host and followed, whose request is parsed once
    before pantau renders the figures, and its answer after."""

    def __init__(self, p):
        self.p, self.scrapes = p, 0
        self.base = self.of(p.metrics())

    @staticmethod
    def of(m):
        return {o: value(m, "pantau_requests_parsed_once_total", outcome=o) for o in ("started", "stopped")}

    def metrics(self):
        self.scrapes += 1
        return self.p.metrics()

    def since(self, m):
        now = self.of(m)
        return {"started": now["started"] - self.base["started"] - 2 * self.scrapes,
                "stopped": now["stopped"] - self.base["stopped"]}


def requests_are_counted_exactly(host, alone=None):
    """Both ends on this host and followed: each direction is parsed once,
    as it is sent, for both ends, and both ends' figures are exact. With
    alone="server", the client's cgroup is in requests.skip_cgroups, as in
    production where the client is elsewhere: the server's end is parsed
    by itself, and its figures are as exact. With alone="client", the
    server's cgroup is, as for calls to a service on another host: the
    client's figures are exact by themselves."""
    srv, cli = Cgroup("t-nginx"), Cgroup("t-hcli")
    skipped = {"server": cli, "client": srv}.get(alone)
    config = "requests:\n  skip_cgroups: [\"/%s.service\"]\n" % skipped.name if skipped else ""
    nginx = None
    try:
        with Pantau(config=config, args=("--events-file", "@EVENTS@")) as p:
            nginx = Nginx(srv)
            once = ParsedOnce(p)
            framed0 = value(once.metrics(), "pantau_requests_answers_framed_total")
            tally = http_client(cli, host, nginx.port, *SCENARIOS)
            want = expected_counts(tally)
            total = sum(want.values())
            # What each end counts: nothing where it is skipped.
            want_served = {} if alone == "client" else {k: float(v) for k, v in want.items()}
            want_made = collections.Counter()
            for (_, status), n in want.items():
                if alone != "server":
                    want_made[status] += n
            made_want, served_want = sum(want_made.values()), sum(want_served.values())
            m = wait_for(lambda: (lambda m: (value(m, "pantau_request_duration_seconds_count",
                                                   service=srv.service, protocol="http") or 0) == served_want
                                  and sum(made_counts(m, cli.service).values()) == made_want
                                  and m)(once.metrics()),
                         15, "%d requests in the server's duration histogram and %d made by the client" %
                         (served_want, made_want))
            got = served_counts(m, srv.service)
            print("  %s: client received %s" % (host, dict(tally)))
            print("  pantau counted %s" % {"%s %s" % k: int(v) for k, v in sorted(got.items())})
            check(got == want_served,
                  "requests by method and status class: pantau %r, want %r" % (got, want_served))
            check(not series(m, "pantau_requests_total", service=srv.service, status_class="none"),
                  "requests without an answer, but every one was answered")
            check(not series(m, "pantau_requests_total", service=cli.service),
                  "the client's own requests show as served by it")
            made = made_counts(m, cli.service)
            twins = once.since(m)
            print("  client made %s; directions parsed once for both ends %s" % (dict(made), twins))
            check(made == want_made, "client requests by status class: pantau %r, client %r" %
                  (dict(made), dict(want_made)))
            framed = value(m, "pantau_requests_answers_framed_total") - framed0
            print("  connection ends whose answers were framed: %d" % framed)
            if alone:
                # The test's own scrapes still pair up: only they may.
                check(twins == {"started": 0, "stopped": 0},
                      "the %s's end is skipped, but parsed once for both: %r" % (
                          "server" if alone == "client" else "client", twins))
                # Answers are read by their status lines but on the connection
                # whose three requests come in one write (pipelined): framed.
                check(framed <= 1, "%d connections' answers framed, more than the pipelined one"
                      % framed)
            else:
                check(framed == 0, "twins' answers are framed from the start, not taken over: %d"
                      % framed)
                # Every scenario's connections send both ways: at least one pair of twins.
                check(twins["started"] >= 2 and twins["stopped"] == 0,
                      "both ends on this host, but parsed once for both: %r" % twins)
            if alone == "client":
                check_events(p.events_path, cli.service, tally, total, "outbound")
            else:
                check_events(p.events_path, srv.service, tally, total)
    finally:
        if nginx:
            nginx.stop()
        srv.remove()
        cli.remove()


PATHS = {"/ok", "/created", "/missing", "/broken"}


def check_events(path, service, tally, total, direction="inbound"):
    """One pantau.http event per request of the service (inbound: it
    answered them; outbound: it made them), with the method, status and
    path the client used."""
    docs = []
    with open(path) as f:
        for line in f:
            d = json.loads(line)
            if (d["event"]["dataset"] == "pantau.http" and d["service"]["name"] == service):
                docs.append(d)
    got = collections.Counter("%s %d" % (d["http"]["request"]["method"],
                                         d["http"]["response"]["status_code"]) for d in docs)
    paths = [d.get("url", {}).get("path") for d in docs]
    print("  events: %d pantau.http for %s, paths %s" %
          (len(docs), service, dict(collections.Counter(paths))))
    check(got == collections.Counter(tally), "events by method and status %r, client %r" %
          (dict(got), tally))
    check(all(d["network"]["direction"] == direction and d["event"]["duration"] > 0
              for d in docs), "an event without direction or duration")
    # A request line split over writes has no path in its event; the rest do.
    check(sum(1 for x in paths if x) >= total - 1 and set(x for x in paths if x) <= PATHS,
          "event paths: %r" % collections.Counter(paths))


def test_nginx_requests_are_counted_exactly_ipv4():
    requests_are_counted_exactly("127.0.0.1")


def test_nginx_requests_are_counted_exactly_with_the_server_end_alone():
    requests_are_counted_exactly("127.0.0.1", alone="server")


def test_nginx_requests_are_counted_exactly_with_the_client_end_alone():
    requests_are_counted_exactly("127.0.0.1", alone="client")


def test_nginx_requests_are_counted_exactly_ipv6():
    requests_are_counted_exactly("::1")


def test_event_budget_keeps_errors_and_counts_every_drop():
    """With 5 events a second per service, a burst of 40 requests (20
    failing) keeps failures in their own budget, and every event not sent is
    counted (the drop counter is pantau-wide, so it covers at least the
    requests without an event)."""
    srv, cli = Cgroup("t-nginx"), Cgroup("t-hcli")
    nginx = None
    try:
        with Pantau(config="events:\n  per_service_per_second: 5\n",
                    args=("--events-file", "@EVENTS@")) as p:
            nginx = Nginx(srv)
            tally = http_client(cli, "127.0.0.1", nginx.port, "keepalive")
            total = sum(tally.values())
            failing = sum(n for k, n in tally.items() if int(k.split()[1]) >= 400)
            m = wait_for(lambda: (lambda m: value(m, "pantau_request_duration_seconds_count",
                                                  service=srv.service, protocol="http") == total
                                  and m)(p.metrics()), 15, "%d requests" % total)
            # Connection events of both sides share the budget too; count requests only.
            with open(p.events_path) as f:
                docs = [json.loads(l) for l in f]
            served = [d for d in docs if d["event"]["dataset"] == "pantau.http"
                      and d["service"]["name"] == srv.service]
            errors = sum(1 for d in served if d["event"]["outcome"] == "failure")
            drops = value(m, "pantau_events_dropped_total", reason="rate_limited_in_kernel")
            print("  %d requests (%d failing): %d events (%d failures), %d dropped in the kernel"
                  " (both services, all event kinds)" % (total, failing, len(served), errors, drops))
            check(0 < len(served) < total, "the budget did not limit: %d events" % len(served))
            check(errors >= min(5, failing), "failures were crowded out: %d" % errors)
            check(drops >= total - len(served), "drops %s do not cover %d unsent events" %
                  (drops, total - len(served)))
    finally:
        if nginx:
            nginx.stop()
        srv.remove()
        cli.remove()


def httpmini_server(cg, port):
    """httpmini's server in the cgroup, once it listens."""
    tmp = tempfile.mkdtemp(prefix="pantau-httpmini-")
    ready = os.path.join(tmp, "ready")
    proc = spawn_in(cg, [HTTPMINI, "serve", "--port", str(port), "--ready", ready])
    try:
        wait_for(lambda: os.path.exists(ready) and open(ready).read().endswith("\n"), 10,
                 "httpmini to listen on %d" % port)
    except Exception:
        stop(proc)
        raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return proc


def httpmini_client(cg, port):
    """Run httpmini's client script in the cgroup; returns its report:
    {"requests": n, "connections": n, "bytes_sent": n, "bytes_received": n}."""
    p = subprocess.run([HTTPMINI, "client", "--port", str(port), "--cgroup", cg.path],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=120)
    check(p.returncode == 0, "httpmini client failed (%d): %s" % (p.returncode, p.stderr))
    report = {"requests": 0}
    for line in p.stdout.splitlines():
        words = line.split()
        if words[0] == "requests":
            report["requests"] += int(words[3])
        else:
            report[words[0]] = int(words[1])
    return report


def request_events(path, service):
    """pantau.http events of the service in the events file."""
    with open(path) as f:
        docs = [json.loads(line) for line in f]
    return [d for d in docs if d["event"]["dataset"] == "pantau.http" and d["service"]["name"] == service]


def requests_of_both_ends(skip_client):
    """The client's report and pantau's figures for both ends of httpmini's
    script, the client's cgroup in requests.skip_cgroups or not."""
    srv, cli = Cgroup("t-hsrv"), Cgroup("t-hcli")
    config = "requests:\n  skip_cgroups: [\"/%s.service\"]\n" % cli.name if skip_client else ""
    server = None
    try:
        with Pantau(config=config, args=("--events-file", "@EVENTS@")) as p:
            port = free_port()
            server = httpmini_server(srv, port)
            once = ParsedOnce(p)
            sent = httpmini_client(cli, port)
            n = sent["requests"]

            def settled():
                m = once.metrics()
                tcp_done = value(m, "pantau_network_bytes_total", service=cli.service,
                                 direction="sent") == sent["bytes_sent"]
                client_done = skip_client or sum(series(m, "pantau_dependency_requests_total",
                                                        service=cli.service).values()) == n
                return tcp_done and client_done and len(request_events(p.events_path, srv.service)) == n \
                    and sum(series(m, "pantau_requests_total", service=srv.service).values()) == n and m
            m = wait_for(settled, 15, "%d requests at the server and the client's TCP figures" % n)
            twins = once.since(m)
            print("  %d connections; directions parsed once for both ends %s" % (sent["connections"], twins))
            if skip_client:
                check(twins["started"] == 0, "an unparsed client end fed from the server's parse: %r" % twins)
            else:
                # Both directions of every connection.
                check(twins == {"started": 2 * sent["connections"], "stopped": 0},
                      "%d connections, parsed once for both ends %r" % (sent["connections"], twins))
            return sent, m, request_events(p.events_path, cli.service), srv.service, cli.service
    finally:
        if server:
            stop(server)
        srv.remove()
        cli.remove()


def test_skip_cgroups_leave_the_client_end_unparsed():
    """With the client's cgroup in requests.skip_cgroups only the server's
    end is parsed: the server counts exactly the requests the client made,
    the client none (no requests, no events), and the client's TCP figures
    (connections, bytes) stay. Without the key the client counts them all."""
    sent, m, cli_events, srv_name, cli_name = requests_of_both_ends(skip_client=True)
    n = sent["requests"]
    served = sum(series(m, "pantau_requests_total", service=srv_name).values())
    made = sum(series(m, "pantau_dependency_requests_total", service=cli_name).values())
    opened = value(m, "pantau_tcp_connections_opened_total", service=cli_name, direction="outbound")
    print("  skipped client: %d requests sent on %d connections; server counted %d, client %d, "
          "client events %d, client connections %s" % (n, sent["connections"], served, made,
                                                          len(cli_events), opened))
    check(n > 0 and served == n, "server counted %d of %d requests" % (served, n))
    check(made == 0, "the skipped client counted %d requests" % made)
    check(not series(m, "pantau_dependency_request_duration_seconds_count", service=cli_name),
          "the skipped client has request durations")
    check(not cli_events, "the skipped client sent %d request events" % len(cli_events))
    check(opened == sent["connections"], "client connections: pantau %s, client %d" %
          (opened, sent["connections"]))
    check(value(m, "pantau_network_bytes_total", service=cli_name, direction="received") ==
          sent["bytes_received"], "client bytes received do not match")

    sent, m, cli_events, srv_name, cli_name = requests_of_both_ends(skip_client=False)
    n = sent["requests"]
    made = sum(series(m, "pantau_dependency_requests_total", service=cli_name).values())
    print("  followed client: %d requests sent; client counted %d, client events %d" %
          (n, made, len(cli_events)))
    check(made == n, "the followed client counted %d of %d requests" % (made, n))
    check(len(cli_events) == n, "the followed client sent %d request events for %d requests" %
          (len(cli_events), n))


def test_skip_cgroups_follow_cgroups_made_and_removed_later():
    """A cgroup made after pantau started that requests.skip_cgroups
    matches is found by the periodic walk (every 5 s) and its connections
    go unparsed; once it is removed its id leaves the kernel's map."""
    srv = Cgroup("t-hsrv")
    late = "t-hlate-" + srv.name.rsplit("-", 1)[1]
    config = "requests:\n  skip_cgroups: [\"/%s-*\"]\n" % late
    server = cli = None
    try:
        with Pantau(config=config) as p:
            entries = lambda: value(p.metrics(), "pantau_map_entries", map="skip_cgroups")
            check(entries() == 0, "skip_cgroups holds %s ids before any cgroup matches" % entries())
            cli = Cgroup(late)
            wait_for(lambda: entries() == 1, 15, "the new cgroup's id in skip_cgroups")
            port = free_port()
            server = httpmini_server(srv, port)
            n = httpmini_client(cli, port)["requests"]
            m = wait_for(lambda: (lambda m: sum(series(m, "pantau_requests_total",
                                                       service=srv.service).values()) == n and m)(
                p.metrics()), 15, "%d requests at the server" % n)
            made = sum(series(m, "pantau_dependency_requests_total", service=cli.service).values())
            print("  cgroup made after start: %d requests, server counted them, client %d" % (n, made))
            check(made == 0, "the client in a later skipped cgroup counted %d requests" % made)
            cli.remove()
            wait_for(lambda: entries() == 0, 15, "the removed cgroup's id to leave skip_cgroups")
    finally:
        if server:
            stop(server)
        srv.remove()
        if cli:
            cli.remove()


def test_requests_are_followed_again_after_lost_segments():
    """nginx on the host sends a 300 KiB file (with sendfile) 40 times over
    one keep-alive connection to a client in a network namespace whose side
    drops 5 % of TCP segments. Segments then arrive past holes (the
    client's TCP_INFO counts them), and pantau's received-bytes program
    sees them before TCP puts them back in order. A hole inside a body is
    passed over; a hole where headers were loses that one request, counted
    as tcp_stream_gap, and the connection is followed again from the next
    response instead of never again. The server's end loses nothing: it
    counts exactly."""
    srv, cli = Cgroup("t-gapsrv"), Cgroup("t-gapcli")
    nginx = None
    try:
        with LossyNetns("10.231.9", 0.05) as ns, Pantau() as p:
            nginx = Nginx(srv, addrs=(ns.host_addr,))
            # Offloads make few, large segments: a round may see no hole.
            # Up to three rounds, until segments arrived past one.
            want, ooo, rounds = collections.Counter(), 0, 0
            while ooo == 0 and rounds < 3:
                tally = http_client(cli, ns.host_addr, nginx.port, "big", netns=ns.name)
                ooo += tally.pop("TCP ooo")
                want.update(tally)
                rounds += 1
            total = sum(want.values())
            check(want == {"GET 200": total}, "the lossy downloads did not all succeed: %r" % want)
            # Settled: the server's count is complete.
            wait_for(lambda: served_counts(p.metrics(), srv.service) == {("GET", "2xx"): total}, 15,
                     "the server's %d requests" % total)
            m = p.metrics()
            got = sum(series(m, "pantau_dependency_requests_total", service=cli.service).values())
            gaps = value(m, "pantau_events_dropped_total", reason="tcp_stream_gap") or 0
            print("  %d downloads in %d rounds, %d segments past a hole at the client; pantau: "
                  "client %d, server %d, places lost %d" % (total, rounds, ooo, got, total, gaps))
            check(ooo > 0, "no segment arrived past a hole in three rounds: the test proves nothing")
            # Each lost place loses at most the one request then in flight.
            check(total - gaps <= got <= total,
                  "client counted %d of %d requests with %d places lost" % (got, total, gaps))
    finally:
        if nginx:
            nginx.stop()
        srv.remove()
        cli.remove()


def test_sighup_applies_skip_cgroups_to_connections_opened_after_it():
    """A reload puts the client's cgroup in requests.skip_cgroups: its
    connections opened from then on are not parsed (its count stays), the
    server's end still is (its count doubles), and no counter resets."""
    srv, cli = Cgroup("t-rsrv"), Cgroup("t-rcli")
    server = None
    try:
        with Pantau(config="requests:\n  http: true\n") as p:
            port = free_port()
            server = httpmini_server(srv, port)

            def counts(m):
                return (sum(series(m, "pantau_requests_total", service=srv.service).values()),
                        sum(series(m, "pantau_dependency_requests_total", service=cli.service).values()))
            n = httpmini_client(cli, port)["requests"]
            wait_for(lambda: counts(p.metrics()) == (n, n), 15, "%d requests at both ends" % n)
            loaded = value(p.metrics(), "pantau_config_last_reload_success_timestamp_seconds")
            with open(p.config, "w") as f:
                f.write("requests:\n  http: true\n  skip_cgroups: [\"/%s.service\"]\n" % cli.name)
            time.sleep(1.1)  # a later second, so the new success time differs
            p.proc.send_signal(signal.SIGHUP)
            wait_for(lambda: (value(p.metrics(), "pantau_config_last_reload_success_timestamp_seconds")
                              or 0) > loaded, 10, "the reload")
            again = httpmini_client(cli, port)["requests"]
            m = wait_for(lambda: (lambda m: counts(m)[0] == n + again and m)(p.metrics()), 15,
                         "%d more requests at the server" % again)
            print("  before the reload both ends counted %d; after it the server %d, the client %d"
                  % (n, counts(m)[0], counts(m)[1]))
            check(counts(m)[1] == n, "the client's end, skipped since the reload, counted %r" % counts(m)[1])
    finally:
        if server:
            stop(server)
        srv.remove()
        cli.remove()


# Both ends in one process: a request answered, a second one the server
# leaves unread before an abortive close (its RST dropped, so the client
# does not learn of it), then a third sent to an end that is gone.
GONE_SCRIPT = r'''
import socket, struct, time
ABORT = struct.pack("ii", 1, 0)
req = b"GET /a HTTP/1.1\r\nHost: gone.test\r\n\r\n"
srv = socket.socket()
srv.bind(("127.0.0.1", 0))
srv.listen()
cli = socket.create_connection(srv.getsockname())
conn, _ = srv.accept()
cli.sendall(req)
conn.recv(4096)
conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
cli.recv(4096)
cli.sendall(req)
time.sleep(0.2)
conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, ABORT)
conn.close()
time.sleep(0.2)
cli.sendall(req)
time.sleep(0.2)
cli.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, ABORT)
cli.close()
print("done")
'''


def test_a_receiving_end_that_is_gone_ends_the_pairing():
    """Client and server in one network namespace whose loopback drops
    TCP resets: the server aborts its end with the client's second
    request unread, and the client, not told, sends a third. The first
    two were parsed once for both ends; the third finds no receiving
    socket, so the pairing stops (counted) and the client goes on alone.
    Both ends count what they saw: the server one answered request and
    one unanswered, the client one answered and two unanswered."""
    cg = Cgroup("t-gone")
    name = "pantau-t-" + os.urandom(3).hex()
    try:
        subprocess.run(["ip", "netns", "add", name], check=True)
        for cmd in (["ip", "link", "set", "lo", "up"],
                    ["iptables", "-A", "OUTPUT", "-o", "lo", "-p", "tcp", "--tcp-flags", "RST", "RST",
                     "-j", "DROP"]):
            subprocess.run(["ip", "netns", "exec", name] + cmd, check=True)
        with Pantau() as p:
            once = ParsedOnce(p)
            proc = spawn_in(cg, ["/usr/bin/python3", "-c", GONE_SCRIPT], netns=name)
            out, _ = proc.communicate(timeout=30)
            check(proc.returncode == 0 and out.strip() == "done", "the script failed: %r" % out)

            def counts(m):
                served = {dict(ls)["status_class"]: v for ls, v in
                          series(m, "pantau_requests_total", service=cg.service).items()}
                made = {dict(ls)["status_class"]: v for ls, v in
                        series(m, "pantau_dependency_requests_total", service=cg.service).items()}
                return served, made
            want = ({"2xx": 1, "none": 1}, {"2xx": 1, "none": 2})
            m = wait_for(lambda: (lambda m: counts(m) == want and m)(once.metrics()), 15,
                         "served %r and made %r" % want)
            twins = once.since(m)
            print("  served, made %s; directions parsed once %s" % (counts(m), twins))
            check(twins == {"started": 2, "stopped": 1},
                  "both directions paired and the request one stopped, but %r" % twins)
    finally:
        subprocess.run(["ip", "netns", "del", name], stderr=subprocess.DEVNULL)
        cg.remove()
