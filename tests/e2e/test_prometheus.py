"""pantau with its real peers: a real Prometheus scrapes it, promtool lints
the exposition, and python3-prometheus-client's OpenMetrics parser reads it."""

import shutil
import subprocess
import tempfile
import time

from alerting_lib import PrometheusServer
from pantau_lib import Cgroup, Pantau, TestFailure, burn, check, wait_for

SCRAPE_CONFIG = """global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: pantau
    static_configs:
      - targets: ["%s"]
"""


class Prometheus(PrometheusServer):
    """The one scrape job above, in a directory of its own."""

    def __init__(self, target):
        self.tmp = tempfile.mkdtemp(prefix="pantau-prom-")
        super().__init__(self.tmp, SCRAPE_CONFIG % target)

    def stop(self):
        super().stop()
        shutil.rmtree(self.tmp, ignore_errors=True)


def usage_at(samples, t):
    """cpu.stat usage_usec at time t, interpolated between the samples around it."""
    for (t0, u0), (t1, u1) in zip(samples, samples[1:]):
        if t0 <= t <= t1:
            return u0 + (u1 - u0) * (t - t0) / (t1 - t0)
    raise TestFailure("cpu.stat was not sampled at %.3f" % t)


def test_prometheus_scrapes_and_cpu_rate_matches_cpu_stat():
    cg = Cgroup("t-prom")
    w = None
    prom = None
    try:
        with Pantau() as p:
            w = burn("--cgroup", cg.path, "--forever")
            prom = Prometheus(p.listen)
            wait_for(lambda: any(r["value"][1] == "1" for r in prom.query('up{job="pantau"}')),
                     60, "Prometheus to scrape pantau (up == 1)")
            # Truth over exactly the window the rate covers: cpu.stat sampled
            # every 50 ms, read at the first and last scrape's timestamps.
            # (On a loaded host the burner's share moves, so windows must match.)
            window = 10
            samples = []
            end = time.time() + window + 2
            while time.time() < end:
                samples.append((time.time(), cg.usage_usec()))
                time.sleep(0.05)
            # Evaluated at the last cpu.stat sample, so that no scrape after it
            # (the host may be slow to get here) falls outside the samples.
            at = samples[-1][0]
            res = prom.query('pantau_cpu_seconds_total{service="%s"}[%ds]' % (cg.service, window), at)
            check(res and len(res[0]["values"]) >= 2, "no samples for the service in Prometheus")
            (ta, va), (tb, vb) = res[0]["values"][0], res[0]["values"][-1]
            got = (float(vb) - float(va)) / (tb - ta)
            truth = (usage_at(samples, tb) - usage_at(samples, ta)) / 1e6 / (tb - ta)
            # The rate PromQL itself gives, for the record.
            rate = prom.query('rate(pantau_cpu_seconds_total{service="%s"}[%ds])' % (cg.service, window),
                              at)
            print("  PromQL rate(...[%ds]) %.4f cores" % (window, float(rate[0]["value"][1])))
            err = abs(got - truth) / truth
            print("  Prometheus samples %.4f cores, cpu.stat %.4f cores over the same %.1f s, "
                  "error %.2f%%" % (got, truth, tb - ta, err * 100))
            check(err < 0.10, "PromQL says %.4f, cpu.stat %.4f" % (got, truth))
    finally:
        if prom:
            prom.stop()
        if w:
            w.kill()
            w.wait()
        cg.remove()


def test_promtool_check_metrics_passes():
    cg = Cgroup("t-lint")
    try:
        with Pantau() as p:
            burn("--cgroup", cg.path, "--cpu-ms", "50").wait(timeout=30)
            text = p.scrape()
        r = subprocess.run(["promtool", "check", "metrics"], input=text, text=True,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=60)
        check(r.returncode == 0, "promtool check metrics:\n" + r.stdout)
        check(cg.service in text, "test service missing from the exposition")
    finally:
        cg.remove()


def test_openmetrics_parser_reads_the_exposition():
    cg = Cgroup("t-om")
    try:
        with Pantau() as p:
            burn("--cgroup", cg.path, "--cpu-ms", "50").wait(timeout=30)
            text = p.scrape(openmetrics=True)
        check(text.endswith("# EOF\n"), "OpenMetrics exposition without # EOF")
        code = ("import sys\n"
                "from prometheus_client.openmetrics.parser import text_string_to_metric_families\n"
                "fams = {f.name: f for f in text_string_to_metric_families(sys.stdin.read())}\n"
                "cpu = fams['pantau_cpu_seconds']\n"
                "assert cpu.type == 'counter', cpu.type\n"
                "svc = [s for s in cpu.samples if s.labels.get('service') == sys.argv[1]]\n"
                "assert svc and svc[0].value > 0, svc\n"
                "assert fams['pantau_cpu_runqueue_wait_seconds'].type == 'histogram'\n"
                "print(len(fams), 'families')\n")
        r = subprocess.run(["/usr/bin/python3", "-c", code, cg.service], input=text, text=True,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=60)
        print("  " + r.stdout.strip())
        check(r.returncode == 0, "OpenMetrics parser:\n" + r.stdout)
    finally:
        cg.remove()
