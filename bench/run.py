#!/usr/bin/python3
"""pantau's benchmarks. Each reports ratios or differences against a
baseline measured in the same run, alternating rounds so that a noisy
machine moves both sides alike. Benchmarks report; they never fail the
build. Results: bench/results/<name>.json and .md."""

import argparse
import glob
import importlib.util
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build")
    ap.add_argument("--only", default="")
    args = ap.parse_args()
    os.environ["PANTAU_BUILD"] = os.path.abspath(args.build)
    sys.path.insert(0, os.path.join(os.path.dirname(HERE), "tests"))
    sys.path.insert(0, HERE)
    os.makedirs(os.path.join(HERE, "results"), exist_ok=True)
    for path in sorted(glob.glob(os.path.join(HERE, "bench_*.py"))):
        if args.only and args.only not in path:
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
