"""Containers named as their runtime names them, with real runtimes:
podman (Debian 12's 4.3.1) with runc and the cgroupfs manager runs a
container named shopcart from an image imported from a tiny rootfs (a
static httpmini), httpmini's client sends it a known script of requests,
and pantau must count every one under the service shopcart, in /metrics
and on the status page, with pantau_service_info saying container,
runtime and image. containerd (1.6.20) runs the same rootfs with ctr,
and docker (20.10) with docker-compose (1.29) as a compose service. Compose labels, containerd's CRI plugin and CRI-O are
checked from recorded state in tests/unit/test_containers.c."""

import os
import random
import shutil
import socket
import subprocess
import tempfile
import time

from pantau_lib import (BUILD, ROOT, Cgroup, Pantau, check, free_port, rand_suffix, series, value,
                        wait_for)

HTTPMINI = os.path.join(BUILD, "tests", "tools", "httpmini")
HTTPMINI_SRC = os.path.join(ROOT, "tests", "tools", "httpmini.c")
NAME = "shopcart"

# podman's default ulimits (nofile 1048576, nproc 4194304) are above this
# host's hard limits, and runc then refuses to start the container; crun
# refuses hybrid cgroup hosts, hence runc and the cgroupfs manager.
CONTAINERS_CONF = """[containers]
default_ulimits = ["nofile=1024:1024", "nproc=4096:4096"]
[engine]
cgroup_manager = "cgroupfs"
runtime = "runc"
"""


def build_rootfs(tmp):
    """tmp/rootfs with /bin/httpmini, built static: the container's whole world."""
    rootfs = os.path.join(tmp, "rootfs")
    os.makedirs(os.path.join(rootfs, "bin"))
    p = subprocess.run(["cc", "-O2", "-static", "-D_GNU_SOURCE",
                        "-I" + os.path.dirname(HTTPMINI_SRC), HTTPMINI_SRC, "-o",
                        os.path.join(rootfs, "bin", "httpmini")],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    check(p.returncode == 0, "cannot build a static httpmini for the container (libc6-dev "
          "brings libc.a): %s" % p.stdout)
    return rootfs


class Podman:
    """podman with runc and the cgroupfs manager, its config in a scratch
    directory; an image made from a rootfs holding a static httpmini."""

    def __init__(self):
        for tool in ("podman", "runc"):
            check(shutil.which(tool), "%s is not installed: run 'make deps' (scripts/deps.sh "
                  "test installs podman and runc)" % tool)
        self.tmp = tempfile.mkdtemp(prefix="pantau-podman-")
        conf = os.path.join(self.tmp, "containers.conf")
        with open(conf, "w") as f:
            f.write(CONTAINERS_CONF)
        self.env = dict(os.environ, CONTAINERS_CONF=conf)
        self.image = "localhost/pantau-test-httpmini:" + rand_suffix()
        self.imported = False
        rootfs = build_rootfs(self.tmp)
        tar = subprocess.Popen(["tar", "-C", rootfs, "-c", "."], stdout=subprocess.PIPE)
        self.run("import", "-", self.image, stdin=tar.stdout)
        tar.wait()
        self.imported = True

    def run(self, *args, stdin=None, check_rc=True):
        p = subprocess.run(["podman", "--runtime", "runc", "--cgroup-manager", "cgroupfs"] +
                           list(args), stdin=stdin, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True, env=self.env, timeout=120)
        if check_rc:
            check(p.returncode == 0, "podman %s failed (%d): %s" %
                  (" ".join(args), p.returncode, p.stderr.strip()))
        return p.stdout.strip()

    def serve(self, name, port, image=None):
        """Run httpmini serve as container name, on the host's network;
        returns the container id once it answers."""
        cid = self.run("run", "-d", "--name", name, "--network", "host", image or self.image,
                       "/bin/httpmini", "serve", "--port", str(port))
        wait_for(lambda: answers(port), 20, "container %s to listen on %d" % (name, port))
        return cid

    def remove(self, name):
        self.run("rm", "-f", "-t", "0", "--ignore", name, check_rc=False)

    def close(self):
        self.remove(NAME)
        if self.imported:
            self.run("rmi", "-f", self.image, self.image + "-2", check_rc=False)
        shutil.rmtree(self.tmp, ignore_errors=True)


def answers(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


def httpmini_client(cg, port):
    """httpmini's client script from the cgroup; {(method, "Nxx"): responses}."""
    p = subprocess.run([HTTPMINI, "client", "--port", str(port), "--cgroup", cg.path],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=120)
    check(p.returncode == 0, "httpmini client failed (%s): %s" % (p.returncode, p.stdout))
    tally = {}
    for line in p.stdout.splitlines():
        f = line.split()
        if f[0] == "requests":
            tally[(f[1], f[2])] = tally.get((f[1], f[2]), 0) + int(f[3])
    check(tally, "httpmini client printed no tally: %r" % p.stdout)
    return tally


def served(m, service):
    return {(dict(ls)["method"], dict(ls)["status_class"]): v
            for ls, v in series(m, "pantau_requests_total", service=service,
                                protocol="http").items()}


def add(a, b):
    return {k: a.get(k, 0) + b.get(k, 0) for k in set(a) | set(b)}


def wait_counted(p, want):
    want = {k: float(v) for k, v in want.items()}
    try:
        return wait_for(lambda: (lambda m: served(m, NAME) == want and m)(p.metrics()), 20,
                        "the container's requests under service %s" % NAME)
    except AssertionError:
        m = p.metrics()
        others = sorted({dict(ls)["service"] for ls in series(m, "pantau_requests_total")})
        raise AssertionError("requests of %s: pantau %r, client %r; services with requests: %s"
                             % (NAME, served(m, NAME), want, others))


def test_podman_container_is_its_name_across_recreation():
    """A container named shopcart is the service shopcart, not
    libpod_parent nor its id; removed and run again under the same name
    from a new image tag (a new id), it stays shopcart, its counts carry
    on and its info series shows the new image; once gone, the service
    stays, down, with its info series."""
    podman, cli = None, Cgroup("t-ctrcli")
    try:
        podman = Podman()
        podman.remove(NAME)
        with Pantau() as p:
            port = free_port()
            cid1 = podman.serve(NAME, port)
            first = httpmini_client(cli, port)
            m = wait_counted(p, first)
            print("  container %s (%s): client received %s" % (NAME, cid1[:12], first))

            info = series(m, "pantau_service_info", service=NAME)
            check(len(info) == 1, "pantau_service_info of %s: %r" % (NAME, info))
            labels = dict(next(iter(info)))
            print("  info: %s" % labels)
            check(labels.get("container") == NAME and labels.get("runtime") == "podman" and
                  labels.get("image") == podman.image and labels.get("pod") == "" and
                  labels.get("namespace") == "",
                  "pantau_service_info labels %r; want container %s, runtime podman, image %s"
                  % (labels, NAME, podman.image))
            names = {dict(ls)["service"] for ls in series(m, "pantau_service_up")}
            check("libpod_parent" not in names and cid1[:12] not in names,
                  "the container also shows under its folder or id: %s" %
                  sorted(n for n in names if n in ("libpod_parent", cid1[:12])))

            svc = p.status(NAME)
            check(svc is not None and svc["up"], "the status page has no live service %s: %r"
                  % (NAME, svc))
            want_ctr = {"name": NAME, "pod": "", "namespace": "", "runtime": "podman",
                        "image": podman.image}
            check(svc["container"] == want_ctr, "status page container %r, want %r" %
                  (svc["container"], want_ctr))
            # Request totals reach the page's history at its next sample.
            wait_for(lambda: (p.status(NAME) or {}).get("traffic", {}).get("has_data"), 30,
                     "request totals for %s on the status page" % NAME)

            # A new release: the same image under a new tag, a new container.
            podman.remove(NAME)
            release = podman.image + "-2"
            podman.run("tag", podman.image, release)
            cid2 = podman.serve(NAME, port, image=release)
            check(cid2 != cid1, "podman reused the container id %s" % cid1)
            second = httpmini_client(cli, port)
            m = wait_counted(p, add(first, second))
            print("  run again as %s from %s: counts carry on under %s" %
                  (cid2[:12], release, NAME))
            images = [dict(ls)["image"] for ls in series(m, "pantau_service_info", service=NAME)]
            check(images == [release], "pantau_service_info image after the re-run: %r, want %r"
                  % (images, [release]))
            t = wait_for(lambda: (lambda t: t.get("requests_per_minute") and t)(
                (p.status(NAME) or {}).get("traffic", {})), 30,
                "a request rate for %s on the status page" % NAME)
            print("  status page: %s %.1f requests/min" % (NAME, t["requests_per_minute"]))

            podman.remove(NAME)
            m = wait_for(lambda: (lambda m: value(m, "pantau_service_up", service=NAME) == 0
                                  and m)(p.metrics()), 20, "%s to be down" % NAME)
            check(series(m, "pantau_service_info", service=NAME),
                  "pantau_service_info of %s is gone with its container" % NAME)
            check(served(m, NAME) == {k: float(v) for k, v in add(first, second).items()},
                  "counts of %s changed after its container went" % NAME)
    finally:
        if podman:
            podman.close()
        cli.remove()


def test_config_rule_wins_over_the_container_name():
    """services.rules apply to containers as to any cgroup: a rule on
    podman's container cgroups names shopcart's requests, and the info
    series still says which container it is."""
    podman, cli = None, Cgroup("t-ctrrule")
    rule = 'services:\n  rules:\n    - { cgroup: "/libpod_parent/libpod-*", name: podman-apps }\n'
    try:
        podman = Podman()
        podman.remove(NAME)
        with Pantau(config=rule) as p:
            port = free_port()
            podman.serve(NAME, port)
            tally = httpmini_client(cli, port)
            want = {k: float(v) for k, v in tally.items()}
            m = wait_for(lambda: (lambda m: served(m, "podman-apps") == want and m)(p.metrics()),
                         20, "the container's requests under the rule's name podman-apps")
            check(not served(m, NAME), "requests under %s despite the rule" % NAME)
            labels = [dict(ls) for ls in series(m, "pantau_service_info", service="podman-apps")]
            check(len(labels) == 1 and labels[0]["container"] == NAME,
                  "pantau_service_info of podman-apps: %r" % labels)
    finally:
        if podman:
            podman.close()
        cli.remove()


# containerd's task bundles live in its state directory, which pantau reads
# at its default place: a containerd of this test's own uses it, unless one
# already runs there.
CONTAINERD_STATE = "/run/containerd"
CONTAINERD_CONFIG = """version = 2
root = "%(tmp)s/root"
state = "%(state)s"
disabled_plugins = ["io.containerd.grpc.v1.cri"]
[grpc]
  address = "%(tmp)s/containerd.sock"
"""
CTR_NAMESPACE = "pantau-test"
CTR_ID = "shopctr"


class Containerd:
    """containerd (Debian 12's 1.6.20) and ctr, running a container from a
    rootfs in the namespace pantau-test."""

    def __init__(self):
        for tool in ("containerd", "ctr", "runc"):
            check(shutil.which(tool), "%s is not installed: run 'make deps' (scripts/deps.sh "
                  "test installs containerd and runc)" % tool)
        self.tmp = tempfile.mkdtemp(prefix="pantau-containerd-")
        self.daemon = None
        self.address = os.path.join(CONTAINERD_STATE, "containerd.sock")
        if not self._answers():
            conf = os.path.join(self.tmp, "config.toml")
            with open(conf, "w") as f:
                f.write(CONTAINERD_CONFIG % {"tmp": self.tmp, "state": CONTAINERD_STATE})
            self.address = os.path.join(self.tmp, "containerd.sock")
            self.log = open(os.path.join(self.tmp, "containerd.log"), "w")
            self.daemon = subprocess.Popen(["containerd", "--config", conf],
                                           stdout=self.log, stderr=subprocess.STDOUT)
            wait_for(self._answers, 20, "containerd to answer on %s" % self.address)
        self.rootfs = build_rootfs(self.tmp)

    def _answers(self):
        if self.daemon and self.daemon.poll() is not None:
            with open(self.log.name) as f:
                raise AssertionError("containerd exited with %d: %s" %
                                     (self.daemon.returncode, f.read()[-2000:]))
        return os.path.exists(self.address) and subprocess.run(
            ["ctr", "--address", self.address, "version"], stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL).returncode == 0

    def ctr(self, *args, check_rc=True, namespace=CTR_NAMESPACE):
        """ctr in the namespace; the CompletedProcess."""
        p = subprocess.run(["ctr", "--address", self.address, "-n", namespace] + list(args),
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=60)
        if check_rc:
            check(p.returncode == 0, "ctr %s failed (%d): %s" %
                  (" ".join(args), p.returncode, p.stderr.strip()))
        return p

    def serve(self, port):
        self.ctr("run", "-d", "--net-host", "--rootfs", self.rootfs, CTR_ID,
                 "/bin/httpmini", "serve", "--port", str(port))
        wait_for(lambda: answers(port), 20, "ctr's %s to listen on %d" % (CTR_ID, port))

    def remove(self, cid=CTR_ID, namespace=CTR_NAMESPACE):
        self.ctr("task", "kill", "-s", "KILL", cid, check_rc=False, namespace=namespace)
        # A killed task can be deleted once it stopped: up to 5 s.
        for _ in range(50):
            rm = self.ctr("task", "rm", cid, check_rc=False, namespace=namespace)
            if rm.returncode == 0 or "not found" in rm.stderr:
                break
            time.sleep(0.1)
        self.ctr("containers", "rm", cid, check_rc=False, namespace=namespace)

    def close(self):
        self.remove()
        if self.daemon:
            self.daemon.terminate()
            try:
                self.daemon.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.daemon.kill()
                self.daemon.wait()
            self.log.close()
        shutil.rmtree(self.tmp, ignore_errors=True)


def test_ctr_container_is_its_id():
    """ctr run --rootfs DIR shopctr (cgroup /pantau-test/shopctr): its
    requests are counted under shopctr, its info series says containerd."""
    ctrd, cli = None, Cgroup("t-ctrdcli")
    try:
        ctrd = Containerd()
        ctrd.remove()
        with Pantau() as p:
            port = free_port()
            ctrd.serve(port)
            tally = httpmini_client(cli, port)
            want = {k: float(v) for k, v in tally.items()}
            try:
                m = wait_for(lambda: (lambda m: served(m, CTR_ID) == want and m)(p.metrics()),
                             20, "the container's requests under service %s" % CTR_ID)
            except AssertionError:
                m = p.metrics()
                raise AssertionError("requests of %s: pantau %r, client %r; services: %s" % (
                    CTR_ID, served(m, CTR_ID), want,
                    sorted({dict(ls)["service"] for ls in series(m, "pantau_requests_total")})))
            print("  ctr container %s: client received %s" % (CTR_ID, tally))
            info = series(m, "pantau_service_info", service=CTR_ID)
            check(len(info) == 1, "pantau_service_info of %s: %r" % (CTR_ID, info))
            labels = dict(next(iter(info)))
            print("  info: %s" % labels)
            check(labels.get("container") == CTR_ID and labels.get("runtime") == "containerd",
                  "pantau_service_info labels %r; want container %s, runtime containerd" %
                  (labels, CTR_ID))
            check(value(m, "pantau_service_up", service=CTR_NAMESPACE) is None,
                  "the container also shows as its namespace %s" % CTR_NAMESPACE)
    finally:
        if ctrd:
            ctrd.close()
        cli.remove()
        # runc removes the container's cgroup, not the namespace's above it.
        for mnt in cgroup_mounts():
            try:
                os.rmdir(os.path.join(mnt, CTR_NAMESPACE))
            except OSError:
                pass


def cgroup_mounts():
    """Mount points of cgroup2 and of each cgroup v1 hierarchy."""
    out = []
    with open("/proc/self/mountinfo") as f:
        for line in f:
            left, _, right = line.partition(" - ")
            if right.split(" ")[0] in ("cgroup", "cgroup2"):
                out.append(left.split(" ")[4])
    return out


def test_kubernetes_pod_through_containerd_is_namespace_slash_deployment():
    """A Kubernetes pod as containerd's CRI plugin lays it out, without a
    kubelet: containerd (live) runs a sandbox and an app container in
    namespace k8s.io, each in the pod's cgroup (the cgroupfs driver's
    .../pod<uid>/<id>), with the annotations the CRI plugin gives them
    (containerd pkg/cri/annotations/annotations.go). The app's requests
    are counted under shop/checkout, the Deployment, not under the pod's
    name or uid; the info series names pod, container and image."""
    ctrd, cli, made = None, Cgroup("t-podcli"), []
    uid = "1234abcd-5678-90ab-cdef-%012x" % random.getrandbits(48)
    pod, ns, image = "checkout-7d9c5b8f4-x2kqz", "shop", "registry.example/checkout:1.4"
    parent = "/pantau-test-kubepods/burstable/pod" + uid
    sandbox_id, app_id = os.urandom(32).hex(), os.urandom(32).hex()
    common = {"io.kubernetes.cri.sandbox-id": sandbox_id,
              "io.kubernetes.cri.sandbox-namespace": ns,
              "io.kubernetes.cri.sandbox-uid": uid,
              "io.kubernetes.cri.sandbox-name": pod}
    try:
        ctrd = Containerd()
        with Pantau() as p:
            port, idle = free_port(), free_port()
            for cid, ann, serve_port in (
                    (sandbox_id, dict(common, **{
                        "io.kubernetes.cri.container-type": "sandbox",
                        "io.kubernetes.cri.sandbox-log-directory": "/var/log/pods/x"}), idle),
                    (app_id, dict(common, **{
                        "io.kubernetes.cri.container-type": "container",
                        "io.kubernetes.cri.container-name": "app",
                        "io.kubernetes.cri.image-name": image}), port)):
                args = ["run", "-d", "--net-host", "--cgroup", parent + "/" + cid]
                for k, v in ann.items():
                    args += ["--annotation", "%s=%s" % (k, v)]
                made.append(cid)
                ctrd.ctr(*(args + ["--rootfs", ctrd.rootfs, cid, "/bin/httpmini", "serve",
                                   "--port", str(serve_port)]), namespace="k8s.io")
                wait_for(lambda: answers(serve_port), 20, "container %s to listen" % cid[:12])
            tally = httpmini_client(cli, port)
            want = {k: float(v) for k, v in tally.items()}
            service = "%s/checkout" % ns
            try:
                m = wait_for(lambda: (lambda m: served(m, service) == want and m)(p.metrics()),
                             20, "the pod's requests under service %s" % service)
            except AssertionError:
                m = p.metrics()
                raise AssertionError("requests of %s: pantau %r, client %r; services: %s" % (
                    service, served(m, service), want,
                    sorted({dict(ls)["service"] for ls in series(m, "pantau_requests_total")})))
            print("  pod %s/%s: client received %s" % (ns, pod, tally))
            info = [dict(ls) for ls in series(m, "pantau_service_info", service=service)]
            print("  info: %s" % info)
            check(info == [{"service": service, "container": "app", "pod": pod, "namespace": ns,
                            "runtime": "containerd", "image": image}],
                  "pantau_service_info of %s: %r" % (service, info))
            names = {dict(ls)["service"] for ls in series(m, "pantau_service_up")}
            check(not names & {uid, pod, "%s/%s" % (ns, pod)},
                  "the pod also shows by its name or uid: %s" % sorted(names & {uid, pod}))
    finally:
        if ctrd:
            for cid in made:
                ctrd.remove(cid, namespace="k8s.io")
            ctrd.close()
        cli.remove()
        # runc removes each container's cgroup, not the pod's above them.
        for mnt in cgroup_mounts():
            for d in (parent, os.path.dirname(parent), os.path.dirname(os.path.dirname(parent))):
                try:
                    os.rmdir(mnt + d)
                except OSError:
                    pass


# dockerd keeps containers' config.v2.json under its data root, which
# pantau reads at its default place (/var/lib/docker): a dockerd of this
# test's own uses it, with its socket in a scratch directory, unless one
# already answers on /var/run/docker.sock.
DOCKER_SOCK = "/var/run/docker.sock"
COMPOSE_PROJECT, COMPOSE_SERVICE = "shop", "cart"
# docker-compose 1.29 (Debian 12) names a service's first container so.
DOCKER_NAME = "shop_cart_1"
COMPOSE_FILE = """version: "2.4"
services:
  cart:
    image: %(image)s
    network_mode: host
    ulimits:
      nofile: 1024
    command: ["/bin/httpmini", "serve", "--port", "%(port)d"]
"""


class Docker:
    """dockerd (Debian 12's docker.io 20.10) with an image imported from
    the static httpmini rootfs; no bridge or iptables rules: containers
    use the host's network."""

    def __init__(self):
        for tool in ("dockerd", "docker", "docker-compose", "runc"):
            check(shutil.which(tool), "%s is not installed: run 'make deps' (scripts/deps.sh "
                  "test installs docker.io and docker-compose)" % tool)
        self.tmp = tempfile.mkdtemp(prefix="pantau-docker-")
        self.daemon = None
        self.sock = DOCKER_SOCK
        if not self._answers():
            self.sock = os.path.join(self.tmp, "docker.sock")
            self.log = open(os.path.join(self.tmp, "dockerd.log"), "w")
            self.daemon = subprocess.Popen(
                ["dockerd", "--host", "unix://" + self.sock, "--iptables=false",
                 "--ip6tables=false", "--bridge=none", "--exec-opt",
                 "native.cgroupdriver=cgroupfs", "--pidfile", os.path.join(self.tmp, "pid")],
                stdout=self.log, stderr=subprocess.STDOUT)
            wait_for(self._answers, 60, "dockerd to answer on %s" % self.sock)
        self.image = "pantau-test-httpmini:" + rand_suffix()
        self.imported = False
        rootfs = build_rootfs(self.tmp)
        tar = subprocess.Popen(["tar", "-C", rootfs, "-c", "."], stdout=subprocess.PIPE)
        self.docker("import", "-", self.image, stdin=tar.stdout)
        tar.wait()
        self.imported = True

    def _answers(self):
        if self.daemon and self.daemon.poll() is not None:
            with open(self.log.name) as f:
                raise AssertionError("dockerd exited with %d: %s" %
                                     (self.daemon.returncode, f.read()[-2000:]))
        return os.path.exists(self.sock) and subprocess.run(
            ["docker", "-H", "unix://" + self.sock, "version"], stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL).returncode == 0

    def docker(self, *args, stdin=None, check_rc=True):
        p = subprocess.run(["docker", "-H", "unix://" + self.sock] + list(args), stdin=stdin,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=120)
        if check_rc:
            check(p.returncode == 0, "docker %s failed (%d): %s" %
                  (" ".join(args), p.returncode, p.stderr.strip()))
        return p.stdout.strip()

    def serve(self, port):
        """docker-compose up of project shop, whose service cart is
        httpmini; the container's id once it answers."""
        with open(os.path.join(self.tmp, "docker-compose.yml"), "w") as f:
            f.write(COMPOSE_FILE % {"image": self.image, "port": port})
        self.compose("up", "-d")
        wait_for(lambda: answers(port), 20, "container %s to listen on %d" % (DOCKER_NAME, port))
        return self.docker("inspect", "-f", "{{.Id}}", DOCKER_NAME)

    def compose(self, *args, check_rc=True):
        p = subprocess.run(["docker-compose", "--project-name", COMPOSE_PROJECT] + list(args),
                           cwd=self.tmp, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           text=True, timeout=120, env=dict(os.environ,
                                                            DOCKER_HOST="unix://" + self.sock))
        if check_rc:
            check(p.returncode == 0, "docker-compose %s failed (%d): %s" %
                  (" ".join(args), p.returncode, p.stdout.strip()))

    def remove(self):
        if os.path.exists(os.path.join(self.tmp, "docker-compose.yml")):
            self.compose("down", "--timeout", "0", check_rc=False)
        self.docker("rm", "-f", DOCKER_NAME, check_rc=False)

    def close(self):
        self.remove()
        if self.imported:
            self.docker("rmi", "-f", self.image, check_rc=False)
        if self.daemon:
            self.daemon.terminate()
            try:
                self.daemon.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.daemon.kill()
                self.daemon.wait()
            self.log.close()
        shutil.rmtree(self.tmp, ignore_errors=True)


def test_docker_compose_service_is_project_slash_service():
    """docker-compose up of project shop with a service cart: its
    container's requests are counted under shop/cart, and its info series
    names the container shop_cart_1 and the image."""
    dock, cli = None, Cgroup("t-dockcli")
    service = "%s/%s" % (COMPOSE_PROJECT, COMPOSE_SERVICE)
    try:
        dock = Docker()
        dock.remove()
        with Pantau() as p:
            port = free_port()
            cid = dock.serve(port)
            tally = httpmini_client(cli, port)
            want = {k: float(v) for k, v in tally.items()}
            try:
                m = wait_for(lambda: (lambda m: served(m, service) == want and m)(p.metrics()),
                             20, "the container's requests under service %s" % service)
            except AssertionError:
                m = p.metrics()
                raise AssertionError("requests of %s: pantau %r, client %r; services: %s" % (
                    service, served(m, service), want,
                    sorted({dict(ls)["service"] for ls in series(m, "pantau_requests_total")})))
            print("  docker container %s (%s): client received %s" % (DOCKER_NAME, cid[:12], tally))
            info = series(m, "pantau_service_info", service=service)
            check(len(info) == 1, "pantau_service_info of %s: %r" % (service, info))
            labels = dict(next(iter(info)))
            print("  info: %s" % labels)
            check(labels.get("container") == DOCKER_NAME and labels.get("runtime") == "docker"
                  and labels.get("image") == dock.image,
                  "pantau_service_info labels %r; want container %s, runtime docker, image %s"
                  % (labels, DOCKER_NAME, dock.image))
            check(p.status(service) is not None, "the status page has no service %s" % service)
    finally:
        if dock:
            dock.close()
        cli.remove()
