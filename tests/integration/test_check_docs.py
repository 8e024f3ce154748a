"""scripts/check_docs.py, the check make check-docs runs: docs that name
only what pantau has pass, and each metric, option or config key pantau
does not have is reported with its file and line."""

import importlib.util
import os
import shutil
import subprocess
import tempfile

from pantau_lib import PANTAU, ROOT, check

SCRIPT = os.path.join(ROOT, "scripts", "check_docs.py")

GOOD_README = """# pantau

It exports `pantau_cpu_seconds_total`, `pantau_dependency_*` per peer and
`pantau_request_duration_seconds_bucket{service="shop", le="0.1"}`;
`pantau_threshold{name}` holds the thresholds.

`make run ARGS="--events-file - --log-level debug"` passes options, and so
does `build/pantau --config /etc/pantau/pantau.yaml --check`;
`--es-url URL` replaces the URLs.

```sh
pantau --es-url https://es1:9200   # a comment --not-an-option
wrk -t1 -c32 --latency http://127.0.0.1/
curl --cacert /etc/pantau/ca.pem https://es1:9200
```
"""

GOOD_EXAMPLE = """```yaml
services:
  max: 100
  rules:
    - { process: "java", name: billing }
peers:
  rules:
    - { cidr: 10.20.0.0/16, name: postgres }
```
"""


def schema():
    """Every config key pantau accepts, as the checker finds them."""
    spec = importlib.util.spec_from_file_location("check_docs", SCRIPT)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    with tempfile.TemporaryDirectory() as tmp:
        return mod.config_schema(PANTAU, tmp)


def configuration_md(example=GOOD_EXAMPLE, extra_rows=(), drop=()):
    keys = sorted(k for k, section in schema().items() if not section and k not in drop)
    rows = ["| `%s` | x |" % k for k in keys] + ["| `%s` | x |" % k for k in extra_rows]
    return "# Configuration\n\n| Key | Allowed |\n|---|---|\n" + "\n".join(rows) + "\n\n" + example


def run_checker(readme=GOOD_README, config=None):
    root = tempfile.mkdtemp(prefix="pantau-check-docs-")
    try:
        os.mkdir(os.path.join(root, "docs"))
        with open(os.path.join(root, "README.md"), "w") as f:
            f.write(readme)
        with open(os.path.join(root, "docs", "configuration.md"), "w") as f:
            f.write(config if config is not None else configuration_md())
        r = subprocess.run(["/usr/bin/python3", SCRIPT, PANTAU, root], stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True, timeout=300)
    finally:
        shutil.rmtree(root)
    lines = r.stdout.splitlines()
    print("  exit %d%s" % (r.returncode, "".join("\n  " + l for l in lines + r.stderr.splitlines())))
    return r.returncode, lines


def line_of(text, needle):
    return text[:text.index(needle)].count("\n") + 1


def test_docs_naming_only_what_pantau_has_pass():
    rc, lines = run_checker()
    check(rc == 0 and not lines, "correct docs were refused")


def test_a_metric_pantau_does_not_have_fails():
    readme = GOOD_README + "\nAlert on `pantau_requests_totl`, on `pantau_nothing_*` and on\n" \
        "`pantau_requests_total{role=\"client\"}`.\n"
    rc, lines = run_checker(readme)
    n = line_of(readme, "pantau_requests_totl")
    check(rc == 1, "exit %d" % rc)
    check(any(l.startswith("README.md:%d: pantau_requests_totl is not a metric" % n) for l in lines),
          "the misspelt metric is not reported on line %d" % n)
    check(any(l.startswith("README.md:%d: pantau_nothing_* matches no metric" % n) for l in lines),
          "the glob that matches nothing is not reported")
    check(any(l.startswith("README.md:%d: pantau_requests_total has no label 'role'" % (n + 1))
              for l in lines), "the label pantau_requests_total does not have is not reported")
    check(len(lines) == 3, "%d problems reported, 3 expected" % len(lines))


def test_an_option_pantau_does_not_have_fails():
    readme = GOOD_README + "\nRun `build/pantau --chek` to see what attaches.\n" \
        "\n```sh\nmake run ARGS=\"--listen 0.0.0.0:9542 --verbose\"\n```\n"
    rc, lines = run_checker(readme)
    check(rc == 1, "exit %d" % rc)
    check(("README.md:%d: --chek is not an option of pantau --help; fix it, or write the program "
           "it belongs to before it." % line_of(readme, "--chek")) in lines, "--chek is not reported")
    check(any(l.startswith("README.md:%d: --verbose is not an option" % line_of(readme, "--verbose"))
              for l in lines), "--verbose in ARGS is not reported")
    check(len(lines) == 2, "other programs' options were reported too")


def test_a_config_key_pantau_does_not_have_fails():
    example = GOOD_EXAMPLE.replace("  max: 100\n", "  max: 100\n  colour: blue\n")
    config = configuration_md(example, extra_rows=["services.colour"], drop=["events.keep"])
    rc, lines = run_checker(config=config)
    check(rc == 1, "exit %d" % rc)
    row, key = line_of(config, "| `services.colour`"), line_of(config, "  colour: blue")
    check(any(l.startswith("docs/configuration.md:%d: config key services.colour is not accepted" % row)
              for l in lines), "the table's unknown key is not reported on line %d" % row)
    check(any(l.startswith("docs/configuration.md:%d: pantau refuses this config: unknown key 'colour'"
                           % key) for l in lines),
          "the example's unknown key is not reported on line %d" % key)
    check(any("lacks: events.keep;" in l for l in lines), "the key missing from the table is not reported")
    check(len(lines) == 3, "%d problems reported, 3 expected" % len(lines))


def test_the_repository_docs_pass():
    r = subprocess.run(["/usr/bin/python3", SCRIPT, PANTAU, ROOT], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True, timeout=300)
    print("  exit %d%s" % (r.returncode, "".join("\n  " + l for l in (r.stdout + r.stderr).splitlines())))
    check(r.returncode == 0, "README.md or docs/ name what pantau does not have")
