"""The Grafana dashboards: generated from their script, valid against
Grafana's published schema (@grafana/schema), provisioning files that
Grafana can read, and every PromQL expression in them evaluated against a
real Prometheus scraping a real pantau with workloads running.

An expression must return data, unless it reads a metric of the contract
(DESIGN.md) that this pantau does not export yet (traffic, TCP, dependency
and exporter-queue metrics are built elsewhere): those must at least parse
in Prometheus, and they are listed at the end of the test's output. At most
three expressions over exported metrics may be excused in NEEDS_WORKLOAD,
each with the workload the test does not make; docs/dashboards.md names
them."""

import glob
import json
import os
import re
import subprocess
import sys
import tempfile
import time

import yaml

from alerting_lib import Stack
from pantau_lib import (BUILD, HTTPWORK, PANTAU, ROOT, Cgroup, Limited, Nginx, Pantau, burn,
                        check, npm_ci, spawn_in, wait_for)

GRAFANA = os.path.join(ROOT, "dashboards", "grafana")
VALIDATORS = os.path.join(ROOT, "tests", "validators")
DASHBOARDS = sorted(glob.glob(os.path.join(GRAFANA, "*.json")))

# Expressions over exported metrics that may come back empty here: panel
# title -> the workload the test would need. At most three.
NEEDS_WORKLOAD = {}

# What Grafana puts in place of its variables, as the test sees them.
VARIABLES = {
    "$__rate_interval": "10s",
    "$__interval": "2s",
    "$__range": "1m",
    "$host": ".+",
    "$service": ".+",
    "$peer": ".+",
    "$gateway": "payment-gateway",
}


def load(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def panels(dash):
    for p in dash.get("panels", []):
        if p["type"] == "row":
            yield from p.get("panels", [])
        else:
            yield p


def expressions():
    """(dashboard, panel or variable, refId, PromQL) of every query."""
    out = []
    for path in DASHBOARDS:
        dash = load(path)
        name = os.path.basename(path)
        for p in panels(dash):
            for t in p.get("targets", []):
                out.append((name, p["title"], t["refId"], t["expr"]))
        for v in dash["templating"]["list"]:
            if v["type"] == "query":
                m = re.fullmatch(r"label_values\((.*),\s*(\w+)\)", v["query"]["query"], re.S)
                check(m, "%s: variable %s is not label_values(): %r" % (name, v["name"], v["query"]))
                out.append((name, "variable $" + v["name"], m.group(2), m.group(1)))
    return out


def substitute(expr):
    for k in sorted(VARIABLES, key=len, reverse=True):
        expr = expr.replace(k, VARIABLES[k])
    check("$" not in re.sub(r'"[^"]*\$[0-9][^"]*"', '""', expr),
          "unknown variable left in %r" % expr)
    return expr


def exported_metrics():
    out = subprocess.run([PANTAU, "--list-metrics"], stdout=subprocess.PIPE, text=True,
                         check=True).stdout
    return {line.split()[0] for line in out.splitlines() if line.strip()}


def referenced_metrics(expr):
    names = set()
    for m in re.findall(r"\b(pantau_[a-z0-9_]+)", expr):
        for suffix in ("_bucket", "_count", "_sum"):
            if m.endswith(suffix) and not m.endswith("_total" + suffix):
                m = m[:-len(suffix)]
                break
        names.add(m)
    return names


def test_dashboards_match_their_generator():
    check(len(DASHBOARDS) == 4, "expected four dashboards, found %r" % DASHBOARDS)
    p = subprocess.run(["/usr/bin/python3", os.path.join(GRAFANA, "generate.py"), "--check"],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    check(p.returncode == 0, p.stdout)


def test_dashboards_validate_against_grafana_schema():
    npm_ci()
    p = subprocess.run(["node", os.path.join(VALIDATORS, "validate-dashboards.mjs")] + DASHBOARDS,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=300)
    print("  " + p.stdout.strip().replace("\n", "\n  "))
    check(p.returncode == 0, "dashboards do not match @grafana/schema")


def test_dashboards_use_the_datasource_variable_and_unique_ids():
    for path in DASHBOARDS:
        dash = load(path)
        name = os.path.basename(path)
        names = [v["name"] for v in dash["templating"]["list"]]
        check("datasource" in names, "%s has no datasource variable" % name)
        ids = []
        for p in dash["panels"]:
            ids.append(p["id"])
            for q in p.get("panels", []):
                ids.append(q["id"])
        check(len(ids) == len(set(ids)), "%s: panel ids repeat" % name)
        for p in panels(dash):
            refs = [p.get("datasource")] + [t.get("datasource") for t in p.get("targets", [])]
            for r in refs:
                check(r == {"type": "prometheus", "uid": "${datasource}"},
                      "%s / %s: data source %r is not the variable" % (name, p["title"], r))
            check(p.get("description"), "%s / %s has no description" % (name, p["title"]))
    uids = [load(p)["uid"] for p in DASHBOARDS]
    check(len(set(uids)) == len(uids), "dashboard uids repeat: %r" % uids)


def test_provisioning_files_point_at_the_dashboards():
    prov = os.path.join(GRAFANA, "provisioning")
    with open(os.path.join(prov, "dashboards", "pantau.yml")) as f:
        d = yaml.safe_load(f)
    check(d["apiVersion"] == 1 and d["providers"][0]["type"] == "file", d)
    check(d["providers"][0]["options"]["path"].startswith("/"), d)
    with open(os.path.join(prov, "datasources", "pantau-prometheus.yml")) as f:
        s = yaml.safe_load(f)
    check(s["apiVersion"] == 1 and s["datasources"][0]["type"] == "prometheus", s)


def test_every_dashboard_query_returns_data():
    check(len(NEEDS_WORKLOAD) <= 3, "more than three expressions excused")
    sys.path.insert(0, os.path.join(ROOT, "tests", "tools"))
    from fake_es import FakeES
    exported = exported_metrics()
    limited = Cgroup("t-dash-limited")
    lim = Limited(limited, memory_bytes=256 << 20, cpu_quota_us=20000)
    disk = Cgroup("t-dash-disk")
    web, client = Cgroup("t-dash-web"), Cgroup("t-dash-client")
    procs = []
    stack = nginx = None
    tmp_file = os.path.join(BUILD, "tests", "t-dash-io-%d" % os.getpid())
    # The exporter panels want an Elasticsearch exporter; the fake one serves.
    es = FakeES().start()
    spool = os.path.join(tempfile.mkdtemp(prefix="pantau-dash-"), "spool")
    try:
        # The client's calls to nginx play the payment gateway the overview follows.
        with Pantau(config="peers:\n  rules:\n    - { cidr: 127.0.0.5/32, name: payment-gateway }\n"
                    "elasticsearch:\n  urls: [%s]\n  spool: { dir: %s }\n" % (es.url, spool)) as p:
            # CPU against a quota and memory against a limit.
            procs.append(burn(*(lim.join_args + ["--alloc-mb", "16", "--forever"])))
            # Direct disk writes, bounded: 4 MiB every half second.
            script = ('echo $$ > "%s/cgroup.procs" && for i in $(seq 240); do '
                      'dd if=/dev/zero of="%s" bs=1M count=4 oflag=direct 2>/dev/null; '
                      'sleep 0.5; done' % (disk.path, tmp_file))
            procs.append(subprocess.Popen(["sh", "-c", script]))
            # HTTP traffic with successes and failures (nginx answers 503 on /broken).
            nginx = Nginx(web, addrs=("127.0.0.5",))
            procs.append(spawn_in(client, ["sh", "-c", 'for i in $(seq 240); do /usr/bin/python3 '
                                           '"$0" 127.0.0.5 "$1" keepalive >/dev/null; sleep 0.5; done',
                                           HTTPWORK, str(nginx.port)]))
            stack = Stack([p.listen], with_alerts=False)
            prom = stack.prom
            wait_for(lambda: prom.up(p.listen), 30, "Prometheus to scrape pantau")
            # Enough samples for the 10 s rates and the 1 m ranges.
            wait_for(lambda: prom.query('rate(pantau_disk_bytes_total{service="%s"}[10s]) > 0'
                                        % disk.service), 60, "disk writes in Prometheus")
            time.sleep(12)

            empty, pending = [], []
            for dash, title, ref, expr in expressions():
                q = substitute(expr)
                body = prom.api("query", query=q)
                check(body["status"] == "success",
                      "%s / %s / %s does not parse or run: %s\n%s"
                      % (dash, title, ref, body.get("error"), q))
                if body["data"]["result"]:
                    continue
                missing = sorted(referenced_metrics(expr) - exported)
                if missing:
                    pending.append((dash, title, ref, missing))
                elif title not in NEEDS_WORKLOAD:
                    empty.append("%s / %s / %s:\n%s" % (dash, title, ref, q))
            total = len(expressions())
            print("  %d expressions: %d returned data, %d await metrics this pantau does not "
                  "export yet (they parse and run)" % (total, total - len(pending) - len(empty),
                                                       len(pending)))
            for dash, title, ref, missing in pending:
                print("    %s / %s / %s: %s" % (dash, title, ref, ", ".join(missing)))
            for title, why in NEEDS_WORKLOAD.items():
                print("    excused, needs %s: %s" % (why, title))
            check(not empty, "expressions without data:\n" + "\n".join(empty))

            # The overview's answers mean what they say: the service held at
            # its CPU quota is Busy at ~100 % of it, the disk writer Healthy.
            table = {t["refId"]: t["expr"] for p in panels(load(os.path.join(GRAFANA, "overview.json")))
                     if p["title"] == "How each service is doing" for t in p["targets"]}

            def per_service(ref):
                return {r["metric"]["service"]: float(r["value"][1])
                        for r in prom.query(substitute(table[ref]))}
            status, cpu = per_service("A"), per_service("B")
            print("  overview: %s status %s at %.0f %% of its CPU quota; %s status %s"
                  % (limited.service, status.get(limited.service),
                     100 * cpu.get(limited.service, 0), disk.service, status.get(disk.service)))
            check(status.get(limited.service) == 2, "status of the CPU-bound service: %r" % status)
            check(0.8 < cpu.get(limited.service, 0) < 1.1, "CPU share at quota: %r" % cpu)
            check(status.get(disk.service) == 1, "status of the disk writer: %r" % status)
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        if nginx:
            nginx.stop()
        web.remove()
        client.remove()
        if stack:
            stack.stop()
        lim.remove()
        limited.remove()
        disk.remove()
        es.stop()
        try:
            os.unlink(tmp_file)
        except FileNotFoundError:
            pass
