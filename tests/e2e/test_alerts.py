"""Alerts end to end: pantau on two 'hosts', Prometheus with the shipped
rules, Alertmanager with the shipped configuration mailing an SMTP sink.
Causes are real: an OOM kill in a memory-limited service, a service that
ran steadily and is killed, a pantau that dies; a job that runs a few
seconds and ends must not be mailed as down. Each mail's delay from its
cause is measured and printed."""

import subprocess
import time

from alerting_lib import Stack, mail_text
from pantau_lib import BURN, Cgroup, Limited, Pantau, burn, check, wait_for

MIB = 1 << 20

# The steadiness part of ServiceDown in pantau-rules.yml, for one service:
# true once the rule would count a stop as an outage.
STEADY = ('max_over_time((min_over_time(pantau_service_up{service="%s",instance="%s"}[1m]) == 1 '
          'and on (instance, job, service) pantau_service_up offset 1m == 1)[1h:15s]) == 1')


def test_mails_for_oom_kill_service_down_and_pantau_down():
    steady = Cgroup("t-alert-steady")
    job = Cgroup("t-alert-job")
    oom = Cgroup("t-alert-oom")
    lim = Limited(oom, memory_bytes=64 * MIB)
    procs = []
    host_a = host_b = stack = None
    try:
        host_a = Pantau()
        host_b = Pantau()
        stack = Stack([host_a.listen, host_b.listen])
        wait_for(lambda: stack.prom.up(host_a.listen) and stack.prom.up(host_b.listen), 30,
                 "Prometheus to scrape both pantau instances through file_sd")

        procs.append(burn("--cgroup", steady.path, "--hold"))
        # A job of 3 s that ends by itself: never an outage.
        procs.append(burn("--cgroup", job.path, "--sleeps", "30", "--sleep-us", "100000"))

        # Cause 1: an OOM kill. A small holder makes the service exist first.
        procs.append(burn(*(lim.join_args + ["--alloc-mb", "8", "--hold"])))
        wait_for(lambda: stack.prom.query('pantau_memory_oom_kills_total{service="%s"}' % oom.service),
                 30, "Prometheus to see the OOM-test service")
        hog = subprocess.Popen([BURN] + lim.join_args + ["--alloc-mb", "256", "--hold"],
                               stdout=subprocess.DEVNULL)
        check(hog.wait(timeout=60) == -9, "the hog was not OOM-killed")
        t_oom = time.time()

        # Cause 2: pantau on host B dies.
        wait_for(lambda: stack.prom.query('pantau_service_up{service="%s",instance="%s"}'
                                          % (steady.service, host_b.listen)),
                 30, "host B to report the steady service")
        host_b.stop()
        t_pantau = time.time()

        t, msg = stack.wait_for_mail(
            lambda s, body: oom.service in s and "killed for lack of memory" in s
            and host_a.listen in s, 60, "the OOM kill mail")
        delay_oom = t - t_oom
        check("out-of-memory killer" in mail_text(msg), mail_text(msg))

        # Cause 3: the steady service is killed once it has run steadily.
        wait_for(lambda: stack.prom.query(STEADY % (steady.service, host_a.listen)), 120,
                 "the steady service to count as steady (up through a whole minute)")
        procs[0].kill()
        procs[0].wait()
        t_down = time.time()

        t, msg = stack.wait_for_mail(
            lambda s, body: "[CRITICAL] %s on %s has stopped" % (steady.service, host_a.listen) in s,
            90, "the ServiceDown mail for the steady service")
        delay_down = t - t_down
        body = mail_text(msg)
        check("The service %s had been running steadily" % steady.service in body, body)

        t, msg = stack.wait_for_mail(
            lambda s, body: "pantau on %s cannot be reached" % host_b.listen in s,
            120, "the PantauDown mail for host B")
        delay_pantau = t - t_pantau

        # The job ended more than a minute ago: no ServiceDown, no mail.
        pending = stack.prom.query('ALERTS{alertname="ServiceDown",service="%s"}' % job.service)
        check(not pending, "ServiceDown for a job that ran 3 s: %r" % pending)
        check(stack.prom.query('pantau_service_up{service="%s",instance="%s"} == 0'
                               % (job.service, host_a.listen)),
              "the job's service is not listed as down")
        mails = [str(m["Subject"]) for _, m in stack.smtp.messages()]
        check(not [s for s in mails if job.service in s], "mail about the short job: %r" % mails)

        print("  cause to mail: ServiceOOMKilled %.1f s, ServiceDown %.1f s, PantauDown %.1f s"
              % (delay_oom, delay_down, delay_pantau))
        print("  (test intervals: scrape and evaluation 1 s, group_wait 1 s; the rules' own "
              "for: ServiceDown 30 s, PantauDown 1 m, ServiceOOMKilled none)")
        print("  %d mails stored in the maildir: %s" % (stack.smtp.stored(), "; ".join(mails)))
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()
        if stack:
            stack.stop()
        for h in (host_a, host_b):
            if h:
                h.stop()
        lim.remove()
        for cg in (steady, job, oom):
            cg.remove()
