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
them.

No container runs here, so one pantau_service_info series, for the real
nginx service of the real pantau, comes from a small exposition the same
Prometheus scrapes; the Namespace and Service variables are checked
against it and against a service without one."""

import glob
import http.server
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import time

import yaml

from alerting_lib import Stack
from pantau_lib import (BUILD, HTTPWORK, PANTAU, ROOT, Cgroup, Limited, Nginx, Pantau, burn,
                        check, free_port, npm_ci, spawn_in, wait_for)

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
    "$namespace": ".*",
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
                expr, label = variable_query(v)
                check(expr, "%s: variable %s is neither label_values() nor query_result(): %r"
                      % (name, v["name"], v["query"]))
                out.append((name, "variable $" + v["name"], label, expr))
    return out


def variable_query(v):
    """(PromQL, what it gives) of a query variable: label_values(expr,
    label) or query_result(expr), the latter on one line as Grafana reads it."""
    q = v["query"]["query"]
    m = re.fullmatch(r"label_values\((.*),\s*(\w+)\)", q, re.S)
    if m:
        return m.group(1), m.group(2)
    m = re.fullmatch(r"query_result\((.+)\)\s*", q)
    if m:
        return m.group(1), "query_result"
    return None, None


def variable_values(prom, dash, name, **values):
    """The values Grafana would list for query variable name of dash, the
    other variables set as in VARIABLES and values (name -> regex):
    query_result() as Grafana writes each series ({label="value",...}),
    then the variable's regex, first group, duplicates dropped."""
    (v,) = [v for v in load(os.path.join(GRAFANA, dash))["templating"]["list"]
            if v["name"] == name]
    expr, label = variable_query(v)
    for k, val in values.items():
        expr = expr.replace("$" + k, val)
    rows = prom.query(substitute(expr))
    if label != "query_result":
        return sorted({r["metric"].get(label) for r in rows} - {None})
    pattern = v["regex"]
    check(pattern.startswith("/") and pattern.endswith("/"), "regex %r" % pattern)
    found = set()
    for r in rows:
        text = "%s{%s}" % (r["metric"].get("__name__", ""),
                           ",".join('%s="%s"' % (k, val) for k, val in r["metric"].items()
                                    if k != "__name__"))
        m = re.search(pattern[1:-1], text)
        if m:
            found.add(m.group(1))
    return sorted(found)


class InfoFixture:
    """Serves one pantau_service_info series, as pantau exports it for a
    service named after a Kubernetes pod, with the instance and job labels
    of the real pantau: no container runs here, and the service it names
    (nginx's) is a real one of that pantau. Scraped with honor_labels."""

    def __init__(self, instance, service):
        body = ('# TYPE pantau_service_info gauge\n'
                'pantau_service_info{instance="%s",job="pantau",service="%s",'
                'container="web",pod="web-7d9c5b8f4-x2kqz",namespace="shop",'
                'runtime="containerd",image="docker.io/library/nginx:1.22"} 1\n'
                % (instance, service)).encode()

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                self.send_response(200)
                self.send_header("Content-Type", "text/plain; version=0.0.4")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.addr = "127.0.0.1:%d" % self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def job(self):
        return {"job_name": "pantau-info-fixture", "honor_labels": True,
                "static_configs": [{"targets": [self.addr]}]}

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


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
    stack = nginx = info = None
    tmp_file = os.path.join(BUILD, "tests", "t-dash-io-%d" % os.getpid())
    # The exporter panels want an Elasticsearch exporter; the fake one serves.
    es = FakeES().start()
    spool = os.path.join(tempfile.mkdtemp(prefix="pantau-dash-"), "spool")
    try:
        # The client's calls to nginx play the payment gateway the overview follows.
        # Run stats on: the pantau-itself panels show each program's cost.
        with Pantau(config="bpf_run_stats: true\npeers:\n  rules:\n    - { cidr: 127.0.0.5/32, name: payment-gateway }\n"
                    "elasticsearch:\n  urls: [%s]\n  spool: { dir: %s }\n" % (es.url, spool)) as p:
            # CPU against a quota and memory against a limit.
            procs.append(burn(*(lim.join_args + ["--alloc-mb", "16", "--forever"])))
            # Direct disk writes, bounded: 4 MiB every half second.
            script = ('echo $$ > "%s/cgroup.procs" && for i in $(seq 240); do '
                      'dd if=/dev/zero of="%s" bs=1M count=4 oflag=direct 2>/dev/null; '
                      'sleep 0.5; done' % (disk.path, tmp_file))
            procs.append(subprocess.Popen(["sh", "-c", script]))
            # HTTP traffic with successes and failures (nginx answers 503 on /broken),
            # and a connect refused by a port nothing listens on, for the failed-connect
            # panels: the host's own traffic need not have any.
            nginx = Nginx(web, addrs=("127.0.0.5",))
            refuse = ("import socket; s = socket.socket(); s.settimeout(1); "
                      "s.connect_ex(('127.0.0.5', %d))" % free_port())
            procs.append(spawn_in(client, ["sh", "-c", 'for i in $(seq 240); do /usr/bin/python3 '
                                           '"$0" 127.0.0.5 "$1" keepalive >/dev/null; '
                                           '/usr/bin/python3 -c "$2"; sleep 0.5; done',
                                           HTTPWORK, str(nginx.port), refuse]))
            # nginx's service gets an info series in namespace shop; the
            # others have none, as services that are no container's.
            info = InfoFixture(p.listen, web.service)
            stack = Stack([p.listen], with_alerts=False, extra_jobs=[info.job()])
            prom = stack.prom
            wait_for(lambda: prom.up(p.listen), 30, "Prometheus to scrape pantau")
            wait_for(lambda: prom.query("pantau_service_info"), 30,
                     "Prometheus to scrape the info series")
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

            check_namespace_variables(prom, web.service, disk.service)
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
        if info:
            info.stop()
        lim.remove()
        limited.remove()
        disk.remove()
        es.stop()
        try:
            os.unlink(tmp_file)
        except FileNotFoundError:
            pass


def check_namespace_variables(prom, in_shop, without_info):
    """Namespace and Service variables: with namespace All the service list
    is the one of pantau_service_up alone (the list before the namespace
    variable), services without an info series included; with a namespace
    chosen, only the services whose info series is in it."""
    everything = sorted({r["metric"]["service"] for r in
                         prom.query("last_over_time(pantau_service_up[1m])")})
    check(in_shop in everything and without_info in everything,
          "%s and %s among the services: %r" % (in_shop, without_info, everything))
    for dash in ("overview.json", "service-detail.json", "dependencies.json"):
        namespaces = variable_values(prom, dash, "namespace")
        check(namespaces == ["shop"], "%s: namespaces %r, want ['shop']" % (dash, namespaces))
        for chosen, want in ((".*", everything), ("shop", [in_shop]),
                             ("(shop|elsewhere)", [in_shop]), ("elsewhere", [])):
            got = variable_values(prom, dash, "service", namespace=chosen)
            check(got == want, "%s: services with namespace=~%r: %r, want %r"
                  % (dash, chosen, got, want))
    print("  namespace variable: ['shop']; services with All: %d (%s without an info series "
          "among them), with shop: [%s]" % (len(everything), without_info, in_shop))
    (info_panel,) = [p for p in panels(load(os.path.join(GRAFANA, "service-detail.json")))
                     if p["title"] == "Containers"]
    rows = prom.query(substitute(info_panel["targets"][0]["expr"]))
    check([(r["metric"]["service"], r["metric"]["namespace"], r["metric"]["runtime"])
           for r in rows] == [(in_shop, "shop", "containerd")],
          "Containers panel rows: %r" % rows)
