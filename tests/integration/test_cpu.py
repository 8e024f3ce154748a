"""Per-service CPU from the real BPF programs, checked against the kernel's
own cgroup accounting (cpu.stat usage_usec) and against workloads whose
figures the test knows."""

import os
import signal
import time

from pantau_lib import (Cgroup, Pantau, burn, check, cpu_window, rand_suffix, series, value,
                        wait_for)

# Processes in the cgroup2 root are split per process; a short lifetime
# lets the root-process tests finish quickly.
CONFIG = "services:\n  short_lived_seconds: 2\n"


def cpu_seconds(metrics, service):
    return value(metrics, "pantau_cpu_seconds_total", service=service)


def test_cpu_matches_cpu_stat_after_exit():
    cg = Cgroup("t-cpu")
    try:
        with Pantau(CONFIG) as p:
            w = burn("--cgroup", cg.path, "--cpu-ms", "1500")
            w.wait(timeout=30)
            truth = cg.usage_usec() / 1e6
            got = wait_for(lambda: cpu_seconds(p.metrics(), cg.service), 10,
                           "the service to show up")
            err = abs(got - truth) / truth
            print("  cpu after exit: pantau %.4fs, cpu.stat %.4fs, error %.2f%%" %
                  (got, truth, err * 100))
            check(err < 0.05, "pantau says %.4fs, cpu.stat %.4fs" % (got, truth))
    finally:
        cg.remove()


def test_cpu_matches_cpu_stat_while_running():
    cg = Cgroup("t-cpu")
    w = None
    try:
        with Pantau(CONFIG) as p:
            w = burn("--cgroup", cg.path, "--forever")
            time.sleep(1.5)
            # cpu.stat read just before and just after the scrape: the
            # scrape's own value lies between the two.
            before = cg.usage_usec() / 1e6
            got = cpu_seconds(p.metrics(), cg.service)
            after = cg.usage_usec() / 1e6
            check(got is not None, "the running service is missing")
            # A scrape on a busy host can take a while: any value inside
            # the window is right, and the error is the distance outside it.
            truth = min(max(got, before), after)
            err = abs(got - truth) / truth
            print("  cpu while running: pantau %.4fs, cpu.stat %.4f..%.4fs, error %.2f%%" %
                  (got, before, after, err * 100))
            check(err < 0.05, "pantau says %.4fs, cpu.stat %.4f..%.4fs" % (got, before, after))
    finally:
        if w:
            w.kill()
            w.wait()
        cg.remove()


def test_cpu_stays_inside_cpu_stat_across_scrapes():
    """Two CPU hogs, each alone on a CPU, run long slices. pantau counts
    each task's own runtime counter (what cpu.stat sums) and commits the
    running slices just before reading its maps, so every scrape lies
    between cpu.stat read just before and just after it. Timestamps taken
    at each switch ran up to 42 ms ahead of cpu.stat here (they include
    time the scheduler does not charge), and lost whole slices where a
    switch went unseen."""
    cg = Cgroup("t-cpuhog")
    hogs = []
    try:
        with Pantau(CONFIG) as p:
            hogs = [burn("--cgroup", cg.path, "--cpu", str(c), "--forever")
                    for c in range(min(2, os.cpu_count()))]
            wait_for(lambda: cpu_seconds(p.metrics(), cg.service), 10, "the hogs' service")
            ahead = behind = 0.0
            n = 0
            deadline = time.monotonic() + 8
            while time.monotonic() < deadline:
                before = cg.usage_usec() / 1e6
                got = cpu_seconds(p.metrics(), cg.service)
                after = cg.usage_usec() / 1e6
                ahead, behind = max(ahead, got - after), max(behind, before - got)
                n += 1
            print("  %d scrapes of %d hogs (%.2f s of CPU): at most %.3f ms ahead of cpu.stat "
                  "after the scrape, %.3f ms behind it before" %
                  (n, len(hogs), got, ahead * 1e3, behind * 1e3))
            # cpu.stat is in microseconds.
            check(ahead < 1e-5, "pantau ran %.3f ms ahead of cpu.stat" % (ahead * 1e3))
            check(behind < 1e-5, "pantau fell %.3f ms behind cpu.stat" % (behind * 1e3))
    finally:
        for w in hogs:
            w.kill()
            w.wait()
        cg.remove()


def test_voluntary_switches_count_each_sleep():
    cg = Cgroup("t-sleep")
    n = 200
    try:
        with Pantau(CONFIG) as p:
            w = burn("--cgroup", cg.path, "--sleeps", str(n), "--sleep-us", "500")
            out, _ = w.communicate(timeout=30)
            # The process's own count over its sleeps (getrusage): under load a
            # sleep whose timer fires while the task is preempted does not block.
            kernel_vol = int(out.split("switches ")[1].split()[0])
            m = p.metrics()
            vol = value(m, "pantau_cpu_context_switches_total", service=cg.service, type="voluntary")
            print("  %d sleeps -> %s voluntary switches (the kernel counted %d for the process)" %
                  (n, vol, kernel_vol))
            check(vol is not None and vol >= kernel_vol,
                  "pantau %s voluntary switches, the kernel %d" % (vol, kernel_vol))
            check(vol >= 0.95 * n, "expected about %d voluntary switches, got %s" % (n, vol))
    finally:
        cg.remove()


def test_runqueue_wait_of_two_loops_on_one_cpu():
    cg = Cgroup("t-runq")
    loops = []
    try:
        with Pantau(CONFIG) as p:
            loops = [burn("--cgroup", cg.path, "--cpu", "0", "--cpu-ms", "800") for _ in range(2)]
            for w in loops:
                w.wait(timeout=30)
            m = p.metrics()
            buckets = series(m, "pantau_cpu_runqueue_wait_seconds_bucket", service=cg.service)
            check(buckets, "no run-queue histogram for the service")
            by_le = {float(dict(ls)["le"]): v for ls, v in buckets.items()}
            total = by_le[float("inf")]
            below_1ms = max(v for le, v in by_le.items() if le <= 0.001)
            print("  run-queue waits: %d in all, %d of them >= 1 ms" % (total, total - below_1ms))
            check(total - below_1ms > 0, "no run-queue wait >= 1 ms: %r" % sorted(by_le.items()))
            les = sorted(by_le)
            cum = [by_le[le] for le in les]
            check(cum == sorted(cum), "buckets are not cumulative")
            count = value(m, "pantau_cpu_runqueue_wait_seconds_count", service=cg.service)
            check(count == total, "_count %s differs from +Inf bucket %s" % (count, total))
    finally:
        for w in loops:
            if w.poll() is None:
                w.kill()
        cg.remove()


def test_root_cgroup_process_is_named_by_comm():
    comm = "ptc" + rand_suffix(6)
    w = None
    with Pantau(CONFIG) as p:
        try:
            w = burn("--comm", comm, "--forever")
            got = wait_for(lambda: cpu_seconds(p.metrics(), comm), 10,
                           "a service named after the process")
            check(got > 0, "no CPU for %s" % comm)
            check(value(p.metrics(), "pantau_service_up", service=comm) == 1, "not up")
            w.kill()
            w.wait()
            w = None
            wait_for(lambda: value(p.metrics(), "pantau_service_up", service=comm) == 0, 15,
                     "the service to turn down after its process exited")
            after = cpu_seconds(p.metrics(), comm)
            check(after >= got, "counter went backwards: %s -> %s" % (got, after))
        finally:
            if w:
                w.kill()
                w.wait()


def test_sighup_splits_a_cgroup_by_process_and_joins_it_again():
    """services.shared_cgroups applied on SIGHUP: the cgroup's processes
    become services of their own, then the cgroup one service again; each
    side's CPU over a window matches the cgroup's cpu.stat, and the side
    that no longer applies stops counting (the cgroup's service goes down)."""
    cg = Cgroup("t-share")
    comms = ["psa" + rand_suffix(6), "psb" + rand_suffix(6)]
    procs = []
    unshared = CONFIG
    shared = CONFIG + '  shared_cgroups: ["/", "/t-share-*"]\n'

    def up(m, name):
        return value(m, "pantau_service_up", service=name)

    def window(services):
        return cpu_window(p.metrics, cg, services, 2)[:4]

    def reload(config, want):
        with open(p.config, "w") as f:
            f.write(config)
        p.proc.send_signal(signal.SIGHUP)
        return wait_for(lambda: (lambda m: m if want(m) else None)(p.metrics()), 20,
                        "the reloaded services.shared_cgroups to show")

    try:
        with Pantau(unshared) as p:
            # One CPU for both, so the test leaves the other to pantau.
            procs = [burn("--cgroup", cg.path, "--comm", c, "--cpu", "0", "--forever")
                     for c in comms]
            m = wait_for(lambda: (lambda m: m if up(m, cg.service) == 1 else None)(p.metrics()),
                         10, "the cgroup's service")
            got, lo, hi, err = window([cg.service])
            check(err < 0.05, "one service: %.3f s, cpu.stat %.3f..%.3f s" % (got, lo, hi))

            m = reload(shared, lambda m: all(up(m, c) == 1 for c in comms) and
                       up(m, cg.service) == 0)
            line = [l for l in p.log_text().splitlines() if "shared_cgroups applied" in l]
            got, lo, hi, err = window(comms)
            print("  shared: %s up, %s down; %.3f s CPU, cpu.stat %.3f..%.3f s (error %.2f %%); "
                  "%s" % (", ".join(comms), cg.service, got, lo, hi, 100 * err,
                          line[-1] if line else "no log line"))
            check(line and "1 known cgroups changed sides" in line[-1],
                  "the reload did not say one cgroup changed sides: %r" % line)
            check(err < 0.05, "split: %.3f s, cpu.stat %.3f..%.3f s" % (got, lo, hi))
            before = cpu_seconds(m, cg.service)

            m = reload(unshared, lambda m: up(m, cg.service) == 1)
            split = sum(cpu_seconds(m, c) for c in comms)
            got, lo, hi, err = window([cg.service])
            split = sum(cpu_seconds(p.metrics(), c) for c in comms) - split
            print("  joined again: %s up; %.3f s CPU, cpu.stat %.3f..%.3f s (error %.2f %%); "
                  "the processes' services %.3f s more" % (cg.service, got, lo, hi, 100 * err,
                                                          split))
            check(err < 0.05, "joined: %.3f s, cpu.stat %.3f..%.3f s" % (got, lo, hi))
            check(split < 0.01, "the processes' services still counted %.3f s" % split)
            check(cpu_seconds(p.metrics(), cg.service) >= before,
                  "the cgroup's service went backwards")
    finally:
        for w in procs:
            w.kill()
            w.wait()
        cg.remove()


def test_process_moved_out_of_a_shared_cgroup_goes_down_there():
    """A container's first process is born in the (shared) root and moved
    into its cgroup by the runtime: its service from the root goes down
    instead of staying up for as long as the process lives."""
    comm = "ptm" + rand_suffix(6)
    cg = Cgroup("t-moved")
    w = None
    try:
        with Pantau(CONFIG) as p:
            w = burn("--comm", comm, "--cpu", "0", "--forever")
            wait_for(lambda: value(p.metrics(), "pantau_service_up", service=comm) == 1, 10,
                     "a service named after the process")
            with open(os.path.join(cg.path, "cgroup.procs"), "w") as f:
                f.write(str(w.pid))
            moved = time.monotonic()
            m = wait_for(lambda: (lambda m: m if value(m, "pantau_service_up", service=comm) == 0
                                  and value(m, "pantau_service_up", service=cg.service) == 1
                                  else None)(p.metrics()), 15,
                         "the process's service down and its new cgroup's up")
            print("  %s moved into %s: down there, and %s up, after %.1f s" %
                  (comm, cg.name, cg.service, time.monotonic() - moved))
            before = cpu_seconds(m, comm)
            time.sleep(1)
            check(cpu_seconds(p.metrics(), comm) == before, "the old service still counts")
    finally:
        if w:
            w.kill()
            w.wait()
        cg.remove()


def test_short_lived_process_folds_into_short_lived():
    comm = "pts" + rand_suffix(6)
    with Pantau(CONFIG) as p:
        before = cpu_seconds(p.metrics(), "short-lived") or 0
        burn("--comm", comm, "--cpu-ms", "200").wait(timeout=30)
        after = wait_for(lambda: (cpu_seconds(p.metrics(), "short-lived") or 0) >= before + 0.15
                         and cpu_seconds(p.metrics(), "short-lived"), 15,
                         "short-lived to take the process's CPU")
        check(not series(p.metrics(), "pantau_cpu_seconds_total", service=comm),
              "a short-lived process became a service of its own")
        print("  short-lived grew by %.3fs for a 0.2s process" % (after - before))


def test_removed_cgroup_keeps_its_totals_and_is_down():
    cg = Cgroup("t-gone")
    with Pantau(CONFIG) as p:
        burn("--cgroup", cg.path, "--cpu-ms", "300").wait(timeout=30)
        got = wait_for(lambda: cpu_seconds(p.metrics(), cg.service), 10, "the service")
        cg.remove()
        check(not os.path.exists(cg.path), "cgroup still there")
        wait_for(lambda: value(p.metrics(), "pantau_service_up", service=cg.service) == 0, 15,
                 "the service to turn down")
        after = cpu_seconds(p.metrics(), cg.service)
        check(after >= got, "counter went backwards: %s -> %s" % (got, after))


def test_cgroup_made_and_removed_between_scrapes_keeps_its_name():
    cg = Cgroup("t-blink")
    with Pantau(CONFIG) as p:
        p.metrics()
        burn("--cgroup", cg.path, "--cpu-ms", "100").wait(timeout=30)
        os.rmdir(cg.path)
        got = wait_for(lambda: cpu_seconds(p.metrics(), cg.service), 10,
                       "the vanished cgroup's service by name")
        check(got > 0.05, "too little CPU: %s" % got)
