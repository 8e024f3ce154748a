"""HTTP requests per service, from the kernel's view of real traffic:
Debian's nginx in a test service answers fixed statuses per path, and a
client in another cgroup sends requests the way the test chooses (keep-
alive, one per connection, pipelined, headers split over writes, chunked
bodies, HEAD). Every counter must equal what the client received."""

import collections
import json
import os

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
        with Pantau(args=("--events-file", "@EVENTS@")) as p:
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
            check_events(p.events_path, srv.service, tally, total)
    finally:
        if nginx:
            nginx.stop()
        srv.remove()
        cli.remove()


PATHS = {"/ok", "/created", "/missing", "/broken"}


def check_events(path, service, tally, total):
    """One pantau.http event per request the server answered, with the
    method, status and path the client used."""
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
    check(all(d["network"]["direction"] == "inbound" and d["event"]["duration"] > 0
              for d in docs), "an event without direction or duration")
    # A request line split over writes has no path in its event; the rest do.
    check(sum(1 for x in paths if x) >= total - 1 and set(x for x in paths if x) <= PATHS,
          "event paths: %r" % collections.Counter(paths))


def test_nginx_requests_are_counted_exactly_ipv4():
    requests_are_counted_exactly("127.0.0.1")


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
