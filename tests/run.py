#!/usr/bin/python3
"""pantau's test runner: the cmocka unit binaries (plain, then built with
ASan and UBSan), the libFuzzer targets briefly, then the integration
(real BPF) and end-to-end (real Prometheus) tests, then the kernel matrix
(Debian 12's 6.1 and 6.12 under qemu). A test that cannot run
fails; nothing is skipped. The last line is 'N passed, N failed'."""

import argparse
import glob
import importlib.util
import os
import re
import subprocess
import sys
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))


def run_unit(build, results, only=""):
    """The cmocka binaries, then the same built with ASan and UBSan (build/asan)."""
    for kind, pattern in (("unit", ("tests", "test_*")), ("unit-asan", ("asan", "tests", "test_*"))):
        for binary in sorted(glob.glob(os.path.join(build, *pattern))):
            name = kind + "/" + os.path.basename(binary)
            if only and only not in name:
                continue
            start = time.time()
            p = subprocess.run([binary], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                               errors="replace")
            ok = p.returncode == 0
            results.append((name, ok))
            print("%s %s (%.1fs)" % ("PASS" if ok else "FAIL", name, time.time() - start))
            if not ok:
                print(p.stdout[-8000:])


# Seed corpus directory of a fuzz target, when not named after it.
FUZZ_CORPUS = {"fuzz_http_parse": "http"}
# Seconds each target runs in make test (PANTAU_FUZZ_SECONDS overrides);
# make fuzz runs them longer (FUZZ_SECONDS).
FUZZ_SECONDS = 5


def fuzz_seeds(target):
    return os.path.join(HERE, "fuzz", "corpus", FUZZ_CORPUS.get(target, target[len("fuzz_"):]))


def run_fuzz(build, results, only="", seconds=None):
    """Each libFuzzer target briefly, from its seed corpus; a crash fails.
    New inputs go to a scratch directory, never into the committed seeds.
    Returns {target: final stats}."""
    if seconds is None:
        seconds = int(os.environ.get("PANTAU_FUZZ_SECONDS", str(FUZZ_SECONDS)))
    all_stats = {}
    for binary in sorted(glob.glob(os.path.join(build, "fuzz", "fuzz_*"))):
        target = os.path.basename(binary)
        name = "fuzz/" + target
        if only and only not in name:
            continue
        seeds = fuzz_seeds(target)
        scratch = os.path.join(build, "fuzz-out", target + ".corpus")
        os.makedirs(scratch, exist_ok=True)
        start = time.time()
        cmd = [binary, "-max_total_time=%d" % seconds, "-print_final_stats=1",
               "-artifact_prefix=" + os.path.join(build, "fuzz-out", target + "-"), scratch]
        if os.path.isdir(seeds):
            cmd.append(seeds)
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                           errors="replace")
        stats = dict(re.findall(r"^stat::(\w+):\s+(\d+)", p.stdout, re.M))
        all_stats[target] = stats
        ok = p.returncode == 0
        results.append((name, ok))
        print("%s %s (%.1fs, %s runs, %s exec/s)" % ("PASS" if ok else "FAIL", name, time.time() - start,
              stats.get("number_of_executed_units", "?"), stats.get("average_exec_per_sec", "?")))
        sys.stdout.flush()
        if not ok:
            print(p.stdout[-4000:])
    return all_stats


def load_module(path):
    spec = importlib.util.spec_from_file_location(os.path.basename(path)[:-3], path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def run_python(kind, results, only):
    for path in sorted(glob.glob(os.path.join(HERE, kind, "test_*.py"))):
        mod = load_module(path)
        tests = [n for n in dir(mod) if n.startswith("test_") and callable(getattr(mod, n))]
        tests.sort(key=lambda n: getattr(mod, n).__code__.co_firstlineno)
        for t in tests:
            name = "%s/%s.%s" % (kind, os.path.basename(path)[:-3], t)
            if only and only not in name:
                continue
            start = time.time()
            try:
                getattr(mod, t)()
                ok = True
            except Exception:
                ok = False
                err = traceback.format_exc()
            results.append((name, ok))
            print("%s %s (%.1fs)" % ("PASS" if ok else "FAIL", name, time.time() - start))
            if not ok:
                print(err)
            sys.stdout.flush()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build")
    ap.add_argument("--only", default="", help="run only tests whose name contains this")
    args = ap.parse_args()
    build = os.path.abspath(args.build)
    os.environ["PANTAU_BUILD"] = build
    sys.path.insert(0, HERE)

    results = []
    if os.geteuid() != 0:
        print("FAIL setup: the BPF tests need root (they load programs and make cgroups); run make test as root.")
        results.append(("setup/root", False))
    else:
        run_unit(build, results, args.only)
        run_fuzz(build, results, args.only)
        # kernels: Debian's 6.1 and 6.12 booted under qemu (tests/kernels), last.
        for kind in ("integration", "e2e", "kernels"):
            run_python(kind, results, args.only)
    passed = sum(1 for _, ok in results if ok)
    failed = len(results) - passed
    if failed:
        print("failed: " + ", ".join(n for n, ok in results if not ok))
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed or not results else 0


if __name__ == "__main__":
    sys.exit(main())
