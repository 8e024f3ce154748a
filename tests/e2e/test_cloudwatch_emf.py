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

from pantau_lib import BUILD, VALIDATORS, check, npm_ci

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
