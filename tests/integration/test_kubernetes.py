"""deploy/kubernetes/: every manifest valid against the Kubernetes and
Prometheus Operator schemas (tests/validators/validate-kubernetes.mjs), and
a broken copy refused."""

import os
import shutil
import subprocess
import tempfile

import yaml

from pantau_lib import ROOT, VALIDATORS, check, npm_ci

MANIFESTS = os.path.join(ROOT, "deploy", "kubernetes")
VALIDATOR = os.path.join(VALIDATORS, "validate-kubernetes.mjs")
KINDS = {"Namespace", "ConfigMap", "Secret", "DaemonSet", "Service", "PodMonitor"}


def validate(path):
    p = subprocess.run(["node", VALIDATOR, path], stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True, timeout=120)
    return p.returncode, p.stdout


def manifests():
    """{kind: [documents]} of deploy/kubernetes/."""
    out = {}
    for f in sorted(os.listdir(MANIFESTS)):
        if f.endswith(".yaml"):
            with open(os.path.join(MANIFESTS, f)) as fh:
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
]


def test_validator_refuses_a_broken_copy():
    npm_ci()
    for name, old, new, want in BREAKAGES:
        tmp = tempfile.mkdtemp(prefix="pantau-k8s-")
        try:
            for f in os.listdir(MANIFESTS):
                shutil.copy(os.path.join(MANIFESTS, f), tmp)
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
