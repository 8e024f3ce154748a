"""HTTPS overhead: nginx over TLS under wrk, with no tracer and with pantau.

The setup of bench_http.py (nginx with one worker pinned to CPU 0, wrk
-t1 -c32 pinned to CPU 1, on loopback, rounds of 5 s alternating with the
order rotated) with nginx serving HTTPS (a self-signed certificate, TLS
1.3, keep-alive) and three setups: no tracer; pantau with its default
config (requests.tls off: the connections count as tls, no uprobes);
pantau with requests.tls on (both nginx's and wrk's OpenSSL calls are
probed). Reported per setup as in bench_http.py, plus each program's
average run time from the kernel's run stats, the per-hit cost of each
probe."""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench_http as base  # noqa: E402
from pantau_lib import Cgroup, spawn_in, wait_for  # noqa: E402

from benchlib import machine_info, machine_lines  # noqa: E402

ROUNDS = 6
SECONDS = 5
PROGRAMS = ("tls_enter", "tls_exit_read", "tls_exit_write", "tls_free", "net_ingress", "net_egress",
            "net_sendmsg", "net_sock_set_state")
SETUPS = ("no tracer", "pantau", "pantau, requests.tls on")
# Other work on a shared host may hold a thousand cgroups: keep nginx's own name.
# Run stats on (two clock reads per program run, in every pantau round):
# the program costs are this benchmark's point.
CAP = base.STATS_ON + "services:\n  max: 20000\n"

# The HTTP benchmark's nginx, listening with TLS.
NGINX_CONF = base.NGINX_CONF.replace(
    "    listen 127.0.0.1:%(port)d;\n",
    "    listen 127.0.0.1:%(port)d ssl;\n"
    "    ssl_certificate %(tmp)s/cert.pem;\n"
    "    ssl_certificate_key %(tmp)s/key.pem;\n")
assert "ssl_certificate" in NGINX_CONF, "the HTTP benchmark's nginx config changed"


class NginxTLS(base.Nginx):
    def __init__(self, cg):
        self.port = base.free_port()
        self.tmp = tempfile.mkdtemp(prefix="pantau-bench-nginx-")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout",
                        os.path.join(self.tmp, "key.pem"), "-out",
                        os.path.join(self.tmp, "cert.pem"), "-subj", "/CN=bench.test", "-days",
                        "1"], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        conf = os.path.join(self.tmp, "nginx.conf")
        with open(conf, "w") as f:
            f.write(NGINX_CONF % {"tmp": self.tmp, "port": self.port})
        self.proc = spawn_in(cg, ["taskset", "-c", base.SERVER_CPU, "nginx", "-c", conf])
        wait_for(self._answers, 10, "nginx to listen on %d" % self.port)


def markdown(result, setups, runs):
    lines = ["nginx over HTTPS (1 worker on CPU 0) under wrk (-t1 -c%d, CPU 1, keep-alive) on "
             "loopback, %d rounds of %d s per setup, alternating. Ratios as in the HTTP benchmark."
             % (base.CONNECTIONS, ROUNDS, SECONDS), "",
             "| setup | median req/s | ratio of medians | per-round ratio | median p99 | p99 ratio "
             "| req/s range | CPU µs/request | CPU ratio | other load |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for s in setups:
        v = result["summary"][s]
        lines.append("| %s | %.0f | %.3f | %.3f | %.2f ms | %.2f | %.0f–%.0f | %.1f | %.3f | %.2f |"
                     % (s, v["median_rps"], v["rps_ratio"], v["paired_rps_ratio"],
                        v["median_p99_s"] * 1e3, v["p99_ratio"], v["min_rps"], v["max_rps"],
                        v["median_cpu_us_per_request"], v["cpu_ratio"], v["median_others_cpus"]))
    lines += ["", "Request count check (pantau, requests.tls on): wrk's completed requests vs "
              "pantau_requests_total for nginx after the round.", "",
              "| round | wrk | pantau | pantau 2xx |", "|---|---|---|---|"]
    for r in runs["pantau, requests.tls on"]:
        lines.append("| %d | %d | %d | %d |" % (r["round"], r["requests"], r["pantau_requests"],
                                                 r["pantau_requests_2xx"]))
    lines += ["", "Average run time per hit from the kernel's BPF run stats (median of rounds); "
              "wrk's and nginx's OpenSSL calls are both probed.", "",
              "| setup | program | avg ns per run | runs per request |", "|---|---|---|---|"]
    return lines + base.program_cost_rows(result, PROGRAMS) + [""] + machine_lines(result["machine"])


def main(results_dir):
    setups = list(SETUPS)
    server, client = Cgroup("b-nginxs"), Cgroup("b-wrks")
    nginx = None
    runs = {s: [] for s in setups}
    try:
        nginx = NginxTLS(server)

        def load(seconds=SECONDS):
            return base.wrk(nginx.port, seconds, client, server, scheme="https")

        load(1)  # warm-up, not counted
        started = time.time()
        for i in range(ROUNDS):
            order = setups[i % len(setups):] + setups[:i % len(setups)]
            for s in order:
                loaded = base.bpf_programs_loaded()
                if s == "no tracer":
                    runs[s].append(base.plain_round(load))
                elif s == "pantau":
                    runs[s].append(base.pantau_round(CAP, load, server.service))
                else:
                    runs[s].append(base.pantau_round(CAP + "requests:\n  tls: true\n", load,
                                                     server.service))
                runs[s][-1]["round"] = i
                runs[s][-1]["bpf_programs_of_others"] = loaded
        wall = time.time() - started
    finally:
        if nginx:
            nginx.stop()
        server.remove()
        client.remove()
    result = {"machine": machine_info(), "rounds": ROUNDS, "seconds_per_round": SECONDS,
              "connections": base.CONNECTIONS,
              "wall_seconds": wall, "summary": base.summarize(runs, setups),
              "program_avg_run_ns": {s: base.program_costs(runs[s]) for s in setups
                                     if s.startswith("pantau")},
              "runs": runs}
    with open(os.path.join(results_dir, "https.json"), "w") as f:
        json.dump(result, f, indent=2)
    lines = markdown(result, setups, runs)
    with open(os.path.join(results_dir, "https.md"), "w") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines))
    shutil.rmtree(os.path.join(results_dir, "__pycache__"), ignore_errors=True)
