"""HTTP requests per service, from the kernel's view of real traffic:
Debian's nginx in a test service answers fixed statuses per path, and a
client in another cgroup sends requests the way the test chooses (keep-
alive, one per connection, pipelined, headers split over writes, chunked
bodies, HEAD). Every counter must equal what the client received."""

import collections

from pantau_lib import Cgroup, Nginx, Pantau, check, http_client, series, value, wait_for

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


def requests_are_counted_exactly(host):
    srv, cli = Cgroup("t-nginx"), Cgroup("t-hcli")
    nginx = None
    try:
        with Pantau() as p:
            nginx = Nginx(srv)
            tally = http_client(cli, host, nginx.port, *SCENARIOS)
            want = expected_counts(tally)
            total = sum(want.values())
            m = wait_for(lambda: (lambda m: value(m, "pantau_request_duration_seconds_count",
                                                  service=srv.service, protocol="http") == total
                                  and m)(p.metrics()),
                         15, "%d requests in the duration histogram" % total)
            got = served_counts(m, srv.service)
            print("  %s: client received %s" % (host, dict(tally)))
            print("  pantau counted %s" % {"%s %s" % k: int(v) for k, v in sorted(got.items())})
            check(got == {k: float(v) for k, v in want.items()},
                  "requests by method and status class: pantau %r, client %r" % (got, dict(want)))
            check(not series(m, "pantau_requests_total", service=srv.service, status_class="none"),
                  "requests without an answer, but every one was answered")
            check(not series(m, "pantau_requests_total", service=cli.service),
                  "the client's own requests show as served by it")
    finally:
        if nginx:
            nginx.stop()
        srv.remove()
        cli.remove()


def test_nginx_requests_are_counted_exactly_ipv4():
    requests_are_counted_exactly("127.0.0.1")


def test_nginx_requests_are_counted_exactly_ipv6():
    requests_are_counted_exactly("::1")
