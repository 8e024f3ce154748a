"""The shipped alerting files checked by the real tools: promtool lints and
unit-tests the rules and the scrape configuration, amtool checks the
Alertmanager configuration and renders the e-mail in both languages."""

import json
import os
import subprocess
import tempfile

import yaml

from pantau_lib import ROOT, check

PROM_DIR = os.path.join(ROOT, "dashboards", "prometheus")
AM_DIR = os.path.join(ROOT, "dashboards", "alertmanager")
RULES = os.path.join(PROM_DIR, "pantau-rules.yml")
RULE_TESTS = os.path.join(PROM_DIR, "pantau-rules.test.yml")


def run(cmd, cwd=None):
    p = subprocess.run(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       text=True, timeout=120)
    check(p.returncode == 0, "%s failed (%d):\n%s" % (" ".join(cmd), p.returncode, p.stdout))
    return p.stdout


def alert_rules():
    with open(RULES) as f:
        doc = yaml.safe_load(f)
    return [r for g in doc["groups"] for r in g["rules"] if "alert" in r]


def test_promtool_check_rules():
    out = run(["promtool", "check", "rules", RULES])
    print("  " + out.strip().splitlines()[-1].strip())


def test_promtool_test_rules():
    run(["promtool", "test", "rules", os.path.basename(RULE_TESTS)], cwd=PROM_DIR)


def test_every_alert_is_tested_firing_and_not_firing():
    with open(RULE_TESTS) as f:
        tests = yaml.safe_load(f)["tests"]
    fired, quiet = set(), set()
    for t in tests:
        for a in t.get("alert_rule_test", []):
            (fired if a.get("exp_alerts") else quiet).add(a["alertname"])
    names = sorted({r["alert"] for r in alert_rules()})
    missing = ["%s (firing)" % n for n in names if n not in fired] + \
              ["%s (not firing)" % n for n in names if n not in quiet]
    check(not missing, "alerts without a rule test: " + ", ".join(missing))
    print("  %d alerts, each tested firing and not firing" % len(names))


def test_every_alert_speaks_english_and_indonesian():
    for r in alert_rules():
        ann = r.get("annotations", {})
        for key in ("summary", "description", "summary_id", "description_id"):
            check(ann.get(key), "%s has no %s annotation" % (r["alert"], key))
        check(r.get("labels", {}).get("severity") in ("critical", "warning"),
              "%s: severity must be critical or warning" % r["alert"])


def test_rules_take_thresholds_from_pantau():
    """Every threshold the rules compare with is one pantau exports."""
    exported = set()
    with open(os.path.join(ROOT, "user", "config.c")) as f:
        text = f.read()
    table = text[text.index("threshold_fields[]"):]
    table = table[:table.index("{ }")]
    for line in table.splitlines():
        if '.key = "' in line:
            exported.add(line.split('.key = "')[1].split('"')[0])
    used = set()
    with open(RULES) as f:
        for part in f.read().split('pantau_threshold{name="')[1:]:
            used.add(part.split('"')[0])
    check(used, "the rules read no pantau_threshold")
    check(used <= exported, "rules use thresholds pantau does not have: %s" % (used - exported))
    print("  thresholds used: " + ", ".join(sorted(used)))


def test_promtool_check_scrape_config():
    run(["promtool", "check", "config", os.path.join(PROM_DIR, "prometheus.yml")])


def test_amtool_check_config():
    run(["amtool", "check-config", os.path.join(AM_DIR, "alertmanager.yml")])


def test_email_templates_render_in_english_and_indonesian():
    data = {
        "receiver": "ops", "status": "firing", "externalURL": "http://127.0.0.1:9093",
        "groupLabels": {"instance": "h1:9542", "service": "shop"},
        "commonLabels": {"instance": "h1:9542", "service": "shop", "job": "pantau"},
        "commonAnnotations": {},
        "alerts": [
            {"status": "firing",
             "labels": {"alertname": "ServiceDown", "instance": "h1:9542", "job": "pantau",
                        "service": "shop", "severity": "critical"},
             "annotations": {"summary": "shop on h1:9542 has stopped",
                             "description": "The service shop had been running steadily.",
                             "summary_id": "shop di h1:9542 berhenti",
                             "description_id": "Layanan shop tadinya berjalan stabil."},
             "startsAt": "2025-01-02T03:04:05Z", "endsAt": "0001-01-01T00:00:00Z",
             "generatorURL": "http://127.0.0.1:9090", "fingerprint": "1"},
            {"status": "resolved",
             "labels": {"alertname": "ServiceSlow", "instance": "h1:9542", "job": "pantau",
                        "service": "shop", "severity": "warning"},
             "annotations": {"summary": "shop on h1:9542 is slow"},
             "startsAt": "2025-01-02T02:04:05Z", "endsAt": "2025-01-02T03:00:00Z",
             "generatorURL": "http://127.0.0.1:9090", "fingerprint": "2"},
        ],
    }
    with tempfile.NamedTemporaryFile("w", suffix=".json", prefix="pantau-am-") as f:
        json.dump(data, f)
        f.flush()
        glob = os.path.join(AM_DIR, "templates", "*.tmpl")

        def render(name, kind="text"):
            return run(["amtool", "template", "render", "--template.glob=" + glob,
                        "--template.data=" + f.name, "--template.type=" + kind,
                        '--template.text={{ template "%s" . }}' % name])

        en = {k: render("pantau.email.en." + k, "html" if k == "html" else "text")
              for k in ("subject", "text", "html")}
        ind = {k: render("pantau.email.id." + k, "html" if k == "html" else "text")
               for k in ("subject", "text", "html")}
    check(en["subject"].strip() == "[CRITICAL] shop on h1:9542 has stopped", en["subject"])
    check(ind["subject"].strip() == "[KRITIS] shop di h1:9542 berhenti", ind["subject"])
    for body in (en["text"], en["html"]):
        check("Needs attention now" in body and "Back to normal" in body
              and "shop on h1:9542 is slow" in body, body)
    for body in (ind["text"], ind["html"]):
        check("Perlu ditangani sekarang" in body and "Layanan shop tadinya berjalan stabil." in body
              and "Sudah normal kembali" in body, body)
        # No Indonesian text for this one: the English summary stands in.
        check("shop on h1:9542 is slow" in body, body)
    print("  " + en["text"].strip().splitlines()[2])
    print("  " + ind["text"].strip().splitlines()[2])
