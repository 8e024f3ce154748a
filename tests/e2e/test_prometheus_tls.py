"""A real Prometheus scraping pantau over TLS with basic auth, as it would
scrape node_exporter with the same web config file: the job with the
right password is up, the one with a wrong password gets 401 and is
down, and one that tries plain HTTP is down too."""

import os
import shutil
import subprocess
import tempfile
import warnings

from alerting_lib import PrometheusServer
from pantau_lib import Pantau, check, wait_for

with warnings.catch_warnings():
    # Deprecated in Python 3.11, which Debian 12 ships; it is libcrypt's crypt.
    warnings.simplefilter("ignore", DeprecationWarning)
    import crypt

USER, PASSWORD = "prometheus", "s3cret-Scrape"

SCRAPE_CONFIG = """global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: pantau
    scheme: https
    tls_config:
      ca_file: %(ca)s
      server_name: localhost
    basic_auth:
      username: %(user)s
      password: %(password)s
    static_configs:
      - targets: ["%(target)s"]
  - job_name: pantau_wrong_password
    scheme: https
    tls_config:
      ca_file: %(ca)s
      server_name: localhost
    basic_auth:
      username: %(user)s
      password: not-the-password
    static_configs:
      - targets: ["%(target)s"]
  - job_name: pantau_plain_http
    scheme: http
    basic_auth:
      username: %(user)s
      password: %(password)s
    static_configs:
      - targets: ["%(target)s"]
"""


def openssl(*args):
    r = subprocess.run(["openssl"] + list(args), stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True)
    check(r.returncode == 0, "openssl %s failed:\n%s" % (" ".join(args), r.stdout))


def make_pki(d):
    """(ca, server cert, server key) in d; the server is localhost and 127.0.0.1."""
    ca, ca_key = os.path.join(d, "ca.crt"), os.path.join(d, "ca.key")
    crt, key, csr = (os.path.join(d, n) for n in ("server.crt", "server.key", "server.csr"))
    ext = os.path.join(d, "server.ext")
    with open(ext, "w") as f:
        f.write("subjectAltName=DNS:localhost,IP:127.0.0.1\n")
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", ca_key, "-out", ca,
            "-days", "2", "-subj", "/CN=pantau test CA")
    openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", csr,
            "-subj", "/CN=localhost")
    openssl("x509", "-req", "-in", csr, "-CA", ca, "-CAkey", ca_key, "-CAcreateserial",
            "-out", crt, "-days", "2", "-extfile", ext)
    return ca, crt, key


class Prometheus(PrometheusServer):
    def up(self, job):
        res = self.query('up{job="%s"}' % job)
        return res[0]["value"][1] if res else None

    def last_error(self, job):
        body = self.api("targets", state="active") or {}
        for t in body.get("data", {}).get("activeTargets", []):
            if t["labels"].get("job") == job and t.get("lastScrape", "").startswith("2"):
                return t.get("lastError")
        return None


def test_prometheus_scrapes_over_tls_with_basic_auth():
    tmp = tempfile.mkdtemp(prefix="pantau-prom-tls-")
    prom = None
    try:
        ca, crt, key = make_pki(tmp)
        web = os.path.join(tmp, "web.yml")
        pw_hash = crypt.crypt(PASSWORD, crypt.mksalt(crypt.METHOD_BLOWFISH, rounds=1 << 10))
        with open(web, "w") as f:
            f.write("tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n"
                    "basic_auth_users:\n  %s: '%s'\n" % (USER, pw_hash))
        with Pantau(args=["--web-config-file", web], tls_ca=ca) as p:
            prom = Prometheus(tmp, SCRAPE_CONFIG % {"ca": ca, "user": USER, "password": PASSWORD,
                                                    "target": p.listen})
            wait_for(lambda: prom.up("pantau") == "1", 60,
                     "Prometheus to scrape pantau over TLS with basic auth (up == 1)")
            res = prom.query('pantau_build_info{job="pantau"}')
            check(res and res[0]["value"][1] == "1", "no pantau_build_info in Prometheus: %r" % res)
            wait_for(lambda: prom.up("pantau_wrong_password") == "0", 30,
                     "the wrong-password job to be down")
            err = wait_for(lambda: prom.last_error("pantau_wrong_password"), 30,
                           "the wrong-password job's scrape error")
            print("  wrong password: %s" % err)
            check("401" in err, "the wrong password was not answered 401: %r" % err)
            wait_for(lambda: prom.up("pantau_plain_http") == "0", 30,
                     "the plain HTTP job to be down")
            err = prom.last_error("pantau_plain_http") or ""
            print("  plain HTTP: %s" % err)
            check(err and "200" not in err, "plain HTTP scrape error: %r" % err)
            check(prom.up("pantau") == "1", "the right job went down meanwhile")
    finally:
        if prom:
            prom.stop()
        shutil.rmtree(tmp, ignore_errors=True)
