"""BPF hash maps take memory as keys come (kernels with bpf_mem_alloc, 6.1
and later), not for every key services.max allows; --force-flavour prealloc
reserves it all at load, as kernels before 6.1 must."""

import json
import os
import re
import subprocess

from pantau_lib import Pantau, check, wait_for

CONFIG = "services:\n  max: 5000\n"
PER_SERVICE_MAPS = ("cpu_stats", "net_stats", "disk_io_stats", "mem_exited_faul")
BPF_F_NO_PREALLOC = 1


def maps_of(pid):
    """{name: (flags, memlock bytes, max_entries)} of the BPF maps pid holds."""
    ids = set()
    for fd in os.listdir("/proc/%d/fdinfo" % pid):
        try:
            with open("/proc/%d/fdinfo/%s" % (pid, fd)) as f:
                m = re.search(r"^map_id:\s+(\d+)", f.read(), re.M)
        except OSError:
            continue
        if m:
            ids.add(int(m.group(1)))
    out = {}
    for i in ids:
        info = json.loads(subprocess.run(["bpftool", "-j", "map", "show", "id", str(i)],
                                         stdout=subprocess.PIPE, check=True).stdout)
        out[info["name"]] = (info["flags"], info["bytes_memlock"], info["max_entries"])
    return out


def test_hash_maps_grow_with_keys_unless_preallocation_is_forced():
    with Pantau(config=CONFIG) as p:
        p.metrics()  # a collection: the host's keys are in the maps
        on_use = maps_of(p.proc.pid)
        check("hash map entries allocated as keys come" in p.log_text(),
              "pantau did not say how it allocates map entries: " + p.log_text())
    with Pantau(config=CONFIG, args=("--force-flavour", "prealloc")) as p:
        prealloc = maps_of(p.proc.pid)
        check("preallocated (forced by --force-flavour)" in p.log_text(),
              "pantau did not say the maps are preallocated: " + p.log_text())
        # Preallocated or not, the maps still count: CPU time of some service.
        wait_for(lambda: any(v > 0 for (n, _), v in p.metrics().items()
                             if n == "pantau_cpu_seconds_total"), 10, "CPU seconds with prealloc")
    for name in PER_SERVICE_MAPS:
        check(name in on_use and name in prealloc, "map %s missing: %s" % (name, sorted(on_use)))
        flags, mem, cap = on_use[name]
        pflags, pmem, pcap = prealloc[name]
        print("  %s (room for %d keys): %d B allocated on use, %d B preallocated"
              % (name, cap, mem, pmem))
        check(flags & BPF_F_NO_PREALLOC and not pflags & BPF_F_NO_PREALLOC,
              "%s flags %#x / %#x" % (name, flags, pflags))
        check(cap == pcap, "%s capacity differs: %d vs %d" % (name, cap, pcap))
        # A few hundred keys at most on a test host, room for 20,000.
        check(mem * 4 < pmem, "%s takes %d B allocated on use, %d B preallocated" % (name, mem, pmem))
