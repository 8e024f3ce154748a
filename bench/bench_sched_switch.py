"""Scheduler hot path: nanoseconds added per context switch, pantau against runqlat.

A pipe ping-pong between two processes pinned to CPU 0 (tests/tools/
pingpong: each round trip is two switches and two wake-ups) runs under
five setups, the order rotated every round:

- no tracer;
- an empty BPF program (return 0) on sched_switch, attached as tp_btf the
  way pantau and runqlat attach theirs (bench/tools/empty_tp): the price
  of a program on that tracepoint at all;
- empty programs on sched_switch, sched_wakeup and sched_wakeup_new, the
  three tracepoints both pantau and runqlat use;
- runqlat from Debian's libbpf-tools, the peer doing the same class of
  work (a run-queue latency histogram, host-wide);
- pantau with its default config, which on these tracepoints keeps on-CPU
  time, voluntary and involuntary switches and run-queue wait per service.

Reported: median ns per switch and ns added per switch against no tracer
(median of the per-round differences), and each program's average run
time from the kernel's run stats (pantau's own, and runqlat's where the
kernel kept run stats while it ran)."""

import json
import os
import resource
import signal
import subprocess
import time

from pantau_lib import BUILD, Pantau, TestFailure, check, parse_metrics

from benchlib import STATS_ON, median, program_delta, program_stats, write_results

ROUNDS = 7
SWITCH_ROUNDS = "100000"
PINGPONG = os.path.join(BUILD, "tests", "tools", "pingpong")
EMPTY_TP = os.path.join(BUILD, "bench", "tools", "empty_tp")
RUNQLAT = "/usr/sbin/runqlat"
SCHED_TPS = ("sched_switch", "sched_wakeup", "sched_wakeup_new")
SETUPS = ("no tracer", "empty program on sched_switch", "empty programs on the 3 sched tracepoints",
          "runqlat (libbpf-tools)", "pantau")


def pingpong():
    """{ns_per_switch: wall clock, cpu_ns_per_switch: CPU time of the two
    processes}. The wall figure includes whatever else ran on CPU 0 in
    between; the CPU figure does not, and still holds the programs' time,
    which runs in the switching and waking tasks' context."""
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    out = subprocess.run([PINGPONG, SWITCH_ROUNDS, "0"], stdout=subprocess.PIPE, text=True, check=True)
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu_s = (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)
    return {"ns_per_switch": float(out.stdout),
            "cpu_ns_per_switch": cpu_s * 1e9 / (2 * int(SWITCH_ROUNDS))}


def bpf_progs():
    """{id: (name, run_cnt, run_time_ns)} of every loaded program."""
    out = subprocess.run(["bpftool", "-j", "prog", "list"], stdout=subprocess.PIPE,
                         stderr=subprocess.DEVNULL, text=True).stdout
    try:
        progs = json.loads(out)
    except ValueError:
        return {}
    return {p["id"]: (p.get("name", ""), p.get("run_cnt", 0), p.get("run_time_ns", 0)) for p in progs}


class Tracer:
    """A tracer process that prints a line once attached; the programs it
    loaded are those that appeared meanwhile under its program names."""

    def __init__(self, argv, names):
        self.names = names
        before = set(bpf_progs())
        # Its output is not read: a pipe would block runqlat's final print.
        self.proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + 30
        self.ids = []
        # Attached = every expected program loaded (stdout is block-buffered
        # into a pipe, so a "ready" line may never come in time).
        while time.time() < deadline and self.proc.poll() is None:
            self.ids = [i for i, p in bpf_progs().items() if i not in before and p[0] in names]
            if len(self.ids) >= len(names):
                break
            time.sleep(0.2)
        if len(self.ids) < len(names):
            self.stop()
            raise TestFailure("%s did not load its programs within 30 s" % argv[0])
        time.sleep(0.5)  # loaded comes just before attached

    def stats(self):
        now = bpf_progs()
        return {i: now[i] for i in self.ids if i in now}

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def tracer_round(tracer):
    try:
        s0 = tracer.stats()
        pp = pingpong()
        s1 = tracer.stats()
    finally:
        tracer.stop()
    progs = {}
    for i, (name, runs, run_ns) in s1.items():
        d = runs - s0.get(i, (name, 0, 0))[1]
        if d > 0:
            progs[name] = {"runs": d, "avg_ns": (run_ns - s0[i][2]) / d}
    return dict(pp, programs=progs)


def run_setup(name):
    if name == "no tracer":
        return dict(pingpong(), programs={})
    if name == "empty program on sched_switch":
        return tracer_round(Tracer([EMPTY_TP, "sched_switch"], ("empty_tp",)))
    if name == "empty programs on the 3 sched tracepoints":
        return tracer_round(Tracer([EMPTY_TP] + list(SCHED_TPS), ("empty_tp",) * 3))
    if name == "runqlat (libbpf-tools)":
        # One long interval: it prints its histogram only at the end.
        return tracer_round(Tracer([RUNQLAT, "3600", "1"], SCHED_TPS))
    with Pantau(config=STATS_ON) as p:
        before = program_stats(parse_metrics(p.scrape()))
        pp = pingpong()
        after = program_stats(parse_metrics(p.scrape()))
    progs = {k: v for k, v in program_delta(before, after).items() if k.startswith("cpu_")}
    return dict(pp, programs=progs)


def main(results_dir):
    check(os.path.exists(RUNQLAT), "runqlat is not installed (scripts/deps.sh bench)")
    runs = {s: [] for s in SETUPS}
    for i in range(ROUNDS):
        order = SETUPS[i % len(SETUPS):] + SETUPS[:i % len(SETUPS)]
        for s in order:
            r = run_setup(s)
            r["round"] = i
            runs[s].append(r)
    base = runs["no tracer"]
    summary = {}
    for s in SETUPS:
        added = [r["ns_per_switch"] - b["ns_per_switch"] for r, b in zip(runs[s], base)]
        progs = {}
        for r in runs[s]:
            for p, v in r["programs"].items():
                progs.setdefault(p, []).append(v["avg_ns"])
        added_cpu = [r["cpu_ns_per_switch"] - b["cpu_ns_per_switch"] for r, b in zip(runs[s], base)]
        summary[s] = {"median_ns_per_switch": median(r["ns_per_switch"] for r in runs[s]),
                      "added_wall_ns_per_switch": median(added),
                      "median_cpu_ns_per_switch": median(r["cpu_ns_per_switch"] for r in runs[s]),
                      "added_ns_per_switch": median(added_cpu),
                      "ratio": median(r["ns_per_switch"] / b["ns_per_switch"]
                                      for r, b in zip(runs[s], base)),
                      "program_avg_run_ns": {p: median(v) for p, v in progs.items()},
                      "program_rounds_with_stats": {p: len(v) for p, v in progs.items()}}
    pantau, peer = summary["pantau"], summary["runqlat (libbpf-tools)"]
    result = {"rounds": ROUNDS, "round_trips_per_run": int(SWITCH_ROUNDS), "summary": summary,
              "pantau_minus_runqlat_ns": pantau["added_ns_per_switch"] - peer["added_ns_per_switch"],
              "runs": runs}
    lines = ["Pipe ping-pong on CPU 0, %s round trips (2 switches each) per run, %d rounds, setups "
             "alternating. CPU ns is the CPU time of the two ping-pong processes per switch (what other "
             "work on CPU 0 cannot inflate); wall ns includes that other work. Added ns is the median of "
             "each round's difference to the no-tracer run of the same round."
             % (SWITCH_ROUNDS, ROUNDS), "",
             "| setup | CPU ns per switch | added CPU ns per switch | wall ns per switch | added wall ns "
             "| wall ratio |", "|---|---|---|---|---|---|"]
    for s in SETUPS:
        v = summary[s]
        lines.append("| %s | %.0f | %+.0f | %.0f | %+.0f | %.3f |" % (
            s, v["median_cpu_ns_per_switch"], v["added_ns_per_switch"], v["median_ns_per_switch"],
            v["added_wall_ns_per_switch"], v["ratio"]))
    lines += ["", "pantau adds %.0f CPU ns per switch, runqlat %.0f ns: pantau costs %+.0f ns per switch "
              "against runqlat (target: no more than runqlat)."
              % (pantau["added_ns_per_switch"], peer["added_ns_per_switch"],
                 result["pantau_minus_runqlat_ns"]), "",
              "| setup | program | avg run ns (kernel run stats) | rounds with stats |", "|---|---|---|---|"]
    for s in SETUPS:
        for p, v in sorted(summary[s]["program_avg_run_ns"].items()):
            lines.append("| %s | %s | %.0f | %d of %d |" % (s, p, v, summary[s]["program_rounds_with_stats"][p],
                                                          ROUNDS))
    lines += ["", "The kernel keeps run stats only while someone holds them on: pantau does while it "
              "runs; for the other setups they exist only in rounds where another pantau on this "
              "host had them on (its stats cost every program a little, in every setup alike)."]
    write_results(results_dir, "sched_switch", result, lines)
