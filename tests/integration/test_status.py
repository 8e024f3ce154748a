"""The status page's JSON API and page against real services: a service
under a known CPU workload (a busy loop held to a CPU quota) is reported
Busy for the right reason, an idle one Normal, and a killed one Down."""

import time

from pantau_lib import Cgroup, Limited, Nginx, Pantau, burn, check, http_client, wait_for

# A quota of 0.2 cores: a busy loop uses all of it even on a loaded host.
QUOTA_US, PERIOD_US = 20000, 100000


def status_of(p, name):
    svc = p.status(name)
    return svc and svc["status"]


def test_busy_loop_at_its_quota_is_busy_then_down_when_killed():
    cg = Cgroup("t-status")
    lim = Limited(cg, cpu_quota_us=QUOTA_US, cpu_period_us=PERIOD_US)
    w = None
    try:
        with Pantau() as p:
            w = burn(*(lim.join_args + ["--forever"]))
            svc = wait_for(lambda: status_of(p, cg.service) == "busy" and p.status(cg.service),
                           30, "the service to be reported busy")
            cpu = svc["cpu"]
            print("  %s: %s (%s), %.3f of %.2f cores over %.0f s" %
                  (cg.service, svc["status_text"], svc["reason_text"], cpu["cores"],
                   cpu["limit_cores"], svc["window_seconds"]))
            check(svc["reason"] == "cpu_of_limit", "reason %r" % svc["reason"])
            check(cpu["limit_cores"] == 0.2, "limit %r" % cpu["limit_cores"])
            check(cpu["ratio_of"] == "limit", "ratio of %r" % cpu["ratio_of"])
            check(0.8 < cpu["ratio"] < 1.1, "CPU ratio %r for a loop at its quota" % cpu["ratio"])
            check(svc["up"] is True, "not up")
            check(svc["traffic"]["has_data"] is False, "traffic data without request metrics")
            check(svc["status_text"] == "Sibuk", "default language word %r" % svc["status_text"])
            check(svc["reason_text"].startswith("CPU ") and svc["reason_text"].endswith("dari batas"),
                  "sentence %r" % svc["reason_text"])
            en = p.status(lang="en")
            mine = [s for s in en["services"] if s["name"] == cg.service]
            check(mine and mine[0]["status_text"] == "Busy", "English word: %r" % mine)
            check(en["thresholds"]["cpu_busy_ratio"] == 0.8, "thresholds %r" % en["thresholds"])

            w.kill()
            w.wait()
            w = None
            svc = wait_for(lambda: status_of(p, cg.service) == "down" and p.status(cg.service),
                           20, "the killed service to be reported down")
            print("  after kill: %s (%s)" % (svc["status_text"], svc["reason_text"]))
            check(svc["reason"] == "no_process" and svc["up"] is False, "down: %r" % svc)
            check(svc["reason_text"] == "Tidak ada proses yang berjalan", svc["reason_text"])
            check(svc["down_since"] and abs(svc["down_since"] - time.time()) < 60,
                  "down_since %r" % svc["down_since"])
            code, headers, page = p.request("/", {"Accept-Language": "id-ID,id;q=0.9"})
            check(code == 200 and cg.service in page and "Mati" in page, "page lacks the service")
    finally:
        if w:
            w.kill()
            w.wait()
        lim.remove()
        cg.remove()


def test_idle_service_is_normal_and_thresholds_come_from_the_config():
    cg = Cgroup("t-idle")
    w = None
    try:
        # Memory use of a whole host above 1e-9: every service is busy by memory.
        with Pantau("thresholds:\n  memory_busy_ratio: 0.000000001\n") as p:
            w = burn("--cgroup", cg.path, "--alloc-mb", "8", "--hold")
            svc = wait_for(lambda: p.status(cg.service), 15, "the idle service")
            print("  %s: %s (%s)" % (cg.service, svc["status_text"], svc["reason_text"]))
            check(svc["status"] == "busy" and svc["reason"] == "memory_of_host",
                  "a tiny memory threshold must make it busy: %r" % svc["reason"])
            check(p.status()["thresholds"]["memory_busy_ratio"] == 1e-9, "threshold not from config")
        with Pantau() as p:
            svc = wait_for(lambda: p.status(cg.service), 15, "the idle service")
            check(svc["status"] == "normal" and svc["reason"] == "normal",
                  "idle service is %s (%s)" % (svc["status"], svc["reason_text"]))
    finally:
        if w:
            w.kill()
            w.wait()
        cg.remove()


def test_nginx_service_shows_requests_errors_and_p95():
    srv, cli = Cgroup("t-status-web"), Cgroup("t-status-cli")
    nginx = None
    try:
        with Pantau() as p:
            nginx = Nginx(srv, addrs=("127.0.0.1",))
            # 40 requests on one connection, 10 of them answered 503. Request
            # totals exist from a service's first request on, so the rate
            # needs a second batch once the history has seen the first.
            got = http_client(cli, "127.0.0.1", nginx.port, "keepalive")
            check(sum(got.values()) == 40, "client answers %r" % got)
            wait_for(lambda: (p.status(srv.service) or {}).get("traffic", {}).get("has_data"),
                     30, "request totals for the nginx service")
            http_client(cli, "127.0.0.1", nginx.port, "keepalive")

            def served():
                svc = p.status(srv.service)
                t = svc and svc["traffic"]
                return t and t["has_data"] and t["p95_seconds"] is not None and svc
            svc = wait_for(served, 30, "requests and a p95 for the nginx service")
            t = svc["traffic"]
            print("  %s: %.1f requests/min, error ratio %.3f, p50 %s s, p95 %s s" %
                  (srv.service, t["requests_per_minute"], t["error_ratio"],
                   t["p50_seconds"], t["p95_seconds"]))
            check(t["requests_per_minute"] > 0, "requests per minute %r" % t["requests_per_minute"])
            check(abs(t["error_ratio"] - 0.25) < 0.03, "error ratio %r" % t["error_ratio"])
            check(0 < t["p95_seconds"] < 1, "p95 %r" % t["p95_seconds"])
            check(t["p50_seconds"] is not None and t["p50_seconds"] <= t["p95_seconds"],
                  "p50 %r" % t["p50_seconds"])
            # A quarter failed: degraded, in a sentence naming the window the
            # ratio is over, which just after start is seconds, not 5 minutes.
            for lang, words in (("en", "in the last %d seconds"), ("id", "dalam %d detik terakhir")):
                svc = p.status(srv.service, lang=lang)
                secs = svc["window_seconds"]
                print("  %s: %r over %.1f s" % (lang, svc["reason_text"], secs))
                check(svc["reason"] == "error_ratio", "reason %r" % svc["reason"])
                check(0 < secs < 120, "window of %r s right after start" % secs)
                check(svc["reason_text"].endswith(words % int(secs + 0.5)),
                      "reason_text %r for a %.1f s window" % (svc["reason_text"], secs))
    finally:
        if nginx:
            nginx.stop()
        srv.remove()
        cli.remove()


def test_page_headers_language_and_unknown_service():
    with Pantau("language: en\n") as p:
        code, h, page = p.request("/")
        check(code == 200, "GET / answered %d" % code)
        check(h["Content-Type"].startswith("text/html"), h["Content-Type"])
        csp = h["Content-Security-Policy"]
        check("default-src 'none'" in csp and "'unsafe-inline'" not in csp, "CSP %r" % csp)
        check(h["X-Content-Type-Options"] == "nosniff", "no nosniff")
        check('<html lang="en">' in page, "config language en not used")
        check('http-equiv="refresh"' in page, "no meta refresh")
        check("src=" not in page and "@import" not in page, "the page loads something external")
        code, h, page = p.request("/", {"Accept-Language": "id-ID,id;q=0.9,en;q=0.8"})
        check('<html lang="id">' in page and h["Content-Language"] == "id", "Accept-Language ignored")
        code, h, page = p.request("/?lang=en", {"Accept-Language": "id"})
        check('<html lang="en">' in page, "?lang=en ignored")
        code, h, body = p.request("/api/v1/services/no-such-service-%3Cx%3E")
        check(code == 404 and h["Content-Type"] == "application/json", "unknown service: %d" % code)
