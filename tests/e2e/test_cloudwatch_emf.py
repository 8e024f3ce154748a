"""pantau's CloudWatch EMF documents against the ones AWS's own library
(aws-embedded-metrics, from npm) writes for the same figures. AWS itself
cannot be reached from the test machines; docs/aws.md lists what only a
real account can confirm."""

import json
import math
import os
import subprocess
import tempfile
import time

from pantau_lib import BUILD, ROOT, VALIDATORS, check, npm_ci

EMF_SAMPLE = os.path.join(BUILD, "tests", "tools", "emf_sample")


def figures():
    """Known figures: every metric, none of the optional ones, a quiet
    interval, a pseudo service, a down one, and peers with and without calls."""
    now_ms = int(time.time() * 1000) - 60000
    full = {
        "service": "shop", "has_up": True, "up": True, "vcpu": 0.75, "cpu_share": 0.375,
        "memory_rss_bytes": 104857600, "memory_share": 0.5,
        "disk_read_bytes": 4096, "disk_write_bytes": 1048576, "disk_read_ops": 1,
        "disk_write_ops": 256, "net_received_bytes": 123456, "net_sent_bytes": 654321,
        "traffic": True, "requests": 1200, "errors": 60,
        "p50_seconds": 0.0125, "p95_seconds": 0.25, "p99_seconds": 1.5,
    }
    bare = {"service": "cron", "has_up": True, "up": True, "vcpu": 0.001, "cpu_share": None,
            "memory_rss_bytes": 8192, "memory_share": None, "traffic": False}
    quiet = dict(full, service="api", requests=0, errors=0, p50_seconds=None,
                 p95_seconds=None, p99_seconds=None)
    pseudo = dict(bare, service="short-lived", has_up=False, vcpu=0.2, cpu_share=0.1)
    down = dict(bare, service="worker", up=False, vcpu=0)
    return {
        "meta": {"namespace": "Pantau/Test", "host": "web-1", "timestamp_ms": now_ms,
                 "interval_seconds": 60},
        "services": [full, bare, quiet, pseudo, down],
        "peers": [
            {"service": "shop", "peer": "payment-gateway", "calls": 40, "errors": 10,
             "p50_seconds": 0.2, "p95_seconds": 0.9, "p99_seconds": 2.0},
            {"service": "shop", "peer": "postgres", "calls": 0, "errors": 0,
             "p50_seconds": None, "p95_seconds": None, "p99_seconds": None},
        ],
        "host_services": 4,
    }


def lines(cmd, stdin=None):
    p = subprocess.run(cmd, input=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True, timeout=120)
    check(p.returncode == 0, "%s failed: %s" % (cmd[0], p.stderr))
    return [json.loads(line) for line in p.stdout.splitlines() if line.strip()]


def directive(doc):
    aws = doc["_aws"]
    check(len(aws["CloudWatchMetrics"]) == 1, "more than one directive: %r" % aws)
    return aws["CloudWatchMetrics"][0]


def compare(ours, theirs, where):
    check(set(ours) == set(theirs),
          "%s: members differ: only pantau %s, only aws-embedded-metrics %s" %
          (where, sorted(set(ours) - set(theirs)), sorted(set(theirs) - set(ours))))
    check(ours["_aws"]["Timestamp"] == theirs["_aws"]["Timestamp"], "%s: Timestamp" % where)
    do, dt = directive(ours), directive(theirs)
    check(do["Namespace"] == dt["Namespace"], "%s: Namespace %r vs %r" %
          (where, do["Namespace"], dt["Namespace"]))
    check(do["Dimensions"] == dt["Dimensions"], "%s: Dimensions %r vs %r" %
          (where, do["Dimensions"], dt["Dimensions"]))
    units_o = {m["Name"]: m["Unit"] for m in do["Metrics"]}
    units_t = {m["Name"]: m["Unit"] for m in dt["Metrics"]}
    check(len(units_o) == len(do["Metrics"]), "%s: a metric is declared twice" % where)
    check(units_o == units_t, "%s: metrics or units differ: %r vs %r" % (where, units_o, units_t))
    for key, v in ours.items():
        if key == "_aws":
            continue
        w = theirs[key]
        if isinstance(v, str) or isinstance(w, str):
            check(v == w, "%s: %s is %r, aws-embedded-metrics says %r" % (where, key, v, w))
        else:
            check(math.isclose(v, w, rel_tol=1e-8, abs_tol=1e-12),
                  "%s: %s is %r, aws-embedded-metrics says %r" % (where, key, v, w))
    return len(units_o)


def test_emf_documents_match_aws_embedded_metrics():
    npm_ci()
    fig = figures()
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump(fig, f)
        path = f.name
    try:
        ours = lines([EMF_SAMPLE], stdin=json.dumps(fig))
        theirs = lines(["node", os.path.join(VALIDATORS, "emf-reference.mjs"), path])
    finally:
        os.unlink(path)
    want = len(fig["services"]) + len(fig["peers"]) + 1
    check(len(ours) == want, "pantau wrote %d documents, want %d" % (len(ours), want))
    check(len(theirs) == want, "aws-embedded-metrics wrote %d documents, want %d" %
          (len(theirs), want))
    counts = []
    for i, (o, t) in enumerate(zip(ours, theirs)):
        where = "document %d (%s)" % (i, o.get("Service", o.get("Host")))
        counts.append(compare(o, t, where))
    print("  %d documents agree field by field; metrics per document: %s" %
          (len(ours), counts))


DEPLOY = os.path.join(ROOT, "deploy", "aws")
TEMPLATE = os.path.join(DEPLOY, "pantau-cloudwatch.yaml")
AGENT = os.path.join(DEPLOY, "amazon-cloudwatch-agent.json")
PARAMS = {"AlarmEmail": "ops@example.com", "HostName": "web-1", "ServiceName": "shop"}


def load_template():
    """The template as plain data; CloudFormation's short tags become
    {"Fn::X": value} (and {"Ref": name}) as the long forms are written."""
    import yaml

    class Loader(yaml.SafeLoader):
        pass

    def tag(loader, suffix, node):
        if isinstance(node, yaml.ScalarNode):
            value = loader.construct_scalar(node)
        elif isinstance(node, yaml.SequenceNode):
            value = loader.construct_sequence(node, deep=True)
        else:
            value = loader.construct_mapping(node, deep=True)
        return {"Ref" if suffix == "Ref" else "Fn::" + suffix: value}

    Loader.add_multi_constructor("!", tag)
    with open(TEMPLATE) as f:
        return yaml.load(f, Loader=Loader)


def emf_series():
    """(namespace parameter default, {(metric, dimension names)}) of what
    pantau writes for figures that have every metric."""
    fig = figures()
    docs = lines([EMF_SAMPLE], stdin=json.dumps(fig))
    out = set()
    for d in docs:
        dr = directive(d)
        for dims in dr["Dimensions"]:
            for m in dr["Metrics"]:
                out.add((m["Name"], tuple(dims)))
    return out


def alarm_series(props):
    """(metric, dimension names) of every metric an alarm reads."""
    if "MetricName" in props:
        yield props["MetricName"], tuple(d["Name"] for d in props["Dimensions"])
        return
    for q in props["Metrics"]:
        if "MetricStat" in q:
            m = q["MetricStat"]["Metric"]
            check(m["Namespace"] == {"Ref": "Namespace"}, "a query not in the Namespace parameter")
            yield m["MetricName"], tuple(d["Name"] for d in m["Dimensions"])


def test_cloudformation_template_passes_cfn_lint():
    npm_ci()
    params = ",".join("%s=%s" % kv for kv in PARAMS.items())
    p = subprocess.run([os.path.join(VALIDATORS, "node_modules", ".bin", "cfn-lint"), "validate",
                        TEMPLATE, "--parameters", params, "--no-guess-parameters"],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=120)
    print("  " + p.stdout.strip().splitlines()[-1] if p.stdout.strip() else "  (no output)")
    check(p.returncode == 0 and "Template valid!" in p.stdout, "cfn-lint:\n" + p.stdout)


def test_every_alarm_and_dashboard_metric_is_in_the_emf_output():
    t = load_template()
    written = emf_series()
    params = t["Parameters"]
    # pantau's defaults (config.c, docs/configuration.md), so that an
    # unchanged stack alarms where the unchanged Prometheus rules do.
    want = {"Namespace": "Pantau", "CpuBusyRatio": 0.8, "MemoryBusyRatio": 0.9,
            "ErrorRatio": 0.05, "LatencyP95Seconds": 1.0, "MinRequestsPerSecond": 0.1}
    for k, v in want.items():
        check(params[k]["Default"] == v, "%s defaults to %r, pantau to %r" %
              (k, params[k]["Default"], v))
    alarms = {n: r for n, r in t["Resources"].items() if r["Type"] == "AWS::CloudWatch::Alarm"}
    check(len(alarms) == 8, "%d alarms: %s" % (len(alarms), sorted(alarms)))
    read = 0
    for name, r in alarms.items():
        props = r["Properties"]
        check(props["AlarmActions"] == [{"Ref": "AlarmTopic"}], "%s sends nowhere" % name)
        for series in alarm_series(props):
            check(series in written, "%s reads %s with dimensions %s, which pantau never writes"
                  % (name, series[0], list(series[1])))
            read += 1
    topic = [r for r in t["Resources"].values() if r["Type"] == "AWS::SNS::Subscription"]
    check(topic and topic[0]["Properties"]["Protocol"] == "email", "no e-mail subscription")

    # The dashboard: its body with the parameters put in must be JSON, and
    # every metric it shows one pantau writes.
    body = t["Resources"]["Dashboard"]["Properties"]["DashboardBody"]["Fn::Sub"]
    values = {k: str(v.get("Default", "")) for k, v in params.items()}
    values.update(PARAMS)
    values.update({"AWS::Region": "ap-southeast-3", "AWS::StackName": "shop"})

    def sub(m):
        key = m.group(1)
        if key.endswith(".Arn"):
            check(key[:-4] in alarms, "the dashboard names an unknown alarm %s" % key)
            return "arn:aws:cloudwatch:ap-southeast-3:123456789012:alarm:" + key[:-4]
        check(key in values, "the dashboard uses an unknown parameter %s" % key)
        return values[key]

    import re
    dash = json.loads(re.sub(r"\$\{([^}]+)\}", sub, body))
    shown = 0
    for w in dash["widgets"]:
        if w["type"] != "metric":
            continue
        prev = None
        for row in w["properties"]["metrics"]:
            row = [x for x in row if not isinstance(x, dict)]
            if prev:
                row = [p if x == "." else x for x, p in zip(row, prev)]
            prev = row
            check(row[0] == "Pantau", "widget %r: namespace %r" % (w["properties"]["title"], row[0]))
            series = (row[1], tuple(row[2::2]))
            check(series in written, "widget %r shows %s with dimensions %s, which pantau never "
                  "writes" % (w["properties"]["title"], series[0], list(series[1])))
            shown += 1
    print("  %d alarm queries and %d dashboard series, all in pantau's EMF output" %
          (read, shown))


def test_cloudwatch_agent_tails_the_documented_emf_file():
    with open(AGENT) as f:
        agent = json.load(f)
    files = agent["logs"]["logs_collected"]["files"]["collect_list"]
    paths = [x["file_path"] for x in files]
    check(paths == ["/var/log/pantau/emf.jsonl"], "the agent tails %r" % paths)
    docs_dir = os.path.join(ROOT, "docs")
    for doc in ("aws.md", "configuration.md"):
        with open(os.path.join(docs_dir, doc)) as f:
            check("/var/log/pantau/emf.jsonl" in f.read(), "%s does not name %s" % (doc, paths[0]))
