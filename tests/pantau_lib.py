"""Helpers for pantau's integration and end-to-end tests: run the daemon,
make cgroups that act as services, run workloads with known figures, and
parse the exposition. Standard library only (Debian's /usr/bin/python3)."""

import hashlib
import json
import os
import random
import re
import base64
import signal
import socket
import ssl
import string
import subprocess
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.environ.get("PANTAU_BUILD", os.path.join(ROOT, "build"))
PANTAU = os.path.join(BUILD, "pantau")
BURN = os.path.join(BUILD, "tests", "tools", "burn")
VALIDATORS = os.path.join(ROOT, "tests", "validators")


class TestFailure(AssertionError):
    pass


def check(cond, msg):
    if not cond:
        raise TestFailure(msg)


BPF_STATS_SYSCTL = "/proc/sys/kernel/bpf_stats_enabled"


def bpf_stats_sysctl_on():
    """Whether kernel.bpf_stats_enabled is 1, which keeps the kernel's BPF
    run stats on for every program. A tool that holds them on through
    BPF_ENABLE_STATS (pantau with bpf_run_stats) does not show here."""
    try:
        with open(BPF_STATS_SYSCTL) as f:
            return f.read().strip() == "1"
    except OSError:
        return False


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

    def __init__(self, config="", args=(), tls_ca=None, auth=None):
        """tls_ca: the CA file to trust when pantau serves HTTPS (its web
        config turns TLS on); auth: (user, password) sent with every request."""
        self.scheme = "https" if tls_ca else "http"
        self.ssl = ssl.create_default_context(cafile=tls_ca) if tls_ca else None
        self.auth = auth
        self.port = free_port()
        self.listen = "127.0.0.1:%d" % self.port
        self.tmp = tempfile.mkdtemp(prefix="pantau-test-")
        self.config = os.path.join(self.tmp, "pantau.yaml")
        with open(self.config, "w") as f:
            f.write(config)
        self.log = open(os.path.join(self.tmp, "pantau.log"), "w+")
        # "@EVENTS@" in args stands for an events file in this run's directory.
        self.events_path = os.path.join(self.tmp, "events.jsonl")
        args = [self.events_path if a == "@EVENTS@" else a for a in args]
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
        text = self.log_text()
        # No caller will stop a pantau that never came up: stop it here.
        self.proc.kill()
        self.proc.wait()
        raise TestFailure("pantau did not answer /healthz within 20 s: " + text)

    def log_text(self):
        self.log.flush()
        with open(self.log.name) as f:
            return f.read()

    def _request(self, path, headers):
        headers = dict(headers or {})
        if self.auth and "Authorization" not in headers:
            headers["Authorization"] = basic_auth(*self.auth)
        return urllib.request.Request("%s://%s%s" % (self.scheme, self.listen, path),
                                      headers=headers)

    def get(self, path, headers=None):
        with urllib.request.urlopen(self._request(path, headers), timeout=10,
                                    context=self.ssl) as r:
            return r.read().decode()

    def request(self, path, headers=None):
        """(status, headers, body as text) of a GET, also for error statuses."""
        req = self._request(path, headers)
        try:
            with urllib.request.urlopen(req, timeout=10, context=self.ssl) as r:
                return r.status, r.headers, r.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.headers, e.read().decode()

    def status(self, name=None, lang=None):
        """The JSON API: every service, or the one named name (None if unknown)."""
        path = "/api/v1/services"
        if name is not None:
            path += "/" + urllib.parse.quote(name, safe="")
        if lang:
            path += "?lang=" + lang
        code, _, body = self.request(path)
        if name is not None and code == 404:
            return None
        check(code == 200, "GET %s answered %d: %s" % (path, code, body))
        return json.loads(body)

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


def basic_auth(user, password):
    """The Authorization header's value for HTTP basic auth."""
    return "Basic " + base64.b64encode(("%s:%s" % (user, password)).encode()).decode()


def cpu_window(metrics, cg, services, seconds):
    """pantau's CPU seconds for services between two scrapes (metrics()
    parses one) `seconds` apart, against cpu.stat read around each: returns
    (got, lo, hi, error, last metrics), where [lo, hi] holds every value the
    two readings allow and error is got's distance outside it over hi."""
    b1 = cg.usage_usec() / 1e6
    m1 = metrics()
    a1 = cg.usage_usec() / 1e6
    time.sleep(seconds)
    b2 = cg.usage_usec() / 1e6
    m2 = metrics()
    a2 = cg.usage_usec() / 1e6
    got = sum(value(m2, "pantau_cpu_seconds_total", service=s) -
              value(m1, "pantau_cpu_seconds_total", service=s) for s in services)
    lo, hi = b2 - a1, a2 - b1
    return got, lo, hi, (lo - got if got < lo else got - hi if got > hi else 0) / hi, m2


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


def controller_mount(controller):
    """Where a cgroup v1 controller is mounted, or None."""
    with open("/proc/self/mountinfo") as f:
        for line in f:
            left, _, right = line.partition(" - ")
            fields = right.split()
            if fields and fields[0] == "cgroup" and controller in fields[-1].split(","):
                return left.split(" ")[4]
    return None


def cgroup2_has(controller):
    with open(os.path.join(cgroup2_mount(), "cgroup.controllers")) as f:
        return controller in f.read().split()


class Limited:
    """Limits for a test service, where this host enforces them: cgroup2
    (memory.max / cpu.max) on unified hosts, else the v1 controllers.
    join_args are the burn --cgroup options that put a process under them."""

    def __init__(self, cg, memory_bytes=None, cpu_quota_us=None, cpu_period_us=100000):
        self.dirs = []
        self.join_args = ["--cgroup", cg.path]
        if memory_bytes is not None:
            self._limit("memory", cg, {"memory.max": memory_bytes},
                        {"memory.limit_in_bytes": memory_bytes})
        if cpu_quota_us is not None:
            self._limit("cpu", cg, {"cpu.max": "%d %d" % (cpu_quota_us, cpu_period_us)},
                        {"cpu.cfs_period_us": cpu_period_us, "cpu.cfs_quota_us": cpu_quota_us})

    def _limit(self, controller, cg, v2_files, v1_files):
        if cgroup2_has(controller):
            with open(os.path.join(cgroup2_mount(), "cgroup.subtree_control"), "w") as f:
                f.write("+" + controller)
            for k, v in v2_files.items():
                with open(os.path.join(cg.path, k), "w") as f:
                    f.write(str(v))
            return
        root = controller_mount(controller)
        check(root, "neither cgroup2 nor cgroup v1 has the %s controller here" % controller)
        d = os.path.join(root, cg.name)
        os.mkdir(d)
        self.dirs.append(d)
        for k, v in v1_files.items():
            with open(os.path.join(d, k), "w") as f:
                f.write(str(v))
        self.join_args += ["--cgroup", d]

    def remove(self):
        for d in self.dirs:
            for _ in range(50):
                try:
                    os.rmdir(d)
                    break
                except FileNotFoundError:
                    break
                except OSError:
                    time.sleep(0.1)


class LoopDevice:
    """A loop device over a sparse file of size bytes: .path (/dev/loopN) and
    .dev (loopN); remove() detaches it and deletes the file."""

    def __init__(self, size):
        self.tmp = tempfile.mkdtemp(prefix="pantau-loop-")
        self.backing = os.path.join(self.tmp, "disk.img")
        with open(self.backing, "wb") as f:
            f.truncate(size)
        self.path = subprocess.run(["losetup", "--find", "--show", self.backing], check=True,
                                   stdout=subprocess.PIPE, text=True).stdout.strip()
        self.dev = os.path.basename(self.path)

    def remove(self):
        subprocess.run(["losetup", "-d", self.path], check=False)
        os.unlink(self.backing)
        os.rmdir(self.tmp)


def vmrss_bytes(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise TestFailure("no VmRSS for pid %d" % pid)


TCPWORK = os.path.join(ROOT, "tests", "tools", "tcpwork.py")


def spawn_in(cg, cmd, netns=None, stdin=None):
    """Start cmd as a process of the cgroup (and network namespace), its
    stdout a pipe: the shell joins the cgroup, then execs cmd (through
    ip netns exec, which remounts /sys, hence the order)."""
    script = 'echo $$ > "%s/cgroup.procs" && exec "$@"' % cg.path
    if netns:
        cmd = ["ip", "netns", "exec", netns] + list(cmd)
    argv = ["sh", "-c", script, "sh"] + list(cmd)
    return subprocess.Popen(argv, stdin=stdin, stdout=subprocess.PIPE, text=True)


def tcp_server(cg, host, port, *flags, netns=None):
    """tcpwork's echo server in the cgroup, once it listens."""
    p = spawn_in(cg, ["/usr/bin/python3", TCPWORK, "server", host, str(port)] + list(flags),
                 netns=netns)
    line = p.stdout.readline()
    check(line.strip() == "ready", "tcp server did not start: %r" % line)
    return p


def tcp_client(cg, host, port, conns, nbytes, netns=None):
    """Run tcpwork's client in the cgroup to the end; returns its report."""
    import json
    p = spawn_in(cg, ["/usr/bin/python3", TCPWORK, "client", host, str(port), str(conns),
                      str(nbytes)], netns=netns)
    out, _ = p.communicate(timeout=120)
    check(p.returncode == 0, "tcp client failed (%s): %r" % (p.returncode, out))
    return json.loads(out.strip().splitlines()[-1])


def stop(proc):
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


HTTPWORK = os.path.join(ROOT, "tests", "tools", "httpwork.py")

NGINX_CONF = """worker_processes 1;
daemon off;
pid %(tmp)s/nginx.pid;
error_log %(tmp)s/error.log;
events { worker_connections 1024; }
http {
  access_log off;
  sendfile on;
  client_body_temp_path %(tmp)s/body;
  proxy_temp_path %(tmp)s/proxy;
  fastcgi_temp_path %(tmp)s/fastcgi;
  uwsgi_temp_path %(tmp)s/uwsgi;
  scgi_temp_path %(tmp)s/scgi;
  server {
%(listens)s%(server_extra)s
    location = /ok { return 200 "ok\\n"; }
    location = /created { return 201 "created\\n"; }
    location = /missing { return 404; }
    location = /broken { return 503; }
    location = /big { root %(tmp)s; }
  }
}
"""


class LossyNetns:
    """A network namespace behind a veth pair, HOST.1/30 on this side and
    HOST.2/30 inside, whose INPUT drops TCP segments at random with the
    given probability (iptables' statistic match; there is no netem
    here). A context manager: everything is removed on exit."""

    def __init__(self, net, drop):
        self.name = "pantau-t-" + os.urandom(3).hex()
        self.host_if, self.ns_if = "pt%s" % self.name[-6:], "pn%s" % self.name[-6:]
        self.host_addr, self.ns_addr = net + ".1", net + ".2"
        self.drop = drop

    def __enter__(self):
        try:
            self._sh("ip", "netns", "add", self.name)
            self._sh("ip", "link", "add", self.host_if, "type", "veth", "peer", "name", self.ns_if,
                     "netns", self.name)
            self._sh("ip", "addr", "add", self.host_addr + "/30", "dev", self.host_if)
            self._sh("ip", "link", "set", self.host_if, "up")
            self._inside("ip", "addr", "add", self.ns_addr + "/30", "dev", self.ns_if)
            self._inside("ip", "link", "set", self.ns_if, "up")
            self._inside("ip", "link", "set", "lo", "up")
            self._inside("iptables", "-A", "INPUT", "-p", "tcp", "-m", "statistic", "--mode",
                         "random", "--probability", str(self.drop), "-j", "DROP")
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def __exit__(self, *exc):
        subprocess.run(["ip", "netns", "del", self.name], stderr=subprocess.DEVNULL)
        subprocess.run(["ip", "link", "del", self.host_if], stderr=subprocess.DEVNULL)

    @staticmethod
    def _sh(*cmd):
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def _inside(self, *cmd):
        self._sh("ip", "netns", "exec", self.name, *cmd)


class Nginx:
    """Debian's nginx as a test service: one worker, fixed answers per path
    (/ok 200, /created 201, /missing 404, /broken 503, /big a 300 KiB file
    sent with sendfile), on 127.0.0.1 and ::1."""

    BIG_BYTES = 300 * 1024

    def __init__(self, cg, addrs=("127.0.0.1", "[::1]"), tls=None, env=()):
        """tls: (certificate, key) files to serve HTTPS instead; env:
        VAR=value strings for nginx's environment (LD_LIBRARY_PATH)."""
        self.port = free_port()
        self.tmp = tempfile.mkdtemp(prefix="pantau-nginx-")
        conf = os.path.join(self.tmp, "nginx.conf")
        with open(os.path.join(self.tmp, "big"), "wb") as f:
            f.write(os.urandom(self.BIG_BYTES))
        # The worker runs as www-data: it must reach the file.
        os.chmod(self.tmp, 0o755)
        os.chmod(os.path.join(self.tmp, "big"), 0o644)
        ssl = " ssl" if tls else ""
        listens = "".join("    listen %s:%d%s;\n" % (a, self.port, ssl) for a in addrs)
        extra = ("    ssl_certificate %s;\n    ssl_certificate_key %s;\n" % tls) if tls else ""
        with open(conf, "w") as f:
            f.write(NGINX_CONF % {"tmp": self.tmp, "port": self.port, "listens": listens,
                                  "server_extra": extra})
        cmd = ["nginx", "-c", conf]
        if env:
            cmd = ["env"] + list(env) + cmd
        self.proc = spawn_in(cg, cmd)
        self.first = addrs[0].strip("[]")
        wait_for(lambda: self._answers(), 10, "nginx to listen on %d" % self.port)

    def _answers(self):
        try:
            with socket.create_connection((self.first, self.port), timeout=1):
                return True
        except OSError:
            return False

    def stop(self):
        stop(self.proc)


def http_client(cg, host, port, *scenarios, host_header=None, netns=None):
    """Run httpwork in the cgroup (and network namespace); returns
    {"METHOD STATUS": responses}."""
    import json
    cmd = ["/usr/bin/python3", HTTPWORK, host, str(port)] + list(scenarios)
    if host_header:
        cmd = ["env", "HTTPWORK_HOST=" + host_header] + cmd
    p = spawn_in(cg, cmd, netns=netns)
    out, _ = p.communicate(timeout=120)
    check(p.returncode == 0, "http client failed (%s): %r" % (p.returncode, out))
    return json.loads(out.strip().splitlines()[-1])


def npm_ci():
    """Install the validators' locked npm packages once per lock file."""
    with open(os.path.join(VALIDATORS, "package-lock.json"), "rb") as f:
        digest = hashlib.sha256(f.read()).hexdigest()
    stamp = os.path.join(VALIDATORS, "node_modules", ".pantau-lock-sha256")
    try:
        with open(stamp) as f:
            if f.read() == digest:
                return
    except OSError:
        pass
    p = subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"],
                       cwd=VALIDATORS, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       text=True, timeout=600)
    check(p.returncode == 0, "npm ci in tests/validators failed:\n" + p.stdout)
    with open(stamp, "w") as f:
        f.write(digest)
