"""bench/results/summary.md: one line per headline figure of each
benchmark, from the JSON results present (each from its own latest run),
with the issue's target where there is one. Ratios are against a
baseline measured in the same run of that benchmark."""

import json
import os
import subprocess
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# Run order of the headline rows; a result file that is missing is skipped.
ORDER = ("http", "sched_switch", "scrape", "footprint", "events", "memdisk", "programs", "status_page")


def _http(r):
    rows = []
    for placement, pr in r["placements"].items():
        s = pr["summary"]
        for setup, v in s.items():
            if setup != "no tracer":
                rows.append(("HTTP overhead", "%s, %s: req/s ratio / CPU per request ratio (per-round)"
                             % (placement, setup), "%.3f / %.3f" % (v["paired_rps_ratio"],
                                                                     v["paired_cpu_ratio"]), ""))
        for shape, g in pr["goals"].items():
            if "goal1" in g:
                rows.append(("HTTP overhead", "%s, %s: goal 1, pantau vs bpftrace peer req/s ratio"
                             % (placement, shape), "%.3f vs %.3f: %s" % (
                                 g["r_pantau"], g["goal1"]["r_peer"], _met(g["goal1"]["met"])),
                             "pantau ≥ peer"))
            for key, what in (("goal2_rps", "req/s"), ("goal2_cpu", "CPU per request")):
                if key in g:
                    x = g[key]
                    rows.append(("HTTP overhead", "%s, %s: goal 2, pantau's %s loss vs empty programs'"
                                 % (placement, shape, what), "%.3f vs 2 × %.3f: %s" % (
                                     x["pantau_loss"], x["empty_loss"],
                                     x.get("verdict", _met(x["met"]))),
                                 "≤ 2 × empty"))
        for setup, g in pr.get("goal2_by_run_times", {}).items():
            rows.append(("HTTP overhead", "%s, %s: programs' ns per request; goal 2 needs the empty "
                         "programs to lose at least" % (placement, setup),
                         "%.0f ns; %.3f" % (g["program_ns_per_request"], g["empty_loss_needed"]), ""))
    return rows


def _met(flag):
    return "met" if flag else "not met"


def _sched(r):
    s = r["summary"]
    rows = []
    for setup, v in s.items():
        if setup == "no tracer":
            rows.append(("Scheduler hot path", "no tracer: CPU ns per switch", "%.0f" % v["median_cpu_ns_per_switch"], ""))
            continue
        target = "≤ runqlat" if setup == "pantau" else ""
        rows.append(("Scheduler hot path", "%s: CPU ns added per switch" % setup,
                     "%+.0f" % v["added_ns_per_switch"], target))
    if "pantau" in s:
        for p, ns in sorted(s["pantau"]["program_avg_run_ns"].items()):
            rows.append(("Scheduler hot path", "pantau %s: avg run ns" % p, "%.0f" % ns, ""))
    return rows


def _scrape(r):
    e = r["exporters"]
    p, n = e["pantau"], e["node_exporter"]
    return [
        ("Scrape cost", "%d services: median / p99 scrape, pantau vs node_exporter" % r["services"],
         "%.1f / %.1f ms vs %.1f / %.1f ms" % (p["median_s"] * 1e3, p["p99_s"] * 1e3,
                                               n["median_s"] * 1e3, n["p99_s"] * 1e3), ""),
        ("Scrape cost", "median scrape time ratio pantau / node_exporter",
         "%.2f" % r["median_time_ratio"], "≤ 2"),
        ("Scrape cost", "answer size (sent) and series, pantau vs node_exporter",
         "%.1f MB (%.1f MB), %d vs %.1f kB (%.1f kB), %d" % (
             p["bytes"] / 1e6, p["wire_bytes"] / 1e6, p["series"],
             n["bytes"] / 1e3, n["wire_bytes"] / 1e3, n["series"]), ""),
        ("Scrape cost", "RSS pantau vs node_exporter",
         "%.1f MiB vs %.1f MiB" % (p["rss_bytes"] / 2**20, n["rss_bytes"] / 2**20), "pantau ≤ 40 MB"),
    ]


def _footprint(r):
    rows = []
    for pt in r["points"]:
        rows.append(("Memory", "%d services (services.max %d): RSS / BPF maps" % (pt["services"], pt["services_max"]),
                     "%.1f MiB / %.1f MiB" % (pt["rss_bytes"] / 2**20, pt["bpf_map_bytes"] / 2**20),
                     "RSS ≤ 40 MB" if pt["services"] == 1000 else ""))
    return rows


def _events(r):
    rows = []
    for setup, v in r["summary"].items():
        if setup == "no tracer":
            rows.append(("Event pipeline", "producer alone: events offered/s",
                         "%.0f" % v["median_events_offered_per_s"], ""))
            continue
        rows.append(("Event pipeline", "%s: events written/s (pantau pinned to 1 shared core)" % setup,
                     "%.0f" % v["median_events_written_per_s"], ""))
        rows.append(("Event pipeline", "%s: events per pantau CPU second" % setup,
                     "%.0f" % v["median_events_per_pantau_cpu_s"], "≥ 200k"))
        rows.append(("Event pipeline", "%s: CPU s per 10k events" % setup,
                     "%.3f" % v["median_pantau_cpu_s_per_10k_events"], ""))
        rows.append(("Event pipeline", "%s: counted drops; unaccounted" % setup,
                     "%d; %d of %d" % (v["counted_drops_total"], v["unaccounted_total"], v["offered_total"]),
                     "0 unaccounted"))
        if "median_es_sent_per_s" in v:
            rows.append(("Event pipeline", "%s: acknowledged by the fake _bulk server/s" % setup,
                         "%.0f" % v["median_es_sent_per_s"], ""))
    return rows


def _memdisk(r):
    s = r["summary"]
    return [("Disk and memory probes", "fio rand 4k IOPS ratio pantau / no tracer", "%.3f" % s["iops_ratio"], ""),
            ("Disk and memory probes", "page faults/s ratio pantau / no tracer", "%.3f" % s["faults_ratio"], ""),
            ("Disk and memory probes", "CPU per I/O, per fault: ratio no tracer / pantau",
             "%.3f, %.3f" % (s["cpu_per_io_ratio"], s["cpu_per_fault_ratio"]), "")]


def _programs(r):
    rows = []
    for w in r:
        for p, v in sorted(w["programs"].items()):
            if (w["workload"].startswith("O_DIRECT") and p.startswith("disk_")) or \
               (w["workload"].startswith("500 fork") and p == "mem_process_exit_btf"):
                rows.append(("Per-program cost", "%s under %s: avg run ns" % (p, w["workload"]),
                             "%.0f" % v["avg_ns"], ""))
    if r and "scrape_ms" in r[-1]:
        rows.append(("Per-program cost", "one scrape (default services)", "%.1f ms" % r[-1]["scrape_ms"], ""))
    return rows


def _status(r):
    return [("Status page", "200-service page: bytes / server render", "%d / %.1f ms" % (
        r["page_bytes"], r["server_render_ms"]), ""),
        ("Status page", "added to a headless Chromium load", "%.2f s" % r["added_s"], "")]


HANDLERS = {"http": _http, "sched_switch": _sched, "scrape": _scrape, "footprint": _footprint, "events": _events,
            "memdisk": _memdisk, "programs": _programs, "status_page": _status}


def run_date(path):
    """The day a result was made: for a file as committed, the day of its
    commit (a checkout gives every file the day of the checkout); for a
    run not committed yet, the day the file was written."""
    rel = os.path.relpath(path, ROOT)

    def git(*args):
        p = subprocess.run(["git", "-C", ROOT] + list(args), stdout=subprocess.PIPE,
                           stderr=subprocess.DEVNULL, text=True)
        return p.stdout.strip() if p.returncode == 0 else None

    if git("status", "--porcelain", "--", rel) == "":
        day = git("log", "-1", "--format=%cs", "--", rel)
        if day:
            return day
    return time.strftime("%Y-%m-%d", time.gmtime(os.path.getmtime(path)))


def write(results_dir):
    lines = ["| benchmark | figure | latest | target | run |", "|---|---|---|---|---|"]
    for name in ORDER:
        path = os.path.join(results_dir, name + ".json")
        if not os.path.exists(path):
            continue
        with open(path) as f:
            result = json.load(f)
        when = run_date(path)
        try:
            rows = HANDLERS[name](result)
        except (KeyError, TypeError, ZeroDivisionError) as e:
            rows = [(name, "result file has an older shape (%s); rerun it" % e, "", "")]
        for bench, figure, value, target in rows:
            lines.append("| %s | %s | %s | %s | %s |" % (bench, figure, value, target, when))
    with open(os.path.join(results_dir, "summary.md"), "w") as f:
        f.write("\n".join(lines) + "\n")
    return lines
