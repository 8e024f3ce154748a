#!/usr/bin/python3
"""Writes pantau.ndjson, pantau's Kibana saved objects (Kibana 8.x), beside
this script: the data view for logs-pantau.*, four saved searches, and the
dashboards "Traffic", "Errors" and "Payment gateway", whose panels are Lens
visualisations stored by value (each dashboard is one object).

Change this file, run `dashboards/kibana/generate.py`, commit both;
`make test` fails when they disagree, and checks that every field the
objects name is mapped by dashboards/elasticsearch/component-mappings.json
or is a runtime field of the data view that reads only mapped fields.

Import with scripts/es-install.sh, or Kibana's saved objects API:
  curl -X POST KIBANA/api/saved_objects/_import?overwrite=true \\
       -H 'kbn-xsrf: true' -F file=@dashboards/kibana/pantau.ndjson"""

import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "pantau.ndjson")
DV = "pantau-events"
CORE = "8.8.0"
PANEL_VERSION = "8.8.0"

# Busy hours are counted in this zone; scripts/es-install.sh replaces it
# with $PANTAU_TZ (e.g. Asia/Jakarta) when that is set.
ZONE = "UTC"
LOCAL_TIME = ("if (doc['@timestamp'].size() == 0) { return; } "
              "ZonedDateTime t = doc['@timestamp'].value.withZoneSameInstant(ZoneId.of('%s')); " % ZONE)
RUNTIME = {
    "pantau.hour_of_day": {"type": "long", "script": {
        "source": LOCAL_TIME + "emit(t.getHour());"}},
    # "1 Mon" .. "7 Sun": sorts Monday first, as ISO 8601 and Indonesia do.
    "pantau.weekday": {"type": "keyword", "script": {
        "source": LOCAL_TIME + "String[] days = new String[] {'1 Mon', '2 Tue', '3 Wed', "
                  "'4 Thu', '5 Fri', '6 Sat', '7 Sun'}; "
                  "emit(days[t.getDayOfWeek().getValue() - 1]);"}},
}

HTTP = 'event.dataset : "pantau.http"'
SERVED = HTTP + ' and network.direction : "inbound"'
CALLS = HTTP + ' and network.direction : "outbound" and pantau.peer : *'
FAILED = ' and event.outcome : "failure"'


def js(o):
    return json.dumps(o, sort_keys=True)


# ------------------------------------------------------------ data view


def data_view():
    duration = {"id": "duration", "params": {"inputFormat": "nanoseconds",
                                             "outputFormat": "humanizePrecise",
                                             "outputPrecision": 1}}
    return {
        "attributes": {
            "fieldAttrs": js({"pantau.hour_of_day": {"customLabel": "Hour of day"},
                              "pantau.weekday": {"customLabel": "Day of week"}}),
            "fieldFormatMap": js({"event.duration": duration}),
            "fields": "[]",
            "name": "pantau events",
            "runtimeFieldMap": js(RUNTIME),
            "sourceFilters": "[]",
            "timeFieldName": "@timestamp",
            "title": "logs-pantau.*",
            "typeMeta": "{}",
        },
        "coreMigrationVersion": CORE,
        "id": DV,
        "managed": False,
        "references": [],
        "type": "index-pattern",
        "typeMigrationVersion": "8.0.0",
    }


# --------------------------------------------------------- saved searches


def search(id_, title, description, columns, query):
    src = {"query": {"query": query, "language": "kuery"}, "filter": [],
           "indexRefName": "kibanaSavedObjectMeta.searchSourceJSON.index"}
    return {
        "attributes": {
            "columns": columns,
            "description": description,
            "grid": {},
            "hideChart": False,
            "isTextBasedQuery": False,
            "kibanaSavedObjectMeta": {"searchSourceJSON": js(src)},
            "sort": [["@timestamp", "desc"]],
            "timeRestore": False,
            "title": title,
        },
        "coreMigrationVersion": CORE,
        "id": id_,
        "references": [{"id": DV, "name": "kibanaSavedObjectMeta.searchSourceJSON.index",
                        "type": "index-pattern"}],
        "type": "search",
        "typeMigrationVersion": "8.0.0",
    }


SEARCHES = [
    search("pantau-traffic", "pantau: requests", "Every request pantau saw, newest first.",
           ["service.name", "network.direction", "http.request.method", "url.path",
            "http.response.status_code", "event.duration", "pantau.peer"], HTTP),
    search("pantau-errors", "pantau: errors",
           "Failed requests (4xx, 5xx, no answer), reset or failed connections, and OOM kills.",
           ["event.dataset", "service.name", "http.request.method", "url.path",
            "http.response.status_code", "pantau.connection", "process.name",
            "pantau.oom.constraint"], 'event.outcome : "failure"'),
    search("pantau-dependencies", "pantau: calls to dependencies",
           "Requests and connections services made to their peers (the payment gateway, databases).",
           ["service.name", "pantau.peer", "destination.ip", "destination.port",
            "http.response.status_code", "event.outcome", "event.duration"],
           'network.direction : "outbound" and pantau.peer : *'),
    search("pantau-slow-requests", "pantau: requests slower than 1 s",
           "Requests that took longer than a second (event.duration is in nanoseconds).",
           ["service.name", "http.request.method", "url.path", "http.response.status_code",
            "event.duration"], HTTP + " and event.duration > 1000000000"),
]


# ------------------------------------------------------------ Lens columns


def count(label="Requests", kql=None):
    c = {"label": label, "customLabel": True, "dataType": "number", "operationType": "count",
         "isBucketed": False, "scale": "ratio", "sourceField": "___records___",
         "params": {"emptyAsNull": True}}
    if kql:
        c["filter"] = {"language": "kuery", "query": kql}
    return c


def date():
    return {"label": "@timestamp", "dataType": "date", "operationType": "date_histogram",
            "sourceField": "@timestamp", "isBucketed": True, "scale": "interval",
            "params": {"interval": "auto", "includeEmptyRows": True, "dropPartials": False}}


def terms(field, label, size, order=None, string=True):
    """Top values of field, by the column order (a metric's id), else by value."""
    by = {"type": "column", "columnId": order} if order else {"type": "alphabetical", "fallback": True}
    return {"label": label, "customLabel": True, "dataType": "string" if string else "number",
            "operationType": "terms", "scale": "ordinal", "sourceField": field, "isBucketed": True,
            "params": {"size": size, "orderBy": by, "orderDirection": "desc" if order else "asc",
                       "otherBucket": bool(order), "missingBucket": False,
                       "parentFormat": {"id": "terms"}}}


def percentile(field, p, label):
    return {"label": label, "customLabel": True, "dataType": "number",
            "operationType": "percentile", "sourceField": field, "isBucketed": False,
            "scale": "ratio", "params": {"percentile": p}}


def filters(label, named):
    """One bucket per (label, KQL) pair."""
    return {"label": label, "customLabel": True, "dataType": "string", "operationType": "filters",
            "scale": "ordinal", "isBucketed": True,
            "params": {"filters": [{"label": n, "input": {"language": "kuery", "query": q}}
                                   for n, q in named]}}


# ------------------------------------------------------------- Lens panels


def xy(layer, series, x, ys, split=None):
    lay = {"layerId": layer, "layerType": "data", "seriesType": series, "xAccessor": x,
           "accessors": ys, "position": "top", "showGridlines": False}
    if split:
        lay["splitAccessor"] = split
    return "lnsXY", {
        "legend": {"isVisible": True, "position": "right"}, "valueLabels": "hide",
        "fittingFunction": "None", "preferredSeriesType": series, "layers": [lay],
        "axisTitlesVisibilitySettings": {"x": False, "yLeft": True, "yRight": True},
        "tickLabelsVisibilitySettings": {"x": True, "yLeft": True, "yRight": True},
        "gridlinesVisibilitySettings": {"x": True, "yLeft": True, "yRight": True}}


def table(layer, ids, sort=None):
    v = {"layerId": layer, "layerType": "data", "rowHeight": "single", "rowHeightLines": 1,
         "columns": [{"columnId": c, "isTransposed": False} for c in ids]}
    if sort:
        v["sorting"] = {"columnId": sort, "direction": "desc"}
    return "lnsDatatable", v


def heatmap(layer, x, y, value):
    return "lnsHeatmap", {
        "shape": "heatmap", "layerId": layer, "layerType": "data",
        "xAccessor": x, "yAccessor": y, "valueAccessor": value,
        "legend": {"isVisible": True, "position": "right", "type": "heatmap_legend"},
        "gridConfig": {"type": "heatmap_grid", "isCellLabelVisible": False,
                       "isYAxisLabelVisible": True, "isXAxisLabelVisible": True,
                       "isYAxisTitleVisible": True, "isXAxisTitleVisible": True}}


def lens(pid, title, grid, columns, vis, query):
    """A Lens panel by value; columns is a list of (id, column) in order: a split
    before the date histogram takes its top values over the whole time range."""
    layer = "layer-" + pid
    vtype, state = vis(layer)
    attrs = {
        "title": "", "description": "", "type": "lens", "visualizationType": vtype,
        "references": [{"type": "index-pattern", "id": DV,
                        "name": "indexpattern-datasource-layer-" + layer}],
        "state": {
            "datasourceStates": {"formBased": {"layers": {layer: {
                "columns": dict(columns), "columnOrder": [c for c, _ in columns],
                "incompleteColumns": {}}}}},
            "visualization": state,
            "query": {"language": "kuery", "query": query},
            "filters": [], "internalReferences": [], "adHocDataViews": {}}}
    x, y, w, h = grid
    return {"version": PANEL_VERSION, "type": "lens", "panelIndex": pid, "title": title,
            "gridData": {"x": x, "y": y, "w": w, "h": h, "i": pid},
            "embeddableConfig": {"attributes": attrs, "enhancements": {},
                                 "hidePanelTitles": False}}


def saved_search_panel(pid, title, grid, search_id):
    x, y, w, h = grid
    return {"version": PANEL_VERSION, "type": "search", "panelIndex": pid, "title": title,
            "gridData": {"x": x, "y": y, "w": w, "h": h, "i": pid},
            "embeddableConfig": {"enhancements": {}}, "panelRefName": "panel_" + pid,
            "_ref": search_id}


def dashboard(id_, title, description, panels):
    refs = []
    for p in panels:
        if p["type"] == "lens":
            for r in p["embeddableConfig"]["attributes"]["references"]:
                refs.append({"type": r["type"], "id": r["id"],
                             "name": "%s:%s" % (p["panelIndex"], r["name"])})
        else:
            refs.append({"type": "search", "id": p.pop("_ref"),
                         "name": "%s:%s" % (p["panelIndex"], p["panelRefName"])})
    return {
        "attributes": {
            "title": title,
            "description": description,
            "panelsJSON": js(panels),
            "optionsJSON": js({"useMargins": True, "syncColors": False, "syncCursor": True,
                               "syncTooltips": False, "hidePanelTitles": False}),
            "timeRestore": True, "timeFrom": "now-24h", "timeTo": "now",
            "refreshInterval": {"pause": False, "value": 60000},
            "version": 1,
            "kibanaSavedObjectMeta": {"searchSourceJSON": js(
                {"query": {"query": "", "language": "kuery"}, "filter": []})},
        },
        "coreMigrationVersion": CORE,
        "id": id_,
        "managed": False,
        "references": refs,
        "type": "dashboard",
        "typeMigrationVersion": "8.7.0",
    }


# -------------------------------------------------------------- dashboards


def traffic():
    return dashboard("pantau-dashboard-traffic", "pantau: Traffic",
                     "Requests each service answered: over time by outcome, the busiest paths, "
                     "busy hours of the week, and the slowest endpoints.", [
        lens("t-outcome", "Requests over time, by outcome", (0, 0, 48, 12),
             [("o", terms("event.outcome", "Outcome", 3, "n")), ("d", date()), ("n", count())],
             lambda l: xy(l, "bar_stacked", "d", ["n"], "o"), SERVED),
        lens("t-paths", "Top paths", (0, 12, 24, 14),
             [("p", terms("url.path", "Path", 15, "n")),
              ("s", terms("service.name", "Service", 3, "n")), ("n", count())],
             lambda l: table(l, ["p", "s", "n"], "n"), SERVED),
        lens("t-hours", "Busy hours (hour of day by weekday)", (24, 12, 24, 14),
             [("h", terms("pantau.hour_of_day", "Hour of day", 24, string=False)),
              ("w", terms("pantau.weekday", "Day of week", 7)), ("n", count())],
             lambda l: heatmap(l, "h", "w", "n"), SERVED),
        lens("t-slow", "Slowest endpoints (95th percentile)", (0, 26, 48, 14),
             [("p", terms("url.path", "Path", 15, "p95")),
              ("s", terms("service.name", "Service", 3, "p95")),
              ("p95", percentile("event.duration", 95, "95th percentile")),
              ("p50", percentile("event.duration", 50, "Median")), ("n", count())],
             lambda l: table(l, ["p", "s", "p95", "p50", "n"], "p95"), SERVED),
    ])


def errors():
    status = [("4xx", "http.response.status_code >= 400 and http.response.status_code < 500"),
              ("5xx", "http.response.status_code >= 500")]
    return dashboard("pantau-dashboard-errors", "pantau: Errors",
                     "Client (4xx) and server (5xx) errors over time, the paths and services "
                     "that fail most, and the failure events themselves.", [
        lens("e-status", "4xx and 5xx over time", (0, 0, 48, 12),
             [("c", filters("Status", status)), ("d", date()), ("n", count("Errors"))],
             lambda l: xy(l, "bar_stacked", "d", ["n"], "c"),
             SERVED + " and http.response.status_code >= 400"),
        lens("e-paths", "Top failing paths", (0, 12, 24, 14),
             [("p", terms("url.path", "Path", 15, "n")),
              ("s", terms("service.name", "Service", 3, "n")), ("n", count("Failures"))],
             lambda l: table(l, ["p", "s", "n"], "n"), SERVED + FAILED),
        lens("e-services", "Top failing services", (24, 12, 24, 14),
             [("s", terms("service.name", "Service", 10, "n")), ("n", count("Failures")),
              ("x", count("Server errors", "http.response.status_code >= 500"))],
             lambda l: table(l, ["s", "n", "x"], "n"), 'event.outcome : "failure"'),
        saved_search_panel("e-events", "Error events", (0, 26, 48, 16), "pantau-errors"),
    ])


def payment_gateway():
    return dashboard("pantau-dashboard-payment-gateway", "pantau: Payment gateway",
                     "Calls services make to their dependencies (the payment gateway, databases), "
                     "by peer: how many, how many failed, and how long they took.", [
        lens("g-calls", "Calls per peer", (0, 0, 24, 12),
             [("p", terms("pantau.peer", "Peer", 5, "n")), ("d", date()), ("n", count("Calls"))],
             lambda l: xy(l, "line", "d", ["n"], "p"), CALLS),
        lens("g-failures", "Failed calls per peer", (24, 0, 24, 12),
             [("p", terms("pantau.peer", "Peer", 5, "n")), ("d", date()),
              ("n", count("Failed calls"))],
             lambda l: xy(l, "bar_stacked", "d", ["n"], "p"), CALLS + FAILED),
        lens("g-p95", "95th percentile latency per peer", (0, 12, 48, 12),
             [("p", terms("pantau.peer", "Peer", 5, "n")), ("d", date()),
              ("v", percentile("event.duration", 95, "95th percentile")),
              ("n", count("Calls"))],
             lambda l: xy(l, "line", "d", ["v"], "p"), CALLS),
        lens("g-table", "Latency percentiles per peer", (0, 24, 48, 12),
             [("p", terms("pantau.peer", "Peer", 20, "n")), ("n", count("Calls")),
              ("f", count("Failed", 'event.outcome : "failure"')),
              ("p50", percentile("event.duration", 50, "Median")),
              ("p95", percentile("event.duration", 95, "95th percentile")),
              ("p99", percentile("event.duration", 99, "99th percentile"))],
             lambda l: table(l, ["p", "n", "f", "p50", "p95", "p99"], "n"), CALLS),
    ])


def objects():
    return [data_view()] + SEARCHES + [traffic(), errors(), payment_gateway()]


def render():
    return "".join(json.dumps(o, sort_keys=True, separators=(",", ":")) + "\n" for o in objects())


def main():
    text = render()
    if "--check" in sys.argv[1:]:
        with open(OUT) as f:
            if f.read() != text:
                print("%s is stale: run dashboards/kibana/generate.py" % OUT, file=sys.stderr)
                return 1
        return 0
    with open(OUT, "w") as f:
        f.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
