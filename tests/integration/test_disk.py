"""Per-service block I/O from the real block layer: O_DIRECT reads and
writes of a known size on a loop device, checked against the bytes the
test moved and the kernel's own /sys/block/<dev>/stat."""

import subprocess

from pantau_lib import Cgroup, LoopDevice, Pantau, check, series, value, wait_for

MIB = 1 << 20
SIZE_MIB = 64


def block_stat(dev):
    """(reads completed, writes completed) from /sys/block/<dev>/stat."""
    with open("/sys/block/%s/stat" % dev) as f:
        fields = [int(x) for x in f.read().split()]
    return fields[0], fields[4]


def reported_losses(m):
    """What pantau says it could not count on the disk path: runs of its disk
    programs the kernel skipped (already running on that CPU) and drops."""
    missed = sum(v for ls, v in series(m, "pantau_bpf_program_missed_runs_total").items()
                 if dict(ls)["program"].startswith("disk_"))
    dropped = sum(v for ls, v in series(m, "pantau_events_dropped_total").items()
                  if dict(ls)["reason"].startswith("disk_"))
    return missed + dropped


def run_in(cg, *cmd):
    """Run cmd inside the cgroup: the shell joins it, then execs cmd."""
    script = 'echo $$ > "%s/cgroup.procs" && exec "$@"' % cg.path
    subprocess.run(["sh", "-c", script, "sh"] + list(cmd), check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=120)


def test_direct_io_on_a_loop_device_is_counted_exactly():
    disk = LoopDevice(2 * SIZE_MIB * MIB)
    loop, dev = disk.path, disk.dev
    cg = Cgroup("t-disk")
    try:
        with Pantau() as p:
            lost0 = reported_losses(p.metrics())
            r0, w0 = block_stat(dev)
            run_in(cg, "dd", "if=/dev/zero", "of=" + loop, "bs=1M", "count=%d" % SIZE_MIB,
                   "oflag=direct")
            run_in(cg, "dd", "if=" + loop, "of=/dev/null", "bs=1M", "count=%d" % SIZE_MIB,
                   "iflag=direct")
            r1, w1 = block_stat(dev)
            m = wait_for(lambda: (lambda m: value(m, "pantau_disk_operations_total",
                                                  service=cg.service, device=dev, op="read") and m)
                         (p.metrics()), 10, "read operations on %s" % dev)
            lost = reported_losses(m) - lost0
            for op, truth_ops in (("write", w1 - w0), ("read", r1 - r0)):
                got_bytes = value(m, "pantau_disk_bytes_total", service=cg.service, device=dev, op=op)
                got_ops = value(m, "pantau_disk_operations_total", service=cg.service, device=dev, op=op)
                count = value(m, "pantau_disk_latency_seconds_count", service=cg.service, device=dev, op=op)
                err = abs(got_bytes - SIZE_MIB * MIB) / (SIZE_MIB * MIB)
                print("  %s: %d bytes (error %.2f%%), %d ops, /sys/block says %d" %
                      (op, got_bytes, err * 100, got_ops, truth_ops))
                check(err < 0.02, "%s bytes %d, moved %d" % (op, got_bytes, SIZE_MIB * MIB))
                # Exact, but for what pantau itself reports it lost.
                others = {dict(ls)["service"]: v for ls, v in
                          series(m, "pantau_disk_operations_total", device=dev, op=op).items()
                          if dict(ls)["service"] != cg.service}
                check(truth_ops - lost <= got_ops <= truth_ops,
                      "%s ops %d, /sys/block/%s/stat %d; pantau reports %d lost; other services %s"
                      % (op, got_ops, dev, truth_ops, lost, others))
                if got_ops != truth_ops:
                    print("  %s: %d ops short, as pantau reports (%d lost)" %
                          (op, truth_ops - got_ops, lost))
                check(count == got_ops, "%s latency _count %s, ops %s" % (op, count, got_ops))
            check(not series(m, "pantau_disk_bytes_total", service=cg.service, op="discard"),
                  "discards that never happened")
    finally:
        disk.remove()
        cg.remove()
