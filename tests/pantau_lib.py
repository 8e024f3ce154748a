"""Helpers for pantau's integration and end-to-end tests: run the daemon,
make cgroups that act as services, run workloads with known figures, and
parse the exposition. Standard library only (Debian's /usr/bin/python3)."""

import os
import random
import re
import signal
import socket
import string
import subprocess
import tempfile
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.environ.get("PANTAU_BUILD", os.path.join(ROOT, "build"))
PANTAU = os.path.join(BUILD, "pantau")
BURN = os.path.join(BUILD, "tests", "tools", "burn")


class TestFailure(AssertionError):
    pass


def check(cond, msg):
    if not cond:
        raise TestFailure(msg)


def rand_suffix(n=8):
    return "".join(random.choice(string.ascii_lowercase + string.digits) for _ in range(n))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cgroup2_mount():
    with open("/proc/self/mountinfo") as f:
        for line in f:
            left, _, right = line.partition(" - ")
            if right.split(" ")[0] == "cgroup2":
                return left.split(" ")[4]
    raise TestFailure("no cgroup2 mount in /proc/self/mountinfo")


class Cgroup:
    """A cgroup under the cgroup2 mount that plays a service."""

    def __init__(self, prefix, suffix=".service"):
        self.name = "%s-%s" % (prefix, rand_suffix())
        self.service = self.name
        self.path = os.path.join(cgroup2_mount(), self.name + suffix)
        os.mkdir(self.path)

    def usage_usec(self):
        with open(os.path.join(self.path, "cpu.stat")) as f:
            for line in f:
                k, v = line.split()
                if k == "usage_usec":
                    return int(v)
        raise TestFailure("no usage_usec in %s/cpu.stat" % self.path)

    def remove(self):
        for _ in range(50):
            try:
                os.rmdir(self.path)
                return
            except FileNotFoundError:
                return
            except OSError:
                time.sleep(0.1)


def burn(*args):
    """Start the burn tool; returns the Popen once it said it is ready."""
    p = subprocess.Popen([BURN] + list(args), stdout=subprocess.PIPE, text=True)
    line = p.stdout.readline()
    check(line.startswith("ready"), "burn did not start: %r" % line)
    return p


_SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$')
_LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def parse_metrics(text):
    """{(name, ((label, value), ...)): float} of the text exposition."""
    out = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        m = _SAMPLE.match(line)
        check(m, "unparsable exposition line: %r" % line)
        labels = tuple(sorted(_LABEL.findall(m.group(3) or "")))
        out[(m.group(1), labels)] = float(m.group(4))
    return out


def value(metrics, name, **labels):
    want = tuple(sorted(labels.items()))
    return metrics.get((name, want))


def series(metrics, name, **labels):
    """All samples of name whose labels include the given ones."""
    res = {}
    for (n, ls), v in metrics.items():
        d = dict(ls)
        if n == name and all(d.get(k) == val for k, val in labels.items()):
            res[ls] = v
    return res


class Pantau:
    """pantau under test, on a free loopback port with its own config."""

    def __init__(self, config="", args=()):
        self.port = free_port()
        self.listen = "127.0.0.1:%d" % self.port
        self.tmp = tempfile.mkdtemp(prefix="pantau-test-")
        self.config = os.path.join(self.tmp, "pantau.yaml")
        with open(self.config, "w") as f:
            f.write(config)
        self.log = open(os.path.join(self.tmp, "pantau.log"), "w+")
        self.proc = subprocess.Popen(
            [PANTAU, "--config", self.config, "--listen", self.listen] + list(args),
            stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.time() + 20
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise TestFailure("pantau exited with %d at start: %s" %
                                  (self.proc.returncode, self.log_text()))
            try:
                if self.get("/healthz") == "ok\n":
                    return
            except OSError:
                time.sleep(0.1)
        raise TestFailure("pantau did not answer /healthz within 20 s: " + self.log_text())

    def log_text(self):
        self.log.flush()
        with open(self.log.name) as f:
            return f.read()

    def get(self, path, headers=None):
        req = urllib.request.Request("http://%s%s" % (self.listen, path), headers=headers or {})
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.read().decode()

    def scrape(self, openmetrics=False):
        headers = {"Accept": "application/openmetrics-text; version=1.0.0"} if openmetrics else {}
        return self.get("/metrics", headers)

    def metrics(self):
        return parse_metrics(self.scrape())

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()
        return self.proc.returncode

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


def wait_for(fn, timeout, what):
    """Poll fn until it returns a true value; fail with what after timeout."""
    deadline = time.time() + timeout
    last = None
    while time.time() < deadline:
        last = fn()
        if last:
            return last
        time.sleep(0.2)
    raise TestFailure("timed out after %ss waiting for %s (last: %r)" % (timeout, what, last))
