"""The status page in a real browser: Debian's headless Chromium loads it
from pantau with JavaScript on, the test reads the rendered DOM for a test
service and its status word, checks that the Content-Security-Policy let
the page's own CSS and script run, and keeps a phone-sized screenshot."""

import os
import re
import subprocess
import tempfile
import urllib.request

from pantau_lib import Cgroup, Limited, Pantau, burn, check, wait_for

CHROMIUM = "/usr/bin/chromium"
PHONE = "412,915"


def chromium(args, profile):
    """Run headless Chromium; returns (stdout, stderr). A private profile
    keeps parallel runs from sharing a lock."""
    cmd = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
           "--disable-extensions", "--hide-scrollbars", "--enable-logging=stderr", "--v=0",
           "--user-data-dir=" + profile, "--window-size=" + PHONE] + args
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                       timeout=120)
    check(r.returncode == 0, "chromium exited with %d: %s" % (r.returncode, r.stderr[-2000:]))
    return r.stdout, r.stderr


def card_of(dom, name):
    """The rendered <article> of the service named name."""
    for m in re.finditer(r'<article class="svc s-(\w+)" data-name="([^"]*)">(.*?)</article>',
                         dom, re.S):
        if m.group(2) == name:
            return m.group(1), m.group(3)
    return None


def test_chromium_renders_the_service_and_its_status():
    check(os.access(CHROMIUM, os.X_OK), "chromium is not installed: run scripts/deps.sh test")
    out_dir = tempfile.mkdtemp(prefix="pantau-e2e-status-")
    profile = os.path.join(out_dir, "profile")
    cg = Cgroup("t-page")
    lim = Limited(cg, cpu_quota_us=20000, cpu_period_us=100000)
    w = idle = None
    try:
        with Pantau() as p:
            w = burn(*(lim.join_args + ["--forever"]))
            wait_for(lambda: (p.status(cg.service) or {}).get("status") == "busy", 30,
                     "the busy test service")
            url = "http://%s/?lang=id" % p.listen
            with urllib.request.urlopen(url, timeout=10) as r:
                weight = len(r.read())
            dom, log = chromium(["--dump-dom", url], profile)
            shot = os.path.join(out_dir, "status-page.png")
            chromium(["--screenshot=" + shot, url], profile)

        check("Content Security Policy" not in log and "Content-Security-Policy" not in log,
              "the CSP blocked part of the page: " +
              "\n".join(l for l in log.splitlines() if "Security" in l))
        check(re.search(r'<html lang="id"[^>]*class="js"', dom),
              "not the Indonesian page, or its script did not run: " + dom[:200])
        card = card_of(dom, cg.service)
        check(card, "the service %s is not on the rendered page" % cg.service)
        level, body = card
        check(level == "busy", "card class s-%s" % level)
        check('<span class="badge">Sibuk</span>' in body, "status word missing: " + body[:400])
        check("dari batas" in body, "reason sentence missing: " + body[:400])
        check("Belum ada data lalu lintas" in body, "no-traffic notice missing")
        check(os.path.getsize(shot) > 10000, "screenshot too small")
        print("  screenshot: %s" % shot)
        print("  page weight: %d bytes (HTML with inline CSS and script)" % weight)
    finally:
        for proc in (w, idle):
            if proc:
                proc.kill()
                proc.wait()
        lim.remove()
        cg.remove()
