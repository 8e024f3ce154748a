"""TLS and basic auth from the exporter toolkit's web config file
(--web-config-file): a CA, server and client certificates made with
openssl, bcrypt hashes made with libcrypt (Python's crypt module), and
pantau serving /metrics, the status page and /healthz behind them."""

import os
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
import warnings

from pantau_lib import PANTAU, Pantau, TestFailure, basic_auth, check, wait_for

with warnings.catch_warnings():
    # Deprecated in Python 3.11, which Debian 12 ships; it is libcrypt's crypt.
    warnings.simplefilter("ignore", DeprecationWarning)
    import crypt

USER, PASSWORD = "prometheus", "s3cret-Scrape"


def bcrypt_hash(password, cost=10):
    h = crypt.crypt(password, crypt.mksalt(crypt.METHOD_BLOWFISH, rounds=1 << cost))
    check(h and h.startswith("$2b$%02d$" % cost), "libcrypt made no bcrypt hash: %r" % h)
    return h


def openssl(*args):
    r = subprocess.run(["openssl"] + list(args), stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True)
    check(r.returncode == 0, "openssl %s failed:\n%s" % (" ".join(args), r.stdout))
    return r.stdout


class Pki:
    """A CA in dir, and certificates it signs: server ones for 127.0.0.1,
    client ones for TLS client use."""

    def __init__(self, d):
        self.dir = d
        self.ca_key, self.ca = self.path("ca.key"), self.path("ca.crt")
        openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                "-keyout", self.ca_key, "-out", self.ca, "-days", "2", "-subj", "/CN=pantau test CA")

    def path(self, name):
        return os.path.join(self.dir, name)

    def issue(self, name, cn, ext):
        key, csr, crt, extf = (self.path(name + s) for s in (".key", ".csr", ".crt", ".ext"))
        with open(extf, "w") as f:
            f.write(ext + "\n")
        openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                "-keyout", key, "-out", csr, "-subj", "/CN=" + cn)
        openssl("x509", "-req", "-in", csr, "-CA", self.ca, "-CAkey", self.ca_key,
                "-CAcreateserial", "-out", crt, "-days", "2", "-extfile", extf)
        return crt, key

    def server(self, name):
        return self.issue(name, "127.0.0.1", "subjectAltName=IP:127.0.0.1,DNS:localhost")

    def client(self, name):
        return self.issue(name, "prometheus", "extendedKeyUsage=clientAuth")


def write(path, text):
    # Replaced by rename, as a deploy tool would: readers see old or new.
    tmp = path + ".new"
    with open(tmp, "w") as f:
        f.write(text)
    os.replace(tmp, path)


def web_config(cert=None, key=None, users=None, headers=None, extra=""):
    out = ""
    if cert:
        out += "tls_server_config:\n  cert_file: %s\n  key_file: %s\n" % (cert, key)
    if headers:
        out += "http_server_config:\n  headers:\n" + "".join(
            "    %s: %s\n" % kv for kv in headers.items())
    if users:
        out += "basic_auth_users:\n" + "".join("  %s: '%s'\n" % kv for kv in users.items())
    return out + extra


def fetch(p, path, auth=None, context=None):
    """(status, headers, body) over HTTPS, with (user, password) or none."""
    headers = {"Authorization": basic_auth(*auth)} if auth else {}
    req = urllib.request.Request("https://%s%s" % (p.listen, path), headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=10, context=context or p.ssl) as r:
            return r.status, r.headers, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read().decode()


def timed(fn):
    start = time.monotonic()
    fn()
    return time.monotonic() - start


def served_certificate(p):
    """The PEM certificate pantau presents in a new handshake."""
    return ssl.get_server_certificate(("127.0.0.1", p.port), ca_certs=p.tls_ca_file)


def same_cert(pem_a, path_b):
    with open(path_b) as f:
        return ssl.PEM_cert_to_DER_cert(pem_a) == ssl.PEM_cert_to_DER_cert(f.read())


def plain_http_answer(port):
    """What a plain HTTP request to the port gets back (bytes, maybe none)."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(b"GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        out = b""
        try:
            while len(out) < 65536:
                chunk = s.recv(4096)
                if not chunk:
                    break
                out += chunk
        except (ConnectionResetError, socket.timeout):
            pass
        return out


class Setup:
    """A temporary directory with a PKI, a web config and pantau.yaml."""

    def __init__(self):
        self.tmp = tempfile.mkdtemp(prefix="pantau-webcfg-")
        self.pki = Pki(self.tmp)
        self.web = os.path.join(self.tmp, "web.yml")

    def start(self, web_text, yaml="", auth=None):
        write(self.web, web_text)
        p = Pantau(yaml, args=["--web-config-file", self.web], tls_ca=self.pki.ca, auth=auth)
        p.tls_ca_file = self.pki.ca
        return p

    def remove(self):
        shutil.rmtree(self.tmp, ignore_errors=True)


def test_basic_auth_over_tls_refuses_wrong_and_unknown_users():
    s = Setup()
    try:
        cert, key = s.pki.server("server")
        web = web_config(cert, key, {USER: bcrypt_hash(PASSWORD), "grafana": bcrypt_hash("other")},
                         {"X-Frame-Options": "sameorigin",
                          "Strict-Transport-Security": "max-age=31536000"})
        with s.start(web) as p:
            code, headers, body = fetch(p, "/metrics")
            check(code == 401, "no credentials: %d, want 401" % code)
            check((headers.get("WWW-Authenticate") or "").startswith("Basic"),
                  "401 without a Basic challenge: %r" % headers.get("WWW-Authenticate"))
            check("pantau_" not in body, "a 401 carried metrics")
            code, _, _ = fetch(p, "/metrics", (USER, "wrong"))
            check(code == 401, "wrong password: %d, want 401" % code)
            code, _, _ = fetch(p, "/metrics", ("mallory", PASSWORD))
            check(code == 401, "unknown user: %d, want 401" % code)
            code, _, _ = fetch(p, "/api/v1/services", ("grafana", PASSWORD))
            check(code == 401, "another user's password: %d, want 401" % code)
            code, headers, body = fetch(p, "/metrics", (USER, PASSWORD))
            check(code == 200, "right credentials: %d, want 200" % code)
            check("pantau_build_info" in body, "no metrics in the 200 answer")
            check(headers.get("Strict-Transport-Security") == "max-age=31536000",
                  "web config header missing on /metrics: %r" % dict(headers))
            # The status page sets its own X-Frame-Options: the web config's replaces it.
            code, headers, _ = fetch(p, "/", ("grafana", "other"))
            check(code == 200, "status page with the second user: %d" % code)
            check(headers.get_all("X-Frame-Options") == ["sameorigin"],
                  "X-Frame-Options on /: %r" % headers.get_all("X-Frame-Options"))
            code, headers, _ = fetch(p, "/metrics", (USER, "wrong"))
            check(headers.get("X-Frame-Options") == "sameorigin", "no header on a 401")
            # /healthz is open by default (healthz_without_auth: true).
            code, _, body = fetch(p, "/healthz")
            check(code == 200 and body == "ok\n", "/healthz without credentials: %d %r"
                  % (code, body))

            answer = plain_http_answer(p.port)
            check(not answer.startswith(b"HTTP/"),
                  "plain HTTP to the TLS listener was answered: %r" % answer[:80])
            check(b"pantau_" not in answer, "plain HTTP got metrics")
            check(p.proc.poll() is None, "pantau died on a plain HTTP request")
    finally:
        s.remove()


def test_unknown_users_take_as_long_as_known_ones_and_success_is_cached():
    s = Setup()
    try:
        cert, key = s.pki.server("server")
        # Cost 12: about 0.2 s a check here, far above a handshake's noise.
        with s.start(web_config(cert, key, {USER: bcrypt_hash(PASSWORD, 12)})) as p:
            # A path that is not served: after the check, nothing else takes time.
            known = sorted(timed(lambda: fetch(p, "/x", (USER, "wrong"))) for _ in range(5))
            unknown = sorted(timed(lambda: fetch(p, "/x", ("nobody", "wrong"))) for _ in range(5))
            first = timed(lambda: fetch(p, "/x", (USER, PASSWORD)))
            cached = sorted(timed(lambda: fetch(p, "/x", (USER, PASSWORD))) for _ in range(5))
            print("  median: wrong password %.3f s, unknown user %.3f s; right password "
                  "%.3f s first, %.3f s cached" % (known[2], unknown[2], first, cached[2]))
            check(known[2] > 0.05, "a wrong password took only %.3f s: no bcrypt?" % known[2])
            check(0.6 < unknown[2] / known[2] < 1.6,
                  "unknown user %.3f s vs known user %.3f s: timing tells them apart"
                  % (unknown[2], known[2]))
            check(cached[2] < first / 2,
                  "a cached check (%.3f s) is not faster than the first (%.3f s)"
                  % (cached[2], first))
    finally:
        s.remove()


def test_healthz_needs_credentials_when_the_yaml_says_so():
    s = Setup()
    try:
        cert, key = s.pki.server("server")
        web = web_config(cert, key, {USER: bcrypt_hash(PASSWORD)})
        with s.start(web, "healthz_without_auth: false\n", auth=(USER, PASSWORD)) as p:
            code, _, _ = fetch(p, "/healthz")
            check(code == 401, "/healthz without credentials: %d, want 401" % code)
            code, _, body = fetch(p, "/healthz", (USER, PASSWORD))
            check(code == 200 and body == "ok\n", "/healthz with credentials: %d" % code)
    finally:
        s.remove()


def test_certificate_and_users_change_without_a_restart():
    s = Setup()
    try:
        cert, key = s.pki.server("server")
        new_cert, new_key = s.pki.server("rotated")
        live_cert, live_key = s.pki.path("live.crt"), s.pki.path("live.key")
        shutil.copy(cert, live_cert)
        shutil.copy(key, live_key)
        users = {USER: bcrypt_hash(PASSWORD)}
        with s.start(web_config(live_cert, live_key, users)) as p:
            pid = p.proc.pid
            check(same_cert(served_certificate(p), cert), "pantau does not serve cert_file")
            # Rotation as certbot does it: the key, then the certificate.
            with open(new_key) as f:
                write(live_key, f.read())
            with open(new_cert) as f:
                write(live_cert, f.read())
            wait_for(lambda: same_cert(served_certificate(p), new_cert), 15,
                     "the rotated certificate to be served")
            check(p.proc.poll() is None and p.proc.pid == pid, "pantau restarted")
            code, _, _ = fetch(p, "/metrics", (USER, PASSWORD))
            check(code == 200, "scrape after rotation: %d" % code)

            # A broken file keeps the running one, and says where it is broken.
            write(s.web, web_config(live_cert, live_key, users,
                                    extra="rate_limit:\n  interval: 1s\n  burst: 5\n"))
            wait_for(lambda: "rate_limit is not supported" in p.log_text(), 15,
                     "the refused reload to be logged")
            line = [l for l in p.log_text().splitlines() if "rate_limit" in l][0]
            check("web.yml:6: rate_limit is not supported by pantau" in line,
                  "reload error without file:line: %r" % line)
            code, _, _ = fetch(p, "/metrics", (USER, PASSWORD))
            check(code == 200, "the running config was dropped on a bad reload: %d" % code)

            # A new password applies at once, and the old one stops working.
            write(s.web, web_config(live_cert, live_key, {USER: bcrypt_hash("new-password")}))
            wait_for(lambda: fetch(p, "/metrics", (USER, "new-password"))[0] == 200, 15,
                     "the new password to be accepted")
            code, _, _ = fetch(p, "/metrics", (USER, PASSWORD))
            check(code == 401, "the old (cached) password still works: %d" % code)
    finally:
        s.remove()


def test_client_certificates_are_verified():
    s = Setup()
    try:
        cert, key = s.pki.server("server")
        ccert, ckey = s.pki.client("client")
        stranger = Pki(tempfile.mkdtemp(prefix="pantau-stranger-", dir=s.tmp))
        scert, skey = stranger.client("stranger")
        web = web_config(cert, key) + ("  client_auth_type: RequireAndVerifyClientCert\n"
                                       "  client_ca_file: ca.crt\n")
        with s.start(web) as p:
            code, _, _ = fetch(p, "/metrics")
            check(code == 403, "no client certificate: %d, want 403" % code)
            ctx = ssl.create_default_context(cafile=s.pki.ca)
            ctx.load_cert_chain(scert, skey)
            code, _, _ = fetch(p, "/metrics", context=ctx)
            check(code == 403, "a certificate of another CA: %d, want 403" % code)
            ctx = ssl.create_default_context(cafile=s.pki.ca)
            ctx.load_cert_chain(ccert, ckey)
            code, _, body = fetch(p, "/metrics", context=ctx)
            check(code == 200 and "pantau_build_info" in body,
                  "a certificate of client_ca_file: %d, want 200" % code)
    finally:
        s.remove()


def test_an_unsupported_key_stops_pantau_before_it_starts():
    s = Setup()
    try:
        write(s.web, "basic_auth_users:\n  a: '%s'\nrate_limit:\n  interval: 1s\n"
              % bcrypt_hash("x", 4))
        r = subprocess.run([PANTAU, "--config", "/dev/null", "--web-config-file", s.web],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                           timeout=30)
        check(r.returncode == 2, "exit %d, want 2: %s" % (r.returncode, r.stdout))
        check("web.yml:3: rate_limit is not supported by pantau" in r.stdout,
              "no sentence naming the key and line: %r" % r.stdout)
    finally:
        s.remove()


def test_min_version_refuses_older_clients():
    s = Setup()
    try:
        cert, key = s.pki.server("server")
        with s.start(web_config(cert, key) + "  min_version: TLS13\n") as p:
            old = ssl.create_default_context(cafile=s.pki.ca)
            old.maximum_version = ssl.TLSVersion.TLSv1_2
            try:
                fetch(p, "/healthz", context=old)
                raise TestFailure("a TLS 1.2 client was served with min_version: TLS13")
            except (ssl.SSLError, urllib.error.URLError, ConnectionResetError):
                pass
            code, _, _ = fetch(p, "/healthz")
            check(code == 200, "a TLS 1.3 client: %d" % code)
        # The default, as the toolkit's: TLS 1.2 is served.
        with s.start(web_config(cert, key)) as p:
            code, _, _ = fetch(p, "/healthz", context=old)
            check(code == 200, "a TLS 1.2 client with the default min_version: %d" % code)
    finally:
        s.remove()


def test_sighup_names_web_keys_that_need_a_restart():
    s = Setup()
    try:
        cert, key = s.pki.server("server")
        write(s.web, web_config(cert, key, {USER: bcrypt_hash(PASSWORD)}))
        yaml = "web_config_file: %s\nhealthz_without_auth: true\n" % s.web
        with Pantau(yaml, tls_ca=s.pki.ca) as p:
            with open(p.config, "w") as f:
                f.write("web_config_file: %s/other.yml\nhealthz_without_auth: false\n" % s.tmp)
            p.proc.send_signal(signal.SIGHUP)
            wait_for(lambda: "config reloaded" in p.log_text(), 15, "the SIGHUP reload")
            log = p.log_text()
            check("web_config_file changed from '%s' to '%s/other.yml'; restart pantau to "
                  "apply it." % (s.web, s.tmp) in log, "no web_config_file warning: " + log)
            check("healthz_without_auth changed to false; restart pantau to apply it." in log,
                  "no healthz_without_auth warning: " + log)
            # Both stay as they were until a restart.
            code, _, _ = fetch(p, "/healthz")
            check(code == 200, "/healthz closed before a restart: %d" % code)
            code, _, _ = fetch(p, "/metrics", (USER, PASSWORD))
            check(code == 200, "the running web config was dropped: %d" % code)
    finally:
        s.remove()
