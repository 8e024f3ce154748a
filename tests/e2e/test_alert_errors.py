"""The error mail end to end: Debian's nginx in a test service answers
most requests of a real HTTP client with 503, pantau counts them in the
kernel, Prometheus evaluates ServiceErrorsHigh and Alertmanager mails it
to an SMTP sink. A second nginx whose requests all succeed must not be
mailed. The delay from the first failing request to the mail is measured
and printed.

The shipped ServiceErrorsHigh looks at 5-minute rates and waits 5 minutes
(`for: 5m`), too slow for a test. The test loads a copy of the shipped
rule file in which only that rule is changed, and only in its windows:
every range selector [5m] becomes [20s] and `for: 5m` becomes `for: 10s`.
The expression, thresholds, labels and annotations (whose text still
says "5 minutes") are the shipped ones."""

import collections
import json
import os
import shutil
import tempfile
import time

import yaml

from alerting_lib import PROM_DIR, Stack, mail_text
from pantau_lib import HTTPWORK, Cgroup, Nginx, Pantau, check, spawn_in, wait_for

SHIPPED_RULES = os.path.join(PROM_DIR, "pantau-rules.yml")
# Shipped window -> the test's, for the rules the test needs.
RANGE, TEST_RANGE = "[5m]", "[20s]"
FOR, TEST_FOR = "5m", "10s"
COMPRESSED = ("ServiceErrorsHigh",)

# The request-rate half of ServiceErrorsHigh with the test's window: true
# for a service with enough traffic for the rule to judge it.
ENOUGH_TRAFFIC = ('sum by (instance, job, service) (rate(pantau_requests_total{service="%s"}%s)) '
                  '>= on (instance, job) group_left pantau_threshold{name="min_requests_per_second"}')
ERROR_SHARE = ('sum(rate(pantau_requests_total{service="%s",status_class="5xx"}%s) or vector(0)) '
               '/ sum(rate(pantau_requests_total{service="%s"}%s))')


def compressed_rules(tmp):
    """Write the shipped rules with shorter windows in the rules named in
    COMPRESSED; returns the file's path."""
    with open(SHIPPED_RULES) as f:
        doc = yaml.safe_load(f)
    done = []
    for group in doc["groups"]:
        for rule in group["rules"]:
            if rule.get("alert") not in COMPRESSED:
                continue
            check(RANGE in rule["expr"] and TEST_RANGE not in rule["expr"],
                  "%s: no %s range to shorten: %s" % (rule["alert"], RANGE, rule["expr"]))
            check(rule.get("for") == FOR, "%s: for is %r, not %s" % (rule["alert"], rule.get("for"), FOR))
            rule["expr"] = rule["expr"].replace(RANGE, TEST_RANGE)
            rule["for"] = TEST_FOR
            done.append(rule["alert"])
    check(sorted(done) == sorted(COMPRESSED), "rules shortened %r, wanted %r" % (done, COMPRESSED))
    path = os.path.join(tmp, "pantau-rules-short.yml")
    with open(path, "w") as f:
        yaml.safe_dump(doc, f, sort_keys=False, allow_unicode=True)
    return path


def client_loop(cg, port, scenario):
    """httpwork's scenario against port, every half second, from cg."""
    return spawn_in(cg, ["sh", "-c", 'for i in $(seq 240); do /usr/bin/python3 "$0" 127.0.0.1 '
                                     '"$1" "$2"; sleep 0.5; done', HTTPWORK, str(port), scenario])


def stop_loop(proc):
    """Stop a client loop; returns the sum of the tallies it printed."""
    if proc.poll() is None:
        proc.kill()
    out, _ = proc.communicate(timeout=20)
    tally = collections.Counter()
    for line in out.splitlines():
        tally.update(json.loads(line))
    return tally


def test_error_mail_for_failing_service_only():
    failing, fine, users = Cgroup("t-errs-web"), Cgroup("t-errs-fine"), Cgroup("t-errs-users")
    tmp = tempfile.mkdtemp(prefix="pantau-errmail-")
    loops = {}
    servers = []
    stack = None
    try:
        with Pantau() as p:
            stack = Stack([p.listen], rule_files=[compressed_rules(tmp)])
            prom = stack.prom
            wait_for(lambda: prom.up(p.listen), 30, "Prometheus to scrape pantau")
            bad, good = Nginx(failing), Nginx(fine)
            servers += [bad, good]

            # The fine service first, until the rule counts it as busy
            # enough to judge: its silence later is the rule's verdict.
            loops["healthy"] = client_loop(users, good.port, "healthy")
            wait_for(lambda: prom.query(ENOUGH_TRAFFIC % (fine.service, TEST_RANGE)), 30,
                     "the fine service's requests in Prometheus")

            t_errors = time.time()
            loops["errors"] = client_loop(users, bad.port, "errors")

            t, msg = stack.wait_for_mail(
                lambda s, body: "[CRITICAL] %s on %s fails" % (failing.service, p.listen) in s,
                60, "the ServiceErrorsHigh mail for the failing service")
            delay = t - t_errors
            body = mail_text(msg)
            check("ServiceErrorsHigh" in body and "server error (5xx)" in body, body)

            # Judged with as much traffic and time as the failing one, the
            # fine service is not even pending, and no mail names it.
            check(prom.query(ENOUGH_TRAFFIC % (fine.service, TEST_RANGE)),
                  "the fine service's request rate fell below min_requests_per_second")
            alerts = prom.query('ALERTS{alertname="ServiceErrorsHigh",service="%s"}' % fine.service)
            check(not alerts, "ServiceErrorsHigh for a service whose requests all succeed: %r" % alerts)
            mails = [str(m["Subject"]) for _, m in stack.smtp.messages()]
            check(not [s for s in mails if fine.service in s], "mail about the fine service: %r" % mails)
            shares = {cg.service: float(prom.query(ERROR_SHARE % (cg.service, TEST_RANGE,
                                                                   cg.service, TEST_RANGE))[0]["value"][1])
                      for cg in (failing, fine)}

            tallies = {name: stop_loop(loops.pop(name)) for name in ("errors", "healthy")}
            sent = {name: sum(t.values()) for name, t in tallies.items()}
            check(tallies["errors"]["GET 503"] * 4 == sent["errors"] * 3,
                  "the failing service's client did not get 3 in 4 answers 503: %r" % tallies["errors"])
            check(set(tallies["healthy"]) <= {"GET 200", "GET 201"},
                  "the fine service answered other than 200/201: %r" % tallies["healthy"])

            print("  cause to mail: ServiceErrorsHigh %.1f s from the first failing request"
                  % delay)
            print("  (test rule: rates over %s, for: %s, instead of %s and %s; scrape and "
                  "evaluation 1 s, group_wait 1 s)" % (TEST_RANGE, TEST_FOR, RANGE, FOR))
            print("  mail: %s" % msg["Subject"])
            print("  error share in Prometheus: failing %.0f %%, fine %.0f %%"
                  % (100 * shares[failing.service], 100 * shares[fine.service]))
            print("  clients received: failing %s, fine %s"
                  % (dict(tallies["errors"]), dict(tallies["healthy"])))
    finally:
        for proc in loops.values():
            if proc.poll() is None:
                proc.kill()
            proc.communicate(timeout=20)
        for srv in servers:
            srv.stop()
        if stack:
            stack.stop()
        shutil.rmtree(tmp, ignore_errors=True)
        for cg in (failing, fine, users):
            cg.remove()
