"""Scheduler hot path: nanoseconds pantau adds per context switch.

A pipe ping-pong between two processes pinned to one CPU, alternating
rounds with no tracer and with pantau running, plus the average run time
of each pantau program from the kernel's BPF run stats."""

import json
import os
import statistics
import subprocess

from pantau_lib import BUILD, Pantau, parse_metrics

ROUNDS = 5
SWITCH_ROUNDS = "200000"
PINGPONG = os.path.join(BUILD, "tests", "tools", "pingpong")


def pingpong():
    out = subprocess.run([PINGPONG, SWITCH_ROUNDS, "0"], stdout=subprocess.PIPE, text=True, check=True)
    return float(out.stdout)


def program_costs(metrics):
    runs = {dict(ls)["program"]: v for (n, ls), v in metrics.items() if n == "pantau_bpf_program_runs_total"}
    secs = {dict(ls)["program"]: v for (n, ls), v in metrics.items()
            if n == "pantau_bpf_program_run_seconds_total"}
    return {p: (secs[p] / runs[p] * 1e9 if runs[p] else 0.0, int(runs[p])) for p in runs}


def main(results_dir):
    base, traced = [], []
    costs = {}
    for _ in range(ROUNDS):
        base.append(pingpong())
        with Pantau() as p:
            before = program_costs(parse_metrics(p.scrape()))
            traced.append(pingpong())
            after = program_costs(parse_metrics(p.scrape()))
        # Cost over this round only: (run time delta) / (runs delta).
        for prog, (ns_after, runs_after) in after.items():
            ns_before, runs_before = before.get(prog, (0.0, 0))
            d_runs = runs_after - runs_before
            if d_runs > 0:
                d_ns = ns_after * runs_after - ns_before * runs_before
                costs.setdefault(prog, []).append(d_ns / d_runs)
    b, t = statistics.median(base), statistics.median(traced)
    result = {
        "switch_ns_no_tracer": b,
        "switch_ns_pantau": t,
        "added_ns_per_switch": t - b,
        "ratio": t / b,
        "program_avg_run_ns": {p: statistics.median(v) for p, v in costs.items()},
        "rounds": ROUNDS,
    }
    with open(os.path.join(results_dir, "sched_switch.json"), "w") as f:
        json.dump(result, f, indent=2)
    lines = ["| setup | ns per switch (median of %d) |" % ROUNDS, "|---|---|",
             "| no tracer | %.0f |" % b, "| pantau | %.0f |" % t,
             "", "pantau adds %.0f ns per switch (ratio %.3f)." % (t - b, t / b), "",
             "| program | avg run ns (kernel run stats) |", "|---|---|"]
    lines += ["| %s | %.0f |" % (p, v) for p, v in sorted(result["program_avg_run_ns"].items())]
    with open(os.path.join(results_dir, "sched_switch.md"), "w") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines))
