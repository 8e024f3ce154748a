"""Each domain loaded alone (--domains) works on its own: no domain leans on
another for the maps they share (the service-key split, the event ring
buffer). Each run checks its domain's figures against the same ground
truth as that domain's own tests, and that the other domains stay off."""

import subprocess

from pantau_lib import (Cgroup, LoopDevice, Nginx, Pantau, burn, check, http_client, series, stop, value,
                        vmrss_bytes, wait_for)
from integration.test_http import check_events, expected_counts

OTHERS = {
    "cpu": "pantau_cpu_seconds_total",
    "memory": "pantau_memory_rss_bytes",
    "disk": "pantau_disk_bytes_total",
    "network": "pantau_tcp_connections_opened_total",
}


def only(domain, m):
    """The other domains' families are absent: unknown, not a misleading 0."""
    for other, metric in OTHERS.items():
        if other != domain:
            check(not series(m, metric), "--domains %s, yet %s has series" % (domain, metric))


def test_cpu_alone():
    cg = Cgroup("t-dom-cpu")
    try:
        with Pantau(args=("--domains", "cpu")) as p:
            b = burn("--cgroup", cg.path, "--cpu-ms", "400")
            b.wait(timeout=30)
            truth = cg.usage_usec() / 1e6
            m = wait_for(lambda: (lambda m: abs(value(m, "pantau_cpu_seconds_total",
                                                      service=cg.service) - truth) <= 0.05 * truth
                                  and m)(p.metrics()), 10, "CPU within 5 % of cpu.stat")
            got = value(m, "pantau_cpu_seconds_total", service=cg.service)
            print("  cpu alone: %.4f s, cpu.stat %.4f s" % (got, truth))
            only("cpu", m)
    finally:
        cg.remove()


def test_memory_alone():
    cg = Cgroup("t-dom-mem")
    b = None
    try:
        with Pantau(args=("--domains", "memory")) as p:
            b = burn("--cgroup", cg.path, "--alloc-mb", "32", "--hold")
            truth = vmrss_bytes(b.pid)
            m = wait_for(lambda: (lambda m: abs(value(m, "pantau_memory_rss_bytes",
                                                      service=cg.service) - truth) <= 0.05 * truth
                                  and m)(p.metrics()), 10, "RSS within 5 % of VmRSS")
            print("  memory alone: %d B, VmRSS %d B" %
                  (value(m, "pantau_memory_rss_bytes", service=cg.service), truth))
            only("memory", m)
    finally:
        if b:
            stop(b)
        cg.remove()


def test_disk_alone():
    disk = LoopDevice(16 << 20)
    loop, dev = disk.path, disk.dev
    cg = Cgroup("t-dom-disk")
    try:
        with Pantau(args=("--domains", "disk")) as p:
            script = 'echo $$ > "%s/cgroup.procs" && exec "$@"' % cg.path
            subprocess.run(["sh", "-c", script, "sh", "dd", "if=/dev/zero", "of=" + loop, "bs=1M",
                            "count=8", "oflag=direct"], check=True, timeout=60,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            m = wait_for(lambda: (lambda m: value(m, "pantau_disk_bytes_total", service=cg.service,
                                                  device=dev, op="write") == 8 << 20 and m)
                         (p.metrics()), 10, "8 MiB written on %s" % dev)
            print("  disk alone: %d B written on %s" %
                  (value(m, "pantau_disk_bytes_total", service=cg.service, device=dev, op="write"),
                   dev))
            only("disk", m)
    finally:
        cg.remove()
        disk.remove()


def test_network_alone_counts_requests_and_sends_their_events():
    """Without the memory domain the network domain's own ring buffer
    carries the events, and the event thread reads it."""
    srv, cli = Cgroup("t-dom-web"), Cgroup("t-dom-cli")
    nginx = None
    try:
        with Pantau(args=("--domains", "network", "--events-file", "@EVENTS@")) as p:
            nginx = Nginx(srv)
            tally = http_client(cli, "127.0.0.1", nginx.port, "keepalive", "close")
            total = sum(expected_counts(tally).values())
            m = wait_for(lambda: (lambda m: value(m, "pantau_request_duration_seconds_count",
                                                  service=srv.service, protocol="http") == total
                                  and m)(p.metrics()), 15, "%d requests counted" % total)
            print("  network alone: %d requests counted, client received %s" % (total, tally))
            only("network", m)
            check_events(p.events_path, srv.service, tally, total)
    finally:
        if nginx:
            nginx.stop()
        srv.remove()
        cli.remove()
