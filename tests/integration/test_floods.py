"""Floods: 10,000 cgroups appearing and vanishing, and 10,000 distinct
peers with random methods, paths and Host headers. pantau's memory stays
under the bound docs/architecture.md states, the overflow is folded into
"other" and counted, /metrics keeps answering (its times are printed, not
asserted), and afterwards pantau still names and measures a new service
exactly."""

import json
import os
import subprocess
import threading
import time

from pantau_lib import (BUILD, Cgroup, Pantau, burn, cgroup2_mount, check, free_port,
                        rand_suffix, spawn_in, stop, value, vmrss_bytes, wait_for)

CGFLOOD = os.path.join(BUILD, "tests", "tools", "cgflood")
HTTPFLOOD = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "tools",
                         "httpflood.py")
FLOOD = 10000
# docs/architecture.md, "Floods": RSS at the default services.max and peers.max.
RSS_BOUND = 64 << 20


class Scraper(threading.Thread):
    """Scrapes /metrics every 0.5 s while a flood runs: times and failures."""

    def __init__(self, p):
        super().__init__(daemon=True)
        self.p, self.times, self.failures, self.done = p, [], [], threading.Event()

    def run(self):
        while not self.done.is_set():
            t0 = time.perf_counter()
            try:
                self.p.scrape()
                self.times.append(time.perf_counter() - t0)
            except Exception as e:  # noqa: BLE001 - any failure to answer counts
                self.failures.append(repr(e))
            self.done.wait(0.5)

    def finish(self, what):
        self.done.set()
        self.join(30)
        ts = sorted(self.times)
        print("  /metrics during %s: %d scrapes, median %.1f ms, max %.1f ms, %d failed"
              % (what, len(ts), ts[len(ts) // 2] * 1e3 if ts else 0, ts[-1] * 1e3 if ts else 0,
                 len(self.failures)))
        check(ts and not self.failures, "/metrics did not answer during %s: %s"
              % (what, self.failures[:3]))


def dropped(metrics, reason):
    return value(metrics, "pantau_events_dropped_total", reason=reason) or 0


def check_new_service_is_exact(p, prefix):
    """A service made after the flood is named and its CPU time is right."""
    cg = Cgroup(prefix)
    try:
        w = burn("--cgroup", cg.path, "--cpu-ms", "500")
        w.wait(timeout=30)
        truth = cg.usage_usec() / 1e6
        got = wait_for(lambda: value(p.metrics(), "pantau_cpu_seconds_total", service=cg.service),
                       15, "the service made after the flood to show up as %s" % cg.service)
        print("  after the flood: %s %.4f s, cpu.stat %.4f s" % (cg.service, got, truth))
        check(abs(got - truth) / truth < 0.05, "pantau says %.4f s, cpu.stat %.4f s" % (got, truth))
    finally:
        cg.remove()


def test_cgroup_flood():
    prefix = "t-flood-" + rand_suffix(4)
    with Pantau() as p:
        scraper = Scraper(p)
        scraper.start()
        t0 = time.time()
        out = subprocess.run([CGFLOOD, cgroup2_mount(), prefix, str(FLOOD), "64", "300"],
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=300)
        check(out.returncode == 0, "cgflood failed: %s" % out.stdout)
        print("  %s in %.1f s" % (out.stdout.strip(), time.time() - t0))
        time.sleep(6)  # a maintenance collection after the flood
        scraper.finish("the cgroup flood")
        m = p.metrics()
        rss = vmrss_bytes(p.proc.pid)
        flood_services = {dict(ls).get("service") for (n, ls) in m
                          if n == "pantau_cpu_seconds_total" and dict(ls).get("service", "").startswith(prefix)}
        folded = {r: value(m, "pantau_services_folded_total", reason=r) for r in ("cap", "evicted")}
        print("  RSS %.1f MiB (bound %d MiB); %d flood services still exported; folded %s; "
              "key table full %d" % (rss / 2**20, RSS_BOUND >> 20, len(flood_services), folded,
                                     dropped(m, "key_table_full")))
        check(rss < RSS_BOUND, "RSS %.1f MiB after the flood" % (rss / 2**20))
        # services.max is 1,000: the rest were evicted (down ones) or folded, and counted.
        check(len(flood_services) <= 1000, "%d flood services exported" % len(flood_services))
        check(folded["cap"] + folded["evicted"] > 0, "nothing was folded or evicted: %s" % folded)
        check_new_service_is_exact(p, "t-after-flood")


def test_memory_of_a_big_status_page_is_given_back():
    """Status pages for 400 services take tens of MiB for a moment; at the
    next maintenance tick RSS is back to what is in use, and a second
    page does not raise it further (glibc's per-thread arenas each kept
    their own high-water mark)."""
    prefix = "t-page-" + rand_suffix(4)
    with Pantau() as p:
        out = subprocess.run([CGFLOOD, cgroup2_mount(), prefix, "400", "16", "300"],
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=120)
        check(out.returncode == 0, "cgflood failed: %s" % out.stdout)
        p.metrics()
        time.sleep(6)  # a maintenance tick
        before = vmrss_bytes(p.proc.pid)
        peak = before
        for _ in range(3):
            code, _, body = p.request("/api/v1/services")
            check(code == 200 and prefix in body, "the status API answered %d" % code)
            code, _, body = p.request("/")
            check(code == 200, "the status page answered %d" % code)
            peak = max(peak, vmrss_bytes(p.proc.pid))
        time.sleep(6)
        after = vmrss_bytes(p.proc.pid)
        print("  400 services: RSS %.1f MiB before the pages, %.1f MiB at most while serving "
              "them, %.1f MiB after the next tick" % (before / 2**20, peak / 2**20, after / 2**20))
        check(after < before + (3 << 20), "RSS %.1f MiB after the pages, %.1f MiB before"
              % (after / 2**20, before / 2**20))


def test_peer_and_request_flood():
    port = free_port()
    server_cg, client_cg = Cgroup("t-flood-server"), Cgroup("t-flood-client")
    server = None
    try:
        with Pantau("peers:\n  max: 200\n") as p:
            server = spawn_in(server_cg, ["/usr/bin/python3", HTTPFLOOD, "server", str(port)])
            check(server.stdout.readline().strip() == "ready", "the flood server did not start")
            scraper = Scraper(p)
            scraper.start()
            client = spawn_in(client_cg, ["/usr/bin/python3", HTTPFLOOD, "client", str(port),
                                          str(FLOOD), "7"])
            tally = json.loads(client.communicate(timeout=600)[0].strip().splitlines()[-1])
            time.sleep(3)  # the last peer names: held back up to 2 s
            scraper.finish("the peer flood")
            answered = sum(tally.values())
            check(answered == FLOOD, "the client got %d answers of %d: %s" % (answered, FLOOD, tally))

            def settled():
                m = p.metrics()
                server_n = sum(v for (n, ls), v in m.items() if n == "pantau_requests_total"
                               and dict(ls).get("service") == server_cg.service)
                return m if server_n >= FLOOD else None
            m = wait_for(settled, 20, "the server's %d requests" % FLOOD)
            rss = vmrss_bytes(p.proc.pid)
            server_series = [dict(ls) for (n, ls) in m if n == "pantau_requests_total"
                             and dict(ls).get("service") == server_cg.service]
            dep = {}
            for (n, ls), v in m.items():
                if n == "pantau_dependency_requests_total" and dict(ls).get("service") == client_cg.service:
                    dep[dict(ls)["peer"]] = dep.get(dict(ls)["peer"], 0) + v
            print("  client: %s; RSS %.1f MiB; server series %d (methods %s); dependency peers %d, "
                  "%d calls (%d under other); peers_cap %d, request_map_full %d"
                  % (tally, rss / 2**20, len(server_series),
                     sorted({s["method"] for s in server_series}), len(dep), sum(dep.values()),
                     dep.get("other", 0), dropped(m, "peers_cap"), dropped(m, "request_map_full")))
            print("  drops: %s" % {dict(ls)["reason"]: v for (n, ls), v in m.items()
                                   if n == "pantau_events_dropped_total" and v})
            check(rss < RSS_BOUND, "RSS %.1f MiB after the flood" % (rss / 2**20))
            # Server side: every request, random methods as OTHER: a bounded set of series.
            served = {s["method"]: 0 for s in server_series}
            for (n, ls), v in m.items():
                if n == "pantau_requests_total" and dict(ls).get("service") == server_cg.service:
                    served[dict(ls)["method"]] += v
            check(sum(served.values()) == FLOOD, "server requests %s, sent %d" % (served, FLOOD))
            check(set(served) <= {"GET", "POST", "HEAD", "OTHER"}, "methods %s" % sorted(served))
            check(served.get("OTHER", 0) == tally.get("501", 0),
                  "%d OTHER requests, %d answered 501" % (served.get("OTHER", 0), tally.get("501", 0)))
            # Client side: 200 names at most, the rest under "other", every call counted
            # or its loss counted.
            check(len(dep) <= 201, "%d peers exported with peers.max 200" % len(dep))
            check(dep.get("other", 0) > 0 and dropped(m, "peers_cap") > 0,
                  "no peer folded into other: %d, peers_cap %d" % (dep.get("other", 0), dropped(m, "peers_cap")))
            check(sum(dep.values()) + dropped(m, "request_map_full") >= FLOOD,
                  "%d calls counted and %d dropped of %d" % (sum(dep.values()),
                                                             dropped(m, "request_map_full"), FLOOD))
            # Idle peers' keys leave the kernel's map once counted: room for new peers.
            cap = value(m, "pantau_map_capacity", map="net_requests")
            left = wait_for(lambda: (lambda n: n if n < cap * 3 / 4 else None)(
                value(p.metrics(), "pantau_map_entries", map="net_requests")), 20,
                "idle peers' keys to leave net_requests")
            print("  net_requests after the flood: %d of %d keys" % (left, cap))
            check_new_service_is_exact(p, "t-after-peers")
    finally:
        if server:
            stop(server)
        server_cg.remove()
        client_cg.remove()
