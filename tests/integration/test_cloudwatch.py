"""The CloudWatch exporter with real BPF: pantau writes EMF lines every two
seconds; a service burning one CPU shows the vCPU its cgroup's cpu.stat
says over the same interval, and an nginx service the requests, 5xx
errors and latencies a client with known figures made, with the client's
calls to it under the Peer dimension."""

import bisect
import json
import os
import signal
import socket
import tempfile
import threading
import time

from pantau_lib import Cgroup, Nginx, Pantau, burn, check, http_client, wait_for

INTERVAL = 2
NAMESPACE = "Pantau/Test"


def config(path):
    return ("services:\n  short_lived_seconds: 2\n"
            "cloudwatch:\n  emf_file: %s\n  interval_seconds: %d\n  namespace: %s\n" %
            (path, INTERVAL, NAMESPACE))


def emf_docs(path):
    try:
        with open(path) as f:
            return [json.loads(line) for line in f if line.strip()]
    except FileNotFoundError:
        return []


def check_emf_rules(doc):
    """The rules of the EMF specification that CloudWatch enforces."""
    aws = doc["_aws"]
    check(isinstance(aws["Timestamp"], int) and aws["Timestamp"] > 10**12,
          "Timestamp is not in milliseconds: %r" % aws["Timestamp"])
    for d in aws["CloudWatchMetrics"]:
        check(d["Namespace"] == NAMESPACE, "namespace %r" % d["Namespace"])
        for dims in d["Dimensions"]:
            check(1 <= len(dims) <= 30, "dimension set %r" % dims)
            for name in dims:
                check(isinstance(doc.get(name), str) and doc[name], "dimension %s missing" % name)
        check(1 <= len(d["Metrics"]) <= 100, "%d metrics" % len(d["Metrics"]))
        for m in d["Metrics"]:
            v = doc.get(m["Name"])
            check(isinstance(v, (int, float)) and not isinstance(v, bool),
                  "metric %s is %r at the root" % (m["Name"], v))


def of_service(docs, service, peer=None):
    return [d for d in docs if d.get("Service") == service and d.get("Peer") == peer]


class UsageSampler:
    """cpu.stat usage_usec of a cgroup against the wall clock, every 20 ms."""

    def __init__(self, cg):
        self.cg = cg
        self.t, self.usage = [], []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.run)
        self.thread.start()

    def run(self):
        while not self.stop.is_set():
            t0 = time.time()
            u = self.cg.usage_usec()
            t1 = time.time()
            self.t.append((t0 + t1) / 2)
            self.usage.append(u / 1e6)
            time.sleep(0.02)

    def at(self, t):
        """CPU seconds at wall time t, interpolated; None outside the samples."""
        i = bisect.bisect_left(self.t, t)
        if i == 0 or i >= len(self.t):
            return None
        t0, t1 = self.t[i - 1], self.t[i]
        u0, u1 = self.usage[i - 1], self.usage[i]
        return u0 + (u1 - u0) * (t - t0) / (t1 - t0)

    def close(self):
        self.stop.set()
        self.thread.join()


def test_vcpu_of_a_busy_service_matches_cpu_stat():
    cg = Cgroup("t-cw-cpu")
    w = sampler = None
    tmp_path = os.path.join(tempfile.mkdtemp(prefix="pantau-cw-"), "emf.jsonl")
    try:
        with Pantau(config(tmp_path)):
            sampler = UsageSampler(cg)
            w = burn("--cgroup", cg.path, "--forever")
            wait_for(lambda: len(of_service(emf_docs(tmp_path), cg.service)) >= 5, 30,
                     "five EMF documents for the busy service")
            sampler.close()
            docs = emf_docs(tmp_path)
            host = socket.gethostname()
            compared = []
            for d in docs:
                check_emf_rules(d)
            # The service's first line spans its birth: how much of that
            # interval counts depends on when the registry first sees the new
            # cgroup (under load, up to a tick late), so the figures are
            # compared from the second line on.
            for d in of_service(docs, cg.service)[1:]:
                check(d["Host"] == host, "Host is %r, not %r" % (d["Host"], host))
                check(d["ServiceUp"] == 1, "ServiceUp %r" % d["ServiceUp"])
                check(d["MemoryRSS"] > 0, "no RSS: %r" % d)
                end = d["_aws"]["Timestamp"] / 1000
                start = end - d["IntervalSeconds"]
                u0, u1 = sampler.at(start), sampler.at(end)
                if u0 is None or u1 is None or u1 - u0 <= 0:
                    continue
                truth = (u1 - u0) / d["IntervalSeconds"]
                err = abs(d["vCPU"] - truth) / truth
                compared.append((d["vCPU"], truth, err))
                # A late tick (a loaded host) shortens the next interval, never bunches them.
                check(0.5 * INTERVAL < d["IntervalSeconds"] < 1.5 * INTERVAL,
                      "interval of %.3fs, configured %ds" % (d["IntervalSeconds"], INTERVAL))
            check(len(compared) >= 2, "only %d intervals inside the sampled span" % len(compared))
            for vcpu, truth, err in compared:
                print("  vCPU %.4f, cpu.stat %.4f, error %.2f%%" % (vcpu, truth, err * 100))
            for vcpu, truth, err in compared:
                check(err < 0.10, "vCPU %.4f but cpu.stat says %.4f" % (vcpu, truth))
            hosts = [d for d in docs if "PantauUp" in d]
            check(hosts and all(d["Host"] == host for d in hosts), "no heartbeat document")
    finally:
        if sampler:
            sampler.close()
        if w:
            w.kill()
            w.wait()
        cg.remove()


def total(docs, name):
    return sum(d.get(name, 0) for d in docs)


def test_requests_errors_and_dependency_calls_of_nginx():
    srv, cli = Cgroup("t-cw-web"), Cgroup("t-cw-cli")
    tmp_path = os.path.join(tempfile.mkdtemp(prefix="pantau-cw-"), "emf.jsonl")
    nginx = None
    try:
        with Pantau(config(tmp_path)):
            nginx = Nginx(srv, addrs=("127.0.0.1",))
            # 5 connections x 8 requests; /broken answers 503 to 10 of them.
            got = http_client(cli, "127.0.0.1", nginx.port, "keepalive")
            check(sum(got.values()) == 40, "client answers %r" % got)
            wait_for(lambda: total(of_service(emf_docs(tmp_path), srv.service), "Requests") >= 40,
                     30, "40 requests in the nginx service's EMF lines")
            # One more interval: nothing may be counted twice.
            time.sleep(INTERVAL * 1.5)
            docs = emf_docs(tmp_path)
            for d in docs:
                check_emf_rules(d)
            served = of_service(docs, srv.service)
            requests, errors = total(served, "Requests"), total(served, "Errors")
            print("  nginx: %d requests, %d errors over %d intervals" %
                  (requests, errors, len(served)))
            check(requests == 40, "Requests add up to %d, the client made 40" % requests)
            check(errors == 10, "Errors add up to %d, the client got 10 answers 503" % errors)
            busy = [d for d in served if d.get("Requests")]
            for d in busy:
                check(abs(d["ErrorRatio"] - d["Errors"] / d["Requests"]) < 1e-6,
                      "ErrorRatio %r of %r" % (d["ErrorRatio"], d))
                check(0 < d["LatencyP50"] <= d["LatencyP95"] <= d["LatencyP99"] < 1,
                      "latencies %r %r %r" % (d["LatencyP50"], d["LatencyP95"], d["LatencyP99"]))
            quiet = [d for d in served if d.get("Requests") == 0]
            check(all("ErrorRatio" not in d and "LatencyP95" not in d for d in quiet),
                  "a quiet interval carries a ratio or a latency")
            calls = [d for d in docs if d.get("Service") == cli.service and d.get("Peer")]
            peers = sorted({d["Peer"] for d in calls})
            n_calls, n_errors = total(calls, "DependencyCalls"), total(calls, "DependencyErrors")
            print("  client: %d calls, %d failed, to %s" % (n_calls, n_errors, peers))
            check(len(peers) == 1, "calls to %r, want one peer" % peers)
            check(n_calls == 40 and n_errors == 10,
                  "DependencyCalls %d / DependencyErrors %d, want 40 / 10" % (n_calls, n_errors))
            check(any("DependencyLatencyP95" in d for d in calls), "no dependency latency")
    finally:
        if nginx:
            nginx.stop()
        srv.remove()
        cli.remove()


def test_sighup_changes_namespace_and_interval():
    """A reload: the next intervals go to the new namespace, at the new pace."""
    path = os.path.join(tempfile.mkdtemp(prefix="pantau-cw-"), "emf.log")
    with Pantau(config=config(path)) as p:
        wait_for(lambda: len(emf_docs(path)) > 0, 10, "a first EMF document")
        with open(p.config, "w") as f:
            f.write(config(path).replace("interval_seconds: %d" % INTERVAL, "interval_seconds: 1")
                    .replace(NAMESPACE, "Pantau/Reloaded"))
        p.proc.send_signal(signal.SIGHUP)

        def reloaded_times():
            ts = sorted({d["_aws"]["Timestamp"] for d in emf_docs(path)
                         if d["_aws"]["CloudWatchMetrics"][0]["Namespace"] == "Pantau/Reloaded"})
            return ts if len(ts) >= 4 else None
        ts = wait_for(reloaded_times, 15, "four intervals in the new namespace")
        steps = [(b - a) / 1000 for a, b in zip(ts, ts[1:])]
        print("  new namespace from the reload on; seconds between its intervals: %s" % steps)
        check(all(0.5 < s < 1.6 for s in steps), "intervals after the reload: %s" % steps)
