"""Disk and memory probes: fio random 4 KiB I/O and a page-fault storm, with and without pantau.

Disk: Debian's fio, one job pinned to CPU 0, random 4 KiB reads and writes
(50/50, O_DIRECT, psync, queue depth 1) on a loop device over a 256 MiB
file in tmpfs (no writeback between runs), so every I/O passes the block
tracepoints pantau's disk programs sit on (block_io_start / block_io_done). Memory: bench/tools/faultstorm,
pinned to CPU 0, maps 16 MiB, writes a byte per page and unmaps, over and
over; every write is a minor fault. pantau counts page faults per service
from a task iterator at collection time, not on the fault path, so this
shows what its other hooks (the scheduler's, when the storm is preempted)
and its collector cost such a workload. Rounds alternate no tracer and
pantau (default config), the order swapped each round; reported: IOPS
and faults/s, each as the median of per-round ratios to no tracer, fio's
CPU per I/O and the storm's CPU per fault (which other work on the host
cannot inflate), and the programs' average run time from the kernel's
run stats."""

import json
import os
import subprocess
import tempfile

from pantau_lib import BUILD, Pantau, check, parse_metrics

from benchlib import STATS_ON, median, program_delta, program_stats, write_results

ROUNDS = 6
FIO_SECONDS = 3
FAULT_SECONDS = 3
FAULT_MB = 16
CPU = "0"
FAULTSTORM = os.path.join(BUILD, "bench", "tools", "faultstorm")
SETUPS = ("no tracer", "pantau")


def fio(dev):
    out = subprocess.run(["taskset", "-c", CPU, "fio", "--name=rand4k", "--filename=" + dev,
                          "--direct=1", "--rw=randrw", "--rwmixread=50", "--bs=4k",
                          "--ioengine=psync", "--iodepth=1", "--runtime=%d" % FIO_SECONDS,
                          "--time_based", "--size=256M", "--output-format=json"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    check(out.returncode == 0, "fio failed: %s" % out.stderr)
    job = json.loads(out.stdout[out.stdout.index("{"):])["jobs"][0]
    return {"read_iops": job["read"]["iops"], "write_iops": job["write"]["iops"],
            "iops": job["read"]["iops"] + job["write"]["iops"],
            # fio's own CPU per I/O: submission, and with it block_io_start,
            # runs in its context; the loop device's worker and other work
            # on the host do not count here.
            "cpu_us_per_io": (job["usr_cpu"] + job["sys_cpu"]) / 100 * job["job_runtime"] * 1e3 /
            max(1, job["read"]["total_ios"] + job["write"]["total_ios"]),
            "read_p99_us": job["read"]["clat_ns"]["percentile"].get("99.000000", 0) / 1e3,
            "write_p99_us": job["write"]["clat_ns"]["percentile"].get("99.000000", 0) / 1e3}


def faults():
    out = subprocess.run(["taskset", "-c", CPU, FAULTSTORM, str(FAULT_SECONDS), str(FAULT_MB)],
                         stdout=subprocess.PIPE, text=True, check=True)
    r = json.loads(out.stdout)
    return {"faults": r["faults"], "faults_per_s": r["faults"] / r["seconds"],
            "cpu_ns_per_fault": r["cpu_s"] / r["faults"] * 1e9 if r["faults"] else 0.0}


def workloads(dev):
    subprocess.run(["sync"])
    r = fio(dev)
    r.update(faults())
    return r


def main(results_dir):
    # The backing file lives in tmpfs: on a disk, the writes of one run
    # leave dirty pages whose writeback slows the next run, whichever
    # setup that is (seen here as the second run of every round losing).
    tmp = tempfile.mkdtemp(prefix="pantau-bench-disk-", dir="/dev/shm")
    backing = os.path.join(tmp, "disk.img")
    with open(backing, "wb") as f:
        f.truncate(256 << 20)
    dev = subprocess.run(["losetup", "--find", "--show", backing], check=True,
                         stdout=subprocess.PIPE, text=True).stdout.strip()
    runs = {s: [] for s in SETUPS}
    try:
        # Write the whole device once, so reads hit allocated blocks in every round alike.
        subprocess.run(["dd", "if=/dev/zero", "of=" + dev, "bs=1M", "count=256", "oflag=direct"],
                       check=True, stderr=subprocess.DEVNULL)
        for i in range(ROUNDS):
            order = SETUPS if i % 2 == 0 else SETUPS[::-1]
            for s in order:
                if s == "no tracer":
                    r = workloads(dev)
                else:
                    with Pantau(config=STATS_ON) as p:
                        before = program_stats(parse_metrics(p.scrape()))
                        r = workloads(dev)
                        after = program_stats(parse_metrics(p.scrape()))
                    r["programs"] = program_delta(before, after)
                r["round"] = i
                runs[s].append(r)
    finally:
        subprocess.run(["losetup", "-d", dev])
        os.unlink(backing)
        os.rmdir(tmp)

    base, traced = runs["no tracer"], runs["pantau"]
    progs = {}
    for r in traced:
        for p, v in r["programs"].items():
            progs.setdefault(p, []).append(v)
    summary = {
        "iops": {s: median(r["iops"] for r in runs[s]) for s in SETUPS},
        "faults_per_s": {s: median(r["faults_per_s"] for r in runs[s]) for s in SETUPS},
        "read_p99_us": {s: median(r["read_p99_us"] for r in runs[s]) for s in SETUPS},
        "write_p99_us": {s: median(r["write_p99_us"] for r in runs[s]) for s in SETUPS},
        "iops_ratio": median(t["iops"] / b["iops"] for t, b in zip(traced, base)),
        "iops_ratio_range": [min(t["iops"] / b["iops"] for t, b in zip(traced, base)),
                             max(t["iops"] / b["iops"] for t, b in zip(traced, base))],
        "faults_ratio": median(t["faults_per_s"] / b["faults_per_s"] for t, b in zip(traced, base)),
        "faults_ratio_range": [min(t["faults_per_s"] / b["faults_per_s"] for t, b in zip(traced, base)),
                               max(t["faults_per_s"] / b["faults_per_s"] for t, b in zip(traced, base))],
        "cpu_us_per_io": {s: median(r["cpu_us_per_io"] for r in runs[s]) for s in SETUPS},
        "cpu_ns_per_fault": {s: median(r["cpu_ns_per_fault"] for r in runs[s]) for s in SETUPS},
        "cpu_per_io_ratio": median(b["cpu_us_per_io"] / t["cpu_us_per_io"] for t, b in zip(traced, base)),
        "cpu_per_fault_ratio": median(b["cpu_ns_per_fault"] / t["cpu_ns_per_fault"]
                                      for t, b in zip(traced, base)),
        "programs": {p: {"median_avg_ns": median(x["avg_ns"] for x in v),
                         "median_runs": median(x["runs"] for x in v)} for p, v in progs.items()},
    }
    result = {"rounds": ROUNDS, "fio_seconds": FIO_SECONDS, "fault_seconds": FAULT_SECONDS,
              "summary": summary, "runs": runs}
    lines = ["fio randrw 4 KiB O_DIRECT psync QD1 on a loop device (%d s) and a page-fault storm "
             "(%d MiB map/touch/unmap, %d s), both on CPU 0, %d rounds alternating no tracer and pantau. "
             "IOPS and faults/s are wall-clock rates and move with other work on the host (see the "
             "per-round range); CPU per I/O (fio's own) and per fault (the storm's own) do not."
             % (FIO_SECONDS, FAULT_MB, FAULT_SECONDS, ROUNDS), "",
             "| workload | no tracer | pantau | ratio (median of rounds) | per-round range |",
             "|---|---|---|---|---|",
             "| fio IOPS (read + write) | %.0f | %.0f | %.3f | %.2f–%.2f |" % (
                 summary["iops"]["no tracer"], summary["iops"]["pantau"], summary["iops_ratio"],
                 summary["iops_ratio_range"][0], summary["iops_ratio_range"][1]),
             "| fio CPU µs per I/O (ratio: base over pantau) | %.1f | %.1f | %.3f | |" % (
                 summary["cpu_us_per_io"]["no tracer"], summary["cpu_us_per_io"]["pantau"],
                 summary["cpu_per_io_ratio"]),
             "| fio read p99 | %.0f µs | %.0f µs | | |" % (
                 summary["read_p99_us"]["no tracer"], summary["read_p99_us"]["pantau"]),
             "| fio write p99 | %.0f µs | %.0f µs | | |" % (
                 summary["write_p99_us"]["no tracer"], summary["write_p99_us"]["pantau"]),
             "| page faults/s | %.0f | %.0f | %.3f | %.2f–%.2f |" % (
                 summary["faults_per_s"]["no tracer"], summary["faults_per_s"]["pantau"],
                 summary["faults_ratio"], summary["faults_ratio_range"][0], summary["faults_ratio_range"][1]),
             "| CPU ns per fault (ratio: base over pantau) | %.0f | %.0f | %.3f | |" % (
                 summary["cpu_ns_per_fault"]["no tracer"], summary["cpu_ns_per_fault"]["pantau"],
                 summary["cpu_per_fault_ratio"]),
             "", "| program (under both workloads) | avg run ns | runs per round |", "|---|---|---|"]
    for p, v in sorted(summary["programs"].items()):
        if p.startswith(("disk_", "mem_", "cpu_")):
            lines.append("| %s | %.0f | %.0f |" % (p, v["median_avg_ns"], v["median_runs"]))
    write_results(results_dir, "memdisk", result, lines)
