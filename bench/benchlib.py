"""What several benchmarks share: CPU time of a process and its threads
from /proc, pinning, the kernel's BPF run stats as pantau exports them,
and writing a result as JSON + markdown. (Not named bench_*.py: run.py
runs those.)"""

import json
import os
import statistics

CLK_TCK = os.sysconf("SC_CLK_TCK")


def _stat_fields(path):
    with open(path) as f:
        text = f.read()
    comm = text[text.index("(") + 1:text.rindex(")")]
    return comm, text.rsplit(")", 1)[1].split()


def process_cpu_s(pid):
    """(user, system) CPU seconds of a process, all its threads."""
    _, f = _stat_fields("/proc/%d/stat" % pid)
    return int(f[11]) / CLK_TCK, int(f[12]) / CLK_TCK


def threads_cpu_s(pid):
    """{"tid comm": (user s, system s)} of each thread of a process."""
    out = {}
    for tid in os.listdir("/proc/%d/task" % pid):
        try:
            comm, f = _stat_fields("/proc/%d/task/%s/stat" % (pid, tid))
        except OSError:
            continue
        out["%s %s" % (tid, comm)] = (int(f[11]) / CLK_TCK, int(f[12]) / CLK_TCK)
    return out


def pin_process(pid, cpus):
    """Pin every thread of a running process (sched_setaffinity is per thread)."""
    for tid in os.listdir("/proc/%d/task" % pid):
        try:
            os.sched_setaffinity(int(tid), cpus)
        except OSError:
            pass


def rss_bytes(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


# pantau's config for benches that report each program's run time: the
# kernel's run stats on, at two clock reads per run of every BPF program.
STATS_ON = "bpf_run_stats: true\n"


def program_stats(metrics):
    """({program: runs}, {program: run seconds}) from pantau's exposition."""
    runs = {dict(ls)["program"]: v for (n, ls), v in metrics.items() if n == "pantau_bpf_program_runs_total"}
    secs = {dict(ls)["program"]: v for (n, ls), v in metrics.items()
            if n == "pantau_bpf_program_run_seconds_total"}
    return runs, secs


def program_delta(before, after):
    """{program: {runs, avg_ns}} between two program_stats()."""
    (runs0, secs0), (runs1, secs1) = before, after
    out = {}
    for prog, r in runs1.items():
        d = r - runs0.get(prog, 0)
        if d > 0:
            out[prog] = {"runs": int(d), "avg_ns": (secs1.get(prog, 0) - secs0.get(prog, 0)) / d * 1e9}
    return out


def sum_series(metrics, name, **labels):
    total = 0.0
    for (n, ls), v in metrics.items():
        d = dict(ls)
        if n == name and all(d.get(k) == val for k, val in labels.items()):
            total += v
    return total


def by_label(metrics, name, label):
    """{label value: sample} of one metric."""
    return {dict(ls).get(label): v for (n, ls), v in metrics.items() if n == name}


def median(xs):
    xs = list(xs)
    return statistics.median(xs) if xs else 0.0


def percentile(xs, q):
    """Nearest-rank percentile (q in 0..100) of a non-empty list."""
    xs = sorted(xs)
    if not xs:
        return 0.0
    k = max(0, min(len(xs) - 1, int(round(q / 100.0 * len(xs) + 0.5)) - 1))
    return xs[k]


def write_results(results_dir, name, result, lines):
    with open(os.path.join(results_dir, name + ".json"), "w") as f:
        json.dump(result, f, indent=2)
    with open(os.path.join(results_dir, name + ".md"), "w") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines))


VULNERABILITIES = "/sys/devices/system/cpu/vulnerabilities"


def machine_info():
    """The CPU model, the kernel release and every line the kernel gives on
    the CPU's vulnerabilities and their mitigations: the cost of a call
    into a BPF program (an indirect call) depends on them, retpolines and
    return thunks most of all, so a ratio means little without them."""
    model = ""
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    vulnerabilities = {}
    for name in sorted(os.listdir(VULNERABILITIES)):
        with open(os.path.join(VULNERABILITIES, name)) as f:
            vulnerabilities[name] = f.read().strip()
    return {"cpu_model": model, "cpus": os.cpu_count(), "kernel": os.uname().release,
            "vulnerabilities": vulnerabilities}


def machine_lines(info):
    """Markdown lines for machine_info()."""
    lines = ["Machine: %s, %d CPUs, Linux %s. CPU vulnerabilities (%s):" % (
        info["cpu_model"], info["cpus"], info["kernel"], VULNERABILITIES), ""]
    return lines + ["- %s: %s" % (k, v) for k, v in info["vulnerabilities"].items()]
