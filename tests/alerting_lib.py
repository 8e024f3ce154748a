"""The alerting chain for end-to-end tests, all real programs from Debian:
Prometheus with pantau's shipped configuration and rules, Alertmanager with
the shipped configuration pointed at an SMTP sink (python3-aiosmtpd writing
to a maildir). Only what a test must change is changed: the intervals, the
addresses and the paths; every rule and route is the shipped one, unless a
test passes rule files of its own (a copy of the shipped rules with shorter
windows, say)."""

import email
import email.policy
import json
import mailbox
import os
import shutil
import subprocess
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

import yaml
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Mailbox

from pantau_lib import ROOT, TestFailure, check, free_port, wait_for

PROM_DIR = os.path.join(ROOT, "dashboards", "prometheus")
AM_DIR = os.path.join(ROOT, "dashboards", "alertmanager")


def stop_process(proc, log):
    """Stop a peer started with its log file open; the log is closed."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    log.close()


def _wait_ready(addr, proc, log_path, what):
    def ready():
        if proc.poll() is not None:
            with open(log_path) as f:
                raise TestFailure("%s exited with %d: %s" % (what, proc.returncode, f.read()[-3000:]))
        try:
            with urllib.request.urlopen("http://%s/-/ready" % addr, timeout=2) as r:
                return r.status == 200
        except OSError:
            return False
    wait_for(ready, 30, what + " to be ready")


class SmtpSink:
    """An SMTP server on a free loopback port that keeps every message in
    a maildir and notes when each arrived."""

    class _Handler(Mailbox):
        def __init__(self, path, arrivals):
            super().__init__(path)
            self.arrivals = arrivals

        def handle_message(self, message):
            super().handle_message(message)
            self.arrivals.append((time.time(), message))

    def __init__(self, tmp):
        self.maildir = os.path.join(tmp, "maildir")
        self.arrivals = []
        self.port = free_port()
        self.addr = "127.0.0.1:%d" % self.port
        self.controller = Controller(self._Handler(self.maildir, self.arrivals),
                                     hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def messages(self):
        """[(arrival time, email.message.EmailMessage)] in arrival order."""
        return [(t, email.message_from_bytes(m.as_bytes(), policy=email.policy.default))
                for t, m in list(self.arrivals)]

    def stored(self):
        return len(mailbox.Maildir(self.maildir, create=False))

    def stop(self):
        self.controller.stop()


def mail_text(msg):
    part = msg.get_body(preferencelist=("plain",))
    return part.get_content() if part else ""


class Peer:
    """A program of the Prometheus family on a free loopback port, its
    config (YAML text, or a dict written as YAML) and log in tmp under
    name; ready when built."""

    def __init__(self, tmp, name, argv, config):
        self.config = os.path.join(tmp, name + ".yml")
        with open(self.config, "w") as f:
            f.write(config if isinstance(config, str) else yaml.safe_dump(config))
        self.addr = "127.0.0.1:%d" % free_port()
        self.log_path = os.path.join(tmp, name + ".log")
        self.log = open(self.log_path, "w")
        self.proc = subprocess.Popen(
            list(argv) + ["--config.file=" + self.config, "--web.listen-address=" + self.addr],
            stdout=self.log, stderr=subprocess.STDOUT)
        _wait_ready(self.addr, self.proc, self.log_path, name)

    def log_text(self):
        self.log.flush()
        with open(self.log_path) as f:
            return f.read()

    def stop(self):
        stop_process(self.proc, self.log)


class Alertmanager(Peer):
    """prometheus-alertmanager with the shipped alertmanager.yml, its SMTP
    smarthost set to the sink and its timers shortened."""

    def __init__(self, tmp, smtp_addr, group_wait="1s", group_interval="2s"):
        with open(os.path.join(AM_DIR, "alertmanager.yml")) as f:
            cfg = yaml.safe_load(f)
        g = cfg["global"]
        g["smtp_smarthost"] = smtp_addr
        g["smtp_require_tls"] = False
        # The sink takes mail without AUTH.
        g.pop("smtp_auth_username", None)
        g.pop("smtp_auth_password_file", None)
        cfg["templates"] = [os.path.join(AM_DIR, t) for t in cfg["templates"]]
        for route in [cfg["route"]] + cfg["route"].get("routes", []):
            route["group_wait"] = group_wait
            route["group_interval"] = group_interval
        super().__init__(tmp, "alertmanager",
                         ["prometheus-alertmanager", "--storage.path=" + os.path.join(tmp, "am-data"),
                          # no gossip port: other tests run here too
                          "--cluster.listen-address="], cfg)


class PrometheusServer(Peer):
    """Debian's Prometheus with the config given, its data in tmp."""

    def __init__(self, tmp, config):
        super().__init__(tmp, "prometheus", ["prometheus", "--storage.tsdb.path=" +
                                             os.path.join(tmp, "prom-data")], config)

    def api(self, path, **params):
        """The API's JSON answer, an error's too; None if it does not answer."""
        url = "http://%s/api/v1/%s?%s" % (self.addr, path, urllib.parse.urlencode(params))
        try:
            with urllib.request.urlopen(url, timeout=10) as r:
                return json.load(r)
        except urllib.error.HTTPError as e:
            return json.load(e)
        except OSError:
            return None

    def query(self, promql, at=None):
        """An instant query's result, now or at unix time at; None if
        Prometheus does not answer."""
        params = {"query": promql}
        if at is not None:
            params["time"] = "%.3f" % at
        body = self.api("query", **params)
        if body is None:
            return None
        check(body["status"] == "success", "query %r failed: %r" % (promql, body))
        return body["data"]["result"]


class Prometheus(PrometheusServer):
    """Prometheus with the shipped prometheus.yml: the shipped rules, the
    pantau job fed by file_sd, short intervals for the test. rule_files,
    if given, are loaded instead of the shipped rules (absolute paths).
    extra_jobs, if given, are scrape configs added after the shipped ones."""

    def __init__(self, tmp, targets, alertmanager=None, interval="1s", rule_files=None,
                 extra_jobs=None):
        with open(os.path.join(PROM_DIR, "prometheus.yml")) as f:
            cfg = yaml.safe_load(f)
        g = cfg["global"]
        g["scrape_interval"] = g["evaluation_interval"] = g["scrape_timeout"] = interval
        if rule_files is None:
            cfg["rule_files"] = [os.path.join(PROM_DIR, r) for r in cfg["rule_files"]]
        else:
            cfg["rule_files"] = list(rule_files)
        if alertmanager:
            cfg["alerting"]["alertmanagers"][0]["static_configs"] = [
                {"targets": [alertmanager]}]
        else:
            cfg.pop("alerting")
        self.targets_dir = os.path.join(tmp, "targets")
        os.makedirs(self.targets_dir, exist_ok=True)
        (job,) = [j for j in cfg["scrape_configs"] if j["job_name"] == "pantau"]
        sd = job["file_sd_configs"][0]
        sd["files"] = [os.path.join(self.targets_dir, "*.yml")]
        sd["refresh_interval"] = interval
        self.set_targets(targets)
        cfg["scrape_configs"] += list(extra_jobs or [])
        super().__init__(tmp, cfg)

    def set_targets(self, targets):
        path = os.path.join(self.targets_dir, "pantau.yml")
        with open(path + ".new", "w") as f:
            yaml.safe_dump([{"targets": list(targets)}], f)
        os.rename(path + ".new", path)

    def up(self, instance):
        return any(r["value"][1] == "1"
                   for r in self.query('up{job="pantau",instance="%s"}' % instance) or [])


class Stack:
    """SMTP sink, Alertmanager and Prometheus in one temporary directory."""

    def __init__(self, targets, with_alerts=True, rule_files=None, extra_jobs=None):
        self.tmp = tempfile.mkdtemp(prefix="pantau-alerting-")
        self.smtp = self.am = self.prom = None
        try:
            if with_alerts:
                self.smtp = SmtpSink(self.tmp)
                self.am = Alertmanager(self.tmp, self.smtp.addr)
            self.prom = Prometheus(self.tmp, targets, self.am.addr if self.am else None,
                                   rule_files=rule_files, extra_jobs=extra_jobs)
        except BaseException:
            self.stop()
            raise

    def wait_for_mail(self, match, timeout, what):
        """The first mail whose subject and text satisfy match(subject,
        text); returns (arrival time, message)."""
        def find():
            for t, msg in self.smtp.messages():
                if match(str(msg["Subject"]), mail_text(msg)):
                    return t, msg
            return None
        try:
            return wait_for(find, timeout, what)
        except TestFailure as e:
            subjects = [str(m["Subject"]) for _, m in self.smtp.messages()]
            raise TestFailure("%s; mails so far: %r; alerts: %r" %
                              (e, subjects, self.prom.query("ALERTS")))

    def stop(self):
        for part in (self.prom, self.am, self.smtp):
            if part:
                try:
                    part.stop()
                except Exception:
                    pass
        shutil.rmtree(self.tmp, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()
