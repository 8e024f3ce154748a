"""HTTPS requests read in clear through the TLS libraries' probes:
Debian's nginx (OpenSSL) serves HTTPS with a self-signed certificate in
a test service; curl (OpenSSL) and wget (GnuTLS), each in a service of
its own, call it with the server name pay.example.test, over keep-alive
and new connections. Served requests count as protocol https per method
and status class, the clients' calls as dependencies of peer
pay.example.test, every figure exactly what the clients received."""

import collections
import json
import os
import re
import shutil
import subprocess
import tempfile

from pantau_lib import (PANTAU, Cgroup, Nginx, Pantau, TestFailure, check, http_client, series,
                        spawn_in, stop, value, wait_for)

SNI = "pay.example.test"
# Off by default (each probed call costs a trap): these tests turn it on.
# A high service cap: other work on a shared host may hold a thousand cgroups.
TLS_ON = "requests:\n  tls: true\nservices:\n  max: 20000\n"
STATUS = {"/ok": 200, "/created": 201, "/missing": 404, "/broken": 503}


def make_cert(tmp):
    key, cert = os.path.join(tmp, "key.pem"), os.path.join(tmp, "cert.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key,
                    "-out", cert, "-subj", "/CN=" + SNI, "-days", "1"],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return cert, key


def run(cg, cmd, timeout=60):
    p = spawn_in(cg, cmd, stdin=subprocess.DEVNULL)
    out, _ = p.communicate(timeout=timeout)
    return p.returncode, out


def curl(cg, port, paths, method="GET"):
    """One curl run (one connection, kept alive across paths) with SNI;
    returns {"METHOD STATUS": n} as curl received them."""
    cmd = ["curl", "-k", "-s", "--resolve", "%s:%d:127.0.0.1" % (SNI, port)]
    if method == "HEAD":
        cmd.append("-I")
    elif method == "POST":
        cmd += ["-d", "x=1"]
    for path in paths:
        cmd += ["-o", "/dev/null", "-w", "%{http_code} %{num_connects}\\n",
                "https://%s:%d%s" % (SNI, port, path)]
    rc, out = run(cg, cmd)
    lines = out.split()
    codes, conns = lines[0::2], [int(x) for x in lines[1::2]]
    check(rc == 0 and len(codes) == len(paths), "curl failed (%s): %r" % (rc, out))
    check(sum(conns) == 1, "curl used %d connections for %d requests, not one" %
          (sum(conns), len(paths)))
    return collections.Counter("%s %s" % (method, c) for c in codes)


def wget(cg, tmp, port, paths):
    """One wget run (GnuTLS; kept alive across paths), the server name
    resolved through a private /etc/hosts; returns {"GET STATUS": n}."""
    hosts = os.path.join(tmp, "hosts")
    with open(hosts, "w") as f:
        f.write("127.0.0.1 localhost\n127.0.0.1 %s\n" % SNI)
    urls = " ".join("https://%s:%d%s" % (SNI, port, p) for p in paths)
    script = ("mount --bind %s /etc/hosts && exec wget --no-check-certificate -S -O /dev/null "
              "--tries=1 %s 2>&1" % (hosts, urls))
    rc, out = run(cg, ["unshare", "-m", "--propagation", "private", "sh", "-c", script])
    codes = re.findall(r"^\s+HTTP/1\.1 (\d{3})", out, re.M)
    check(len(codes) == len(paths), "wget (exit %s) got %d answers for %d requests: %s" %
          (rc, len(codes), len(paths), out[-2000:]))
    check(len(re.findall(r"Connecting to ", out)) == 1, "wget did not keep its connection: %s" %
          out[-2000:])
    return collections.Counter("GET %s" % c for c in codes)


def by_method_class(tally):
    out = collections.Counter()
    for k, n in tally.items():
        method, status = k.split()
        out[(method, status[0] + "xx")] += n
    return out


def by_class(tally):
    out = collections.Counter()
    for k, n in tally.items():
        out[k.split()[1][0] + "xx"] += n
    return {k: float(v) for k, v in out.items()}


def wait_count(p, name, total, what, **labels):
    """The scrape once name{labels} reaches total; on a timeout, what
    pantau counted for the service instead, and its log."""
    try:
        return wait_for(lambda: (lambda m: value(m, name, **labels) == total and m)(p.metrics()),
                        20, what)
    except TestFailure:
        m = p.metrics()
        for metric in ("pantau_requests_total", "pantau_dependency_requests_total"):
            print("  %s: %r" % (metric, series(m, metric, service=labels["service"])))
        print("  pantau's log:\n" + p.log_text())
        raise


def served(m, service, protocol="https"):
    return {(dict(ls)["method"], dict(ls)["status_class"]): v for ls, v in
            series(m, "pantau_requests_total", service=service, protocol=protocol).items()}


def deps(m, service, protocol="https"):
    return {dict(ls)["status_class"]: v for ls, v in
            series(m, "pantau_dependency_requests_total", service=service, peer=SNI,
                   protocol=protocol).items()}


def check_events(path, service, tally):
    """One pantau.http event per request nginx answered, scheme https,
    with the method and status the client got and a path nginx serves."""
    with open(path) as f:
        docs = [d for d in map(json.loads, f) if d["event"]["dataset"] == "pantau.http"
                and d["service"]["name"] == service]
    got = collections.Counter("%s %d" % (d["http"]["request"]["method"],
                                         d["http"]["response"]["status_code"]) for d in docs)
    schemes = collections.Counter(d["url"]["scheme"] for d in docs)
    paths = collections.Counter(d["url"].get("path") for d in docs)
    print("  events: %d pantau.http, schemes %s, paths %s" % (len(docs), dict(schemes),
                                                             dict(paths)))
    check(got == tally, "events by method and status %r, clients %r" % (dict(got), dict(tally)))
    check(schemes == {"https": len(docs)}, "event schemes %r" % dict(schemes))
    check(set(paths) <= set(STATUS), "event paths %r" % dict(paths))


def test_https_served_and_called_are_counted_exactly():
    srv, ccli, gcli = Cgroup("t-tlsgw"), Cgroup("t-curl"), Cgroup("t-wget")
    tmp = tempfile.mkdtemp(prefix="pantau-https-")
    nginx = None
    try:
        cert, key = make_cert(tmp)
        with Pantau(config=TLS_ON, args=("--events-file", "@EVENTS@")) as p:
            nginx = Nginx(srv, addrs=("127.0.0.1",), tls=(cert, key))
            port = nginx.port
            curl_tally = collections.Counter()
            # Keep-alive: five requests on one connection.
            curl_tally += curl(ccli, port, ["/ok", "/created", "/missing", "/broken", "/ok"])
            # New connections, one request each.
            curl_tally += curl(ccli, port, ["/ok"])
            curl_tally += curl(ccli, port, ["/created"], method="POST")
            curl_tally += curl(ccli, port, ["/missing"], method="HEAD")
            curl_tally += curl(ccli, port, ["/broken"])
            wget_tally = wget(gcli, tmp, port, ["/ok", "/missing", "/broken", "/ok"])
            wget_tally += wget(gcli, tmp, port, ["/created"])
            tally = curl_tally + wget_tally
            total = sum(tally.values())
            m = wait_count(p, "pantau_request_duration_seconds_count", total,
                           "%d HTTPS requests in the duration histogram" % total,
                           service=srv.service, protocol="https")
            got = served(m, srv.service)
            want = {k: float(v) for k, v in by_method_class(tally).items()}
            print("  clients received %s" % dict(tally))
            print("  nginx served (pantau): %s" % {"%s %s" % k: int(v) for k, v in
                                                   sorted(got.items())})
            check(got == want, "HTTPS requests served: pantau %r, clients %r" % (got, want))
            check(not series(m, "pantau_requests_total", service=srv.service, protocol="tls"),
                  "decrypted connections also counted as tls: %r" %
                  served(m, srv.service, "tls"))
            check(not series(m, "pantau_requests_total", service=srv.service, status_class="none"),
                  "requests without an answer, but every one was answered")
            check_events(p.events_path, srv.service, tally)
            for cg, t, name in ((ccli, curl_tally, "curl (OpenSSL)"),
                                (gcli, wget_tally, "wget (GnuTLS)")):
                n = sum(t.values())
                m = wait_count(p, "pantau_dependency_request_duration_seconds_count", n,
                               "%d calls of %s in the duration histogram" % (n, name),
                               service=cg.service, peer=SNI, protocol="https")
                got = deps(m, cg.service)
                print("  %s called %s: client %r, pantau %r" % (name, SNI, by_class(t), got))
                check(got == by_class(t), "%s calls to %s: pantau %r, client %r" %
                      (name, SNI, got, by_class(t)))
                check(not deps(m, cg.service, "tls"), "%s calls also counted as tls: %r" %
                      (name, deps(m, cg.service, "tls")))
    finally:
        if nginx:
            nginx.stop()
        for cg in (srv, ccli, gcli):
            cg.remove()
        shutil.rmtree(tmp, ignore_errors=True)


def test_later_library_is_probed_and_unprobeable_one_reported():
    """A process started after pantau with a libssl file of its own (a
    copy: another inode) is followed once pantau has read its maps; a
    library named libssl that lacks OpenSSL's functions is reported in
    one line, in the log and by --check; plain HTTP is counted as before."""
    srv, cli, odd, plain = Cgroup("t-tlslate"), Cgroup("t-tlscli"), Cgroup("t-tlsodd"), \
        Cgroup("t-plain")
    tmp = tempfile.mkdtemp(prefix="pantau-https-")
    nginx = plain_nginx = holder = None
    try:
        cert, key = make_cert(tmp)
        libdir, odddir = os.path.join(tmp, "lib"), os.path.join(tmp, "odd")
        os.mkdir(libdir)
        os.mkdir(odddir)
        shutil.copy("/usr/lib/x86_64-linux-gnu/libssl.so.3", libdir)
        # A real shared object without a single SSL_ function, named like libssl.
        shutil.copy("/usr/lib/x86_64-linux-gnu/libz.so.1", os.path.join(odddir, "libssl.so.3"))
        with Pantau(config=TLS_ON) as p:
            nginx = Nginx(srv, addrs=("127.0.0.1",), tls=(cert, key),
                          env=("LD_LIBRARY_PATH=" + libdir,))
            lib = os.path.join(libdir, "libssl.so.3")
            with open("/proc/%d/maps" % nginx.proc.pid) as f:
                check(lib in f.read(), "nginx did not map the copy %s" % lib)
            wait_for(lambda: "%s (OpenSSL): HTTPS followed in clear" % lib in p.log_text(), 10,
                     "pantau to probe %s" % lib)
            tally = curl(cli, nginx.port, ["/ok", "/missing", "/broken"])
            tally += curl(cli, nginx.port, ["/created"], method="POST")
            total = sum(tally.values())
            m = wait_count(p, "pantau_request_duration_seconds_count", total,
                           "%d HTTPS requests" % total, service=srv.service, protocol="https")
            got = served(m, srv.service)
            want = {k: float(v) for k, v in by_method_class(tally).items()}
            print("  nginx started later with %s: pantau %r, client %r" % (lib, got, want))
            check(got == want, "HTTPS through the later library: pantau %r, client %r" %
                  (got, want))

            holder = spawn_in(odd, ["env", "LD_PRELOAD=" + os.path.join(odddir, "libssl.so.3"),
                                    "sleep", "60"], stdin=subprocess.DEVNULL)
            line = "cannot follow HTTPS through %s/libssl.so.3: no SSL_do_handshake, SSL_read, " \
                   "SSL_write, SSL_free to probe" % odddir
            wait_for(lambda: line in p.log_text(), 10, "the unprobeable library in the log")
            print("  log: %s" % [l for l in p.log_text().splitlines() if odddir in l][0])
            chk = subprocess.run([PANTAU, "--check", "--config", p.config], stdout=subprocess.PIPE,
                                 stderr=subprocess.STDOUT, text=True, timeout=120)
            check(sum(1 for l in chk.stdout.splitlines() if line in l) == 1,
                  "--check did not report %s in one line:\n%s" % (odddir, chk.stdout))

            plain_nginx = Nginx(plain, addrs=("127.0.0.1",))
            ptally = http_client(cli, "127.0.0.1", plain_nginx.port, "keepalive", "close")
            ptotal = sum(ptally.values())
            m = wait_for(lambda: (lambda m: value(m, "pantau_request_duration_seconds_count",
                                                  service=plain.service, protocol="http") == ptotal
                                  and m)(p.metrics()), 15, "%d plain HTTP requests" % ptotal)
            got = served(m, plain.service, "http")
            want = {k: float(v) for k, v in by_method_class(ptally).items()}
            print("  plain HTTP alongside: pantau %r, client %r" % (got, want))
            check(got == want, "plain HTTP: pantau %r, client %r" % (got, want))
    finally:
        for proc in (nginx, plain_nginx):
            if proc:
                proc.stop()
        if holder:
            stop(holder)
        for cg in (srv, cli, odd, plain):
            cg.remove()
        shutil.rmtree(tmp, ignore_errors=True)
