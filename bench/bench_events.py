"""Event pipeline: request events per second through the ring buffer to JSONL and _bulk.

The producer is real traffic, not a test hook: bench/tools/reqload makes
small pipelined HTTP/1.1 requests over loopback (8 keep-alive connections,
4 requests in flight on each), client and server each in a cgroup of its
own and both pinned to CPU 0, so pantau sees every request twice (server
and client side) through its ordinary path: cgroup_skb ingress and
egress → HTTP framer → per-service event budget → ring buffer
→ events thread → JSON document → sinks. The budget
(events.per_service_per_second) is raised to its maximum, 1,000,000, so
the kernel's rate limit does not hide the pipeline's own limit. pantau is
pinned to CPU 1: "one core" is literal.

Rounds alternate three setups: no tracer (the producer's own rate);
pantau writing JSONL; pantau writing JSONL and sending to the fake
Elasticsearch _bulk server (tests/tools/fake_es.py, a Python process on
CPU 0). Per round: events offered (2 per request, counted by the
producer), events written (pantau_exporter_events_total), drops by reason
(pantau_events_dropped_total), and the events not accounted for by either;
pantau's CPU time from /proc/PID/stat, split by thread and into user and
system time, per 10k events written."""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

from pantau_lib import BUILD, ROOT, Cgroup, Pantau, check, free_port, parse_metrics, spawn_in, stop

from benchlib import (STATS_ON, by_label, machine_info, machine_lines, median, pin_process, process_cpu_s,
                      program_delta, program_stats, threads_cpu_s, write_results)

ROUNDS = 3
SECONDS = 5
CONNS = 8
PIPELINE = 4
LOAD_CPU = "0"
PANTAU_CPU = 1
REQLOAD = os.path.join(BUILD, "bench", "tools", "reqload")
FAKE_ES = os.path.join(ROOT, "tests", "tools", "fake_es.py")
SETUPS = ("no tracer", "pantau → JSONL", "pantau → JSONL + _bulk")
# Event drop reasons: what the kernel side counts before the ring buffer,
# and what user space counts after it.
EVENT_DROPS = ("ringbuf_full", "rate_limited_in_kernel", "rate_limited")
CONFIG = STATS_ON + """events:
  per_service_per_second: 1000000
  rotate_mib: 4096
  keep: 1
"""
ES_CONFIG = """elasticsearch:
  urls: ["http://127.0.0.1:%(port)d"]
  gzip: false
  flush_seconds: 1
  spool: { dir: %(spool)s, max_bytes: 4 GiB }
"""


def produce(port, client_cg):
    p = spawn_in(client_cg, ["taskset", "-c", LOAD_CPU, REQLOAD, "client", str(port), str(CONNS),
                             str(PIPELINE), str(SECONDS)])
    out, _ = p.communicate(timeout=SECONDS + 60)
    check(p.returncode == 0, "reqload client failed: %r" % out)
    return json.loads(out.strip().splitlines()[-1])


def fake_es():
    p = subprocess.Popen(["taskset", "-c", LOAD_CPU, "/usr/bin/python3", FAKE_ES, "--port",
                          str(free_port())], stdout=subprocess.PIPE, text=True)
    line = p.stdout.readline()
    check(line.startswith("PORT "), "fake_es did not start: %r" % line)
    return p, int(line.split()[1])


def counters(p):
    m = parse_metrics(p.scrape())
    out = {"written": by_label({k: v for k, v in m.items()
                                if dict(k[1]).get("exporter") == "jsonl"},
                               "pantau_exporter_events_total", "outcome").get("written", 0.0),
           "drops": by_label(m, "pantau_events_dropped_total", "reason"),
           "programs": program_stats(m)}
    es = {dict(ls).get("outcome"): v for (n, ls), v in m.items()
          if n == "pantau_exporter_events_total" and dict(ls).get("exporter") == "elasticsearch"}
    out["es"] = es
    out["es_queue_bytes"] = sum(v for (n, ls), v in m.items() if n == "pantau_exporter_queue_bytes")
    return out


def settle(p, key_fn, timeout=5.0):
    """Scrape until key_fn(counters) stops moving (the events thread drained)."""
    last, c = None, counters(p)
    deadline = time.time() + timeout
    while time.time() < deadline and key_fn(c) != last:
        last = key_fn(c)
        time.sleep(0.5)
        c = counters(p)
    return c


def count_lines_of(path, services):
    """Lines of the events file whose service is one of ours: other work on
    this host makes HTTP requests too, and with this budget they are events."""
    pats = [('"service":{"name":"%s"}' % s).encode() for s in services]
    n, tail = 0, b""
    keep = max(len(x) for x in pats) - 1
    try:
        with open(path, "rb") as f:
            while True:
                chunk = f.read(1 << 24)
                if not chunk:
                    break
                buf = tail + chunk
                n += sum(buf.count(x) for x in pats)
                tail = buf[-keep:]
                # A match wholly inside the kept tail was counted already.
                n -= sum(tail.count(x) for x in pats)
    except OSError:
        return 0
    return n


def pantau_round(port, client_cg, services, with_es):
    tmp = tempfile.mkdtemp(prefix="pantau-bench-events-")
    pantau_tmp = None
    config = CONFIG
    es_proc = None
    if with_es:
        es_proc, es_port = fake_es()
        config += ES_CONFIG % {"port": es_port, "spool": os.path.join(tmp, "spool")}
    try:
        with Pantau(config=config, args=["--events-file", "@EVENTS@"]) as p:
            pin_process(p.proc.pid, {PANTAU_CPU})
            time.sleep(1)
            c0 = counters(p)
            cpu0, thr0 = process_cpu_s(p.proc.pid), threads_cpu_s(p.proc.pid)
            t0 = time.time()
            load = produce(port, client_cg)
            c1 = settle(p, lambda c: c["written"])
            wall = time.time() - t0
            cpu1, thr1 = process_cpu_s(p.proc.pid), threads_cpu_s(p.proc.pid)
            if with_es:
                # What the fake server took within the same window, then
                # a little longer to see whether it keeps up.
                es_window = c1["es"]
                time.sleep(2)
                c2 = counters(p)
            events_path, pantau_tmp = p.events_path, p.tmp
        size = os.path.getsize(events_path) if os.path.exists(events_path) else 0
        ours = count_lines_of(events_path, services)
    finally:
        if es_proc:
            stop(es_proc)
        shutil.rmtree(tmp, ignore_errors=True)
        if pantau_tmp:
            shutil.rmtree(pantau_tmp, ignore_errors=True)
    written = c1["written"] - c0["written"]
    drops = {r: c1["drops"].get(r, 0) - c0["drops"].get(r, 0) for r in c1["drops"]}
    # Drops are counted host-wide; other work's events among them make
    # "unaccounted" a little negative, never positive.
    counted = sum(drops.get(r, 0) for r in EVENT_DROPS)
    offered = 2 * load["requests"]
    user, system = cpu1[0] - cpu0[0], cpu1[1] - cpu0[1]
    threads = {}
    for name, (u, s) in thr1.items():
        u0, s0 = thr0.get(name, (0.0, 0.0))
        if u - u0 + s - s0 > 0:
            threads[name] = {"user_s": u - u0, "system_s": s - s0}
    r = {"requests": load["requests"], "load_seconds": load["seconds"],
         "requests_per_s": load["requests"] / load["seconds"],
         "events_offered": offered, "events_written": written, "events_written_ours": ours,
         "events_written_per_s": written / load["seconds"],
         "drops": {k: v for k, v in drops.items() if v},
         "counted_drops": counted,
         "unaccounted": offered - ours - counted,
         "events_per_pantau_cpu_s": written / (user + system) if user + system else 0.0,
         "pantau_cpu_user_s": user, "pantau_cpu_system_s": system,
         "pantau_cpu_s_per_10k_events": (user + system) / written * 1e4 if written else 0.0,
         "pantau_cores": (user + system) / wall,
         "threads": threads, "events_file_bytes": size,
         "bytes_per_event": size / written if written else 0.0,
         "programs": program_delta(c0["programs"], c1["programs"])}
    if with_es:
        r["es_accepted"] = es_window.get("accepted", 0) - c0["es"].get("accepted", 0)
        r["es_sent_in_window"] = es_window.get("sent", 0) - c0["es"].get("sent", 0)
        r["es_sent_per_s"] = r["es_sent_in_window"] / wall
        r["es_sent_2s_later"] = c2["es"].get("sent", 0) - c0["es"].get("sent", 0)
        r["es_failed"] = c2["es"].get("failed", 0) - c0["es"].get("failed", 0)
        r["es_dropped"] = c2["es"].get("dropped", 0) - c0["es"].get("dropped", 0)
        r["es_queue_bytes_end"] = c2["es_queue_bytes"]
    return r


def main(results_dir):
    server_cg, client_cg = Cgroup("b-evsrv"), Cgroup("b-evcli")
    port = free_port()
    server = spawn_in(server_cg, ["taskset", "-c", LOAD_CPU, REQLOAD, "server", str(port)])
    runs = {s: [] for s in SETUPS}
    try:
        check(server.stdout.readline().strip() == "ready", "reqload server did not start")
        for i in range(ROUNDS):
            order = SETUPS[i % len(SETUPS):] + SETUPS[:i % len(SETUPS)]
            for s in order:
                if s == "no tracer":
                    time.sleep(1)
                    load = produce(port, client_cg)
                    r = {"requests": load["requests"], "load_seconds": load["seconds"],
                         "requests_per_s": load["requests"] / load["seconds"],
                         "events_offered": 2 * load["requests"]}
                else:
                    r = pantau_round(port, client_cg, (server_cg.service, client_cg.service),
                                     s.endswith("_bulk"))
                r["round"] = i
                runs[s].append(r)
                print("  round %d, %s: %s" % (i, s, {k: v for k, v in r.items()
                                                       if not isinstance(v, dict)}), file=sys.stderr)
    finally:
        stop(server)
        server_cg.remove()
        client_cg.remove()

    base_rps = median(r["requests_per_s"] for r in runs["no tracer"])
    summary = {}
    for s in SETUPS:
        rs = runs[s]
        v = {"median_requests_per_s": median(r["requests_per_s"] for r in rs),
             "median_events_offered_per_s": median(r["events_offered"] / r["load_seconds"] for r in rs)}
        v["producer_ratio"] = v["median_requests_per_s"] / base_rps if base_rps else 0.0
        if s != "no tracer":
            for k in ("events_written_per_s", "pantau_cpu_s_per_10k_events", "pantau_cores",
                      "bytes_per_event", "events_per_pantau_cpu_s"):
                v["median_" + k] = median(r[k] for r in rs)
            v["counted_drops_total"] = sum(r["counted_drops"] for r in rs)
            v["drops_by_reason"] = {}
            for r in rs:
                for k, n in r["drops"].items():
                    v["drops_by_reason"][k] = v["drops_by_reason"].get(k, 0) + n
            v["unaccounted_total"] = sum(r["unaccounted"] for r in rs)
            v["offered_total"] = sum(r["events_offered"] for r in rs)
            v["written_total"] = sum(r["events_written"] for r in rs)
            user = sum(r["pantau_cpu_user_s"] for r in rs)
            system = sum(r["pantau_cpu_system_s"] for r in rs)
            v["user_share"] = user / (user + system) if user + system else 0.0
            v["events_thread_share"] = 0.0
            busiest = 0.0
            for r in rs:
                t = max(r["threads"].values(), key=lambda x: x["user_s"] + x["system_s"], default=None)
                if t:
                    busiest += t["user_s"] + t["system_s"]
            v["events_thread_share"] = busiest / (user + system) if user + system else 0.0
            if s.endswith("_bulk"):
                v["median_es_sent_per_s"] = median(r["es_sent_per_s"] for r in rs)
                v["es_failed_total"] = sum(r["es_failed"] for r in rs)
                v["es_dropped_total"] = sum(r["es_dropped"] for r in rs)
        summary[s] = v
    result = {"machine": machine_info(), "rounds": ROUNDS, "seconds_per_round": SECONDS,
              "connections": CONNS,
              "pipeline": PIPELINE, "summary": summary, "runs": runs}
    write_results(results_dir, "events", result, markdown(result))


def markdown(result):
    s = result["summary"]
    lines = ["Producer: bench/tools/reqload, %d keep-alive connections × %d pipelined HTTP/1.1 requests "
             "in flight, client and server in their own cgroups on CPU 0; every request is two events "
             "(server and client side). pantau pinned to CPU 1, event budget 1,000,000 per service "
             "per second. %d rounds of %d s, setups alternating."
             % (result["connections"], result["pipeline"], result["rounds"], result["seconds_per_round"]),
             "",
             "| setup | producer req/s (ratio) | events offered/s | events written/s | "
             "pantau CPU s per 10k events | events per pantau CPU second | pantau cores | "
             "counted drops | unaccounted |",
             "|---|---|---|---|---|---|---|---|---|"]
    for name in SETUPS:
        v = s[name]
        if name == "no tracer":
            lines.append("| %s | %.0f (1.000) | %.0f | — | — | — | — | — | — |" % (
                name, v["median_requests_per_s"], v["median_events_offered_per_s"]))
            continue
        lines.append("| %s | %.0f (%.3f) | %.0f | %.0f | %.3f | %.0f | %.2f | %s | %d of %d |" % (
            name, v["median_requests_per_s"], v["producer_ratio"], v["median_events_offered_per_s"],
            v["median_events_written_per_s"], v["median_pantau_cpu_s_per_10k_events"],
            v["median_events_per_pantau_cpu_s"], v["median_pantau_cores"],
            ", ".join("%s %d" % (k, n) for k, n in sorted(v["drops_by_reason"].items())) or "0",
            v["unaccounted_total"], v["offered_total"]))
    j = s[SETUPS[1]]
    lines += ["", "Where pantau's time goes (JSONL setup): %.0f %% user, %.0f %% system; the busiest "
              "thread (the events thread) used %.0f %% of pantau's CPU. %.0f bytes per JSONL line."
              % (100 * j["user_share"], 100 * (1 - j["user_share"]), 100 * j["events_thread_share"],
                 j["median_bytes_per_event"])]
    b = s[SETUPS[2]]
    lines += ["", "_bulk: the fake server acknowledged %.0f events/s (median over the rounds' windows); "
              "the rest waited in pantau's disk spool (failed %d, dropped from the spool %d)."
              % (b["median_es_sent_per_s"], b["es_failed_total"], b["es_dropped_total"])]
    lines += ["", "Events per pantau CPU second, each round (JSONL; JSONL + _bulk): %s; %s."
              % (", ".join("%.0f" % r["events_per_pantau_cpu_s"] for r in result["runs"][SETUPS[1]]),
                 ", ".join("%.0f" % r["events_per_pantau_cpu_s"] for r in result["runs"][SETUPS[2]]))]
    lines += [""] + machine_lines(result["machine"])
    lines += ["", "Unaccounted = offered − lines of the two bench services in the file − counted drops. "
              "Drops are counted host-wide, and other work on this host makes HTTP requests too "
              "(pantau's scrapes among them), so small negative values are expected; a positive value "
              "would be events lost without a count. Events per pantau CPU second is what one core "
              "would carry if pantau had it to itself: CPU 1 is shared with other work here, so pantau "
              "cores below 1 with ring buffer drops mean pantau did not get the CPU time to keep up, "
              "mostly because other work held CPU 1."]
    return lines
