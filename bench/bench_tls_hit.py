"""TLS probe cost per hit: a library call with and without pantau's uprobes.

A stand-in libssl.so.3 (built here with clang: SSL_do_handshake,
SSL_read, SSL_write and SSL_free that return at once, each starting with
an instruction the kernel must single-step, as the real ones do) is
called in a loop by a driver process, without pantau and with pantau
(requests.tls on) once it has probed that file, rounds alternating. The
difference per call is the whole cost of a hit: the trap into the kernel,
the uprobe machinery and the BPF program. The BPF programs' own share
comes from the kernel's run stats over the same calls. The objects are
never tied to a socket, so tls_exit_read and tls_exit_write stop after
their map lookup; the framer's share with real traffic is in bench_https."""

import json
import os
import shutil
import statistics
import subprocess
import tempfile
import time

from pantau_lib import Pantau, parse_metrics, wait_for

from benchlib import STATS_ON

ROUNDS = 3
CALLS = 20000

FAKE_LIB = r"""
/* Not OpenSSL: only the functions pantau probes, returning at once. */
int SSL_do_handshake(void *s) { return s != 0; }
int SSL_read(void *s, void *buf, int num) { return s && buf ? num : -1; }
int SSL_write(void *s, const void *buf, int num) { return s && buf ? num : -1; }
void SSL_free(void *s) { (void)s; }
"""

DRIVER = r"""
#include <stdio.h>
#include <string.h>
#include <time.h>
int SSL_do_handshake(void *s);
int SSL_read(void *s, void *buf, int num);
int SSL_write(void *s, const void *buf, int num);

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

int main(int argc, char **argv)
{
	static char buf[64] = "GET / HTTP/1.1\r\n\r\n";
	int n = argc > 1 ? atoi(argv[1]) : 1000, sink = 0;
	char line[16];
	double t;

	printf("ready\n");
	fflush(stdout);
	if (!fgets(line, sizeof(line), stdin))
		return 1;
	t = now();
	for (int i = 0; i < n; i++) sink += SSL_do_handshake(buf);
	printf("{\"SSL_do_handshake\": %.1f, ", (now() - t) / n);
	t = now();
	for (int i = 0; i < n; i++) sink += SSL_write(buf, buf, 18);
	printf("\"SSL_write\": %.1f, ", (now() - t) / n);
	t = now();
	for (int i = 0; i < n; i++) sink += SSL_read(buf, buf, sizeof(buf));
	printf("\"SSL_read\": %.1f, \"sink\": %d}\n", (now() - t) / n, sink);
	return 0;
}
"""

PROGRAMS = ("tls_enter", "tls_exit_read", "tls_exit_write")


def build(tmp):
    libdir = os.path.join(tmp, "lib")
    os.mkdir(libdir)
    with open(os.path.join(tmp, "fake.c"), "w") as f:
        f.write(FAKE_LIB)
    with open(os.path.join(tmp, "driver.c"), "w") as f:
        f.write("#include <stdlib.h>\n" + DRIVER)
    subprocess.run(["clang", "-O2", "-shared", "-fPIC", "-o", os.path.join(libdir, "libssl.so.3"),
                    os.path.join(tmp, "fake.c")], check=True)
    driver = os.path.join(tmp, "driver")
    subprocess.run(["clang", "-O2", "-o", driver, os.path.join(tmp, "driver.c"), "-L" + libdir,
                    "-l:libssl.so.3", "-Wl,-rpath," + libdir], check=True)
    return driver, os.path.join(libdir, "libssl.so.3")


def drive(driver, before_go=None):
    p = subprocess.Popen([driver, str(CALLS)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         text=True)
    assert p.stdout.readline().strip() == "ready"
    if before_go:
        before_go()
    out, _ = p.communicate("go\n", timeout=600)
    return json.loads(out)


def stats(p):
    m = parse_metrics(p.scrape())
    runs = {dict(ls)["program"]: v for (n, ls), v in m.items()
            if n == "pantau_bpf_program_runs_total"}
    secs = {dict(ls)["program"]: v for (n, ls), v in m.items()
            if n == "pantau_bpf_program_run_seconds_total"}
    return runs, secs


def main(results_dir):
    tmp = tempfile.mkdtemp(prefix="pantau-bench-tls-")
    rounds = []
    try:
        driver, lib = build(tmp)
        for _ in range(ROUNDS):
            base = drive(driver)
            with Pantau(config=STATS_ON + "requests:\n  tls: true\n") as p:
                marks = {}

                def probed():
                    wait_for(lambda: "%s (OpenSSL): HTTPS followed" % lib in p.log_text(), 10,
                             "pantau to probe %s" % lib)
                    marks["before"] = stats(p)

                probed_run = drive(driver, probed)
                runs1, secs1 = stats(p)
                runs0, secs0 = marks["before"]
                bpf = {prog: (secs1[prog] - secs0.get(prog, 0)) /
                       max(1, runs1[prog] - runs0.get(prog, 0)) * 1e9 for prog in PROGRAMS}
            rounds.append({"without": base, "with": probed_run, "bpf_avg_ns": bpf})
            time.sleep(1)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    calls = ("SSL_do_handshake", "SSL_write", "SSL_read")
    summary = {c: statistics.median(r["with"][c] - r["without"][c] for r in rounds) for c in calls}
    bpf = {prog: statistics.median(r["bpf_avg_ns"][prog] for r in rounds) for prog in PROGRAMS}
    result = {"rounds": rounds, "calls_per_round": CALLS, "added_ns_per_call": summary,
              "bpf_avg_ns": bpf}
    with open(os.path.join(results_dir, "tls_hit.json"), "w") as f:
        json.dump(result, f, indent=2)
    lines = ["%d calls of each function per round, %d rounds, median of the per-round "
             "differences." % (CALLS, ROUNDS), "",
             "| call | probes | added per call (µs) |", "|---|---|---|",
             "| SSL_do_handshake | entry | %.1f |" % (summary["SSL_do_handshake"] / 1e3),
             "| SSL_write | entry + return | %.1f |" % (summary["SSL_write"] / 1e3),
             "| SSL_read | entry + return | %.1f |" % (summary["SSL_read"] / 1e3), "",
             "BPF programs' own share (kernel run stats, ns per run): tls_enter %.0f, "
             "tls_exit_read %.0f, tls_exit_write %.0f." %
             (bpf["tls_enter"], bpf["tls_exit_read"], bpf["tls_exit_write"])]
    with open(os.path.join(results_dir, "tls_hit.md"), "w") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines))
