"""Per-service memory from the real kernel: RSS against VmRSS, an OOM kill
counted once with its event, limits and host totals against cgroupfs,
/proc/meminfo and statfs."""

import json
import os
import subprocess
import tempfile

from pantau_lib import (BURN, Cgroup, Limited, Pantau, burn, check, series, value,
                        vmrss_bytes, wait_for)

MIB = 1 << 20


def rss_of(p, service):
    return value(p.metrics(), "pantau_memory_rss_bytes", service=service)


def check_rss(p, cg, procs):
    truth = sum(vmrss_bytes(w.pid) for w in procs)
    got = wait_for(lambda: rss_of(p, cg.service), 10, "the service's RSS")
    err = abs(got - truth) / truth
    print("  rss: pantau %.1f MiB, VmRSS %.1f MiB, error %.2f%%" % (got / MIB, truth / MIB, err * 100))
    check(err < 0.05, "pantau says %d, VmRSS sums to %d" % (got, truth))


def test_rss_matches_vmrss_of_its_processes():
    cg = Cgroup("t-mem")
    procs = []
    try:
        with Pantau() as p:
            procs = [burn("--cgroup", cg.path, "--alloc-mb", str(mb), "--hold") for mb in (256, 32)]
            check_rss(p, cg, procs)
    finally:
        for w in procs:
            w.kill()
            w.wait()
        cg.remove()


def test_rss_of_process_started_before_pantau():
    cg = Cgroup("t-mem-early")
    w = burn("--cgroup", cg.path, "--alloc-mb", "256", "--hold")
    try:
        with Pantau() as p:
            check_rss(p, cg, [w])
    finally:
        w.kill()
        w.wait()
        cg.remove()


def test_oom_kill_is_counted_once_with_its_event():
    cg = Cgroup("t-oom")
    lim = Limited(cg, memory_bytes=64 * MIB)
    holder = None
    try:
        events = os.path.join(tempfile.mkdtemp(prefix="pantau-events-"), "events.jsonl")
        with Pantau(args=("--events-file", events)) as p:
            # A small process first: the service exists and shows its limit.
            holder = burn(*(lim.join_args + ["--alloc-mb", "8", "--hold"]))
            limit = wait_for(lambda: value(p.metrics(), "pantau_memory_limit_bytes",
                                           service=cg.service), 10, "the memory limit")
            check(limit == 64 * MIB, "limit %s, set %d" % (limit, 64 * MIB))
            before = value(p.metrics(), "pantau_memory_oom_kills_total", service=cg.service)
            check(before == 0, "OOM kills before: %s" % before)
            hog = subprocess.Popen([BURN, "--comm", "t-oom-hog"] + lim.join_args +
                                   ["--alloc-mb", "256", "--hold"], stdout=subprocess.DEVNULL)
            rc = hog.wait(timeout=60)
            check(rc == -9, "the hog was not OOM-killed (exit %s)" % rc)
            after = wait_for(lambda: value(p.metrics(), "pantau_memory_oom_kills_total",
                                           service=cg.service) == 1 and 1, 10,
                             "one OOM kill for the service")
            # Request and connection events share the file: wait for the OOM one.
            def oom_docs():
                docs = [json.loads(l) for l in open(events) if l.strip()]
                return [d for d in docs if d["event"].get("action") == "oom-kill"]
            ooms = wait_for(oom_docs, 10, "the OOM event in the events file")
            check(len(ooms) == 1, "expected one OOM event, got %r" % ooms)
            d = ooms[0]
            print("  OOM event: %s" % json.dumps(d))
            check(d["process"]["pid"] == hog.pid, "pid %s, hog %d" % (d["process"]["pid"], hog.pid))
            check(d["process"]["name"] == "t-oom-hog", "name %r" % d["process"]["name"])
            check(d["service"]["name"] == cg.service, "service %r" % d["service"]["name"])
            check(d["event"]["dataset"] == "pantau.process", d["event"])
            check(d["pantau"]["memory"]["limit_bytes"] == 64 * MIB, d["pantau"])
            check(d["pantau"]["memory"]["rss_bytes"] > 32 * MIB, d["pantau"])
            check(after == 1, "count %s" % after)
    finally:
        if holder:
            holder.kill()
            holder.wait()
        lim.remove()
        cg.remove()


def test_cpu_quota_is_exported_as_cores():
    cg = Cgroup("t-quota")
    lim = Limited(cg, cpu_quota_us=50000, cpu_period_us=100000)
    w = None
    try:
        with Pantau() as p:
            w = burn(*(lim.join_args + ["--hold"]))
            cores = wait_for(lambda: value(p.metrics(), "pantau_cpu_limit_cores",
                                           service=cg.service), 10, "the CPU limit")
            check(cores == 0.5, "cores %s" % cores)
    finally:
        if w:
            w.kill()
            w.wait()
        lim.remove()
        cg.remove()


def test_host_totals_match_meminfo_and_statfs():
    with Pantau() as p:
        m = p.metrics()
        st = os.statvfs("/")
        fs = series(m, "pantau_filesystem_size_bytes", mountpoint="/")
        check(len(fs) == 1, "no single filesystem for /: %r" % fs)
        check(list(fs.values())[0] == st.f_blocks * st.f_frsize, "size differs from statfs")
        avail = list(series(m, "pantau_filesystem_avail_bytes", mountpoint="/").values())[0]
        check(abs(avail - st.f_bavail * st.f_frsize) < 64 * MIB, "avail far from statfs")
        with open("/proc/meminfo") as f:
            total = int([l for l in f if l.startswith("MemTotal:")][0].split()[1]) * 1024
        check(value(m, "pantau_host_memory_total_bytes") == total, "MemTotal differs")
        check(value(m, "pantau_host_cpus") == os.cpu_count(), "CPUs differ")
        for (n, ls), v in m.items():
            if n == "pantau_filesystem_size_bytes":
                check(dict(ls)["fstype"] not in ("proc", "sysfs", "tmpfs", "cgroup", "cgroup2"),
                      "pseudo filesystem reported: %r" % (ls,))
