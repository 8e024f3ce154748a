"""Scrape cost: pantau with 1,000 services against node_exporter on the same host.

The benchmark makes 1,000 cgroups (b-scr-*.service) with one process
each (bench/tools/svcfarm): every process wakes about once a second,
burns 20 µs of CPU and faults in 16 KiB, so each service has CPU,
switch, run-queue and page-fault figures that move. pantau runs with
services.max raised above 1,000 (the host has services of its own), and
Debian's prometheus-node-exporter with its default collectors, each on a
loopback port. Once pantau exports all 1,000 services, the two are
scraped in turn, the order swapped each time, as Prometheus scrapes
(Accept: text/plain; version=0.0.4, Accept-Encoding: gzip, a new
connection per scrape). Reported per exporter: median and p99 scrape time
(request sent to last byte read), bytes on the wire and uncompressed,
series (sample lines), CPU time per scrape (/proc/PID/stat), and RSS
(VmRSS) and peak RSS (VmHWM) after the scrapes."""

import gzip
import http.client
import os
import shutil
import subprocess
import tempfile
import time

import pantau_lib
from pantau_lib import BUILD, Cgroup, check, free_port, parse_metrics, stop, wait_for

from benchlib import median, percentile, process_cpu_s, rss_bytes, write_results

SERVICES = 1000
SCRAPES = 20
PHASE_SECONDS = 120
SCRAPE_TIMEOUT = 60
START_TIMEOUT = 180
PERIOD_MS = 1000
SVCFARM = os.path.join(BUILD, "bench", "tools", "svcfarm")
NODE_EXPORTER = "/usr/bin/prometheus-node-exporter"
PREFIX = "b-scr"
CONFIG = "services:\n  max: 5000\n"
HEADERS = {"Accept": "text/plain;version=0.0.4;q=1,*/*;q=0.1", "Accept-Encoding": "gzip"}


def scrape(port, timeout=30):
    """(seconds, wire bytes, body text) of one scrape on a new connection."""
    t0 = time.perf_counter()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    conn.request("GET", "/metrics", headers=HEADERS)
    r = conn.getresponse()
    wire = r.read()
    elapsed = time.perf_counter() - t0
    conn.close()
    check(r.status == 200, "scrape of port %d answered %d" % (port, r.status))
    body = gzip.decompress(wire) if r.getheader("Content-Encoding") == "gzip" else wire
    return elapsed, len(wire), body.decode()


class Pantau(pantau_lib.Pantau):
    """pantau_lib's Pantau with a longer start: with 1,000 services pantau
    takes far longer than the tests' 20 s to answer /healthz. Records
    how long it took and the CPU time it used meanwhile."""

    def __init__(self, config):
        self.scheme, self.ssl, self.auth = "http", None, None
        self.port = free_port()
        self.listen = "127.0.0.1:%d" % self.port
        self.tmp = tempfile.mkdtemp(prefix="pantau-bench-scrape-")
        self.config = os.path.join(self.tmp, "pantau.yaml")
        with open(self.config, "w") as f:
            f.write(config)
        self.log = open(os.path.join(self.tmp, "pantau.log"), "w+")
        t0 = time.time()
        self.proc = subprocess.Popen([pantau_lib.PANTAU, "--config", self.config, "--listen", self.listen],
                                     stdout=self.log, stderr=subprocess.STDOUT)
        while True:
            check(self.proc.poll() is None, "pantau exited at start: " + self.log_text())
            try:
                if self.get("/healthz") == "ok\n":
                    break
            except OSError:
                time.sleep(0.2)
            check(time.time() - t0 < START_TIMEOUT, "pantau did not answer /healthz within %d s: %s"
                  % (START_TIMEOUT, self.log_text()))
        user, system = process_cpu_s(self.proc.pid)
        self.startup = {"seconds": time.time() - t0, "cpu_user_s": user, "cpu_system_s": system}

    def stop(self):
        rc = super().stop()
        shutil.rmtree(self.tmp, ignore_errors=True)
        return rc


def sample_lines(text):
    return sum(1 for line in text.splitlines() if line and not line.startswith("#"))


def our_services(text):
    names = set()
    for (n, ls), _ in parse_metrics(text).items():
        s = dict(ls).get("service", "")
        if n == "pantau_cpu_seconds_total" and s.startswith(PREFIX + "-"):
            names.add(s)
    return len(names)


def families(text, top=8):
    """The metric families with the most samples: where the bytes go."""
    counts = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            name = line.split("{", 1)[0].split(" ", 1)[0]
            for suffix in ("_bucket", "_sum", "_count"):
                if name.endswith(suffix):
                    name = name[:-len(suffix)]
                    break
            counts[name] = counts.get(name, 0) + 1
    return sorted(counts.items(), key=lambda kv: -kv[1])[:top]


def peak_rss_bytes(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    return 0


def main(results_dir):
    check(os.path.exists(NODE_EXPORTER), "prometheus-node-exporter is not installed (scripts/deps.sh bench)")
    groups, farm, node = [], None, None
    try:
        for _ in range(SERVICES):
            groups.append(Cgroup(PREFIX))
        farm = subprocess.Popen([SVCFARM, str(PERIOD_MS)] + [g.path for g in groups],
                                stdout=subprocess.PIPE, text=True)
        line = farm.stdout.readline()
        check(line.strip() == "ready %d" % SERVICES, "svcfarm did not start: %r" % line)
        node_port = free_port()
        node = subprocess.Popen([NODE_EXPORTER, "--web.listen-address=127.0.0.1:%d" % node_port],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        with Pantau(config=CONFIG) as p:
            startup = p.startup
            t0 = time.time()
            seen = wait_for(lambda: our_services(scrape(p.port, 60)[2]) >= SERVICES, 180,
                            "pantau to export %d services" % SERVICES)
            startup["all_services_exported_after_s"] = startup["seconds"] + time.time() - t0
            wait_for(lambda: _answers(node_port), 20, "node_exporter to answer")
            ports = {"pantau": p.port, "node_exporter": node_port}
            pids = {"pantau": p.proc.pid, "node_exporter": node.pid}
            for name in ports:  # warm-up, not counted
                scrape(ports[name])
            samples = {n: [] for n in ports}
            timeouts = {n: 0 for n in ports}
            cpu0 = {n: sum(process_cpu_s(pids[n])) for n in ports}
            phase_end = time.time() + PHASE_SECONDS
            for i in range(SCRAPES):
                if i >= 5 and time.time() > phase_end:
                    break  # a slow host: fewer scrapes, not a longer run
                order = ("pantau", "node_exporter") if i % 2 == 0 else ("node_exporter", "pantau")
                for n in order:
                    try:
                        samples[n].append(scrape(ports[n], SCRAPE_TIMEOUT))
                    except (OSError, http.client.HTTPException):
                        timeouts[n] += 1
                    time.sleep(0.05)
            done = i + 1
            cpu = {n: (sum(process_cpu_s(pids[n])) - cpu0[n]) / done for n in ports}
            rss = {n: rss_bytes(pids[n]) for n in ports}
            peak = {n: peak_rss_bytes(pids[n]) for n in ports}
            services_in_last = our_services(samples["pantau"][-1][2])
    finally:
        if node:
            stop(node)
        if farm:
            stop(farm)
        for g in groups:
            g.remove()

    per = {}
    for n, ss in samples.items():
        check(ss, "no scrape of %s finished within %d s" % (n, SCRAPE_TIMEOUT))
        times = [s[0] for s in ss]
        per[n] = {"median_s": median(times), "p99_s": percentile(times, 99), "max_s": max(times),
                  "wire_bytes": int(median(s[1] for s in ss)),
                  "bytes": int(median(len(s[2].encode()) for s in ss)),
                  "series": int(median(sample_lines(s[2]) for s in ss)),
                  "cpu_s_per_scrape": cpu[n], "rss_bytes": rss[n], "peak_rss_bytes": peak[n],
                  "scrapes": len(ss), "timeouts": timeouts[n]}
    ratio = per["pantau"]["median_s"] / per["node_exporter"]["median_s"]
    result = {"services": SERVICES, "scrapes": done, "load_average": os.getloadavg(), "pantau_services_exported": services_in_last,
              "all_services_seen": seen, "pantau_startup": startup, "exporters": per,
              "pantau_top_families": families(samples["pantau"][-1][2]),
              "median_time_ratio": ratio,
              "p99_time_ratio": per["pantau"]["p99_s"] / per["node_exporter"]["p99_s"],
              "cpu_ratio": per["pantau"]["cpu_s_per_scrape"] / per["node_exporter"]["cpu_s_per_scrape"]
              if per["node_exporter"]["cpu_s_per_scrape"] else 0.0,
              "targets": {"median_time_ratio_max": 2.0, "pantau_rss_bytes_max": 40 << 20}}
    lines = ["%d services (cgroups with one process each, waking once a second), %d scrapes of each "
             "exporter, alternating, as Prometheus asks (gzip accepted, new connection each); host load "
             "average %.1f at the end. CPU per scrape is the exporter's own CPU time (/proc/PID/stat), "
             "which waiting for a busy CPU does not add to; scrape time is wall clock and does."
             % (SERVICES, done, os.getloadavg()[0]), "",
             "| exporter | median scrape | p99 scrape | timeouts (%d s) | bytes (wire) | bytes | series "
             "| CPU ms per scrape | RSS | peak RSS |" % SCRAPE_TIMEOUT, "|---|---|---|---|---|---|---|---|---|---|"]
    for n in ("pantau", "node_exporter"):
        v = per[n]
        lines.append("| %s | %.1f ms | %.1f ms | %d | %d | %d | %d | %.1f | %.1f MiB | %.1f MiB |" % (
            n, v["median_s"] * 1e3, v["p99_s"] * 1e3, v["timeouts"], v["wire_bytes"], v["bytes"],
            v["series"], v["cpu_s_per_scrape"] * 1e3, v["rss_bytes"] / 2**20, v["peak_rss_bytes"] / 2**20))
    lines += ["", "pantau's median scrape takes %.2f× node_exporter's (target ≤ 2×), p99 %.2f×, CPU per "
              "scrape %.2f×; pantau's RSS is %.1f MiB (target ≤ 40 MB = 38.1 MiB). pantau exported "
              "%d of the %d bench services in the last scrape."
              % (ratio, result["p99_time_ratio"], result["cpu_ratio"], per["pantau"]["rss_bytes"] / 2**20,
                 services_in_last, SERVICES),
              "", "With the %d services present, pantau took %.1f s from start to answering /healthz "
              "(%.1f s user + %.1f s system CPU meanwhile, most of it the BPF verifier) and %.1f s to "
              "export all of them."
              % (SERVICES, startup["seconds"], startup["cpu_user_s"], startup["cpu_system_s"],
                 startup["all_services_exported_after_s"])]
    lines += ["", "pantau's largest metric families (samples in the last scrape): " +
              ", ".join("%s %d" % kv for kv in result["pantau_top_families"]) + "."]
    write_results(results_dir, "scrape", result, lines)


def _answers(port):
    try:
        scrape(port)
        return True
    except OSError:
        return False
