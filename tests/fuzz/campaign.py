#!/usr/bin/python3
"""make fuzz: every libFuzzer target for a longer while, then the line and
branch coverage of each parser they cover.

Each target runs --seconds from its seeds (tests/fuzz/corpus/<name>) and
the corpus earlier runs grew (build/fuzz-out/<target>.corpus, kept between
runs). Then the coverage build of each target (build/fuzz-cov/, clang's
-fprofile-instr-generate -fcoverage-mapping, no sanitizers) replays that
corpus once; llvm-profdata merges the profiles and llvm-cov reports the
files named on each target's "Covers:" line. The summary goes to stdout
and to build/fuzz-coverage.txt. A crash fails the run, as in make test."""

import argparse
import glob
import importlib.util
import json
import os
import re
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))


def load_runner():
    spec = importlib.util.spec_from_file_location("run", os.path.join(HERE, "..", "run.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def covers(target):
    """What a target's header names on its Covers: line: {source file: set
    of functions, empty for the whole file}. "file.c:f,g" names functions."""
    with open(os.path.join(HERE, target + ".c")) as f:
        text = f.read()
    files = {}
    # Continued on lines indented further than the comment's text.
    for m in re.finditer(r"^ \* Covers:(.*(?:\n \*  +\S.*)*)", text, re.M):
        for item in m.group(1).replace("\n *", " ").split():
            path, _, funcs = item.partition(":")
            files.setdefault(path, set()).update(f for f in funcs.split(",") if f)
    return files


def function_rows(cov, merged, objects, path):
    """{function: (lines covered, lines, branches covered, branches)} of one file."""
    out = subprocess.run([cov, "report", "-show-functions", "-instr-profile=" + merged] + objects
                         + [os.path.join(ROOT, path)], stdout=subprocess.PIPE, check=True,
                         text=True, cwd=ROOT).stdout
    rows = {}
    for line in out.splitlines():
        f = line.split()
        if len(f) == 10 and f[1].isdigit():
            name = f[0].rpartition(":")[2]	# static functions show as file.c:name
            lines, lmiss, branches, bmiss = int(f[4]), int(f[5]), int(f[7]), int(f[8])
            old = rows.get(name, (0, 0, 0, 0))
            # A static inline function shows once per binary: keep the best.
            if lines - lmiss + branches - bmiss >= old[0] + old[2]:
                rows[name] = (lines - lmiss, lines, branches - bmiss, branches)
    return rows


def replay(build, target, runner, profiles):
    """Run the corpus once through the coverage build; the profile's path."""
    binary = os.path.join(build, "fuzz-cov", target)
    profile = os.path.join(profiles, target + ".profraw")
    dirs = [os.path.join(build, "fuzz-out", target + ".corpus")]
    if os.path.isdir(runner.fuzz_seeds(target)):
        dirs.append(runner.fuzz_seeds(target))
    env = dict(os.environ, LLVM_PROFILE_FILE=profile)
    p = subprocess.run([binary, "-runs=0"] + dirs, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       text=True, errors="replace", env=env, cwd=ROOT)
    if p.returncode != 0 or not os.path.exists(profile):
        print(p.stdout[-2000:])
        raise RuntimeError("replaying %s's corpus for coverage failed" % target)
    return profile


def pct(covered, count):
    return "%5.1f%% %d/%d" % (100.0 * covered / count, covered, count) if count else "-"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build")
    ap.add_argument("--seconds", type=int, default=60)
    ap.add_argument("--only", default="", help="targets whose name contains this")
    ap.add_argument("--profdata", default="llvm-profdata-14")
    ap.add_argument("--cov", default="llvm-cov-14")
    args = ap.parse_args()
    build = os.path.abspath(args.build)
    runner = load_runner()

    results = []
    start = time.time()
    stats = runner.run_fuzz(build, results, args.only, args.seconds)
    failed = [n for n, ok in results if not ok]

    profiles = os.path.join(build, "fuzz-cov", "profiles")
    os.makedirs(profiles, exist_ok=True)
    for old in glob.glob(os.path.join(profiles, "*")):
        os.remove(old)
    raws, sources = [], {}
    for target in sorted(stats):
        raws.append(replay(build, target, runner, profiles))
        for path, funcs in covers(target).items():
            sources.setdefault(path, set()).update(funcs)
    merged = os.path.join(profiles, "merged.profdata")
    subprocess.run([args.profdata, "merge", "-sparse", "-o", merged] + raws, check=True)
    binaries = [os.path.join(build, "fuzz-cov", t) for t in sorted(stats)]
    objects = [binaries[0]] + [a for b in binaries[1:] for a in ("-object", b)]
    out = subprocess.run([args.cov, "export", "-summary-only", "-instr-profile=" + merged] + objects
                         + [os.path.join(ROOT, s) for s in sources],
                         stdout=subprocess.PIPE, check=True, text=True, cwd=ROOT)
    files = {}
    for f in json.loads(out.stdout)["data"][0]["files"]:
        sm = f["summary"]
        files[os.path.relpath(f["filename"], ROOT)] = (sm["lines"]["covered"], sm["lines"]["count"],
                                                       sm["branches"]["covered"], sm["branches"]["count"])
    for path, funcs in sources.items():
        if funcs:
            rows = function_rows(args.cov, merged, objects, path)
            got = [rows[f] for f in sorted(funcs) if f in rows]
            files[path] = tuple(sum(r[i] for r in got) for i in range(4)) if got else None

    lines = ["pantau fuzzing: %d s per target, %s" % (args.seconds, time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())),
             "", "%-28s %10s %10s %8s" % ("target", "runs", "exec/s", "corpus")]
    for target in sorted(stats):
        corpus = len(os.listdir(os.path.join(build, "fuzz-out", target + ".corpus")))
        lines.append("%-28s %10s %10s %8d" % (target, stats[target].get("number_of_executed_units", "?"),
                                             stats[target].get("average_exec_per_sec", "?"), corpus))
    lines += ["", "%-36s %-18s %-18s %s" % ("parser source", "lines", "branches", "functions")]
    for path in sources:
        c = files.get(path)
        what = ", ".join(sorted(sources[path])) or "(the whole file)"
        if c:
            lines.append("%-36s %-18s %-18s %s" % (path, pct(c[0], c[1]), pct(c[2], c[3]), what))
        else:
            lines.append("%-36s no coverage data (no target links it?)  %s" % (path, what))
    if failed:
        lines += ["", "failed: " + ", ".join(failed)]
    report = "\n".join(lines) + "\n"
    with open(os.path.join(build, "fuzz-coverage.txt"), "w") as f:
        f.write(report)
    print()
    print(report, end="")
    print("(%.0f s; written to %s)" % (time.time() - start, os.path.join(args.build, "fuzz-coverage.txt")))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
