"""Elasticsearch exporter: events/s delivered with gzip on one core, and RSS with a 1 GiB spool.

The spool is filled beforehand with 1 GiB of real pantau events (taken
from a short run with nginx traffic, each copy given its own timestamp so
that every one has its own _id), written in the spool's segment format.
pantau starts with Elasticsearch down: it reads and CRC-checks every
record, then keeps spooling live events; its VmRSS is sampled meanwhile.
Then tests/tools/fake_es.py comes up in count_only mode (it takes each
item by its _id, keeping no text) on the other core, and pantau, pinned
to one core, sends the whole spool, gzip on, batch_events 1000: the rate
is the spooled events over the time until the server counted them all,
and pantau's CPU time over that window gives events per CPU-second. Not
part of make test (make bench, or bench/run.py --only es)."""

import json
import os
import re
import shutil
import struct
import subprocess
import tempfile
import time
import urllib.request
import zlib

from pantau_lib import (ROOT, Cgroup, Nginx, Pantau, check, free_port, http_client, value,
                        wait_for)

# PANTAU_BENCH_ES_BYTES: a smaller spool, to try the benchmark out.
SPOOL_BYTES = int(os.environ.get("PANTAU_BENCH_ES_BYTES", 1 << 30))
SEGMENT_BYTES = 64 << 20          # what pantau itself makes for a cap of 512 MiB and more
PANTAU_CPU, SERVER_CPU = "0", "1"
TS = re.compile(r'"@timestamp":"([^"]+)"')


def sample_events():
    """Real event lines from a short run: requests and connections."""
    srv, cli = Cgroup("b-esweb"), Cgroup("b-escli")
    nginx = None
    try:
        with Pantau(args=("--events-file", "@EVENTS@")) as p:
            nginx = Nginx(srv)
            for _ in range(3):
                http_client(cli, "127.0.0.1", nginx.port, "keepalive", "healthy", "errors")
            wait_for(lambda: os.path.exists(p.events_path) and
                     os.path.getsize(p.events_path) > 20000, 20, "sample events")
            time.sleep(1)
            with open(p.events_path) as f:
                lines = [l.rstrip("\n") for l in f if TS.search(l)]
    finally:
        if nginx:
            nginx.stop()
        srv.remove()
        cli.remove()
    check(len(lines) > 50, "only %d sample events" % len(lines))
    return lines


def fill_spool(spool, lines, total_bytes):
    """Segments of pantau's format (magic "PSP1", length, CRC-32, document)."""
    os.makedirs(spool, mode=0o700)
    seq, n, size = 0, 0, 0
    base = time.time_ns() - 3600 * 10**9
    f = None
    seg = 0
    while size < total_bytes:
        if f is None or seg >= SEGMENT_BYTES:
            if f:
                f.close()
            seq += 1
            f = open(os.path.join(spool, "%020d.seg" % seq), "wb")
            seg = 0
        t = base + n * 1000
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t // 10**9)) + ".%09dZ" % (t % 10**9)
        doc = TS.sub('"@timestamp":"%s"' % stamp, lines[n % len(lines)], count=1).encode()
        rec = struct.pack("<III", 0x31505350, len(doc), zlib.crc32(doc)) + doc
        f.write(rec)
        seg += len(rec)
        size += len(rec)
        n += 1
    f.close()
    return n, size


def proc_status(pid, key):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return 0


def cpu_seconds(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def counted(url):
    with urllib.request.urlopen(url + "/_fake/stats", timeout=30) as r:
        return json.loads(r.read()).get("counted", 0)


def main(results_dir):
    tmp = tempfile.mkdtemp(prefix="pantau-bench-es-")
    spool = os.path.join(tmp, "spool")
    server = None
    try:
        lines = sample_events()
        t0 = time.time()
        n, size = fill_spool(spool, lines, SPOOL_BYTES)
        fill_s = time.time() - t0
        print("  spool: %d events, %d bytes, written in %.0f s" % (n, size, fill_s))
        # A port nothing listens on yet: Elasticsearch is down at first.
        port = free_port()
        url = "http://127.0.0.1:%d" % port
        cfg = ("elasticsearch:\n  batch_events: 1000\n  flush_seconds: 1\n  gzip: true\n"
               "  spool: { dir: %s, max_bytes: 2 GiB }\n" % spool)
        t0 = time.time()
        with Pantau(config=cfg, args=("--es-url", url)) as p:
            start_s = time.time() - t0
            subprocess.run(["taskset", "-a", "-p", "-c", PANTAU_CPU, str(p.proc.pid)],
                           stdout=subprocess.DEVNULL, check=True)
            check("events from an earlier run" in p.log_text(), "pantau did not find the spool")
            rss_spool = []
            srv, cli = Cgroup("b-esweb"), Cgroup("b-escli")
            nginx = Nginx(srv)
            try:
                for _ in range(5):
                    http_client(cli, "127.0.0.1", nginx.port, "keepalive", "healthy")
                    rss_spool.append(proc_status(p.proc.pid, "VmRSS"))
                    time.sleep(1)
            finally:
                nginx.stop()
                srv.remove()
                cli.remove()
            queue = value(p.metrics(), "pantau_exporter_queue_bytes", exporter="elasticsearch")
            hwm_spool = proc_status(p.proc.pid, "VmHWM")
            accepted = value(p.metrics(), "pantau_exporter_events_total",
                             exporter="elasticsearch", outcome="accepted") or 0
            # The server comes up on the port pantau has been trying.
            server = subprocess.Popen(["taskset", "-c", SERVER_CPU, "/usr/bin/python3",
                                       os.path.join(ROOT, "tests", "tools", "fake_es.py"),
                                       "--port", str(port)], stdout=subprocess.PIPE, text=True)
            server.stdout.readline()
            req = urllib.request.Request(url + "/_fake/mode", data=b'{"count_only": true}',
                                         method="POST")
            urllib.request.urlopen(req, timeout=10).read()
            # From the first item taken: before it, pantau waits out its back-off.
            up = time.time()
            while not counted(url):
                check(time.time() - up < 60, "nothing delivered within 60 s")
                time.sleep(0.05)
            cpu0, t0 = cpu_seconds(p.proc.pid), time.time()
            backoff_s = t0 - up
            rss_send = []
            while counted(url) < n:
                rss_send.append(proc_status(p.proc.pid, "VmRSS"))
                check(time.time() - t0 < 1800, "not delivered in 30 minutes")
                time.sleep(0.2)
            send_s = time.time() - t0
            cpu = cpu_seconds(p.proc.pid) - cpu0
            hwm = proc_status(p.proc.pid, "VmHWM")
            m = p.metrics()
            sent = value(m, "pantau_exporter_events_total", exporter="elasticsearch",
                         outcome="sent")
            dropped = value(m, "pantau_exporter_events_total", exporter="elasticsearch",
                            outcome="dropped")
    finally:
        if server:
            server.terminate()
            server.wait()
        shutil.rmtree(tmp, ignore_errors=True)
    result = {
        "spool_events": n, "spool_bytes": size, "event_bytes_mean": size / n - 12,
        "pantau_start_s_with_spool": start_s,
        "queue_bytes_while_down": queue, "accepted_live_while_down": accepted,
        "rss_kib_with_1gib_spool": rss_spool, "vmhwm_kib_while_down": hwm_spool,
        "first_item_after_server_up_s": backoff_s, "deliver_s": send_s, "events_per_s": n / send_s, "mib_per_s": size / send_s / 2**20,
        "pantau_cpu_s": cpu, "events_per_cpu_s": n / cpu if cpu else None,
        "rss_kib_while_sending_max": max(rss_send) if rss_send else None, "vmhwm_kib": hwm,
        "sent": sent, "dropped": dropped, "cpus": os.cpu_count(),
    }
    with open(os.path.join(results_dir, "es.json"), "w") as f:
        json.dump(result, f, indent=2)
    out = ["| Elasticsearch exporter, 1 GiB spool | |", "|---|---|",
           "| events in the spool (real documents, %.0f bytes each) | %d (%.0f MiB) |"
           % (result["event_bytes_mean"], n, size / 2**20),
           "| pantau start with that spool (read + CRC check), to /healthz | %.1f s |" % start_s,
           "| RSS while Elasticsearch is down and live events are spooled | %d..%d KiB |"
           % (min(rss_spool), max(rss_spool)),
           "| peak RSS (VmHWM) by then | %d KiB |" % hwm_spool,
           "| from the server's return to its first item (pantau's back-off) | %.1f s |" % backoff_s,
           "| then delivered to fake_es.py (count_only, other core), gzip, batch 1000 | %.0f events/s (%.1f MiB/s of documents) |"
           % (result["events_per_s"], result["mib_per_s"]),
           "| pantau CPU for that, pinned to one core | %.1f s: %.0f events per CPU-second |"
           % (cpu, result["events_per_cpu_s"] or 0),
           "| RSS while sending (max) / peak RSS (VmHWM) at the end | %s / %d KiB |"
           % (result["rss_kib_while_sending_max"], hwm),
           "", "Every spooled event was counted by the server (pantau counted %d sent, "
           "live events included, and %d dropped)." % (sent or 0, dropped or 0)]
    with open(os.path.join(results_dir, "es.md"), "w") as f:
        f.write("\n".join(out) + "\n")
    print("\n".join(out))
