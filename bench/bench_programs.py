"""Per-event cost of each pantau BPF program under a named workload.

Each workload runs with pantau attached; the cost is the kernel's own run
stats (run time / runs) over that workload only. Workloads: a pipe
ping-pong (scheduler), 500 fork+exec+exit (process exit), O_DIRECT 4 KiB
reads and writes on a loop device (block I/O), 256 MiB touched (page
faults, for scale), and 20 scrapes (the task iterator)."""

import json
import os
import subprocess
import time

from pantau_lib import BUILD, BURN, LoopDevice, Pantau, parse_metrics

from benchlib import STATS_ON

PINGPONG = os.path.join(BUILD, "tests", "tools", "pingpong")


def stats(p):
    m = parse_metrics(p.scrape())
    runs = {dict(ls)["program"]: v for (n, ls), v in m.items() if n == "pantau_bpf_program_runs_total"}
    secs = {dict(ls)["program"]: v for (n, ls), v in m.items()
            if n == "pantau_bpf_program_run_seconds_total"}
    return runs, secs


def measure(p, name, fn):
    runs0, secs0 = stats(p)
    start = time.time()
    fn()
    wall = time.time() - start
    runs1, secs1 = stats(p)
    out = {}
    for prog in runs1:
        d_runs = runs1[prog] - runs0.get(prog, 0)
        if d_runs > 0:
            out[prog] = {"runs": int(d_runs), "avg_ns": (secs1[prog] - secs0.get(prog, 0)) / d_runs * 1e9}
    return {"workload": name, "seconds": wall, "programs": out}


def forks():
    subprocess.run(["sh", "-c", "i=0; while [ $i -lt 500 ]; do /bin/true; i=$((i+1)); done"], check=True)


def disk_io(loop):
    subprocess.run(["dd", "if=/dev/zero", "of=" + loop, "bs=4k", "count=8192", "oflag=direct"],
                   check=True, stderr=subprocess.DEVNULL)
    subprocess.run(["dd", "if=" + loop, "of=/dev/null", "bs=4k", "count=8192", "iflag=direct"],
                   check=True, stderr=subprocess.DEVNULL)


def main(results_dir):
    disk = LoopDevice(64 << 20)
    loop = disk.path
    results = []
    try:
        with Pantau(config=STATS_ON) as p:
            results.append(measure(p, "pipe ping-pong, 200k round trips",
                                   lambda: subprocess.run([PINGPONG, "200000", "0"], check=True,
                                                          stdout=subprocess.DEVNULL)))
            results.append(measure(p, "500 fork+exec+exit", forks))
            results.append(measure(p, "O_DIRECT 4 KiB: 8192 writes + 8192 reads on a loop device",
                                   lambda: disk_io(loop)))
            results.append(measure(p, "touch 256 MiB", lambda: subprocess.run(
                [BURN, "--alloc-mb", "256"], check=True, stdout=subprocess.DEVNULL)))
            start = time.time()
            results.append(measure(p, "20 scrapes", lambda: [p.scrape() for _ in range(20)]))
            results[-1]["scrape_ms"] = (time.time() - start) / 22 * 1000
    finally:
        disk.remove()
    with open(os.path.join(results_dir, "programs.json"), "w") as f:
        json.dump(results, f, indent=2)
    lines = ["| workload | program | runs | avg ns per run |", "|---|---|---|---|"]
    for r in results:
        for prog, v in sorted(r["programs"].items()):
            lines.append("| %s | %s | %d | %.0f |" % (r["workload"], prog, v["runs"], v["avg_ns"]))
    if "scrape_ms" in results[-1]:
        lines.append("")
        lines.append("A scrape (all collectors, render) took %.1f ms on average." % results[-1]["scrape_ms"])
    with open(os.path.join(results_dir, "programs.md"), "w") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines))
