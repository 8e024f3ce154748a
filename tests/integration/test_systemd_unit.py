"""The shipped systemd unit, checked offline (PID 1 need not be systemd):
`systemd-analyze verify` on the unit as `make install` lays it out, and
the exposure score docs/architecture.md gives is the one
`systemd-analyze security --offline=true` measures."""

import os
import re
import shutil
import subprocess
import tempfile

from pantau_lib import BUILD, ROOT, check

UNIT = os.path.join(ROOT, "deploy", "systemd", "pantau.service")
SYSTEM_UNITS = "/lib/systemd/system"


def installed_root():
    """A root with the system's units (verify resolves sysinit.target and
    the like) and pantau installed into it by `make install`."""
    root = tempfile.mkdtemp(prefix="pantau-unit-")
    shutil.copytree(SYSTEM_UNITS, root + SYSTEM_UNITS, symlinks=True)
    p = subprocess.run(["make", "-s", "install", "DESTDIR=" + root, "OUTPUT=" + BUILD],
                       cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    check(p.returncode == 0, "make install failed: %s" % p.stdout)
    return root


def verify(root, name="pantau.service"):
    p = subprocess.run(["systemd-analyze", "verify", "--root=" + root, name],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    return p.returncode, p.stdout.strip()


def test_unit_passes_systemd_analyze_verify():
    root = installed_root()
    try:
        code, out = verify(root)
        print("  verify: exit %d%s" % (code, ", " + out if out else ", no findings"))
        check(code == 0 and not out, "systemd-analyze verify: %s" % out)
        # The check is real: a misspelt directive in the same layout fails it.
        unit = root + SYSTEM_UNITS + "/pantau.service"
        with open(unit) as f:
            text = f.read()
        with open(unit, "w") as f:
            f.write(text.replace("NoNewPrivileges=", "NoNewPrivilege="))
        code, out = verify(root)
        check(code != 0 or "NoNewPrivilege" in out,
              "a misspelt directive passed verify: exit %d, %r" % (code, out))
    finally:
        shutil.rmtree(root)


def test_documented_exposure_score_is_the_measured_one():
    p = subprocess.run(["systemd-analyze", "security", "--offline=true", UNIT],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    measured = re.search(r"Overall exposure level for pantau\.service: (\d+\.\d)", p.stdout)
    check(measured, "no exposure level in: %s" % p.stdout[-500:])
    with open(os.path.join(ROOT, "docs", "architecture.md")) as f:
        documented = re.search(r"exposure level of (\d+\.\d)", f.read())
    check(documented, "docs/architecture.md gives no 'exposure level of N.N'")
    print("  exposure: measured %s, documented %s" % (measured.group(1), documented.group(1)))
    check(measured.group(1) == documented.group(1),
          "docs/architecture.md says %s, systemd-analyze measures %s" %
          (documented.group(1), measured.group(1)))
