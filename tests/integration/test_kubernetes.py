"""deploy/kubernetes/: every manifest valid against the Kubernetes and
Prometheus Operator schemas (tests/validators/validate-kubernetes.mjs), and
a broken copy refused; then pantau itself run the way the DaemonSet runs it,
under podman, with the cgroup namespace of the host and a private one.

No cluster runs here. podman (runc, cgroupfs) takes from daemonset.yaml its
capabilities (all others dropped), hostPID, hostNetwork, the read-only root
file system, the runtime's default seccomp profile, the host paths that
exist on this host (read-only, at the same place), the ConfigMap's
pantau.yaml, the Secret's web.yml, and the command line with $(POD_IP) set
to this host's address, as for a hostNetwork pod. The container's image is
the directory deploy/kubernetes/image.sh lays out (build/pantau and the
shared libraries ldd lists), run with --rootfs. The test makes the
certificate (for the PodMonitor's serverName), the bcrypt hash and the
password the Secrets leave to the operator, and scrapes the container's
address as the PodMonitor would: HTTPS, checked against the CA for that
name, with basic auth. The one change to pantau.yaml: short_lived_seconds 0,
so that a process of the cgroup2 root is named by its comm at once. Debian's
Prometheus also scrapes the private run with a job made from the
PodMonitor's endpoint (the Operator is not in Debian). A last
run on podman's bridge network instead shows why the DaemonSet asks for
hostNetwork."""

import os
import random
import shutil
import ssl
import subprocess
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
import warnings

import yaml

from alerting_lib import PrometheusServer
from pantau_lib import (BUILD, ROOT, TCPWORK, VALIDATORS, Cgroup, basic_auth, burn, cgroup2_mount,
                        check, cpu_window, free_port, npm_ci, parse_metrics, rand_suffix, spawn_in,
                        tcp_server, value, wait_for)

with warnings.catch_warnings():
    # Deprecated in Python 3.11, which Debian 12 ships; it is libcrypt's crypt.
    warnings.simplefilter("ignore", DeprecationWarning)
    import crypt

MANIFESTS = os.path.join(ROOT, "deploy", "kubernetes")
VALIDATOR = os.path.join(VALIDATORS, "validate-kubernetes.mjs")
KINDS = {"Namespace", "ConfigMap", "Secret", "DaemonSet", "Service", "PodMonitor"}

# Connections the TCP client holds open through every run.
HELD = 3

# linux/capability.h: the capabilities a DaemonSet may add here.
CAP_BITS = {"DAC_READ_SEARCH": 2, "NET_ADMIN": 12, "SYS_PTRACE": 19, "SYS_ADMIN": 21,
            "SYS_RESOURCE": 24, "PERFMON": 38, "BPF": 39}

# podman's default ulimits (nofile 1048576, nproc 4194304) are above this
# host's hard limits, and runc then refuses to start the container; crun
# refuses hybrid cgroup hosts, hence runc and the cgroupfs manager.
CONTAINERS_CONF = """[containers]
default_ulimits = ["nofile=4096:4096", "nproc=4096:4096"]
[engine]
cgroup_manager = "cgroupfs"
runtime = "runc"
"""


def validate(path):
    p = subprocess.run(["node", VALIDATOR, path], stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True, timeout=120)
    return p.returncode, p.stdout


def manifests():
    """{kind: [documents]} of deploy/kubernetes/."""
    out = {}
    for d, _, files in sorted(os.walk(MANIFESTS)):
        for f in sorted(files):
            if f.endswith(".yaml"):
                with open(os.path.join(d, f)) as fh:
                    for doc in yaml.safe_load_all(fh):
                        if doc:
                            out.setdefault(doc["kind"], []).append(doc)
    return out


def test_manifests_validate_against_the_schemas():
    npm_ci()
    code, out = validate(MANIFESTS)
    print("  " + out.strip().replace("\n", "\n  "))
    check(code == 0, "deploy/kubernetes/ does not validate:\n" + out)
    found = {line.split()[2] for line in out.splitlines() if line.endswith(": valid")}
    check(found == KINDS, "validated kinds %r, expected %r" % (sorted(found), sorted(KINDS)))


# (file, text, replacement, what the validator must say): each a single
# mistake the schemas or the API server would refuse.
BREAKAGES = [
    ("daemonset.yaml", "hostPID: true", "hostPid: true",
     "/spec/template/spec/hostPid: not a field of DaemonSet"),
    ("daemonset.yaml", "readOnlyRootFilesystem: true", "readOnlyRootFilesystem: sure",
     "readOnlyRootFilesystem: must be boolean"),
    ("daemonset.yaml", "            privileged: false\n",
     "            privileged: false\n            allowPrivilegeEscalation: false\n",
     "allowPrivilegeEscalation: false with privileged or SYS_ADMIN is refused"),
    ("podmonitor.yaml", "serverName:", "serverNmae:",
     "/tlsConfig/serverNmae: not a field of PodMonitor"),
    ("podmonitor.yaml", "scheme: https", "scheme: tls",
     "/scheme: must be equal to one of the allowed values"),
    ("service.yaml", "kind: Service", "kind: Servise", "unknown apiVersion and kind"),
    ("configmap.yaml", "  name: pantau-config\n", "  name: pantau-config\n  name: again\n",
     "Map keys must be unique"),
    ("secrets/secrets.yaml", "type: Opaque\nstringData:\n  username:",
     "type: Opaque\nstringdata:\n  username:", "/stringdata: not a field of Secret"),
]


def test_validator_refuses_a_broken_copy():
    npm_ci()
    for name, old, new, want in BREAKAGES:
        tmp = tempfile.mkdtemp(prefix="pantau-k8s-")
        try:
            shutil.copytree(MANIFESTS, tmp, dirs_exist_ok=True)
            path = os.path.join(tmp, name)
            with open(path) as f:
                text = f.read()
            check(text.count(old) == 1, "%s does not hold %r once" % (name, old))
            with open(path, "w") as f:
                f.write(text.replace(old, new))
            code, out = validate(tmp)
            print("  %s, %r -> %r: exit %d, %s" % (name, old.strip(), new.strip(), code,
                                                   (out.strip().splitlines() or [""])[-1]
                                                   if want not in out else want))
            check(code != 0 and want in out,
                  "the validator let %r -> %r in %s pass (exit %d):\n%s" % (old, new, name, code,
                                                                          out))
        finally:
            shutil.rmtree(tmp)


# ---- pantau under podman, as the DaemonSet runs it ----

def pod_spec():
    (ds,) = manifests()["DaemonSet"]
    spec = ds["spec"]["template"]["spec"]
    (ctr,) = spec["containers"]
    return spec, ctr


def openssl(*args):
    r = subprocess.run(["openssl"] + list(args), stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True)
    check(r.returncode == 0, "openssl %s failed:\n%s" % (" ".join(args), r.stdout))


def make_secrets(web_dir, server_name):
    """The Secret pantau-web's files in web_dir, with a CA, a certificate for
    server_name and a bcrypt hash where the manifest has placeholders;
    returns (CA file, user, password) as pantau-scrape would hold them."""
    k = manifests()
    web = next(s for s in k["Secret"] if s["metadata"]["name"] == "pantau-web")["stringData"]
    scrape = next(s for s in k["Secret"] if s["metadata"]["name"] == "pantau-scrape")
    user = scrape["stringData"]["username"]
    password = "pw-" + rand_suffix(16)
    d = tempfile.mkdtemp(prefix="pantau-k8s-pki-")
    ca_key, ca = os.path.join(d, "ca.key"), os.path.join(d, "ca.crt")
    openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
            "-keyout", ca_key, "-out", ca, "-days", "2", "-subj", "/CN=pantau test CA")
    csr, ext = os.path.join(d, "s.csr"), os.path.join(d, "s.ext")
    with open(ext, "w") as f:
        f.write("subjectAltName=DNS:%s\n" % server_name)
    openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
            "-keyout", os.path.join(web_dir, "tls.key"), "-out", csr, "-subj", "/CN=" + server_name)
    openssl("x509", "-req", "-in", csr, "-CA", ca, "-CAkey", ca_key, "-CAcreateserial",
            "-out", os.path.join(web_dir, "tls.crt"), "-days", "2", "-extfile", ext)
    h = crypt.crypt(password, crypt.mksalt(crypt.METHOD_BLOWFISH, rounds=1 << 10))
    check(h and h.startswith("$2b$"), "libcrypt made no bcrypt hash: %r" % h)
    text = web["web.yml"]
    check(text.count("REPLACE-with-a-bcrypt-hash") == 1, "web.yml has no hash placeholder")
    with open(os.path.join(web_dir, "web.yml"), "w") as f:
        f.write(text.replace("REPLACE-with-a-bcrypt-hash", h))
    for name in os.listdir(web_dir):
        os.chmod(os.path.join(web_dir, name), 0o400)  # the volume's defaultMode
    return ca, user, password, d


def build_rootfs(d):
    """The image's files, as deploy/kubernetes/image.sh lays them out."""
    p = subprocess.run([os.path.join(MANIFESTS, "image.sh"), "--rootfs", d, BUILD],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    check(p.returncode == 0, "image.sh failed: %s" % p.stdout)


def node_ip():
    """This host's address towards its default route, as a node's InternalIP."""
    out = subprocess.run(["ip", "-4", "route", "get", "192.0.2.255"], stdout=subprocess.PIPE,
                         text=True).stdout.split()
    check("src" in out, "no IPv4 source address for a default route: %r" % out)
    return out[out.index("src") + 1]


class PodmanPod:
    """pantau in a podman container set up from the DaemonSet's pod spec."""

    def __init__(self, cgroupns, config_dir, web_dir, own_network=False):
        """own_network: podman's bridge network instead of the host's, which
        the DaemonSet asks for (hostNetwork), to show what that changes."""
        for tool in ("podman", "runc"):
            check(shutil.which(tool), "%s is not installed: run 'make deps' (scripts/deps.sh "
                  "test installs podman and runc)" % tool)
        spec, ctr = pod_spec()
        self.tmp = tempfile.mkdtemp(prefix="pantau-k8s-podman-")
        conf = os.path.join(self.tmp, "containers.conf")
        with open(conf, "w") as f:
            f.write(CONTAINERS_CONF)
        self.env = dict(os.environ, CONTAINERS_CONF=conf)
        # Its own store: nothing of the other podman tests is touched. vfs:
        # --rootfs needs no image layers, and the overlay driver leaves its
        # directory mounted after the container is gone.
        self.base = ["podman", "--root", os.path.join(self.tmp, "root"),
                     "--runroot", os.path.join(self.tmp, "runroot"), "--storage-driver", "vfs"]
        rootfs = os.path.join(self.tmp, "rootfs")
        build_rootfs(rootfs)
        self.name = "pantau-k8s-" + rand_suffix()
        sc = ctr["securityContext"]
        check(spec["hostPID"] and spec["hostNetwork"] and not sc["privileged"],
              "the DaemonSet is no longer hostPID, hostNetwork, unprivileged")
        if own_network:
            self.ip = "10.88.%d.%d" % (random.randint(100, 250), random.randint(2, 250))
            network = ["--network", "podman", "--ip", self.ip]
        else:
            # A hostNetwork pod's IP is its node's.
            self.ip = node_ip()
            network = ["--network", "host"]
        check(sc["capabilities"]["drop"] == ["ALL"], "the DaemonSet keeps default capabilities")
        check(sc["seccompProfile"]["type"] == "RuntimeDefault", "seccomp is not RuntimeDefault")
        args = ["run", "-d", "--name", self.name, "--cgroupns", cgroupns, "--pid", "host",
                "--cap-drop", "all", "--cap-add", ",".join(sc["capabilities"]["add"])]
        args += network
        if sc["readOnlyRootFilesystem"]:
            args += ["--read-only", "--read-only-tmpfs=false"]
        # The host paths, where they exist here; the ConfigMap and Secret as files.
        volumes = {v["name"]: v for v in spec["volumes"]}
        self.mounts = []
        for m in ctr["volumeMounts"]:
            v = volumes[m["name"]]
            if "hostPath" in v:
                src = v["hostPath"]["path"]
                if not os.path.isdir(src):
                    continue
            else:
                src = config_dir if "configMap" in v else web_dir
            opt = "ro" if m.get("readOnly") else "rw"
            args += ["-v", "%s:%s:%s" % (src, m["mountPath"], opt)]
            self.mounts.append(m["mountPath"])
        env = {e["name"]: self.ip for e in ctr["env"]
               if e["valueFrom"]["fieldRef"]["fieldPath"] == "status.podIP"}
        for k, val in env.items():
            args += ["--env", "%s=%s" % (k, val)]
        command = list(ctr["command"])
        for k, val in env.items():
            command = [a.replace("$(%s)" % k, val) for a in command]
        self.port = ctr["ports"][0]["containerPort"]
        self.run(*(args + ["--rootfs", rootfs] + command))

    def run(self, *args, check_rc=True):
        p = subprocess.run(self.base + list(args), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           text=True, env=self.env, timeout=120)
        if check_rc:
            check(p.returncode == 0, "podman %s failed (%d): %s" %
                  (" ".join(args[:3]), p.returncode, p.stderr.strip()))
        return p.stdout

    def inspect(self, fmt):
        return self.run("inspect", "-f", fmt, self.name).strip()

    def status(self):
        """The container's pantau: its effective capabilities (names, from
        CapEff) and its memory cgroup's peak use in bytes (None if unread)."""
        pid = int(self.inspect("{{.State.Pid}}"))
        with open("/proc/%d/status" % pid) as f:
            eff = int(next(l for l in f if l.startswith("CapEff:")).split()[1], 16)
        caps = sorted(n for n, bit in CAP_BITS.items() if eff >> bit & 1)
        check(eff & ~sum(1 << b for b in CAP_BITS.values()) == 0,
              "capabilities beyond the DaemonSet's: CapEff %x" % eff)
        peak = None
        with open("/proc/%d/cgroup" % pid) as f:
            for line in f:
                _, ctrls, path = line.rstrip("\n").split(":", 2)
                if "memory" in ctrls.split(","):
                    try:
                        with open("/sys/fs/cgroup/memory%s/memory.max_usage_in_bytes" % path) as m:
                            peak = int(m.read())
                    except OSError:
                        pass
        return caps, peak

    def logs(self):
        p = subprocess.run(self.base + ["logs", self.name], stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True, env=self.env, timeout=60)
        return p.stdout

    def remove(self):
        self.run("rm", "-f", "-t", "5", "--ignore", self.name, check_rc=False)
        shutil.rmtree(self.tmp, ignore_errors=True)


class Scraper:
    """What the PodMonitor asks Prometheus to do: HTTPS to the pod's address,
    the certificate checked for tlsConfig.serverName, basic auth."""

    def __init__(self, ip, port, ca, user, password):
        (pm,) = manifests()["PodMonitor"]
        (ep,) = pm["spec"]["podMetricsEndpoints"]
        check(ep["scheme"] == "https" and "basicAuth" in ep, "the PodMonitor is not https + auth")
        self.url = "%s://%s:%d" % (ep["scheme"], ip, port)
        self.path = ep["path"]
        self.ctx = ssl.create_default_context(cafile=ca)
        self.ctx.check_hostname = False  # checked by hand against serverName below
        self.server_name = ep["tlsConfig"]["serverName"]
        self.auth = basic_auth(user, password)

    def get(self, path, auth=True):
        req = urllib.request.Request(self.url + path,
                                     headers={"Authorization": self.auth} if auth else {})
        try:
            with urllib.request.urlopen(req, timeout=10, context=self.ctx) as r:
                cert = r.fp.raw._sock.getpeercert()
                names = [v for k, v in cert.get("subjectAltName", ()) if k == "DNS"]
                check(self.server_name in names, "certificate names %r, not %s" %
                      (names, self.server_name))
                return r.status, r.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, ""

    def metrics(self):
        code, body = self.get(self.path)
        check(code == 200, "GET %s answered %d" % (self.path, code))
        return parse_metrics(body)


def scrape_job(target, ca, user, password_file):
    """A Prometheus scrape job with what the PodMonitor's endpoint asks for:
    its scheme, path, TLS (CA, serverName, minimum version) and basic auth;
    the job named from the pod label jobLabel names, as the Operator does."""
    (pm,) = manifests()["PodMonitor"]
    (ep,) = pm["spec"]["podMetricsEndpoints"]
    (ds,) = manifests()["DaemonSet"]
    job = ds["spec"]["template"]["metadata"]["labels"][pm["spec"]["jobLabel"]]
    tls = ep["tlsConfig"]
    return {"job_name": job, "scheme": ep["scheme"], "metrics_path": ep["path"],
            "scrape_interval": "1s", "scrape_timeout": "1s",
            "tls_config": {"ca_file": ca, "server_name": tls["serverName"],
                           "min_version": tls["minVersion"]},
            "basic_auth": {"username": user, "password_file": password_file},
            "static_configs": [{"targets": [target]}]}


def prometheus_with(tmp, job):
    """Debian's Prometheus with one scrape job."""
    return PrometheusServer(tmp, {"global": {"evaluation_interval": "1s"},
                                  "scrape_configs": [job]})


def config_dir_from_configmap(d):
    (cm,) = manifests()["ConfigMap"]
    cfg = yaml.safe_load(cm["data"]["pantau.yaml"])
    cfg.setdefault("services", {})["short_lived_seconds"] = 0
    with open(os.path.join(d, "pantau.yaml"), "w") as f:
        yaml.safe_dump(cfg, f)


def run_pod(cgroupns, svc_cg, root_comm, srv_cg, hold, own_network=False, prometheus=False):
    """pantau in podman with this cgroup namespace: returns what it says of
    the workloads, CPU checked against cpu.stat over a window of scrapes."""
    work = tempfile.mkdtemp(prefix="pantau-k8s-")
    config_dir, web_dir = os.path.join(work, "config"), os.path.join(work, "web")
    os.makedirs(config_dir)
    os.makedirs(web_dir)
    config_dir_from_configmap(config_dir)
    _, ctr = pod_spec()
    (pm,) = manifests()["PodMonitor"]
    ca, user, password, pki = make_secrets(
        web_dir, pm["spec"]["podMetricsEndpoints"][0]["tlsConfig"]["serverName"])
    pod = None
    try:
        pod = PodmanPod(cgroupns, config_dir, web_dir, own_network)
        s = Scraper(pod.ip, pod.port, ca, user, password)

        def healthy():
            try:
                return s.get("/healthz", auth=False)[0] == 200
            except OSError:
                return False
        try:
            wait_for(healthy, 30, "containerised pantau to answer /healthz on %s" % pod.ip)
        except AssertionError:
            raise AssertionError("pantau did not come up (cgroupns=%s):\n%s"
                                 % (cgroupns, pod.logs()))
        mode = pod.inspect("{{.HostConfig.CgroupMode}}")
        check(mode == cgroupns, "podman ran the container with cgroupns %r, not %r" % (mode, cgroupns))
        caps, peak = pod.status()
        code, _ = s.get("/metrics", auth=False)
        check(code == 401, "/metrics without credentials answered %d, not 401" % code)
        wait_for(lambda: value(s.metrics(), "pantau_cpu_seconds_total", service=svc_cg.service),
                 20, "the test service in /metrics")
        # Connections to a listener opened before pantau: their owner comes
        # from the listeners pantau's socket iterator found at start, and the
        # active ones are counted by the same iterator at each scrape; it
        # walks the sockets of pantau's own network namespace.
        client = hold()

        def active():
            return value(s.metrics(), "pantau_tcp_connections_active", service=srv_cg.service,
                         direction="inbound")
        if own_network:
            time.sleep(3)
            conns = active()
        else:
            conns = wait_for(lambda: active() == HELD and HELD, 15,
                             "%d active inbound connections" % HELD)
        client.stdin.write("\n")
        client.stdin.flush()
        client.communicate(timeout=60)
        time.sleep(1)
        got, lo, hi, err, m2 = cpu_window(s.metrics, svc_cg, [svc_cg.service], 3)
        names = sorted({dict(ls)["service"] for (n, ls) in m2 if n == "pantau_service_up"})
        prom_cpu = None
        if prometheus:
            pw = os.path.join(work, "password")
            with open(pw, "w") as f:
                f.write(password)
            prom = prometheus_with(work, scrape_job("%s:%d" % (pod.ip, pod.port), ca, user, pw))
            try:
                q = 'pantau_cpu_seconds_total{job="pantau",service="%s"}' % svc_cg.service
                res = wait_for(lambda: prom.query(q), 60, "Prometheus to scrape the pod as the "
                               "PodMonitor says (%s)" % q)
                prom_cpu = float(res[0]["value"][1])
                up = prom.query('up{job="pantau"}')
                check(up and up[0]["value"][1] == "1", "up{job=\"pantau\"} is %r" % up)
            except AssertionError:
                raise AssertionError("Prometheus did not scrape pantau:\n" + prom.log_text()[-3000:])
            finally:
                prom.stop()
        logs = pod.logs()
        if peak is None:
            peak = pod.status()[1]
        else:
            peak = max(peak, pod.status()[1] or 0)
        return {"caps": caps, "peak": peak, "conns": conns, "cpu": got, "lo": lo, "hi": hi,
                "err": err, "names": names, "prom_cpu": prom_cpu,
                "root": value(m2, "pantau_service_up", service=root_comm),
                "svc": value(m2, "pantau_service_up", service=svc_cg.service),
                "mounts": pod.mounts, "logs": logs}
    finally:
        if pod:
            pod.remove()
        shutil.rmtree(work, ignore_errors=True)
        shutil.rmtree(pki, ignore_errors=True)


def report(label, r, svc, root_comm, srv):
    print("  %s: %s %.3f s CPU over the window, cpu.stat %.3f..%.3f s (error %.2f %%); "
          "%s up=%s; %s active inbound %s; %d services; capabilities %s; memory peak %s; "
          "mounts %s" %
          (label, svc.service, r["cpu"], r["lo"], r["hi"], 100 * r["err"], root_comm,
           r["root"], srv.service, r["conns"], len(r["names"]), ",".join(r["caps"]),
           "%.1f MiB" % (r["peak"] / 2**20) if r["peak"] else "unread", ", ".join(r["mounts"])))


def test_pantau_in_podman_names_host_services_the_same_in_either_cgroup_namespace():
    svc, srv, cli = Cgroup("t-k8s"), Cgroup("t-k8srv"), Cgroup("t-k8cli")
    root_comm = "k8sroot-" + rand_suffix(5)
    procs = []
    try:
        # Started before pantau: their cgroups come from /proc/PID/cgroup,
        # the path a private cgroup namespace rewrites; the listener's owner
        # from the socket iterator at start.
        procs.append(burn("--cgroup", svc.path, "--forever"))
        procs.append(burn("--cgroup", cgroup2_mount(), "--comm", root_comm, "--forever"))
        port = free_port()
        procs.append(tcp_server(srv, "127.0.0.1", port))

        def hold():
            client = spawn_in(cli, ["/usr/bin/python3", TCPWORK, "client", "127.0.0.1", str(port),
                                    str(HELD), "1000", "--hold"], stdin=subprocess.PIPE)
            procs.append(client)
            check(client.stdout.readline().strip() == "holding", "the TCP client did not hold")
            return client
        results = {}
        for ns in ("host", "private"):
            # Prometheus scrapes the private run, Kubernetes' default.
            r = run_pod(ns, svc, root_comm, srv, hold, prometheus=(ns == "private"))
            results[ns] = r
            report("cgroupns=%s" % ns, r, svc, root_comm, srv)
            check(r["svc"] == 1, "cgroupns=%s: service %s is not up: %r"
                  % (ns, svc.service, r["names"]))
            check(r["err"] < 0.05, "cgroupns=%s: pantau %.3f s, cpu.stat %.3f..%.3f s"
                  % (ns, r["cpu"], r["lo"], r["hi"]))
            check(r["root"] == 1, "cgroupns=%s: the cgroup2 root's process %s is not a service "
                  "of its own: %r" % (ns, root_comm, r["names"]))
            odd = [n for n in r["names"] if ".." in n]
            check(not odd, "cgroupns=%s: services named from namespace-relative paths: %r"
                  % (ns, odd))
        # Only the private namespace differs from the host's, and only there
        # does pantau join the host's.
        check("joined the host's cgroup namespace" in results["private"]["logs"],
              "pantau did not say it joined the host's cgroup namespace:\n"
              + results["private"]["logs"])
        check("cgroup namespace" not in results["host"]["logs"],
              "with the host's cgroup namespace pantau said:\n" + results["host"]["logs"])
        print("  Prometheus, scraping as the PodMonitor says: up, %s at %.3f s CPU"
              % (svc.service, results["private"]["prom_cpu"]))
        # Why hostNetwork: in a network namespace of its own, pantau's socket
        # iterator does not see the host's connections (active: 0, not 3).
        r = run_pod("private", svc, root_comm, srv, hold, own_network=True)
        report("cgroupns=private, own network", r, svc, root_comm, srv)
        check(not r["conns"], "in its own network namespace pantau saw %r of the host's "
              "connections: hostNetwork would not be needed" % r["conns"])
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()
        for cg in (svc, srv, cli):
            cg.remove()
