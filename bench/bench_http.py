"""HTTP overhead: nginx under wrk with no tracer, pantau and a bpftrace peer.

Debian's nginx (one worker, pinned to CPU 0, in its own cgroup so pantau
names it as a service at once) answers `return 200` to wrk (-t1 -c32,
pinned to CPU 1) on loopback. Rounds of about 5 s alternate between four
setups, the order rotated each round: no tracer; pantau with its default
config (requests.http on); pantau with requests.http off (no payload
hooks); and bpftrace counting sched_switch per cgroup plus received and
sent bytes per cgroup (sock:sock_recv_length, sock:sock_send_length), the
peer. Each tracer starts before its round and stops after it. Reported per
setup: median requests/s and median p99 latency, each as a ratio to the
no-tracer median. With pantau, its request count for nginx is set against
wrk's, and each program's average run time comes from the kernel's run
stats over the round."""

import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import tempfile
import time

from pantau_lib import Cgroup, Pantau, TestFailure, check, free_port, parse_metrics, spawn_in, \
    stop, wait_for

ROUNDS = 6
SECONDS = 5
CONNECTIONS = 32
SERVER_CPU = "0"
CLIENT_CPU = "1"
TRACEFS = "/sys/kernel/tracing"
NET_PROGRAMS = ("net_ingress", "net_sendmsg", "net_sock_set_state")

NGINX_CONF = """worker_processes 1;
worker_cpu_affinity 01;
daemon off;
pid %(tmp)s/nginx.pid;
error_log %(tmp)s/error.log;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path %(tmp)s/body;
  proxy_temp_path %(tmp)s/proxy;
  fastcgi_temp_path %(tmp)s/fastcgi;
  uwsgi_temp_path %(tmp)s/uwsgi;
  scgi_temp_path %(tmp)s/scgi;
  server {
    listen 127.0.0.1:%(port)d;
    location / { return 200 "ok\\n"; }
  }
}
"""

# The peer: per-cgroup context switches and socket bytes, the same class
# of work as pantau's CPU and TCP byte figures. BEGIN fires once every
# probe is attached, so "ready" means the round may start.
PEER = """
BEGIN { printf("ready\\n"); }
tracepoint:sched:sched_switch { @switches[cgroup] = count(); }
tracepoint:sock:sock_recv_length /args->ret > 0/ { @rx_bytes[cgroup] = sum(args->ret); }
tracepoint:sock:sock_send_length /args->ret > 0/ { @tx_bytes[cgroup] = sum(args->ret); }
"""
PEER_PROBES = ("tracepoint:sched:sched_switch", "tracepoint:sock:sock_recv_length",
               "tracepoint:sock:sock_send_length")

SETUPS = ("no tracer", "pantau", "pantau, requests.http off", "bpftrace peer")


class Nginx:
    """nginx with one worker on SERVER_CPU (master and worker both pinned:
    taskset for the master, worker_cpu_affinity for the worker)."""

    def __init__(self, cg):
        self.port = free_port()
        self.tmp = tempfile.mkdtemp(prefix="pantau-bench-nginx-")
        conf = os.path.join(self.tmp, "nginx.conf")
        with open(conf, "w") as f:
            f.write(NGINX_CONF % {"tmp": self.tmp, "port": self.port})
        self.proc = spawn_in(cg, ["taskset", "-c", SERVER_CPU, "nginx", "-c", conf])
        wait_for(self._answers, 10, "nginx to listen on %d" % self.port)

    def _answers(self):
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                return True
        except OSError:
            return False

    def stop(self):
        stop(self.proc)
        shutil.rmtree(self.tmp, ignore_errors=True)


_UNIT = {"us": 1e-6, "ms": 1e-3, "s": 1.0}


def bpf_programs_loaded():
    """How many BPF programs the kernel holds: other than a tracer of ours,
    another user's tracer would weigh on every setup alike."""
    out = subprocess.run(["bpftool", "-j", "prog", "list"], stdout=subprocess.PIPE,
                         stderr=subprocess.DEVNULL, text=True).stdout
    try:
        return len(json.loads(out))
    except ValueError:
        return -1


def host_busy_s():
    """CPU time all CPUs spent on anything but idle and iowait, in seconds."""
    with open("/proc/stat") as f:
        fields = [int(x) for x in f.readline().split()[1:9]]
    return (sum(fields) - fields[3] - fields[4]) / os.sysconf("SC_CLK_TCK")


def wrk(port, seconds, client, server, scheme="http"):
    """{requests, rps, p99_s, cpu_s, ...} of one wrk run (in the cgroup
    client) against nginx (in the cgroup server); cpu_s is the CPU time
    both cgroups used, which contention from other work cannot inflate."""
    cpu0 = client.usage_usec() + server.usage_usec()
    busy0, t0 = host_busy_s(), time.time()
    p = spawn_in(client, ["taskset", "-c", CLIENT_CPU, "wrk", "-t1", "-c%d" % CONNECTIONS,
                          "-d%ds" % seconds, "--latency", "%s://127.0.0.1:%d/" % (scheme, port)])
    out, _ = p.communicate(timeout=seconds + 30)
    cpu_s = (client.usage_usec() + server.usage_usec() - cpu0) / 1e6
    # CPU the rest of the host used meanwhile (tracer included), in CPUs.
    others = (host_busy_s() - busy0 - cpu_s) / (time.time() - t0)
    rps = re.search(r"^Requests/sec:\s+([\d.]+)", out, re.M)
    total = re.search(r"^\s*(\d+) requests in", out, re.M)
    p99 = re.search(r"^\s+99%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
    check(p.returncode == 0 and rps and total and p99, "cannot read wrk's report: %r" % out)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    sock_errors = re.search(r"Socket errors: (.*)", out)
    return {"requests": int(total.group(1)), "rps": float(rps.group(1)),
            "p99_s": float(p99.group(1)) * _UNIT[p99.group(2)], "cpu_s": cpu_s, "others_cpus": others,
            "requests_per_cpu_s": int(total.group(1)) / cpu_s if cpu_s else 0.0,
            "non_2xx": int(errors.group(1)) if errors else 0,
            "socket_errors": sock_errors.group(1).strip() if sock_errors else ""}


def program_stats(metrics):
    runs = {dict(ls)["program"]: v for (n, ls), v in metrics.items() if n == "pantau_bpf_program_runs_total"}
    secs = {dict(ls)["program"]: v for (n, ls), v in metrics.items()
            if n == "pantau_bpf_program_run_seconds_total"}
    return runs, secs


def requests_of(metrics, service):
    """pantau_requests_total of one service: (all, 2xx)."""
    total = ok = 0.0
    for (n, ls), v in metrics.items():
        d = dict(ls)
        if n == "pantau_requests_total" and d.get("service") == service:
            total += v
            if d.get("status_class") == "2xx":
                ok += v
    return total, ok


def pantau_round(config, load, service):
    with Pantau(config=config) as p:
        time.sleep(1)
        runs0, secs0 = program_stats(parse_metrics(p.scrape()))
        w = load()
        # Let the last closes reach the request collector before counting.
        time.sleep(1)
        m = parse_metrics(p.scrape())
        runs1, secs1 = program_stats(m)
        w["pantau_requests"], w["pantau_requests_2xx"] = requests_of(m, service)
        w["programs"] = {}
        for prog, r in runs1.items():
            d = r - runs0.get(prog, 0)
            if d > 0:
                w["programs"][prog] = {"runs": int(d),
                                       "avg_ns": (secs1[prog] - secs0.get(prog, 0)) / d * 1e9}
    return w


def peer_round(load, cgroup_id):
    proc = subprocess.Popen(["bpftrace", "-B", "none", "-e", PEER], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        line = ""
        while line.strip() != "ready":
            line = proc.stdout.readline()
            if not line:
                raise TestFailure("bpftrace did not start: %s" % proc.stderr.read())
        time.sleep(1)
        w = load()
    finally:
        proc.send_signal(signal.SIGINT)
    out, _ = proc.communicate(timeout=30)
    # The peer's own figures for nginx, to show it counted what it should.
    for key in ("switches", "rx_bytes", "tx_bytes"):
        m = re.search(r"^@%s\[%d\]: (\d+)$" % (key, cgroup_id), out, re.M)
        w["peer_" + key] = int(m.group(1)) if m else 0
    return w


def plain_round(load):
    time.sleep(1)
    return load()


def peer_available():
    """Whether bpftrace can attach the peer here; mounts tracefs, which
    bpftrace reads tracepoint formats from, if nobody has. Returns
    (ok, reason, mounted)."""
    if not shutil.which("bpftrace"):
        return False, "bpftrace is not installed (scripts/deps.sh bench)", False
    mounted = False
    if not os.path.exists(os.path.join(TRACEFS, "events")):
        r = subprocess.run(["mount", "-t", "tracefs", "nodev", TRACEFS], stderr=subprocess.PIPE, text=True)
        if r.returncode != 0:
            return False, "cannot mount tracefs on %s: %s" % (TRACEFS, r.stderr.strip()), False
        mounted = True
    missing = [p for p in PEER_PROBES
               if p not in subprocess.run(["bpftrace", "-l", p], stdout=subprocess.PIPE,
                                          stderr=subprocess.DEVNULL, text=True).stdout.split()]
    if missing:
        return False, "tracepoints missing on this kernel: " + ", ".join(missing), mounted
    return True, "", mounted


def ratio(a, b):
    return a / b if b else 0.0


def median_of(rounds, key):
    return statistics.median(r[key] for r in rounds)


def summarize(runs, setups):
    """Per setup: medians and their ratios to no tracer, and the median of
    the ratios within each round, which the host's drift moves least."""
    base = runs["no tracer"]
    out = {}
    for s in setups:
        rs = runs[s]
        paired_rps = [ratio(r["rps"], b["rps"]) for r, b in zip(rs, base)]
        paired_p99 = [ratio(r["p99_s"], b["p99_s"]) for r, b in zip(rs, base)]
        cpu_us = [r["cpu_s"] / r["requests"] * 1e6 for r in rs if r["requests"]]
        base_cpu_us = statistics.median(b["cpu_s"] / b["requests"] * 1e6 for b in base if b["requests"])
        out[s] = {"median_rps": median_of(rs, "rps"),
                  "rps_ratio": ratio(median_of(rs, "rps"), median_of(base, "rps")),
                  "median_p99_s": median_of(rs, "p99_s"),
                  "p99_ratio": ratio(median_of(rs, "p99_s"), median_of(base, "p99_s")),
                  "paired_rps_ratio": statistics.median(paired_rps),
                  "paired_p99_ratio": statistics.median(paired_p99),
                  "min_rps": min(r["rps"] for r in rs), "max_rps": max(r["rps"] for r in rs),
                  "median_cpu_us_per_request": statistics.median(cpu_us),
                  "cpu_ratio": ratio(base_cpu_us, statistics.median(cpu_us)),
                  "median_others_cpus": median_of(rs, "others_cpus")}
    return out


def program_costs(rounds):
    per = {}
    for r in rounds:
        for prog, v in r["programs"].items():
            per.setdefault(prog, []).append((v, r["requests"]))
    return {p: {"median_avg_ns": statistics.median(x["avg_ns"] for x, _ in v),
                "median_runs_per_request": statistics.median(x["runs"] / n for x, n in v if n)}
            for p, v in per.items()}


def markdown(result, setups, runs):
    summary = result["summary"]
    lines = ["nginx (1 worker on CPU 0) under wrk (-t1 -c%d, CPU 1) on loopback, %d rounds of %d s "
             "per setup, alternating, the order rotated each round. Other work shares this host, so "
             "throughput drifts between rounds (req/s range below): the ratio of medians is what was "
             "asked for, the median of per-round ratios (each setup against the no-tracer run of "
             "its own round) moves least with the drift. CPU µs per request is what nginx's and "
             "wrk's cgroups used, which waiting for a busy CPU does not add to (its ratio is base over "
             "setup, so that below 1 means dearer); other load is the CPUs' worth the rest of the host "
             "(the tracer's user space included) kept busy during the runs."
             % (result["connections"], result["rounds"], result["seconds_per_round"]), "",
             "| setup | median req/s | ratio of medians | per-round ratio | median p99 | p99 ratio "
             "| per-round p99 ratio | req/s range | CPU µs/request | CPU ratio | other load |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    for s in setups:
        v = summary[s]
        lines.append("| %s | %.0f | %.3f | %.3f | %.2f ms | %.2f | %.2f | %.0f–%.0f | %.1f | %.3f | %.2f |" % (
            s, v["median_rps"], v["rps_ratio"], v["paired_rps_ratio"], v["median_p99_s"] * 1e3,
            v["p99_ratio"], v["paired_p99_ratio"], v["min_rps"], v["max_rps"],
            v["median_cpu_us_per_request"], v["cpu_ratio"], v["median_others_cpus"]))
    if result["peer"]["skipped"]:
        lines += ["", "bpftrace peer skipped: %s." % result["peer"]["skipped"]]
    foreign = ["%s round %d: %d" % (s, r["round"], r["bpf_programs_of_others"])
               for s in setups for r in runs[s] if r["bpf_programs_of_others"]]
    if foreign:
        lines += ["", "BPF programs others had loaded when a run started (their hooks weigh on "
                  "that run): " + "; ".join(foreign) + "."]
    lines += ["", "Request count check (pantau, default config): wrk's completed requests vs "
              "pantau_requests_total for nginx after the round (all status classes / 2xx).", "",
              "| round | wrk | pantau | pantau 2xx |", "|---|---|---|---|"]
    for r in runs["pantau"]:
        lines.append("| %d | %d | %d | %d |" % (r["round"], r["requests"], r["pantau_requests"],
                                                 r["pantau_requests_2xx"]))
    lines += ["", "Average run time from the kernel's BPF run stats over each round (median of rounds); "
              "both ends of every connection are on this host, so the payload programs run twice "
              "per request.", "", "| setup | program | avg ns per run | runs per request |",
              "|---|---|---|---|"]
    return lines + program_cost_rows(result, NET_PROGRAMS)


def program_cost_rows(result, programs):
    """Table rows of each setup's programs: median ns per run and runs per request."""
    rows = []
    for s, costs in result["program_avg_run_ns"].items():
        for p in programs:
            if p in costs:
                rows.append("| %s | %s | %.0f | %.2f |" % (s, p, costs[p]["median_avg_ns"],
                                                         costs[p]["median_runs_per_request"]))
    return rows


def main(results_dir):
    peer_ok, peer_reason, mounted = peer_available()
    setups = [s for s in SETUPS if peer_ok or s != "bpftrace peer"]
    server, client = Cgroup("b-nginx"), Cgroup("b-wrk")
    nginx = None
    runs = {s: [] for s in setups}
    try:
        nginx = Nginx(server)
        cgroup_id = os.stat(server.path).st_ino

        def load(seconds=SECONDS):
            return wrk(nginx.port, seconds, client, server)

        load(1)  # warm-up, not counted
        started = time.time()
        for i in range(ROUNDS):
            order = setups[i % len(setups):] + setups[:i % len(setups)]
            for s in order:
                loaded = bpf_programs_loaded()
                if s == "no tracer":
                    runs[s].append(plain_round(load))
                elif s == "pantau":
                    runs[s].append(pantau_round("", load, server.service))
                elif s == "pantau, requests.http off":
                    runs[s].append(pantau_round("requests:\n  http: false\n", load, server.service))
                else:
                    runs[s].append(peer_round(load, cgroup_id))
                runs[s][-1]["round"] = i
                runs[s][-1]["position"] = order.index(s)
                runs[s][-1]["bpf_programs_of_others"] = loaded
        wall = time.time() - started
    finally:
        if nginx:
            nginx.stop()
        server.remove()
        client.remove()
        if mounted:
            subprocess.run(["umount", TRACEFS])

    result = {"rounds": ROUNDS, "seconds_per_round": SECONDS, "connections": CONNECTIONS,
              "wall_seconds": wall, "summary": summarize(runs, setups),
              "pantau_request_count_check": {
                  "wrk_requests": [r["requests"] for r in runs["pantau"]],
                  "pantau_requests": [int(r["pantau_requests"]) for r in runs["pantau"]],
                  "pantau_requests_2xx": [int(r["pantau_requests_2xx"]) for r in runs["pantau"]]},
              "program_avg_run_ns": {s: program_costs(runs[s]) for s in setups if s.startswith("pantau")},
              "peer": {"program": PEER.strip(), "skipped": peer_reason},
              "runs": runs}
    with open(os.path.join(results_dir, "http.json"), "w") as f:
        json.dump(result, f, indent=2)
    lines = markdown(result, setups, runs)
    with open(os.path.join(results_dir, "http.md"), "w") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines))
