#!/usr/bin/python3
"""Writes pantau's Grafana dashboards (the *.json files beside this script).

The four dashboards share their variables, data source reference, colours
and wording, so they are built here rather than edited by hand: change
this file, run `dashboards/grafana/generate.py`, commit both. `make test`
fails when the JSON files and this script disagree.

Every query reads the metric names of the contract in DESIGN.md, and every
threshold the rules use comes from pantau_threshold{name}."""

import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
SCHEMA_VERSION = 39
DS = {"type": "prometheus", "uid": "${datasource}"}
# Selectors of the templated variables.
HOST = 'instance=~"$host"'
SVC = 'instance=~"$host", service=~"$service"'
GW = 'instance=~"$host", peer=~"$gateway"'
RATE = "$__rate_interval"


# --------------------------------------------------------------- PromQL


def cpu_share(sel=SVC):
    """CPU use as a share of the service's quota, else of the host's CPUs."""
    return ("(\n  rate(pantau_cpu_seconds_total{%s}[%s])\n"
            "    / on (instance, job, service) pantau_cpu_limit_cores\n)\nor\n"
            "(\n  rate(pantau_cpu_seconds_total{%s}[%s])\n"
            "    / on (instance, job) group_left pantau_host_cpus\n)") % (sel, RATE, sel, RATE)


def memory_share(sel=SVC):
    return ("(\n  pantau_memory_rss_bytes{%s}\n"
            "    / on (instance, job, service) pantau_memory_limit_bytes\n)\nor\n"
            "(\n  pantau_memory_rss_bytes{%s}\n"
            "    / on (instance, job) group_left pantau_host_memory_total_bytes\n)") % (sel, sel)


def requests_rate(sel=SVC, by="instance, job, service"):
    return "sum by (%s) (rate(pantau_requests_total{%s}[%s]))" % (by, sel, RATE)


def error_share(sel=SVC, by="instance, job, service"):
    return ("sum by (%s) (rate(pantau_requests_total{%s, status_class=\"5xx\"}[%s]))\n"
            "  / %s") % (by, sel, RATE, requests_rate(sel, by))


def p95(sel=SVC, by="instance, job, service", q="0.95"):
    return ("histogram_quantile(%s,\n  sum by (%s, le) "
            "(rate(pantau_request_duration_seconds_bucket{%s}[%s])))") % (q, by, sel, RATE)


def dep_failures(sel, by):
    return ("sum by (%s) (\n  rate(pantau_dependency_requests_total{%s, status_class=\"5xx\"}[%s])\n"
            "  or rate(pantau_dependency_connect_failures_total{%s}[%s]))") % (by, sel, RATE, sel, RATE)


def dep_attempts(sel, by):
    return ("sum by (%s) (\n  rate(pantau_dependency_requests_total{%s}[%s])\n"
            "  or rate(pantau_dependency_connect_failures_total{%s}[%s]))") % (by, sel, RATE, sel, RATE)


def dep_error_share(sel, by):
    return "%s\n/\n%s" % (dep_failures(sel, by), dep_attempts(sel, by))


def dep_p95(sel, by, q="0.95"):
    return ("histogram_quantile(%s,\n  sum by (%s, le) "
            "(rate(pantau_dependency_request_duration_seconds_bucket{%s}[%s])))") % (q, by, sel, RATE)


def threshold(name):
    return 'on (instance, job) group_left pantau_threshold{name="%s"}' % name


def flag(expr, name, code):
    """code where expr is above the named threshold, per service."""
    return "max by (instance, service) (\n  ((%s)\n    > %s) * 0 + %d\n)" % (expr, threshold(name), code)


# 0 down, 1 healthy, 2 busy (CPU or memory near the limit, or slow),
# 3 failing (error share above the threshold); the first that holds wins.
STATUS = "\nor\n".join([
    "max by (instance, service) (pantau_service_up{%s} == 0)" % SVC,
    flag(error_share(), "error_ratio", 3),
    flag(cpu_share(), "cpu_busy_ratio", 2),
    flag(memory_share(), "memory_busy_ratio", 2),
    flag(p95(), "latency_p95_seconds", 2),
    "max by (instance, service) (pantau_service_up{%s})" % SVC,
])

STATUS_MAPPING = [{"type": "value", "options": {
    "0": {"text": "Down", "color": "dark-red", "index": 0},
    "1": {"text": "Healthy", "color": "green", "index": 1},
    "2": {"text": "Busy", "color": "yellow", "index": 2},
    "3": {"text": "Failing", "color": "red", "index": 3},
}}]

GATEWAY_STATUS = "\nor\n".join([
    "(%s\n  > scalar(max(pantau_threshold{name=\"error_ratio\", %s}))) * 0 + 3"
    % (dep_error_share(GW, "peer"), HOST),
    "(%s\n  > scalar(max(pantau_threshold{name=\"latency_p95_seconds\", %s}))) * 0 + 2"
    % (dep_p95(GW, "peer"), HOST),
    "(%s > 0) * 0 + 1" % dep_attempts(GW, "peer"),
    "vector(0)",
])

GATEWAY_MAPPING = [{"type": "value", "options": {
    "0": {"text": "No calls seen", "color": "text", "index": 0},
    "1": {"text": "Working", "color": "green", "index": 1},
    "2": {"text": "Slow", "color": "yellow", "index": 2},
    "3": {"text": "Failing", "color": "red", "index": 3},
}}]


# --------------------------------------------------------------- panels


class Board:
    """Lays panels out left to right in rows of 24 grid units."""

    def __init__(self):
        self.panels = []
        self.x = self.y = self.row_h = 0
        self.next_id = 1

    def _place(self, w, h):
        if self.x + w > 24:
            self.x, self.y, self.row_h = 0, self.y + self.row_h, 0
        pos = {"h": h, "w": w, "x": self.x, "y": self.y}
        self.x += w
        self.row_h = max(self.row_h, h)
        return pos

    def row(self, title):
        if self.x:
            self.x, self.y, self.row_h = 0, self.y + self.row_h, 0
        self.panels.append({"type": "row", "id": self.next_id, "title": title, "collapsed": False,
                            "gridPos": {"h": 1, "w": 24, "x": 0, "y": self.y}, "panels": []})
        self.next_id += 1
        self.y += 1

    def add(self, panel, w, h):
        panel["id"] = self.next_id
        self.next_id += 1
        panel["gridPos"] = self._place(w, h)
        self.panels.append(panel)
        return panel


def target(expr, legend="", ref="A", instant=False, fmt="time_series"):
    t = {"datasource": DS, "refId": ref, "expr": expr, "editorMode": "code",
         "legendFormat": legend or "__auto", "range": not instant, "instant": instant}
    if fmt != "time_series":
        t["format"] = fmt
    return t


def _thresholds(steps=None):
    steps = steps or [("green", None)]
    return {"mode": "absolute", "steps": [{"color": c, "value": v} for c, v in steps]}


def _panel(kind, title, description, targets, unit=None, options=None, custom=None,
           mappings=None, steps=None, minv=None, maxv=None, overrides=None, color=None,
           transformations=None, **extra):
    defaults = {"thresholds": _thresholds(steps)}
    if unit:
        defaults["unit"] = unit
    if custom is not None:
        defaults["custom"] = custom
    if mappings:
        defaults["mappings"] = mappings
    if minv is not None:
        defaults["min"] = minv
    if maxv is not None:
        defaults["max"] = maxv
    defaults["color"] = color or {"mode": "palette-classic"}
    p = {"type": kind, "title": title, "description": description, "datasource": DS,
         "targets": targets, "fieldConfig": {"defaults": defaults, "overrides": overrides or []},
         "options": options or {}}
    if transformations:
        p["transformations"] = transformations
    p.update(extra)
    return p


def timeseries(title, description, targets, unit, stack=False, minv=0, maxv=None,
               overrides=None, draw="line"):
    custom = {"drawStyle": draw, "lineWidth": 1, "fillOpacity": 10 if not stack else 40,
              "showPoints": "never", "spanNulls": False, "axisBorderShow": False,
              "stacking": {"mode": "normal" if stack else "none", "group": "A"}}
    options = {"legend": {"calcs": [], "displayMode": "list", "placement": "bottom",
                          "showLegend": True},
               "tooltip": {"mode": "multi", "sort": "desc"}}
    return _panel("timeseries", title, description, targets, unit, options, custom,
                  minv=minv, maxv=maxv, overrides=overrides)


def stat(title, description, targets, unit=None, mappings=None, steps=None, color=None,
         graph=False):
    options = {"colorMode": "background" if mappings or steps else "value",
               "graphMode": "area" if graph else "none", "justifyMode": "auto",
               "orientation": "auto", "percentChangeColorMode": "standard",
               "reduceOptions": {"calcs": ["lastNotNull"], "fields": "", "values": False},
               "showPercentChange": False, "textMode": "value", "wideLayout": True}
    return _panel("stat", title, description, targets, unit, options, mappings=mappings,
                  steps=steps, color=color or {"mode": "thresholds"})


def heatmap(title, description, expr, unit):
    options = {
        "calculate": False,
        "cellGap": 1,
        "color": {"exponent": 0.5, "fill": "dark-orange", "mode": "scheme", "reverse": False,
                  "scale": "exponential", "scheme": "Oranges", "steps": 64},
        "exemplars": {"color": "rgba(255,0,255,0.7)"},
        "filterValues": {"le": 1e-9},
        "legend": {"show": True},
        "rowsFrame": {"layout": "auto"},
        "showValue": "never",
        "tooltip": {"mode": "single", "showColorScale": False, "yHistogram": False},
        "yAxis": {"axisPlacement": "left", "reverse": False, "unit": unit},
    }
    custom = {"hideFrom": {"legend": False, "tooltip": False, "viz": False},
              "scaleDistribution": {"type": "linear"}}
    return _panel("heatmap", title, description,
                  [target(expr, "{{le}}", fmt="heatmap")], options=options, custom=custom,
                  color={"mode": "thresholds"})


def table(title, description, targets, renames, overrides, order, exclude=("Time", "job")):
    custom = {"align": "auto", "cellOptions": {"type": "auto"}, "inspect": False,
              "filterable": True}
    options = {"cellHeight": "sm", "frameIndex": 0, "showHeader": True,
               "sortBy": [{"displayName": order[0], "desc": False}]}
    transformations = [
        {"id": "merge", "options": {}},
        {"id": "organize", "options": {
            "excludeByName": {k: True for k in exclude},
            "indexByName": {k: i for i, k in enumerate(order)},
            "renameByName": renames}},
    ]
    return _panel("table", title, description, targets, options=options, custom=custom,
                  overrides=overrides, transformations=transformations,
                  color={"mode": "thresholds"})


def bargauge(title, description, targets, unit, steps, maxv=None):
    options = {"displayMode": "gradient", "legend": {"calcs": [], "placement": "bottom",
                                                     "showLegend": False},
               "maxVizHeight": 300, "minVizHeight": 16, "minVizWidth": 8,
               "namePlacement": "auto", "orientation": "horizontal",
               "reduceOptions": {"calcs": ["lastNotNull"], "fields": "", "values": False},
               "showUnfilled": True, "sizing": "auto", "valueMode": "color"}
    return _panel("bargauge", title, description, targets, unit, options, steps=steps,
                  minv=0, maxv=maxv, color={"mode": "thresholds"})


def by_name(name, **props):
    """A field override for the column or series called name."""
    return {"matcher": {"id": "byName", "options": name},
            "properties": [{"id": k.replace("__", "."), "value": v} for k, v in props.items()]}


# ------------------------------------------------------------ variables


def datasource_var():
    return {"name": "datasource", "label": "Data source", "type": "datasource",
            "query": "prometheus", "hide": 0, "refresh": 1, "includeAll": False,
            "multi": False, "current": {"text": "default", "value": "default"},
            "description": "The Prometheus that scrapes pantau."}


def query_var(name, label, query, description, multi=True, all_value=".+", regex=None):
    v = {"name": name, "label": label, "type": "query", "datasource": DS,
         "query": {"query": query, "refId": name},
         "refresh": 2, "sort": 1, "hide": 0, "includeAll": True, "multi": multi}
    if all_value is not None:
        v["allValue"] = all_value
    if regex is not None:
        v["regex"] = regex
    v["current"] = {"text": "All", "value": "$__all"}
    v["description"] = description
    return v


HOST_VAR = query_var("host", "Host", "label_values(pantau_build_info, instance)",
                     "The hosts where pantau runs (pantau's address as Prometheus scrapes it).")
# Namespace: the Kubernetes namespaces pantau_service_info names. Its All is
# ".*", which also matches a series without a namespace label: every
# pantau_service_up series, so with All the services without an info series
# (not containers, or not Kubernetes ones) stay listed.
NAMESPACE_VAR = query_var("namespace", "Namespace",
                          "label_values(pantau_service_info, namespace)",
                          "Kubernetes namespaces of the services named after a pod "
                          "(pantau_service_info). All: every service, containers or not.",
                          all_value=".*")
# Service: the services pantau found on those hosts in the time range, and
# of those, with a namespace chosen, only the ones whose info series is in
# it. pantau_service_up has no namespace label, so the first half matches
# every service when namespace is All (".*") and none otherwise; the second
# half adds the services whose info series is in the chosen namespaces.
# label_values() takes only a series selector, hence query_result() and a
# regex (one line: Grafana's query_result() parser does not span lines).
SERVICE_QUERY = (
    'query_result('
    'last_over_time(pantau_service_up{instance=~"$host", namespace=~"$namespace"}[$__range])'
    ' or (last_over_time(pantau_service_up{instance=~"$host"}[$__range])'
    ' and on (instance, job, service)'
    ' last_over_time(pantau_service_info{namespace=~"$namespace"}[$__range])))')
SERVICE_REGEX = '/[{,]service="([^"]+)"/'
# No allValue: All is the listed services, so that All under a chosen
# namespace means that namespace's services, not every service.
SERVICE_VAR = query_var("service", "Service", SERVICE_QUERY,
                        "The services pantau found on those hosts, in the chosen "
                        "namespaces. A Kubernetes workload is the service namespace/workload.",
                        all_value=None, regex=SERVICE_REGEX)
GATEWAY_VAR = {"name": "gateway", "label": "Payment gateway", "type": "textbox",
               "query": "payment-gateway", "hide": 0,
               "current": {"text": "payment-gateway", "value": "payment-gateway"},
               "description": "The peer name pantau gives the payment gateway (peers.rules "
                              "in pantau.yaml); a regular expression."}
PEER_VAR = query_var("peer", "Peer",
                     'label_values(pantau_dependency_requests_total{instance=~"$host", '
                     'service=~"$service"}, peer)',
                     "The remote services and gateways the chosen services call.")


def dashboard(uid, title, description, board, variables, tags=()):
    return {
        "annotations": {"list": [{
            "builtIn": 1, "datasource": {"type": "grafana", "uid": "-- Grafana --"},
            "enable": True, "hide": True, "iconColor": "rgba(0, 211, 255, 1)",
            "name": "Annotations & Alerts", "type": "dashboard"}]},
        "description": description,
        "editable": True,
        "fiscalYearStartMonth": 0,
        "graphTooltip": 1,
        "links": [{"asDropdown": False, "icon": "external link", "includeVars": True,
                   "keepTime": True, "tags": ["pantau"], "targetBlank": False,
                   "title": "pantau", "tooltip": "The other pantau dashboards",
                   "type": "dashboards", "url": ""}],
        "panels": board.panels,
        "refresh": "30s",
        "schemaVersion": SCHEMA_VERSION,
        "tags": ["pantau"] + list(tags),
        "templating": {"list": [datasource_var()] + variables},
        "time": {"from": "now-3h", "to": "now"},
        "timepicker": {},
        "timezone": "browser",
        "title": title,
        "uid": uid,
        "version": 1,
        "weekStart": "",
    }


# ------------------------------------------------------------- overview


def overview():
    b = Board()
    b.add(stat("Services running", "Services with at least one live process.",
               [target("count(pantau_service_up{%s} == 1) or vector(0)" % SVC, instant=True)],
               steps=[("green", None)]), 6, 4)
    b.add(stat("Services down", "Services pantau knows whose processes have all ended. "
               "A job that finished normally is counted here too.",
               [target("count(pantau_service_up{%s} == 0) or vector(0)" % SVC, instant=True)],
               steps=[("green", None), ("red", 1)]), 6, 4)
    b.add(stat("Hosts watched", "Hosts whose pantau Prometheus can reach right now.",
               [target('count(up{job="pantau", %s} == 1) or vector(0)' % HOST, instant=True)],
               steps=[("green", None)]), 6, 4)
    b.add(stat("Alerts firing", "Alerts that are on now. Each one also goes out by e-mail.",
               [target('count(ALERTS{alertstate="firing"}) or vector(0)', instant=True)],
               steps=[("green", None), ("red", 1)]), 6, 4)

    pct = {"unit": "percentunit", "custom__cellOptions": {"type": "gauge", "mode": "basic"},
           "min": 0, "max": 1}
    b.add(table(
        "How each service is doing",
        "One row per service. Status: Healthy; Busy when CPU or memory is above the "
        "busy threshold or answers are slow; Failing when too many requests fail; Down "
        "when no process of it is left. CPU and memory are shares of the service's "
        "limit where it has one, else of the whole host. The thresholds are pantau's "
        "(thresholds in pantau.yaml).",
        [target(STATUS, ref="A", instant=True, fmt="table"),
         target(cpu_share(), ref="B", instant=True, fmt="table"),
         target(memory_share(), ref="C", instant=True, fmt="table"),
         target("%s * 60" % requests_rate(), ref="D", instant=True, fmt="table"),
         target(error_share(), ref="E", instant=True, fmt="table"),
         target(p95(), ref="F", instant=True, fmt="table")],
        {"Value #A": "Status", "Value #B": "CPU", "Value #C": "Memory",
         "Value #D": "Requests a minute", "Value #E": "Failed requests",
         "Value #F": "Slowest 5 % take", "service": "Service", "instance": "Host"},
        [by_name("Status", mappings=STATUS_MAPPING,
                 custom__cellOptions={"type": "color-background", "mode": "basic"}),
         by_name("CPU", **pct), by_name("Memory", **pct),
         by_name("Requests a minute", unit="short", decimals=1),
         by_name("Failed requests", unit="percentunit"),
         by_name("Slowest 5 % take", unit="s")],
        ["Service", "Host", "Status", "CPU", "Memory", "Requests a minute",
         "Failed requests", "Slowest 5 % take"]), 24, 10)

    b.row("Payment gateway")
    b.add(stat("Payment gateway",
               "Working, Slow (the slowest 5 % of calls take longer than the latency "
               "threshold) or Failing (more calls fail than the error threshold), for the "
               "peer named in the Payment gateway box above.",
               [target(GATEWAY_STATUS, instant=True)], mappings=GATEWAY_MAPPING,
               steps=[("text", None)]), 6, 5)
    b.add(stat("Failed calls to the gateway",
               "Share of calls to the payment gateway that got a server error (5xx) or "
               "could not connect.",
               [target(dep_error_share(GW, "peer"))], unit="percentunit", graph=True,
               color={"mode": "fixed", "fixedColor": "text"}), 6, 5)
    b.add(stat("Slowest 5 % of gateway calls take",
               "95th percentile of the time the payment gateway takes to answer.",
               [target(dep_p95(GW, "peer"))], unit="s", graph=True,
               color={"mode": "fixed", "fixedColor": "text"}), 6, 5)
    b.add(stat("Gateway calls a minute", "Calls to the payment gateway per minute.",
               [target("%s * 60" % dep_attempts(GW, "peer"))], unit="short", graph=True,
               color={"mode": "fixed", "fixedColor": "text"}), 6, 5)

    b.row("Over time")
    b.add(timeseries("CPU (share of limit or host)",
                     "CPU each service uses, as a share of its CPU quota where it has one, "
                     "else of all CPUs of the host. 100 % means it cannot get more.",
                     [target(cpu_share(), "{{service}} on {{instance}}")], "percentunit"), 12, 8)
    b.add(timeseries("Memory (share of limit or host)",
                     "Memory each service holds, as a share of its memory limit where it "
                     "has one, else of the host's memory. At 100 % of a limit the kernel "
                     "kills a process.",
                     [target(memory_share(), "{{service}} on {{instance}}")], "percentunit"), 12, 8)
    b.add(timeseries("Requests a minute", "Requests each service answered per minute.",
                     [target("%s * 60" % requests_rate(), "{{service}} on {{instance}}")],
                     "short"), 12, 8)
    b.add(timeseries("Failed requests", "Share of requests that ended in a server error (5xx).",
                     [target(error_share(), "{{service}} on {{instance}}")], "percentunit"), 12, 8)
    return dashboard("pantau-overview", "pantau / Overview",
                     "Is each application healthy, busy, failing, and is the payment gateway "
                     "working? One row per service.",
                     b, [HOST_VAR, NAMESPACE_VAR, SERVICE_VAR, GATEWAY_VAR], ["overview"])


# ------------------------------------------------------ service detail


def service_detail():
    b = Board()
    legend = "{{service}} on {{instance}}"
    b.row("Container")
    b.add(table("Containers",
                "For a service named after a container: its newest container, Kubernetes "
                "pod and namespace, runtime and image, from pantau_service_info. Services "
                "that are no container's have no row.",
                [target("pantau_service_info{%s}" % SVC, instant=True, fmt="table")],
                {"service": "Service", "instance": "Host", "namespace": "Namespace",
                 "pod": "Pod", "container": "Container", "runtime": "Runtime",
                 "image": "Image"},
                [],
                ["Service", "Host", "Namespace", "Pod", "Container", "Runtime", "Image"],
                exclude=("Time", "job", "__name__", "Value")), 24, 5)
    b.row("CPU")
    b.add(timeseries("CPU used (cores)",
                     "CPU time used per second: 1 means one whole CPU. The dashed line is "
                     "the service's CPU quota, where one is set.",
                     [target("rate(pantau_cpu_seconds_total{%s}[%s])" % (SVC, RATE), legend),
                      target("pantau_cpu_limit_cores{%s}" % SVC, "quota of " + legend, "B")],
                     "short",
                     overrides=[{"matcher": {"id": "byRegexp", "options": "quota of .*"},
                                 "properties": [{"id": "custom.lineStyle",
                                                 "value": {"fill": "dash", "dash": [10, 10]}},
                                                {"id": "custom.fillOpacity", "value": 0}]}]),
          12, 8)
    b.add(heatmap("Waiting for a CPU",
                  "How long the service's tasks waited in a run queue before they got a CPU. "
                  "Waits that grow mean the CPUs are too busy.",
                  "sum by (le) (rate(pantau_cpu_runqueue_wait_seconds_bucket{%s}[%s]))"
                  % (SVC, RATE), "s"), 12, 8)
    b.add(timeseries("Context switches",
                     "Voluntary: a task waited for something. Involuntary: it was preempted, "
                     "often because the CPUs are busy.",
                     [target("sum by (service, type) (rate(pantau_cpu_context_switches_total{%s}[%s]))"
                             % (SVC, RATE), "{{service}} {{type}}")], "ops"), 12, 8)
    b.add(timeseries("Run queue wait, 95th percentile",
                     "The slowest 5 % of waits for a CPU took at least this long.",
                     [target("histogram_quantile(0.95, sum by (service, le) "
                             "(rate(pantau_cpu_runqueue_wait_seconds_bucket{%s}[%s])))"
                             % (SVC, RATE), "{{service}}")], "s"), 12, 8)

    b.row("Memory")
    b.add(timeseries("Memory used and limit",
                     "Resident memory of the service's processes; the dashed line is its "
                     "memory limit, where one is set.",
                     [target("pantau_memory_rss_bytes{%s}" % SVC, legend),
                      target("pantau_memory_limit_bytes{%s}" % SVC, "limit of " + legend, "B")],
                     "bytes",
                     overrides=[{"matcher": {"id": "byRegexp", "options": "limit of .*"},
                                 "properties": [{"id": "custom.lineStyle",
                                                 "value": {"fill": "dash", "dash": [10, 10]}},
                                                {"id": "custom.fillOpacity", "value": 0}]}]),
          12, 8)
    b.add(timeseries("Page faults",
                     "Major faults had to wait for the disk; many of them mean memory is short.",
                     [target("sum by (service, type) (rate(pantau_memory_page_faults_total{%s}[%s]))"
                             % (SVC, RATE), "{{service}} {{type}}")], "ops"), 8, 8)
    b.add(stat("Processes killed for lack of memory",
               "OOM kills in the chosen time range: processes the kernel ended because the "
               "service hit its memory limit or the host ran out.",
               [target("sum(increase(pantau_memory_oom_kills_total{%s}[$__range])) or vector(0)"
                       % SVC, instant=True)],
               unit="short", steps=[("green", None), ("red", 1)]), 4, 8)

    b.row("Disk")
    b.add(timeseries("Disk bytes",
                     "Bytes read and written per second, by disk and operation.",
                     [target("sum by (service, device, op) (rate(pantau_disk_bytes_total{%s}[%s]))"
                             % (SVC, RATE), "{{service}} {{device}} {{op}}")], "Bps"), 8, 8)
    b.add(timeseries("Disk operations",
                     "Completed disk requests per second, by disk and operation.",
                     [target("sum by (service, device, op) (rate(pantau_disk_operations_total{%s}[%s]))"
                             % (SVC, RATE), "{{service}} {{device}} {{op}}")], "iops"), 8, 8)
    b.add(heatmap("Disk latency",
                  "Time from a disk request's start to its completion, all disks together.",
                  "sum by (le) (rate(pantau_disk_latency_seconds_bucket{%s}[%s]))" % (SVC, RATE),
                  "s"), 8, 8)
    b.add(timeseries("Disk latency, 95th percentile by disk",
                     "The slowest 5 % of disk requests took at least this long.",
                     [target("histogram_quantile(0.95, sum by (service, device, le) "
                             "(rate(pantau_disk_latency_seconds_bucket{%s}[%s])))" % (SVC, RATE),
                             "{{service}} {{device}}")], "s"), 24, 7)

    b.row("Network")
    b.add(timeseries("Network bytes",
                     "Bytes received and sent per second.",
                     [target("sum by (service, direction) (rate(pantau_network_bytes_total{%s}[%s]))"
                             % (SVC, RATE), "{{service}} {{direction}}")], "Bps"), 8, 8)
    b.add(timeseries("Open connections",
                     "TCP connections open now, inbound (clients) and outbound (to peers).",
                     [target("sum by (service, direction) (pantau_tcp_connections_active{%s})" % SVC,
                             "{{service}} {{direction}}"),
                      target("sum by (service, direction) (rate(pantau_tcp_connections_opened_total{%s}[%s]))"
                             % (SVC, RATE), "{{service}} {{direction}} opened/s", "B")],
                     "short"), 8, 8)
    b.add(timeseries("Retransmits, resets and failed connects",
                     "Signs of a bad network or a refusing peer: segments sent again, "
                     "connections reset, connection attempts that failed.",
                     [target("sum by (service) (rate(pantau_tcp_retransmits_total{%s}[%s]))"
                             % (SVC, RATE), "{{service}} retransmits"),
                      target("sum by (service, direction) (rate(pantau_tcp_resets_total{%s}[%s]))"
                             % (SVC, RATE), "{{service}} resets {{direction}}", "B"),
                      target("sum by (service) (rate(pantau_tcp_connect_failures_total{%s}[%s]))"
                             % (SVC, RATE), "{{service}} failed connects", "C")],
                     "ops"), 8, 8)
    b.add(heatmap("Round-trip time",
                  "TCP round-trip time to the service's clients and peers.",
                  "sum by (le) (rate(pantau_tcp_rtt_seconds_bucket{%s}[%s]))" % (SVC, RATE), "s"),
          24, 7)

    b.row("Requests")
    b.add(timeseries("Requests by result",
                     "Requests answered per second, by status class: 2xx fine, 3xx "
                     "redirects, 4xx the client's mistake, 5xx the service failed, none "
                     "for protocols without a status.",
                     [target("sum by (service, status_class) (rate(pantau_requests_total{%s}[%s]))"
                             % (SVC, RATE), "{{service}} {{status_class}}")], "reqps",
                     stack=True), 12, 8)
    b.add(timeseries("How long answers take",
                     "Half of the requests are answered within the 50th percentile, all but "
                     "1 in 20 within the 95th, all but 1 in 100 within the 99th.",
                     [target(p95(q="0.5", by="service"), "{{service}} p50"),
                      target(p95(by="service"), "{{service}} p95", "B"),
                      target(p95(q="0.99", by="service"), "{{service}} p99", "C")], "s"), 12, 8)

    b.row("Dependencies")
    b.add(table("Services this one calls",
                "Every peer the service calls: calls per second, the share that failed "
                "(5xx or no connection), and the 95th percentile of the answer time.",
                [target(dep_attempts(SVC, "service, peer"), ref="A", instant=True, fmt="table"),
                 target(dep_error_share(SVC, "service, peer"), ref="B", instant=True, fmt="table"),
                 target(dep_p95(SVC, "service, peer"), ref="C", instant=True, fmt="table")],
                {"Value #A": "Calls a second", "Value #B": "Failed calls",
                 "Value #C": "Slowest 5 % take", "service": "Service", "peer": "Peer"},
                [by_name("Calls a second", unit="reqps"),
                 by_name("Failed calls", unit="percentunit"),
                 by_name("Slowest 5 % take", unit="s")],
                ["Service", "Peer", "Calls a second", "Failed calls", "Slowest 5 % take"]),
          24, 8)
    return dashboard("pantau-service", "pantau / Service detail",
                     "Everything pantau measures about the chosen services: CPU, memory, "
                     "disk, network, requests and the services they call.",
                     b, [HOST_VAR, NAMESPACE_VAR, SERVICE_VAR], ["service"])


# -------------------------------------------------------- dependencies


def dependencies():
    b = Board()
    sel = SVC + ', peer=~"$peer"'
    b.add(table("Every peer each service calls",
                "One row per service and peer: calls per second, the share that failed "
                "(a 5xx answer or no connection), the 95th percentile of the answer time "
                "and failed connection attempts per second.",
                [target(dep_attempts(sel, "instance, service, peer"), ref="A", instant=True,
                        fmt="table"),
                 target(dep_error_share(sel, "instance, service, peer"), ref="B", instant=True,
                        fmt="table"),
                 target(dep_p95(sel, "instance, service, peer"), ref="C", instant=True,
                        fmt="table"),
                 target("sum by (instance, service, peer) (rate(pantau_dependency_connect_failures_total{%s}[%s]))"
                        % (sel, RATE), ref="D", instant=True, fmt="table")],
                {"Value #A": "Calls a second", "Value #B": "Failed calls",
                 "Value #C": "Slowest 5 % take", "Value #D": "Failed connects a second",
                 "service": "Service", "peer": "Peer", "instance": "Host"},
                [by_name("Calls a second", unit="reqps"),
                 by_name("Failed calls", unit="percentunit",
                         custom__cellOptions={"type": "color-text"},
                         thresholds=_thresholds([("green", None), ("red", 0.05)])),
                 by_name("Slowest 5 % take", unit="s"),
                 by_name("Failed connects a second", unit="ops")],
                ["Service", "Peer", "Host", "Calls a second", "Failed calls",
                 "Slowest 5 % take", "Failed connects a second"]), 24, 9)

    # Node graph: services and peers as nodes, calls as edges; the field
    # names (id, title, mainstat, source, target) are what the panel reads.
    nodes = ('label_replace(sum by (service) (rate(pantau_dependency_requests_total{%s}[%s])), '
             '"id", "$1", "service", "(.*)")\nor\n'
             'label_replace(sum by (peer) (rate(pantau_dependency_requests_total{%s}[%s])), '
             '"id", "$1", "peer", "(.*)")') % (sel, RATE, sel, RATE)
    edges = ('label_join(\n  label_replace(label_replace(\n'
             '    sum by (service, peer) (rate(pantau_dependency_requests_total{%s}[%s])),\n'
             '    "source", "$1", "service", "(.*)"), "target", "$1", "peer", "(.*)"),\n'
             '  "id", "->", "source", "target")') % (sel, RATE)
    b.add(_panel(
        "nodegraph", "Who calls whom",
        "Services and the peers they call; each arrow is labelled with calls per second.",
        [target(nodes, ref="nodes", instant=True, fmt="table"),
         target(edges, ref="edges", instant=True, fmt="table")],
        options={"nodes": {}, "edges": {}},
        transformations=[{"id": "organize", "options": {
            "excludeByName": {"Time": True, "service": True, "peer": True},
            "renameByName": {"Value #nodes": "mainstat", "Value #edges": "mainstat"}}}]),
        24, 10)

    legend = "{{service}} → {{peer}}"
    by = "service, peer"
    b.add(timeseries("Calls a second", "Calls from each service to each peer.",
                     [target(dep_attempts(sel, by), legend)], "reqps"), 8, 8)
    b.add(timeseries("Failed calls", "Share of calls that got a 5xx answer or no connection.",
                     [target(dep_error_share(sel, by), legend)], "percentunit"), 8, 8)
    b.add(timeseries("Slowest 5 % of calls take", "95th percentile of the answer time.",
                     [target(dep_p95(sel, by), legend)], "s"), 8, 8)
    b.add(timeseries("Calls by result", "Calls per second by status class.",
                     [target("sum by (service, peer, status_class) "
                             "(rate(pantau_dependency_requests_total{%s}[%s]))" % (sel, RATE),
                             "{{service}} → {{peer}} {{status_class}}")], "reqps",
                     stack=True), 8, 8)
    b.add(timeseries("Failed connects", "Connection attempts to the peer that failed.",
                     [target("sum by (service, peer) "
                             "(rate(pantau_dependency_connect_failures_total{%s}[%s]))"
                             % (sel, RATE), legend)], "ops"), 8, 8)
    b.add(timeseries("Slowest 5 % of connects take",
                     "95th percentile of the time a new connection to the peer takes to "
                     "open: the network round trip, plus the peer's wait to answer it.",
                     [target("histogram_quantile(0.95,\n  sum by (service, peer, le) "
                             "(rate(pantau_dependency_connect_duration_seconds_bucket{%s}[%s])))"
                             % (sel, RATE), legend)], "s"), 8, 8)
    return dashboard("pantau-dependencies", "pantau / Dependencies",
                     "Every remote service (peer) each service calls — the payment gateway, "
                     "databases, other APIs — with calls, failures and answer times.",
                     b, [HOST_VAR, NAMESPACE_VAR, SERVICE_VAR, PEER_VAR], ["dependencies"])


# --------------------------------------------------------- pantau itself


def pantau_itself():
    b = Board()
    legend = "{{program}} on {{instance}}"
    b.add(timeseries("BPF CPU cost per program",
                     "CPU time the kernel spends running each pantau BPF program: the "
                     "overhead pantau adds to the host (1 = one whole CPU). Empty unless "
                     "the kernel's run stats are on (bpf_run_stats: true in pantau's config).",
                     [target("rate(pantau_bpf_program_run_seconds_total{%s}[%s])" % (HOST, RATE),
                             legend)], "short"), 12, 8)
    b.add(timeseries("Average cost of one run",
                     "Time one run of each BPF program takes on average (with bpf_run_stats: "
                     "true).",
                     [target("rate(pantau_bpf_program_run_seconds_total{%s}[%s])\n"
                             "  / rate(pantau_bpf_program_runs_total{%s}[%s])"
                             % (HOST, RATE, HOST, RATE), legend)], "s"), 12, 8)
    b.add(timeseries("Runs a second", "How often each BPF program runs (with bpf_run_stats: "
                     "true).",
                     [target("rate(pantau_bpf_program_runs_total{%s}[%s])" % (HOST, RATE),
                             legend)], "ops"), 12, 8)
    b.add(bargauge("Map fill",
                   "How full each BPF map is. A full map drops updates "
                   "(see Dropped updates and events).",
                   [target("pantau_map_entries{%s}\n  / on (instance, job, map) "
                           "pantau_map_capacity{%s}" % (HOST, HOST), "{{map}} on {{instance}}")],
                   "percentunit", [("green", None), ("yellow", 0.75), ("red", 0.9)], 1), 12, 8)
    b.add(timeseries("Dropped updates and events",
                     "What pantau could not record, by reason. rate_limited is the "
                     "per-service event limit working as configured; any other reason "
                     "means data was lost. So do runs of a BPF program that the kernel "
                     "skipped because it was already running on that CPU.",
                     [target("sum by (instance, reason) (rate(pantau_events_dropped_total{%s}[%s]))"
                             % (HOST, RATE), "{{reason}} on {{instance}}"),
                      target("sum by (instance, program) "
                             "(rate(pantau_bpf_program_missed_runs_total{%s}[%s]))" % (HOST, RATE),
                             "{{program}} skipped on {{instance}}", ref="B")], "ops"), 12, 8)
    b.add(timeseries("Events written by exporters",
                     "Events each exporter wrote, or failed to write, per second.",
                     [target("sum by (instance, exporter, outcome) "
                             "(rate(pantau_exporter_events_total{%s}[%s]))" % (HOST, RATE),
                             "{{exporter}} {{outcome}} on {{instance}}")], "ops"), 12, 8)
    b.add(timeseries("Exporter queues",
                     "Events waiting to be sent, per exporter. A queue that keeps growing "
                     "means the receiver is down or too slow.",
                     [target("pantau_exporter_queue_bytes{%s}" % HOST,
                             "{{exporter}} on {{instance}}")], "bytes"), 12, 8)
    b.add(timeseries("Collector time per scrape",
                     "How long each collector took to read the kernel maps at the last scrape.",
                     [target("pantau_collector_duration_seconds{%s}" % HOST,
                             "{{collector}} on {{instance}}")], "s"), 12, 8)
    b.add(timeseries("Services folded away",
                     "Services not kept apart because of the services.max cap, per second.",
                     [target("sum by (instance, reason) (rate(pantau_services_folded_total{%s}[%s]))"
                             % (HOST, RATE), "{{reason}} on {{instance}}")], "ops"), 12, 8)
    b.add(timeseries("Same-host connections parsed once",
                     "Directions of connections with both ends on this host (a service "
                     "calling another one here) whose bytes pantau parses once for both ends, "
                     "per second (started), and those that fell out of step and went back to "
                     "a parse at each end (stopped).",
                     [target("sum by (instance, outcome) "
                             "(rate(pantau_requests_parsed_once_total{%s}[%s]))" % (HOST, RATE),
                             "{{outcome}} on {{instance}}")], "ops"), 12, 8)
    b.add(table("Probes and version",
                "Each probe pantau tried to attach and how (0 in Attached: it could not, "
                "see pantau's log), and which pantau runs on which kernel.",
                [target("pantau_probe_attached{%s}" % HOST, ref="A", instant=True, fmt="table"),
                 target("min by (instance, collector) (pantau_collector_success{%s})" % HOST,
                        ref="B", instant=True, fmt="table"),
                 target("pantau_build_info{%s}" % HOST, ref="C", instant=True, fmt="table")],
                {"Value #A": "Attached", "Value #B": "Collector works",
                 "Value #C": "Running", "instance": "Host", "probe": "Probe", "kind": "How",
                 "collector": "Collector", "version": "Version", "kernel": "Kernel"},
                [by_name("Attached", custom__cellOptions={"type": "color-text"},
                         thresholds=_thresholds([("red", None), ("green", 1)])),
                 by_name("Collector works", custom__cellOptions={"type": "color-text"},
                         thresholds=_thresholds([("red", None), ("green", 1)]))],
                ["Host", "Probe", "How", "Attached", "Collector", "Collector works",
                 "Version", "Kernel", "Running"], exclude=("Time", "job", "__name__")), 24, 9)
    return dashboard("pantau-self", "pantau / pantau itself",
                     "What pantau costs and whether it keeps up: BPF program cost, map fill, "
                     "dropped events and exporter queues.",
                     b, [HOST_VAR], ["self"])


DASHBOARDS = {
    "overview.json": overview,
    "service-detail.json": service_detail,
    "dependencies.json": dependencies,
    "pantau-itself.json": pantau_itself,
}


def render(fn):
    return json.dumps(fn(), indent=2, ensure_ascii=False) + "\n"


def main():
    check = "--check" in sys.argv[1:]
    stale = []
    for name, fn in DASHBOARDS.items():
        path = os.path.join(HERE, name)
        text = render(fn)
        if check:
            try:
                with open(path, encoding="utf-8") as f:
                    if f.read() != text:
                        stale.append(name)
            except FileNotFoundError:
                stale.append(name)
        else:
            with open(path, "w", encoding="utf-8") as f:
                f.write(text)
    if stale:
        print("stale dashboards (run dashboards/grafana/generate.py): " + ", ".join(stale))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
