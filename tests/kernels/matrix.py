#!/usr/bin/python3
"""The kernel matrix: Debian 12's newest 6.1 and 6.12 kernels, booted under
qemu (TCG: KVM does not boot a guest on every host) from an initramfs that
holds busybox, build/pantau with its libraries, the test tools and
tests/kernels/guest.sh. The guest prints one 'RESULT <check> ok|fail
<detail>' line per check; a guest that hangs or prints no result fails.

Kernel packages are resolved at run time (their ABI names change with every
security update) and cached outside the tree, in PANTAU_KERNEL_CACHE
(default /var/cache/pantau/kernels).

  matrix.py --build build [--kernel 6.1] [--guest-script FILE] [--keep]
"""

import argparse
import glob
import gzip
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
CACHE = os.environ.get("PANTAU_KERNEL_CACHE", "/var/cache/pantau/kernels")
# The disk driver of Debian's kernels, with its dependencies (modules.dep).
MODULE_ROOTS = ["virtio_pci", "virtio_blk"]
BOOT_TIMEOUT = int(os.environ.get("PANTAU_KERNEL_TIMEOUT", "420"))


def sh(cmd, **kw):
    return subprocess.run(cmd, check=True, stdout=subprocess.PIPE, text=True, **kw).stdout


def newest_packages():
    """{'6.1': 'linux-image-6.1.0-N-amd64', '6.12': 'linux-image-6.12.N+deb12-amd64'}"""
    found = find_packages()
    if len(found) < 2:	# package lists missing or old
        subprocess.run(["apt-get", "update", "-qq"], check=False)
        found = find_packages()
    return found


def find_packages():
    # The metapackage points at the newest 6.1 ABI; 6.12 has no metapackage in bookworm.
    deps = subprocess.run(["apt-cache", "depends", "linux-image-amd64"], stdout=subprocess.PIPE,
                          stderr=subprocess.DEVNULL, text=True).stdout
    k61 = re.findall(r"Depends: (linux-image-6\.1\.\S+-amd64)", deps)
    names = subprocess.run(["apt-cache", "search", "--names-only",
                            r"^linux-image-6\.12\.[0-9]+\+deb12-amd64$"],
                           stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True).stdout
    k612 = [line.split()[0] for line in names.splitlines() if line.strip()]

    def version_key(name):
        return [int(x) for x in re.findall(r"\d+", name)]

    out = {}
    if k61:
        out["6.1"] = k61[0]
    if k612:
        out["6.12"] = sorted(k612, key=version_key)[-1]
    return out


def fetch(package):
    """The extracted package's directory, downloading it once."""
    os.makedirs(CACHE, exist_ok=True)
    tree = os.path.join(CACHE, package)
    if os.path.isdir(os.path.join(tree, "boot")):
        return tree
    debs = glob.glob(os.path.join(CACHE, package + "_*.deb"))
    if not debs:
        subprocess.run(["apt-get", "update", "-qq"], check=False)
        subprocess.run(["apt-get", "download", package], cwd=CACHE, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        debs = glob.glob(os.path.join(CACHE, package + "_*.deb"))
    tmp = tree + ".tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    sh(["dpkg-deb", "-x", debs[0], tmp])
    os.rename(tmp, tree)
    return tree


def module_data(path):
    data = open(path, "rb").read()
    if path.endswith(".xz"):
        data = subprocess.run(["xz", "-dc"], input=data, stdout=subprocess.PIPE, check=True).stdout
    return data


def module_order(moddir):
    """[(name, path)] to insmod, dependencies first, from each module's own
    'depends=' (the package ships no modules.dep: its postinst makes it)."""
    paths = {}
    for path in glob.glob(os.path.join(moddir, "kernel", "**", "*.ko*"), recursive=True):
        name = re.sub(r"\.ko(\.xz)?$", "", os.path.basename(path)).replace("-", "_")
        paths[name] = path
    order = []

    def visit(name):
        if name in (n for n, _ in order):
            return
        m = re.search(rb"depends=([\w,-]*)", module_data(paths[name]))
        for dep in (m.group(1).decode().split(",") if m and m.group(1) else []):
            visit(dep.replace("-", "_"))
        order.append((name, paths[name]))

    for name in MODULE_ROOTS:
        if name in paths:	# built in when absent
            visit(name)
    return order


def copy_with_libs(binary, stage, dest):
    """Copy binary to stage/dest and every shared library it needs to the same
    path it has on this host."""
    os.makedirs(os.path.dirname(os.path.join(stage, dest.lstrip("/"))), exist_ok=True)
    shutil.copy2(binary, os.path.join(stage, dest.lstrip("/")))
    out = subprocess.run(["ldd", binary], stdout=subprocess.PIPE, text=True).stdout
    for lib in re.findall(r"(/\S+)\s+\(0x", out):
        target = os.path.join(stage, lib.lstrip("/"))
        if not os.path.exists(target):
            os.makedirs(os.path.dirname(target), exist_ok=True)
            shutil.copy2(os.path.realpath(lib), target)


def build_initramfs(tree, build, guest_script, out):
    release = os.listdir(os.path.join(tree, "lib", "modules"))[0]
    moddir = os.path.join(tree, "lib", "modules", release)
    with tempfile.TemporaryDirectory(prefix="pantau-initramfs-") as stage:
        for d in ("bin", "dev", "proc", "sys", "tmp", "run", "etc", "lib/modules", "root"):
            os.makedirs(os.path.join(stage, d), exist_ok=True)
        shutil.copy2("/bin/busybox", os.path.join(stage, "bin", "busybox"))
        shutil.copy2(os.path.join(HERE, "init"), os.path.join(stage, "init"))
        shutil.copy2(guest_script, os.path.join(stage, "guest.sh"))
        with open(os.path.join(stage, "etc", "passwd"), "w") as f:
            f.write("root:x:0:0:root:/root:/bin/sh\n")
        copy_with_libs(os.path.join(build, "pantau"), stage, "/usr/sbin/pantau")
        for tool in sorted(glob.glob(os.path.join(build, "tests", "tools", "*"))):
            if os.access(tool, os.X_OK) and os.path.isfile(tool):
                copy_with_libs(tool, stage, "/usr/bin/" + os.path.basename(tool))
        names = []
        for name, path in module_order(moddir):
            with open(os.path.join(stage, "lib", "modules", name + ".ko"), "wb") as f:
                f.write(module_data(path))
            names.append(name + ".ko")
        with open(os.path.join(stage, "lib", "modules", "order"), "w") as f:
            f.write("".join(n + "\n" for n in names))
        files = subprocess.run("find . | sort", shell=True, cwd=stage, check=True,
                               stdout=subprocess.PIPE).stdout
        archive = subprocess.run(["cpio", "-o", "-H", "newc", "--quiet"], cwd=stage,
                                 input=files, stdout=subprocess.PIPE, check=True).stdout
        with gzip.open(out, "wb", compresslevel=1) as f:
            f.write(archive)
    return release


def boot(tree, initrd, disk, timeout, log_path):
    """Boot the kernel; returns (output, seconds, timed_out)."""
    vmlinuz = glob.glob(os.path.join(tree, "boot", "vmlinuz-*"))[0]
    # Single-threaded TCG: the two vCPUs take turns on one host thread.
    # With a thread each, a 6.1 guest hung in 2 of 31 boots while
    # pantau's link release patched a tracepoint's static call: the other
    # vCPU stopped in the int3 that text_poke_bp plants (its clock frozen),
    # so the patching CPU waited on its IPI for good. Same run time here.
    cmd = ["qemu-system-x86_64", "-accel", "tcg,thread=single", "-cpu", "max", "-m", "2048",
           "-smp", os.environ.get("PANTAU_KERNEL_SMP", "2"),
           "-nographic", "-no-reboot", "-kernel", vmlinuz, "-initrd", initrd,
           "-append", "console=ttyS0 panic=-1 quiet loglevel=3",
           "-drive", "file=%s,if=virtio,format=raw,cache=none" % disk]
    start = time.time()
    with open(log_path, "w") as log:
        p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
        try:
            p.wait(timeout=timeout)
            timed_out = False
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
            timed_out = True
    with open(log_path, errors="replace") as f:
        return f.read(), time.time() - start, timed_out


def run_kernel(version, package, build, guest_script, workdir):
    """Boot one kernel with the guest checks; returns (results, output, seconds)."""
    tree = fetch(package)
    initrd = os.path.join(workdir, "initrd-%s.gz" % version)
    build_initramfs(tree, build, guest_script, initrd)
    disk = os.path.join(workdir, "disk-%s.img" % version)
    with open(disk, "wb") as f:
        f.truncate(128 << 20)
    log_path = os.path.join(workdir, "console-%s.log" % version)
    output, seconds, timed_out = boot(tree, initrd, disk, BOOT_TIMEOUT, log_path)
    results = []
    for m in re.finditer(r"^RESULT (\S+) (ok|fail)\b ?(.*?)\r?$", output, re.M):
        results.append((m.group(1), m.group(2) == "ok", m.group(3)))
    if timed_out:
        results.append(("boot", False, "no answer within %d s" % BOOT_TIMEOUT))
    elif "GUEST done" not in output:
        results.append(("boot", False, "the guest stopped before its checks ended"))
    return results, output, seconds


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--kernel", action="append", help="6.1 or 6.12 (default: both)")
    ap.add_argument("--guest-script", default=os.path.join(HERE, "guest.sh"))
    ap.add_argument("--keep", help="directory to keep the console logs and images in")
    args = ap.parse_args()
    packages = newest_packages()
    workdir = args.keep or tempfile.mkdtemp(prefix="pantau-kernels-")
    os.makedirs(workdir, exist_ok=True)
    failed = 0
    for version in args.kernel or sorted(packages):
        results, output, seconds = run_kernel(version, packages[version], args.build,
                                              args.guest_script, workdir)
        print("== %s (%s): %.0f s" % (version, packages[version], seconds))
        for name, ok, detail in results:
            print("%s %s %s" % ("ok  " if ok else "FAIL", name, detail))
            failed += not ok
        if not results:
            print(output[-3000:])
            failed += 1
    if not args.keep:
        shutil.rmtree(workdir, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
