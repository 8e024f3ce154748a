"""Memory by number of services: pantau's RSS and its BPF maps' memory with
100, 1,000 and 5,000 services.

Each point makes that many cgroups (b-fp-*.service) with one process each
(bench/tools/svcfarm, as the scrape benchmark), starts pantau with
services.max 5000 (6000 for the 5,000-service point, so that the host's
own services do not fold bench ones into "other"), waits until it exports
every bench service, scrapes three more times, and reads VmRSS and VmHWM
from /proc and the BPF maps' memory from the memlock line of each map
fd pantau holds (/proc/PID/fdinfo: the kernel's own estimate, counted
once per map). BPF map memory is not in RSS; with memcg accounting it is
charged to pantau's cgroup."""

import os
import re
import subprocess
import time

import bench_scrape
from pantau_lib import Cgroup, check, stop, wait_for

from benchlib import machine_info, machine_lines, write_results

POINTS = (100, 1000, 5000)
PREFIX = "b-fp"
PERIOD_MS = 1000


def bpf_map_bytes(pid):
    """Sum of memlock over the distinct BPF maps pid holds open."""
    seen = {}
    fd_dir = "/proc/%d/fdinfo" % pid
    for fd in os.listdir(fd_dir):
        try:
            with open(os.path.join(fd_dir, fd)) as f:
                text = f.read()
        except OSError:
            continue
        m_id, m_lock = re.search(r"^map_id:\s+(\d+)", text, re.M), re.search(r"^memlock:\s+(\d+)", text, re.M)
        if m_id and m_lock:
            seen[int(m_id.group(1))] = int(m_lock.group(1))
    return sum(seen.values()), len(seen)


def status_kib(pid, field):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def measure(n):
    groups, farm = [], None
    try:
        for _ in range(n):
            groups.append(Cgroup(PREFIX))
        farm = subprocess.Popen([bench_scrape.SVCFARM, str(PERIOD_MS)] + [g.path for g in groups],
                                stdout=subprocess.PIPE, text=True)
        line = farm.stdout.readline()
        check(line.strip() == "ready %d" % n, "svcfarm did not start: %r" % line)
        services_max = 5000 if n < 5000 else 6000
        with bench_scrape.Pantau(config="services:\n  max: %d\n" % services_max) as p:
            def exported():
                text = bench_scrape.scrape(p.port, 60)[2]
                return sum(1 for s in set(re.findall(r'pantau_cpu_seconds_total\{service="(%s-[^"]+)"'
                                                     % PREFIX, text)))
            wait_for(lambda: exported() >= n, 300, "pantau to export %d services" % n)
            times = []
            for _ in range(3):
                times.append(bench_scrape.scrape(p.port, 60)[0])
                time.sleep(0.2)
            maps_bytes, maps = bpf_map_bytes(p.proc.pid)
            return {"services": n, "services_max": services_max,
                    "rss_bytes": status_kib(p.proc.pid, "VmRSS") * 1024,
                    "peak_rss_bytes": status_kib(p.proc.pid, "VmHWM") * 1024,
                    "bpf_map_bytes": maps_bytes, "bpf_maps": maps,
                    "scrape_s": sorted(times)[1]}
    finally:
        if farm:
            stop(farm)
        for g in groups:
            g.remove()


def main(results_dir):
    info = machine_info()
    points = [measure(n) for n in POINTS]
    at_1000 = [pt for pt in points if pt["services"] == 1000][0]
    result = {"points": points, "machine": info,
              "targets": {"rss_bytes_max_at_1000": 40 * 1000 * 1000}}
    lines = ["pantau's memory by number of services (one process each, waking once a second), "
             "after it exports all of them and three more scrapes. BPF maps: the kernel's memlock "
             "figure for each map pantau holds, not part of RSS.", "",
             "| services | services.max | RSS | peak RSS | BPF maps (count) | scrape |",
             "|---|---|---|---|---|---|"]
    for pt in points:
        lines.append("| %d | %d | %.1f MiB | %.1f MiB | %.1f MiB (%d) | %.1f ms |" % (
            pt["services"], pt["services_max"], pt["rss_bytes"] / 2**20, pt["peak_rss_bytes"] / 2**20,
            pt["bpf_map_bytes"] / 2**20, pt["bpf_maps"], pt["scrape_s"] * 1e3))
    lines += ["", "RSS with 1,000 services at services.max 5000: %.1f MiB (target ≤ 40 MB = 38.1 MiB)."
              % (at_1000["rss_bytes"] / 2**20), ""] + machine_lines(info)
    write_results(results_dir, "footprint", result, lines)
