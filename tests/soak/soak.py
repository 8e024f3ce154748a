#!/usr/bin/python3
"""make soak: pantau under steady load for SOAK_SECONDS (default 1800) with
services coming and going, sampled every 10 s: RSS, open file
descriptors, the BPF maps' fill (sum of pantau_map_entries) and the scrape
time. After a warm-up (the first sixth, at most 5 minutes) it reports each
one's least-squares slope per hour and writes the samples and the report
to build/soak/. Not part of make test or make bench: it takes 30 minutes.
SOAK_SERVICES_MAX sets services.max (default: pantau's).

The load: an HTTP server and a client calling it in a loop (one request per
connection, a few peers), and "services" that each live 60 s (a cgroup
with a process burning a little CPU every second); a new one starts every
10 s, so about six are alive at once and 180 come and go in 30 minutes."""

import json
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

from pantau_lib import (BUILD, Cgroup, Pantau, burn, free_port, spawn_in, stop,  # noqa: E402
                        vmrss_bytes)

SECONDS = int(os.environ.get("SOAK_SECONDS", "1800"))
# services.max for the run: a small one reaches the bound early, so the
# steady state after it (evictions, not growth) is what the slopes measure.
SERVICES_MAX = int(os.environ.get("SOAK_SERVICES_MAX", "0"))
SAMPLE_S = 10
SERVICE_LIFE_S = 60
HTTPFLOOD = os.path.join(os.path.dirname(HERE), "tools", "httpflood.py")
OUT = os.path.join(BUILD, "soak")


def slope_per_hour(xs, ys):
    n = len(xs)
    if n < 2:
        return 0.0
    mx, my = sum(xs) / n, sum(ys) / n
    den = sum((x - mx) ** 2 for x in xs)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / den * 3600 if den else 0.0


def sample(p, t0):
    t = time.perf_counter()
    m = p.metrics()
    scrape_s = time.perf_counter() - t
    maps = sum(v for (n, _), v in m.items() if n == "pantau_map_entries")
    return {"t": time.time() - t0, "rss_kib": vmrss_bytes(p.proc.pid) // 1024,
            "fds": len(os.listdir("/proc/%d/fd" % p.proc.pid)), "map_entries": maps,
            "scrape_ms": scrape_s * 1e3,
            "services_up": sum(1 for (n, _), v in m.items() if n == "pantau_service_up" and v == 1)}


def main():
    os.makedirs(OUT, exist_ok=True)
    open(os.path.join(OUT, "samples.jsonl"), "w").close()
    port = free_port()
    server_cg, client_cg = Cgroup("soak-server"), Cgroup("soak-client")
    server = client = None
    live = []  # (deadline, cgroup, process)
    samples = []
    try:
        config = "services:\n  max: %d\n" % SERVICES_MAX if SERVICES_MAX else ""
        with Pantau(config=config, args=("--events-file", "@EVENTS@")) as p:
            server = spawn_in(server_cg, ["/usr/bin/python3", HTTPFLOOD, "server", str(port)])
            server.stdout.readline()
            # 50 peers' worth of addresses, over and over: 10^9 calls at most.
            client = spawn_in(client_cg, ["sh", "-c", "while :; do /usr/bin/python3 %s client %d 50 1 "
                                          ">/dev/null; sleep 1; done" % (HTTPFLOOD, port)])
            t0 = time.time()
            next_service = next_sample = t0
            while time.time() - t0 < SECONDS:
                now = time.time()
                if now >= next_service:
                    cg = Cgroup("soak-svc")
                    live.append((now + SERVICE_LIFE_S, cg,
                                 burn("--cgroup", cg.path, "--sleeps", "100000", "--sleep-us", "1000000")))
                    next_service += 10
                while live and live[0][0] <= now:
                    _, cg, proc = live.pop(0)
                    stop(proc)
                    cg.remove()
                if now >= next_sample:
                    samples.append(sample(p, t0))
                    next_sample += SAMPLE_S
                    with open(os.path.join(OUT, "samples.jsonl"), "a") as f:
                        f.write(json.dumps(samples[-1]) + "\n")
                time.sleep(0.5)
            events_bytes = os.path.getsize(p.events_path) if os.path.exists(p.events_path) else 0
    finally:
        for _, cg, proc in live:
            stop(proc)
            cg.remove()
        for proc in (client, server):
            if proc:
                stop(proc)
        server_cg.remove()
        client_cg.remove()
    warm = min(300, SECONDS / 6)
    steady = [s for s in samples if s["t"] >= warm]
    xs = [s["t"] for s in steady]
    report = {"seconds": SECONDS, "services_max": SERVICES_MAX or None, "warm_up_s": warm,
              "samples": len(samples),
              "events_file_bytes": events_bytes}
    lines = ["Soak: %d s, services.max %s, %d samples, slopes per hour after a %d s warm-up:"
             % (SECONDS, SERVICES_MAX or "default", len(samples), warm)]
    for key, unit in (("rss_kib", "KiB"), ("fds", "fds"), ("map_entries", "map entries"),
                      ("scrape_ms", "ms per scrape")):
        ys = [s[key] for s in steady]
        report[key] = {"first": ys[0] if ys else None, "last": ys[-1] if ys else None,
                       "min": min(ys) if ys else None, "max": max(ys) if ys else None,
                       "slope_per_hour": slope_per_hour(xs, ys)}
        r = report[key]
        if ys:
            lines.append("- %s: %.1f at the start, %.1f at the end (min %.1f, max %.1f); slope %+.1f %s/hour"
                         % (key, r["first"], r["last"], r["min"], r["max"], r["slope_per_hour"], unit))
    with open(os.path.join(OUT, "report.json"), "w") as f:
        json.dump(report, f, indent=2)
    print("\n".join(lines))


if __name__ == "__main__":
    main()
