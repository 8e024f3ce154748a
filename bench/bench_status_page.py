"""Status page: Chromium render time and page weight for 200 services.

pantau renders the page from its own services; to measure a page of a
known size, 200 cgroups with one sleeping process each are made, and
headless Chromium loads the page (--dump-dom) in alternating rounds with
a baseline, an empty page from a file: starting Chromium costs seconds
here, so the difference is what loading and rendering the status page
adds."""

import json
import os
import statistics
import subprocess
import tempfile
import time
import urllib.request

from pantau_lib import Cgroup, Pantau, burn, check, wait_for

SERVICES = 200
ROUNDS = 5
CHROMIUM = "/usr/bin/chromium"


def load(url, profile):
    start = time.perf_counter()
    r = subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                        "--user-data-dir=" + profile, "--window-size=412,915", "--dump-dom", url],
                       stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, timeout=120)
    elapsed = time.perf_counter() - start
    check(r.returncode == 0 and "</html>" in r.stdout, "chromium failed on %s" % url)
    return elapsed, r.stdout


def main(results_dir):
    tmp = tempfile.mkdtemp(prefix="pantau-bench-status-")
    profile = os.path.join(tmp, "profile")
    groups, procs = [], []
    try:
        for _ in range(SERVICES):
            cg = Cgroup("b-page")
            groups.append(cg)
            procs.append(burn("--cgroup", cg.path, "--hold"))
        with Pantau() as p:
            wait_for(lambda: len(p.status()["services"]) >= SERVICES, 60, "200 services")
            url = "http://%s/?lang=id" % p.listen
            t0 = time.perf_counter()
            with urllib.request.urlopen(url, timeout=30) as r:
                page = r.read()
            server_ms = (time.perf_counter() - t0) * 1000
            empty = os.path.join(tmp, "empty.html")
            with open(empty, "w") as f:
                f.write("<!DOCTYPE html><html><body></body></html>\n")
            live, baseline = [], []
            for _ in range(ROUNDS):
                baseline.append(load("file://" + empty, profile)[0])
                t, dom = load(url, profile)
                live.append(t)
            cards = dom.count('<article class="svc')
    finally:
        for w in procs:
            w.kill()
            w.wait()
        for cg in groups:
            cg.remove()
    result = {
        "services_on_page": cards,
        "page_bytes": len(page),
        "server_render_ms": server_ms,
        "chromium_load_s_from_pantau": statistics.median(live),
        "chromium_load_s_empty_page": statistics.median(baseline),
        "added_s": statistics.median(live) - statistics.median(baseline),
        "rounds": ROUNDS,
    }
    with open(os.path.join(results_dir, "status_page.json"), "w") as f:
        json.dump(result, f, indent=2)
    lines = ["| %d-service status page | median of %d |" % (SERVICES, ROUNDS), "|---|---|",
             "| cards on the page | %d |" % cards,
             "| page weight | %d bytes |" % len(page),
             "| pantau: collect + render + send (one GET) | %.1f ms |" % server_ms,
             "| Chromium start + load + render, status page | %.2f s |" % result["chromium_load_s_from_pantau"],
             "| Chromium start + load + render, empty page | %.2f s |" % result["chromium_load_s_empty_page"],
             "", "The %d-service page adds %.2f s to a headless Chromium run." %
             (SERVICES, result["added_s"])]
    with open(os.path.join(results_dir, "status_page.md"), "w") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines))
