"""The kernel matrix in make test: Debian 12's newest 6.1 and 6.12 kernels
booted under qemu, each running tests/kernels/guest.sh (matrix.py). Every
in-guest check must pass, and every program family must attach the way the
table below says for that kernel, both as pantau chooses and with the
fallbacks forced (--force-flavour), so that no flavour ships untested.
This machine's own kernel is covered by the integration tests."""

import os
import re
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import matrix  # noqa: E402

BUILD = os.environ.get("PANTAU_BUILD", os.path.join(matrix.ROOT, "build"))


def table(default, **changes):
    t = dict(default)
    t.update(changes)
    return t


# hook (domain) -> how it attaches, on Debian 12's 6.1: no block_io_* (6.5)
# and no tcp_sendmsg_locked tracepoint (6.16), so block_rq_* and fentry
# (the guest's config follows HTTPS in clear, which needs that hook).
COMMON = {
    "sched_switch (cpu)": "tp_btf",
    "sched_wakeup (cpu)": "tp_btf",
    "sched_wakeup_new (cpu)": "tp_btf",
    "cgroup_mkdir (cgroups)": "tp_btf",
    "cgroup_attach_task (cgroups)": "tp_btf",
    "mem_task_iter (memory)": "iter",
    "sched_process_exit (memory)": "tp_btf",
    "mark_victim (memory)": "tp_btf",
    "inet_sock_set_state (net)": "tp_btf",
    "tcp_receive_reset (net)": "tp_btf",
    "tcp_send_reset (net)": "tp_btf",
    "net_ingress (net)": "cgroup_skb",
    "net_egress (net)": "cgroup_skb",
    "tcp_sendmsg_locked (net)": "fentry",
    "sched_process_exec (net)": "tp_btf",
    "net_live_iter (net)": "iter",
    "net_seed_listeners (net)": "iter",
}
RQ = {"block_rq_issue (disk)": "tp_btf", "block_rq_complete (disk)": "tp_btf"}
IO = {"block_io_start (disk)": "tp_btf", "block_io_done (disk)": "tp_btf"}


def raw(t):
    """The same with --force-flavour raw_tp: every tracepoint as raw_tp, and
    no network domain (socket storage needs BTF-typed programs)."""
    return {k: ("raw_tp" if v == "tp_btf" else v) for k, v in t.items() if not k.endswith("(net)")}


EXPECTED = {
    "6.1": {"CHECK": table(COMMON, **RQ), "CHECKRAW": raw(table(COMMON, **RQ))},
    "6.12": {"CHECK": table(COMMON, **IO), "CHECKRAW": raw(table(COMMON, **IO))},
}


def attach_table(output, prefix):
    """hook (domain) -> how it attaches, from one --check's lines; TLS
    libraries (a path, then the library) are tls_table()'s."""
    got = {}
    for m in re.finditer(r"^%s ([^/\s]\S* \(\w+\)): can attach as (\w+)\r?$" % prefix, output, re.M):
        got[m.group(1)] = m.group(2)
    for m in re.finditer(r"^%s ([^/\s]\S* \(\w+\)): (?!can attach)(.*?)\r?$" % prefix, output, re.M):
        got[m.group(1)] = "none: " + m.group(2)
    return got


def tls_table(output, prefix):
    """TLS library file (library) -> what --check says of following it."""
    return dict(re.findall(r"^%s (/\S+ \(\w+\)): (.*?)\r?$" % prefix, output, re.M))


def run(version):
    packages = matrix.newest_packages()
    assert version in packages, "apt-cache knows no Debian 12 %s kernel package" % version
    with tempfile.TemporaryDirectory(prefix="pantau-kernel-") as work:
        results, output, seconds = matrix.run_kernel(version, packages[version], BUILD,
                                                     os.path.join(matrix.HERE, "guest.sh"), work)
        if all(name == "boot" for name, _, _ in results):
            # No check ran at all: the emulated boot itself failed. Said, and
            # tried once more; a second such boot fails the test.
            print("  %s: the guest ran no check (%s); its console ended with:\n%s\n  booting again"
                  % (version, "; ".join(d for _, _, d in results), output[-2000:]))
            results, output, seconds = matrix.run_kernel(version, packages[version], BUILD,
                                                         os.path.join(matrix.HERE, "guest.sh"),
                                                         work)
    print("  %s (%s) booted and checked in %.0f s" % (version, packages[version], seconds))
    for line in re.findall(r"^(STATS .*?)\r?$", output, re.M):
        print("  " + line)
    problems = []
    for name, ok, detail in results:
        print("  %s %s %s" % ("ok  " if ok else "FAIL", name, detail))
        if not ok:
            problems.append("%s: %s" % (name, detail))
    # The guest's OpenSSL and GnuTLS, as its processes map them: each one
    # probed, so that the uprobes and the send hook that ties them load.
    for lib, said in sorted(tls_table(output, "CHECK").items()):
        print("  TLS %s: %s" % (lib, said))
        if not said.startswith("HTTPS followed in clear"):
            problems.append("CHECK %s: %s" % (lib, said))
    for prefix, want in sorted(EXPECTED[version].items()):
        got = attach_table(output, prefix)
        for hook in sorted(set(want) | set(got)):
            if want.get(hook) != got.get(hook):
                problems.append("%s %s: expected %s, got %s" % (prefix, hook, want.get(hook, "nothing"),
                                                               got.get(hook, "nothing")))
    if not results:
        problems.append("no result lines; the console ended with:\n" + output[-3000:])
    assert not problems, "on %s:\n  " % version + "\n  ".join(problems)


def test_debian_6_1():
    run("6.1")


def test_debian_6_12():
    run("6.12")
