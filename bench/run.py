#!/usr/bin/python3
"""pantau's benchmarks. Each reports ratios or differences against a
baseline measured in the same run, alternating rounds so that a noisy
machine moves both sides alike. Benchmarks report; they never fail the
build. Results: bench/results/<name>.json and .md.

First it runs make for what the benchmarks need (pantau, the tools in
tests/tools/ and bench/tools/, the Debian packages of
`scripts/deps.sh bench`), so `--only NAME` works on a fresh checkout;
make skips what is up to date."""

import argparse
import glob
import importlib.util
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def benchmarks():
    """{name: path} of bench/bench_<name>.py."""
    return {os.path.basename(p)[len("bench_"):-len(".py")]: p
            for p in sorted(glob.glob(os.path.join(HERE, "bench_*.py")))}


def build_prerequisites(build):
    """The files `make bench` builds before it runs this script."""
    out = os.path.relpath(build, ROOT)
    if out.startswith(".."):
        out = build
    targets = [os.path.join(out, "pantau"), os.path.join(out, ".deps-bench")]
    for src in sorted(glob.glob(os.path.join(ROOT, "tests", "tools", "*.c")) +
                      glob.glob(os.path.join(ROOT, "bench", "tools", "*.c"))):
        # A BPF source becomes its object, a C one its program.
        stem = os.path.relpath(src, ROOT)[:-len(".c")]
        targets.append(os.path.join(out, stem + ".o" if stem.endswith(".bpf") else stem))
    return subprocess.run(["make", "-C", ROOT, "--no-print-directory", "OUTPUT=" + out] + targets).returncode


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build")
    ap.add_argument("--only", default="", metavar="NAME",
                    help="run bench/bench_NAME.py alone (the summary is rewritten either way)")
    args = ap.parse_args()
    build = os.path.abspath(args.build)
    found = benchmarks()
    if args.only and args.only not in found:
        print("bench/run.py: no benchmark '%s'; the names are %s." % (args.only, ", ".join(found)),
              file=sys.stderr)
        return 2
    if build_prerequisites(build) != 0:
        print("bench/run.py: make could not build what the benchmarks need (see above).", file=sys.stderr)
        return 1
    os.environ["PANTAU_BUILD"] = build
    sys.path.insert(0, os.path.join(ROOT, "tests"))
    sys.path.insert(0, HERE)
    os.makedirs(os.path.join(HERE, "results"), exist_ok=True)
    for name, path in found.items():
        if args.only and name != args.only:
            continue
        spec = importlib.util.spec_from_file_location(os.path.basename(path)[:-3], path)
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        print("== %s" % mod.__doc__.strip().splitlines()[0])
        mod.main(os.path.join(HERE, "results"))
    import summary
    print("== Summary (bench/results/summary.md)")
    print("\n".join(summary.write(os.path.join(HERE, "results"))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
