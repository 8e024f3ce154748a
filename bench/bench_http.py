"""HTTP overhead: nginx under wrk with no tracer, pantau, empty programs and a bpftrace peer.

Debian's nginx (one worker, in a cgroup of its own so pantau names it as a
service at once) answers `return 200` to wrk (-t1 -c32, in a cgroup of its
own) on loopback, in two placements, each a full set of rounds: pinned
(nginx on CPU 0, wrk on CPU 1) and unpinned (no taskset, no
worker_cpu_affinity: both free to move). Rounds of SECONDS alternate
between six setups, the order rotated each round:

- no tracer;
- pantau with its default config, both ends of every request parsed
  (shape "both ends");
- pantau with requests.skip_cgroups set to wrk's cgroup, only nginx's end
  parsed (shape "server only", as in production where the client is on
  another host);
- pantau with requests.http off (no payload hooks);
- empty programs (bench/tools/empty_hooks) on every hook pantau's default
  config attaches here, found from a pantau run at the start: the price of
  having programs there at all;
- bpftrace counting sched_switch per cgroup plus received and sent bytes
  per cgroup (sock:sock_recv_length, sock:sock_send_length), the peer.

Each tracer starts before its run and stops after it. Reported per
setup: median requests/s, p99 and CPU per request, as ratios to no tracer
(ratio of medians, and median of per-round ratios). The goals, per
placement and shape, from the medians of per-round ratios r (and c, the
same for CPU per request, no tracer over setup): goal 1, r_pantau >=
r_peer; goal 2, 1 - r_pantau <= 2 (1 - r_empty), and the same with c,
judged only when 1 - r_empty exceeds half the range of the empty
programs' per-round ratios. With pantau, its request counts for nginx (and wrk's own) are set against
wrk's. The rounds leave the kernel's run stats off, as pantau does by
default; each program's average run time comes from them over one more
run of each pantau setup with bpf_run_stats on, and so do those of the
floor programs (bench/tools/floor_hooks.bpf.c on the packet hooks: the
least any exact request path does per segment); from them, goal 2 as a
run-time bound: the empty programs' loss at which each setup's programs
would meet it. PANTAU_BENCH_ROUNDS and
PANTAU_BENCH_SECONDS override the 5 rounds of 4 s."""

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

from pantau_lib import BUILD, Cgroup, Pantau, TestFailure, bpf_stats_sysctl_on, cgroup2_mount, \
    check, free_port, parse_metrics, spawn_in, stop, wait_for

from benchlib import STATS_ON, machine_info, machine_lines, program_stats

ROUNDS = 5
SECONDS = 4
CONNECTIONS = 32
SERVER_CPU = "0"
CLIENT_CPU = "1"
TRACEFS = "/sys/kernel/tracing"
NET_PROGRAMS = ("net_ingress", "net_egress", "net_sock_set_state")
EMPTY_HOOKS = os.path.join(BUILD, "bench", "tools", "empty_hooks")
FLOOR_OBJ = os.path.join(BUILD, "bench", "tools", "floor_hooks.bpf.o")
FLOOR_PROGRAMS = ("floor_ingress", "floor_egress")

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
PINNING = "worker_cpu_affinity 01;\n"

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

SETUPS = ("no tracer", "pantau", "pantau, server only", "pantau, requests.http off",
          "empty programs", "bpftrace peer")
# Shape: the pantau setup measuring it.
SHAPES = (("both ends", "pantau"), ("server only", "pantau, server only"))
PLACEMENTS = ("pinned", "unpinned")


def whole_number_from_env(name, default):
    """A positive whole number from the environment, or default."""
    value = os.environ.get(name, "")
    if not value:
        return default
    if not value.isdigit() or int(value) < 1:
        raise SystemExit("bench_http.py: %s is '%s'; it must be a whole number of at least 1, "
                         "or unset for %d." % (name, value, default))
    return int(value)


class Nginx:
    """nginx with one worker. Pinned: on SERVER_CPU (taskset for the
    master, worker_cpu_affinity for the worker); else free to move."""

    def __init__(self, cg, pinned=True):
        self.port = free_port()
        self.tmp = tempfile.mkdtemp(prefix="pantau-bench-nginx-")
        conf = os.path.join(self.tmp, "nginx.conf")
        text = NGINX_CONF if pinned else NGINX_CONF.replace(PINNING, "")
        with open(conf, "w") as f:
            f.write(text % {"tmp": self.tmp, "port": self.port})
        cmd = ["nginx", "-c", conf]
        self.proc = spawn_in(cg, ["taskset", "-c", SERVER_CPU] + cmd if pinned else cmd)
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


def wrk(port, seconds, client, server, scheme="http", pinned=True):
    """{requests, rps, p99_s, cpu_s, ...} of one wrk run (in the cgroup
    client, on CLIENT_CPU when pinned) against nginx (in the cgroup
    server); cpu_s is the CPU time both cgroups used, which contention from
    other work cannot inflate."""
    cpu0 = client.usage_usec() + server.usage_usec()
    busy0, t0 = host_busy_s(), time.time()
    cmd = ["wrk", "-t1", "-c%d" % CONNECTIONS, "-d%ds" % seconds, "--latency",
           "%s://127.0.0.1:%d/" % (scheme, port)]
    p = spawn_in(client, ["taskset", "-c", CLIENT_CPU] + cmd if pinned else cmd)
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


def requests_made_by(metrics, service):
    """pantau_dependency_requests_total of one service, all peers."""
    return sum(v for (n, ls), v in metrics.items()
               if n == "pantau_dependency_requests_total" and dict(ls).get("service") == service)


def pantau_round(config, load, service, client_service=None):
    """One run under pantau: wrk's figures, pantau's request count for the
    server (and for the client's own requests, given its service) and,
    when config turns the kernel's run stats on, each program's runs and
    average run time."""
    with Pantau(config=config) as p:
        time.sleep(1)
        runs0, secs0 = program_stats(parse_metrics(p.scrape()))
        w = load()
        # Let the last closes reach the request collector before counting.
        time.sleep(1)
        m = parse_metrics(p.scrape())
        runs1, secs1 = program_stats(m)
        w["pantau_requests"], w["pantau_requests_2xx"] = requests_of(m, service)
        if client_service:
            w["pantau_client_requests"] = requests_made_by(m, client_service)
        w["programs"] = {}
        for prog, r in runs1.items():
            d = r - runs0.get(prog, 0)
            if d > 0:
                w["programs"][prog] = {"runs": int(d),
                                       "avg_ns": (secs1[prog] - secs0.get(prog, 0)) / d * 1e9}
    return w


def started_tracer(argv, what):
    """A tracer process once it printed "ready"."""
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    line = ""
    while line.strip() != "ready":
        line = proc.stdout.readline()
        if not line:
            stop(proc)
            raise TestFailure("%s did not start: %s" % (what, proc.stderr.read().strip()))
    return proc


def traced_run(cmd, name, load):
    """One run under a tracer that says when it is attached and prints its
    figures on SIGINT: (the load's result, the tracer's output)."""
    proc = started_tracer(cmd, name)
    try:
        time.sleep(1)
        w = load()
    finally:
        out = stopped_tracer(proc, name)
    return w, out


def stopped_tracer(proc, name):
    """The tracer's output once SIGINT ended it. bpftrace can miss a
    SIGINT and wait on forever (seen once here), so it gets up to three,
    10 s apart; then it is killed and the run fails."""
    for _ in range(3):
        proc.send_signal(signal.SIGINT)
        try:
            return proc.communicate(timeout=10)[0]
        except subprocess.TimeoutExpired:
            continue
    proc.kill()
    proc.communicate()
    raise SystemExit("bench_http.py: %s did not stop on three SIGINTs, 10 s apart; killed." % name)


def peer_round(load, cgroup_id):
    w, out = traced_run(["bpftrace", "-B", "none", "-e", PEER], "bpftrace", load)
    # The peer's own figures for nginx, to show it counted what it should.
    for key in ("switches", "rx_bytes", "tx_bytes"):
        m = re.search(r"^@%s\[%d\]: (\d+)$" % (key, cgroup_id), out, re.M)
        w["peer_" + key] = int(m.group(1)) if m else 0
    return w


def empty_round(load, hooks, floor=False, stats=False):
    """One run with empty programs on pantau's hooks, or with the floor's
    programs on its packet hooks and empty ones on the rest. Their run
    counts come back only with stats, or when someone else kept run stats
    on meanwhile; with stats, "programs" holds the floor's average run
    times in pantau_round's form. The floor's answers are checked: each
    request is answered once at each end, so about two per request."""
    argv = [EMPTY_HOOKS] + (["--stats"] if stats else []) + (["--floor", FLOOR_OBJ] if floor else [])
    w, out = traced_run(argv + hooks, "empty_hooks", load)
    w["empty_programs"], w["programs"] = {}, {}
    for line in out.splitlines():
        hook, _, runs, _, run_ns = line.split()
        if hook == "floor":
            w["floor_answers"] = int(runs)
            continue
        w["empty_programs"][hook] = {"runs": int(runs), "run_ns": int(run_ns)}
        if floor and hook.startswith("cgroup_skb/") and int(runs):
            prog = "floor_" + hook.split("/")[1].split("=")[0]
            w["programs"][prog] = {"runs": int(runs), "avg_ns": int(run_ns) / int(runs)}
    if floor:
        per_request = w.get("floor_answers", 0) / w["requests"] if w["requests"] else 0
        check(1.9 <= per_request <= 2.1,
              "the floor's programs timed %.2f answers per request, not about 2: they did not "
              "run as meant" % per_request)
        w["floor_answers_per_request"] = per_request
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


def link_fdinfos(pid):
    """The fdinfo fields of each BPF link a process holds."""
    out = []
    fd_dir = "/proc/%d/fd" % pid
    for fd in os.listdir(fd_dir):
        try:
            if os.readlink(os.path.join(fd_dir, fd)) != "anon_inode:bpf_link":
                continue
            with open("/proc/%d/fdinfo/%s" % (pid, fd)) as f:
                out.append(dict(line.rstrip("\n").split(":\t", 1) for line in f if ":\t" in line))
        except OSError:
            continue
    return out


def prog_type(prog_id):
    out = subprocess.run(["bpftool", "-j", "prog", "show", "id", str(prog_id)], stdout=subprocess.PIPE,
                         stderr=subprocess.DEVNULL, text=True).stdout
    try:
        return json.loads(out).get("type", "")
    except ValueError:
        return ""


def pantau_hooks():
    """The hooks pantau's default config attaches on this kernel, as
    empty_hooks arguments, from the links a pantau run holds; and the links
    empty_hooks cannot mirror. Iterators are not hooks: they run when a
    scrape reads them."""
    root = cgroup2_mount()
    root_id = str(os.stat(root).st_ino)
    hooks, others = [], []
    with Pantau() as p:
        links = link_fdinfos(p.proc.pid)
        # Asked while pantau runs: its programs go with it.
        types = {link["prog_id"]: prog_type(link["prog_id"]) for link in links if "prog_id" in link}
    for link in sorted(links, key=lambda x: int(x.get("link_id", 0))):
        kind = link.get("link_type", "")
        if kind == "iter":
            continue
        if kind == "raw_tracepoint" and "tp_name" in link:
            btf = types.get(link.get("prog_id")) == "tracing"
            hooks.append(("tp_btf/" if btf else "raw_tp/") + link["tp_name"])
        elif kind == "cgroup" and link.get("cgroup_id") == root_id and \
                link.get("attach_type") in ("0", "cgroup_inet_ingress"):
            hooks.append("cgroup_skb/ingress=" + root)
        elif kind == "cgroup" and link.get("cgroup_id") == root_id and \
                link.get("attach_type") in ("1", "cgroup_inet_egress"):
            hooks.append("cgroup_skb/egress=" + root)
        else:
            others.append(" ".join("%s %s" % kv for kv in sorted(link.items())
                                   if kv[0] in ("link_type", "attach_type", "target_name", "tp_name")))
    return hooks, others


def ratio(a, b):
    return a / b if b else 0.0


def median_of(rounds, key):
    return statistics.median(r[key] for r in rounds)


def cpu_us_per_request(run):
    return run["cpu_s"] / run["requests"] * 1e6 if run["requests"] else 0.0


def summarize(runs, setups):
    """Per setup: medians and their ratios to no tracer, and the median of
    the ratios within each round, which the host's drift moves least. CPU
    ratios are no tracer over setup, so that below 1 means dearer."""
    base = runs["no tracer"]
    out = {}
    for s in setups:
        rs = runs[s]
        paired_rps = [ratio(r["rps"], b["rps"]) for r, b in zip(rs, base)]
        paired_p99 = [ratio(r["p99_s"], b["p99_s"]) for r, b in zip(rs, base)]
        paired_cpu = [ratio(cpu_us_per_request(b), cpu_us_per_request(r)) for r, b in zip(rs, base)]
        cpu_us = [cpu_us_per_request(r) for r in rs if r["requests"]]
        base_cpu_us = statistics.median(cpu_us_per_request(b) for b in base if b["requests"])
        out[s] = {"median_rps": median_of(rs, "rps"),
                  "rps_ratio": ratio(median_of(rs, "rps"), median_of(base, "rps")),
                  "median_p99_s": median_of(rs, "p99_s"),
                  "p99_ratio": ratio(median_of(rs, "p99_s"), median_of(base, "p99_s")),
                  "paired_rps_ratio": statistics.median(paired_rps),
                  "paired_p99_ratio": statistics.median(paired_p99),
                  "paired_cpu_ratio": statistics.median(paired_cpu),
                  # How far the per-round ratios scatter: half their range.
                  "paired_rps_spread": (max(paired_rps) - min(paired_rps)) / 2,
                  "paired_cpu_spread": (max(paired_cpu) - min(paired_cpu)) / 2,
                  "min_rps": min(r["rps"] for r in rs), "max_rps": max(r["rps"] for r in rs),
                  "median_cpu_us_per_request": statistics.median(cpu_us),
                  "cpu_ratio": ratio(base_cpu_us, statistics.median(cpu_us)),
                  "median_others_cpus": median_of(rs, "others_cpus")}
    return out


def loss_goal(r_pantau, r_empty, empty_spread):
    """Goal 2: pantau loses at most twice what empty programs lose. It is
    judged only when the empty programs' loss stands out of the scatter
    of their own per-round ratios (empty_spread, half their range): a
    loss inside it is noise, and twice noise bounds nothing."""
    loss, floor = 1 - r_pantau, 1 - r_empty
    met = loss <= 2 * floor
    judged = floor > empty_spread
    verdict = ("met" if met else "not met") if judged else \
        "not judged: the empty programs' loss is inside their rounds' spread ±%.3f" % empty_spread
    return {"pantau_loss": loss, "empty_loss": floor, "bound": 2 * floor, "met": met,
            "empty_spread": empty_spread, "judged": judged, "verdict": verdict}


def goals(summary):
    """Goals 1 and 2 of each shape, from the medians of per-round ratios."""
    peer, empty = summary.get("bpftrace peer"), summary.get("empty programs")
    out = {}
    for shape, setup in SHAPES:
        v = summary[setup]
        g = {"setup": setup, "r_pantau": v["paired_rps_ratio"], "c_pantau": v["paired_cpu_ratio"]}
        if peer:
            g["goal1"] = {"r_peer": peer["paired_rps_ratio"],
                          "met": v["paired_rps_ratio"] >= peer["paired_rps_ratio"]}
        if empty:
            g["goal2_rps"] = loss_goal(v["paired_rps_ratio"], empty["paired_rps_ratio"],
                                       empty["paired_rps_spread"])
            g["goal2_cpu"] = loss_goal(v["paired_cpu_ratio"], empty["paired_cpu_ratio"],
                                       empty["paired_cpu_spread"])
        out[shape] = g
    return out


def goal2_by_run_times(costs, summary):
    """Goal 2 from the steady run times rather than the noisy ratios: with
    the empty programs losing a share L of a request of C CPU ns, it
    leaves a request path L * C of its own work; so a setup whose
    programs take P ns per request meets it only where L >= P / C. For
    each pantau setup and the floor, P and that L."""
    c_ns = summary["no tracer"]["median_cpu_us_per_request"] * 1e3
    out = {}
    for s, run in costs.items():
        if s.startswith("pantau, requests.http") or not run["requests"]:
            continue
        p_ns = sum(v["runs"] * v["avg_ns"] for prog, v in run["programs"].items()
                   if prog in NET_PROGRAMS + FLOOR_PROGRAMS) / run["requests"]
        out[s] = {"program_ns_per_request": p_ns, "cpu_ns_per_request": c_ns,
                  "empty_loss_needed": p_ns / c_ns if c_ns else 0.0}
    return out


def program_costs(rounds):
    per = {}
    for r in rounds:
        for prog, v in r["programs"].items():
            per.setdefault(prog, []).append((v, r["requests"]))
    return {p: {"median_avg_ns": statistics.median(x["avg_ns"] for x, _ in v),
                "median_runs_per_request": statistics.median(x["runs"] / n for x, n in v if n)}
            for p, v in per.items()}


def program_cost_rows(result, programs, first_column=None):
    """Table rows of each setup's programs: median ns per run and runs per
    request, after first_column when given."""
    rows = []
    lead = "| %s " % first_column if first_column else ""
    for s, costs in result["program_avg_run_ns"].items():
        for p in programs:
            if p in costs:
                rows.append(lead + "| %s | %s | %.0f | %.2f |" % (s, p, costs[p]["median_avg_ns"],
                                                                costs[p]["median_runs_per_request"]))
    return rows


def met(flag):
    return "met" if flag else "not met"


def goal_rows(result):
    rows = []
    for placement, pr in result["placements"].items():
        for shape, g in pr["goals"].items():
            g1 = "%.3f vs %.3f: %s" % (g["r_pantau"], g["goal1"]["r_peer"], met(g["goal1"]["met"])) \
                if "goal1" in g else "no peer"
            g2 = ["%.3f vs 2 × %.3f = %.3f: %s" % (x["pantau_loss"], x["empty_loss"], x["bound"],
                                                    x["verdict"]) if x else "no empty programs"
                  for x in (g.get("goal2_rps"), g.get("goal2_cpu"))]
            rows.append("| %s | %s | %s | %s | %s |" % (placement, shape, g1, g2[0], g2[1]))
    return rows


def setup_rows(summary, setups):
    rows = []
    for s in setups:
        v = summary[s]
        rows.append("| %s | %.0f | %.3f | %.3f | %.2f ms | %.2f | %.2f | %.0f–%.0f | %.1f | %.3f | %.3f "
                    "| %.2f |" % (
                        s, v["median_rps"], v["rps_ratio"], v["paired_rps_ratio"], v["median_p99_s"] * 1e3,
                        v["p99_ratio"], v["paired_p99_ratio"], v["min_rps"], v["max_rps"],
                        v["median_cpu_us_per_request"], v["cpu_ratio"], v["paired_cpu_ratio"],
                        v["median_others_cpus"]))
    return rows


def others_notes(placement, runs, setups):
    """Runs that started with others' BPF programs loaded or run stats on."""
    foreign = ["%s round %d: %d" % (s, r["round"], r["bpf_programs_of_others"])
               for s in setups for r in runs[s] if r["bpf_programs_of_others"]]
    stats = ["%s round %d" % (s, r["round"]) for s in setups for r in runs[s] if r["bpf_stats_on"]]
    lines = []
    if foreign:
        lines += ["", "%s: BPF programs others had loaded when a run started (their hooks weigh on "
                  "that run): %s." % (placement, "; ".join(foreign))]
    if stats:
        lines += ["", "%s: runs that started with BPF run stats already on (someone else's; every "
                  "program then pays two clock reads a run): %s." % (placement, "; ".join(stats))]
    return lines


def markdown(result, setups):
    lines = ["nginx (1 worker) under wrk (-t1 -c%d) on loopback, %d rounds of %d s per setup and "
             "placement, alternating, the order rotated each round; pinned: nginx on CPU %s, wrk on "
             "CPU %s; unpinned: both free to move. Ratios are to the no-tracer runs: the ratio of "
             "medians, and the median of per-round ratios (each run against the no-tracer run of its "
             "own round), which the host's drift moves least and which the goals use. CPU µs per "
             "request is what nginx's and wrk's cgroups used, which waiting for a busy CPU does not "
             "add to; its ratios are no tracer over setup, so that below 1 means dearer. Other load "
             "is the CPUs' worth the rest of the host (the tracer's user space included) kept busy."
             % (result["connections"], result["rounds"], result["seconds_per_round"], SERVER_CPU,
                CLIENT_CPU), ""]
    lines += machine_lines(result["machine"])
    hooks = result["hooks"]
    lines += ["", "Empty programs on: %s." % (", ".join(hooks["mirrored"]) or "none")]
    if hooks["not_mirrored"]:
        lines += ["", "pantau links empty_hooks does not mirror: %s." % "; ".join(hooks["not_mirrored"])]
    if hooks["skipped"]:
        lines += ["", "Empty programs skipped: %s." % hooks["skipped"]]
    if result["peer"]["skipped"]:
        lines += ["", "bpftrace peer skipped: %s." % result["peer"]["skipped"]]
    lines += ["", "Goals, from the medians of per-round ratios: goal 1, pantau's req/s ratio at least "
              "the peer's; goal 2, pantau's loss (1 − ratio) at most twice the empty programs', for "
              "req/s and for CPU per request, judged only when the empty programs' loss is larger "
              "than half the range of their own per-round ratios (else it is noise). Both ends: pantau's default config parses the client's "
              "and the server's end of every request; server only: wrk's cgroup in "
              "requests.skip_cgroups.", "",
              "| placement | shape | goal 1: pantau vs peer req/s ratio | goal 2, req/s: pantau's loss "
              "vs 2 × empty's | goal 2, CPU per request |", "|---|---|---|---|---|"]
    lines += goal_rows(result)
    lines += ["", "Goal 2 by run times: each setup's programs' time per request (P, from the runs with "
              "the stats on; the floor programs, bench/tools/floor_hooks.bpf.c, do per segment with "
              "payload only what any exact request path must: the socket's storage, the first 4 bytes, "
              "the clock, on both ends, framing nothing) against the CPU a request takes with no tracer "
              "(C). With the empty programs losing a share L, goal 2 leaves a request path L × C of "
              "its own work, so a setup meets it only where L ≥ P / C; L itself is the empty programs' "
              "loss above, when it can be told from the noise.", "",
              "| placement | setup | P, ns per request | C, CPU ns per request | goal 2 needs L ≥ |",
              "|---|---|---|---|---|"]
    for placement, pr in result["placements"].items():
        for s, g in pr["goal2_by_run_times"].items():
            lines.append("| %s | %s | %.0f | %.0f | %.3f |" % (placement, s, g["program_ns_per_request"],
                                                           g["cpu_ns_per_request"],
                                                           g["empty_loss_needed"]))
    for placement, pr in result["placements"].items():
        lines += ["", "%s:" % placement.capitalize(), "",
                  "| setup | median req/s | ratio of medians | per-round ratio | median p99 | p99 ratio "
                  "| per-round p99 ratio | req/s range | CPU µs/request | CPU ratio | per-round CPU ratio "
                  "| other load |", "|---|---|---|---|---|---|---|---|---|---|---|---|"]
        lines += setup_rows(pr["summary"], setups)
        lines += others_notes(placement, pr["runs"], setups)
    lines += ["", "Request count check: wrk's completed requests vs pantau_requests_total for nginx "
              "after the run (all status classes / 2xx), and the requests pantau counted as wrk's own "
              "(pantau_dependency_requests_total: as many as wrk's with both ends parsed, none with "
              "server only).", "",
              "| placement | setup | round | wrk | nginx | nginx 2xx | wrk's own |", "|---|---|---|---|---|---|---|"]
    for placement, pr in result["placements"].items():
        for _, setup in SHAPES:
            for r in pr["runs"][setup]:
                lines.append("| %s | %s | %d | %d | %d | %d | %d |" % (
                    placement, setup, r["round"], r["requests"], r["pantau_requests"],
                    r["pantau_requests_2xx"], r["pantau_client_requests"]))
    lines += ["", "Average run time from the kernel's BPF run stats, over one more run of each pantau "
              "setup and of the floor programs with them on (bpf_run_stats: true; the rounds above "
              "leave them off, as pantau does by default, so that they do not pay its two clock "
              "reads a run); with both ends parsed the payload programs run twice per request, with "
              "server only once for nginx (and still start, to stop at once, for wrk's end).", "",
              "| placement | setup | program | avg ns per run | runs per request |", "|---|---|---|---|---|"]
    for placement, pr in result["placements"].items():
        lines += program_cost_rows(pr, NET_PROGRAMS + FLOOR_PROGRAMS, placement)
    return lines


def run_placement(pinned, setups, rounds, seconds, hooks, server, client):
    """A full set of rounds in one placement, and one run more of each
    pantau setup with the kernel's run stats on, which the rounds leave
    off as pantau does by default: ({setup: [run, ...]}, {setup: run})."""
    skip = "requests:\n  skip_cgroups: [\"/%s\"]\n" % os.path.relpath(client.path, cgroup2_mount())
    configs = {"pantau": "", "pantau, server only": skip,
               "pantau, requests.http off": "requests:\n  http: false\n"}
    runners = {
        "no tracer": lambda load: plain_round(load),
        "pantau": lambda load: pantau_round(configs["pantau"], load, server.service, client.service),
        "pantau, server only": lambda load: pantau_round(configs["pantau, server only"], load,
                                                         server.service, client.service),
        "pantau, requests.http off": lambda load: pantau_round(configs["pantau, requests.http off"],
                                                               load, server.service),
        "empty programs": lambda load: empty_round(load, hooks),
        "bpftrace peer": lambda load: peer_round(load, os.stat(server.path).st_ino),
    }
    runs = {s: [] for s in setups}
    nginx = Nginx(server, pinned)
    try:
        def load(duration=seconds):
            return wrk(nginx.port, duration, client, server, pinned=pinned)

        load(1)  # warm-up, not counted
        for i in range(rounds):
            order = setups[i % len(setups):] + setups[:i % len(setups)]
            for s in order:
                loaded, stats = bpf_programs_loaded(), bpf_stats_sysctl_on()
                run = runners[s](load)
                run.update(round=i, position=order.index(s), bpf_programs_of_others=loaded,
                           bpf_stats_on=stats)
                runs[s].append(run)
        costs = {s: pantau_round(STATS_ON + c, load, server.service, client.service)
                 for s, c in configs.items()}
        if hooks:
            costs["floor programs"] = empty_round(load, hooks, floor=True, stats=True)
    finally:
        nginx.stop()
    return runs, costs


def placement_result(runs, costs, setups):
    pantau_setups = [setup for _, setup in SHAPES]
    summary = summarize(runs, setups)
    return {"summary": summary, "goals": goals(summary),
            "goal2_by_run_times": goal2_by_run_times(costs, summary),
            "request_count_check": {s: {
                "wrk_requests": [r["requests"] for r in runs[s]],
                "pantau_requests": [int(r["pantau_requests"]) for r in runs[s]],
                "pantau_requests_2xx": [int(r["pantau_requests_2xx"]) for r in runs[s]],
                "pantau_client_requests": [int(r["pantau_client_requests"]) for r in runs[s]]}
                for s in pantau_setups},
            "program_avg_run_ns": {s: program_costs([costs[s]]) for s in costs},
            "runs": runs}


def main(results_dir):
    rounds = whole_number_from_env("PANTAU_BENCH_ROUNDS", ROUNDS)
    seconds = whole_number_from_env("PANTAU_BENCH_SECONDS", SECONDS)
    peer_ok, peer_reason, mounted = peer_available()
    hooks, not_mirrored = pantau_hooks()
    empty_reason = "" if hooks else "pantau attached no hook empty_hooks can mirror"
    setups = [s for s in SETUPS if (peer_ok or s != "bpftrace peer") and (hooks or s != "empty programs")]
    server, client = Cgroup("b-nginx"), Cgroup("b-wrk")
    placements = {}
    try:
        started = time.time()
        for placement in PLACEMENTS:
            runs, costs = run_placement(placement == "pinned", setups, rounds, seconds, hooks, server,
                                        client)
            placements[placement] = placement_result(runs, costs, setups)
        wall = time.time() - started
    finally:
        server.remove()
        client.remove()
        if mounted:
            subprocess.run(["umount", TRACEFS])

    result = {"machine": machine_info(), "rounds": rounds, "seconds_per_round": seconds,
              "connections": CONNECTIONS, "wall_seconds": wall,
              "hooks": {"mirrored": hooks, "not_mirrored": not_mirrored, "skipped": empty_reason},
              "placements": placements,
              "peer": {"program": PEER.strip(), "skipped": peer_reason}}
    with open(os.path.join(results_dir, "http.json"), "w") as f:
        json.dump(result, f, indent=2)
    lines = markdown(result, setups)
    with open(os.path.join(results_dir, "http.md"), "w") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines))
