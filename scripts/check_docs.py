#!/usr/bin/python3
"""Checks that README.md and docs/*.md name only what pantau has.

Usage: scripts/check_docs.py PANTAU ROOT
  PANTAU  the pantau binary (build/pantau)
  ROOT    the repository root

It asks the binary itself, so the docs are checked against the code as
built:

- metrics: every pantau_* name must be in `PANTAU --list-metrics=text`
  (a histogram also as _bucket, _sum and _count), or be a recording rule
  of a Prometheus rules file under dashboards/ or deploy/. A trailing `*`
  (pantau_dependency_*) is a prefix that must match at least one metric.
  Label names in a selector written right after a metric
  (pantau_requests_total{protocol="https"}) must be the metric's labels,
  or instance, job, or le on a histogram.
- command-line options: a long option written as pantau's must be in
  `PANTAU --help`. Options count as pantau's when they follow a pantau
  command (`build/pantau --check`, `pantau --es-url URL`), sit in
  `ARGS="..."` (what `make run` passes), or start a code span
  (`--events-file PATH`, as in a table of options). Another program's
  options are written after its own name (`wrk --latency`) and are left
  alone.
- config keys: every key in docs/configuration.md's key tables (tables
  whose first column is headed "Key") must be one the parser accepts, and
  every key the parser accepts must be in them. Every YAML block of
  docs/configuration.md, and every YAML block of another doc whose first
  key is one of pantau's top-level keys, is run through
  `PANTAU --config FILE --check`: exit status 2 means the parser refused
  it (a config that parses is then checked as --check does, so as root
  its probes are loaded and attached for a moment). A block whose section says it sets "every key" must set every key.
  The parser's keys are found by asking it: an unknown key's error names
  the keys allowed there.

Each problem is one line, FILE:LINE: what is wrong and what to do. Exit
status 0 when there is none, 1 when there are, 2 when the check cannot run.
Standard library only."""

import glob
import os
import re
import subprocess
import sys
import tempfile

# A key no pantau version has, used to make the parser list what it allows.
PROBE_KEY = "zz_check_docs_probe"
# --check tries each Elasticsearch URL for up to 3 s; a closed local port
# answers at once. --es-url replaces the URLs only after the file is read,
# so the file's own URLs are still checked by the parser.
NO_ES = "http://127.0.0.1:9"
# Labels Prometheus adds to every series it scrapes.
SCRAPE_LABELS = {"instance", "job"}
HISTOGRAM_SUFFIXES = ("_bucket", "_sum", "_count")

METRIC_RE = re.compile(r"(?<![A-Za-z0-9_./-])(pantau_[a-z0-9_:]*[a-z0-9_])(\*?)(?![A-Za-z0-9_]|\.[A-Za-z])")
FENCE_RE = re.compile(r"^(\s*)(`{3,}|~{3,})\s*([^`\s]*)")
SPAN_RE = re.compile(r"(`+)((?:(?!\n[ \t]*\n).)+?)(?<!`)\1(?!`)", re.S)
# pantau as a command: bare, or a path ending in /pantau.
COMMAND_RE = re.compile(r"(?:^|(?<=[\s\"'(=;|&]))(?:[\w.~-]*/)*pantau(?=\s|$)")
ARGS_RE = re.compile(r"\bARGS=(?:\"([^\"]*)\"|'([^']*)'|(\S+))", re.S)
OPTION_RE = re.compile(r"^(--?)([A-Za-z][A-Za-z0-9-]*)(=?)")
KEY_PATH_RE = re.compile(r"^[a-z_][a-z0-9_]*(?:\.[a-z_][a-z0-9_]*)*$")


class CannotRun(Exception):
    pass


class Problems:
    def __init__(self, root):
        self.root = root
        self.lines = []

    def add(self, path, line, text):
        self.lines.append((os.path.relpath(path, self.root), line, text))

    def sorted(self):
        return ["%s:%d: %s" % p for p in sorted(self.lines, key=lambda p: (p[0], p[1]))]


def run(argv, **kw):
    return subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                          timeout=120, **kw)


# ---------------------------------------------------------------- the binary

def metric_table(pantau):
    """{name: (type, {label names})} from --list-metrics=text."""
    out = run([pantau, "--list-metrics=text"])
    if out.returncode != 0:
        raise CannotRun("%s --list-metrics=text failed: %s" % (pantau, out.stderr.strip()))
    table = {}
    for line in out.stdout.splitlines():
        parts = line.split(None, 2)
        if len(parts) < 2:
            continue
        labels = set()
        for part in (parts[2].split(",") if len(parts) > 2 else []):
            m = re.match(r"\s*([a-z_][a-z0-9_]*)\s*(=|$)", part)
            if m:
                labels.add(m.group(1))
        table[parts[0]] = (parts[1], labels)
    if not table:
        raise CannotRun("%s --list-metrics=text listed no metric" % pantau)
    return table


def recording_rules(root):
    names = set()
    for pattern in ("dashboards/**/*.yml", "dashboards/**/*.yaml", "deploy/**/*.yml", "deploy/**/*.yaml"):
        for path in glob.glob(os.path.join(root, pattern), recursive=True):
            with open(path, encoding="utf-8", errors="replace") as f:
                names.update(re.findall(r"^\s*-?\s*record:\s*[\"']?([A-Za-z_:][A-Za-z0-9_:]*)", f.read(), re.M))
    return names


def help_options(pantau):
    """({long option: takes a separate value}, {short letter: takes a value})."""
    out = run([pantau, "--help"])
    if out.returncode != 0:
        raise CannotRun("%s --help failed: %s" % (pantau, out.stderr.strip()))
    longs, shorts = {}, {}
    for line in out.stdout.splitlines():
        m = re.match(r"^\s+(?:-([A-Za-z]), )?--([a-z][a-z0-9-]*)(\[=[^\]]*\])?(?: ([A-Z][A-Z:_]*))?", line)
        if not m:
            continue
        takes = bool(m.group(4))
        longs[m.group(2)] = takes
        if m.group(1):
            shorts[m.group(1)] = takes
    if not longs:
        raise CannotRun("found no options in %s --help" % pantau)
    return longs, shorts


def check_config(pantau, text, tmpdir):
    """(exit status, stderr with the temporary file named FILE) of
    pantau --config FILE --check for a config text."""
    path = os.path.join(tmpdir, "pantau.yaml")
    with open(path, "w") as f:
        f.write(text)
    out = run([pantau, "--config", path, "--check", "--es-url", NO_ES])
    return out.returncode, out.stderr.replace(path, "FILE")


def allowed_keys(pantau, path, tmpdir):
    """The keys the parser allows under the section path (a list of keys),
    or None when path is not a section."""
    text = ""
    for depth, key in enumerate(path):
        text += "  " * depth + key + ":\n"
    text += "  " * len(path) + PROBE_KEY + ": 1\n"
    rc, err = check_config(pantau, text, tmpdir)
    m = re.search(r"unknown key '%s' (?:under '([^']*)'|at the top level); allowed keys: ([^.]*)\." % PROBE_KEY, err)
    if rc != 2 or not m or (m.group(1) or "") != ".".join(path):
        return None
    return [k.strip() for k in m.group(2).split(",") if k.strip()]


def config_schema(pantau, tmpdir):
    """{dotted key path: True for a section, False for a value} of every key
    the parser accepts, found by asking it."""
    schema = {}
    top = allowed_keys(pantau, [], tmpdir)
    if not top:
        raise CannotRun("%s does not list its config keys in its error for an unknown key" % pantau)
    todo = [[k] for k in top]
    while todo:
        path = todo.pop(0)
        sub = allowed_keys(pantau, path, tmpdir)
        schema[".".join(path)] = sub is not None
        todo.extend(path + [k] for k in sub or [])
    return schema


# ---------------------------------------------------------------- markdown

class Doc:
    """A markdown file split into fenced blocks and prose, with line numbers."""

    def __init__(self, path):
        self.path = path
        with open(path, encoding="utf-8") as f:
            self.lines = f.read().split("\n")
        self.blocks = []        # (first content line number, info string, [lines])
        prose = []
        fence = indent = None
        for n, line in enumerate(self.lines, 1):
            m = FENCE_RE.match(line)
            bare = line.strip()
            if fence is None and m:
                fence, indent = m.group(2), len(m.group(1))
                self.blocks.append((n + 1, m.group(3).lower(), []))
            elif fence is not None and bare.startswith(fence) and set(bare) == {fence[0]}:
                fence = None
            elif fence is not None:
                self.blocks[-1][2].append(line[indent:] if not line[:indent].strip() else line)
            prose.append(line if fence is None and not m else "")
        self.prose = "\n".join(prose)
        self.prose_text = self.prose.split("\n")

    def spans(self):
        """(line number, text) of each inline code span in the prose."""
        for m in SPAN_RE.finditer(self.prose):
            yield self.prose.count("\n", 0, m.start()) + 1, m.group(2).strip()

    def prose_lines(self):
        """Prose lines with their code spans blanked out."""
        text = SPAN_RE.sub(lambda m: "\0" + "\n" * m.group(0).count("\n"), self.prose)
        return enumerate(text.split("\n"), 1)

    def code_lines(self):
        for first, _, lines in self.blocks:
            for i, line in enumerate(lines):
                yield first + i, line

    def everything(self):
        """Every line, code and prose, as written."""
        return enumerate(self.lines, 1)


# ---------------------------------------------------------------- (a) metrics

def check_metrics(doc, table, rules, problems):
    names = set(table)
    for name, (kind, _) in table.items():
        if kind == "histogram":
            names.update(name + s for s in HISTOGRAM_SUFFIXES)
    for n, line in doc.everything():
        for m in METRIC_RE.finditer(line):
            name, glob_star = m.group(1), m.group(2)
            if ":" in name:
                if name.rstrip(":") not in rules:
                    problems.add(doc.path, n, "%s is neither a metric nor a recording rule of "
                                 "dashboards/prometheus; fix the name or define the rule." % name)
                continue
            if glob_star or name.endswith("_"):
                if not any(k.startswith(name) for k in names):
                    problems.add(doc.path, n, "%s* matches no metric of pantau --list-metrics; "
                                 "fix the prefix." % name)
                continue
            if name not in names and name not in rules:
                problems.add(doc.path, n, "%s is not a metric of pantau --list-metrics; use a "
                             "name from docs/metrics.md (histograms also end in _bucket, _sum, "
                             "_count)." % name)
                continue
            rest = line[m.end():]
            if rest.startswith("{") and name not in rules:
                check_labels(doc, n, name, rest, table, problems)


def check_labels(doc, n, name, rest, table, problems):
    body = re.match(r"\{((?:[^{}\"]|\"(?:[^\"\\]|\\.)*\")*)\}", rest)
    if not body:
        return
    base, bucket = name, False
    for s in HISTOGRAM_SUFFIXES:
        if name.endswith(s) and name[:-len(s)] in table and table[name[:-len(s)]][0] == "histogram":
            base, bucket = name[:-len(s)], s == "_bucket"
    kind, labels = table[base]
    allowed = labels | SCRAPE_LABELS | ({"le"} if bucket or kind == "histogram" else set())
    parts = re.findall(r"(?:^|,)\s*([A-Za-z_][A-Za-z0-9_]*)", re.sub(r"\"(?:[^\"\\]|\\.)*\"", "\"\"", body.group(1)))
    for label in parts:
        if label not in allowed:
            problems.add(doc.path, n, "%s has no label '%s'; its labels are %s (docs/metrics.md)."
                         % (base, label, ", ".join(sorted(labels)) or "none"))


# ---------------------------------------------------------------- (b) options

def walk_options(doc, n, text, longs, shorts, problems, start=0):
    """Checks the options at the start of text (a pantau command's
    arguments), up to the first word that is neither an option nor its value."""
    tokens = text[start:].replace("\0", " \0 ").split()
    i = 0
    while i < len(tokens):
        tok = tokens[i].strip("`\"'(),.;:")
        if tokens[i] == "\\":
            i += 1
            continue
        m = OPTION_RE.match(tok)
        if not m or tok in ("-", "--"):
            return
        dashes, name, eq = m.groups()
        if dashes == "--":
            if name not in longs:
                problems.add(doc.path, n, "--%s is not an option of pantau --help; fix it, or write "
                             "the program it belongs to before it." % name)
                return
            takes = longs[name] and not eq
        else:
            letter = name[0]
            if letter not in shorts:
                problems.add(doc.path, n, "-%s is not an option of pantau --help; fix it, or write "
                             "the program it belongs to before it." % letter)
                return
            takes = shorts[letter] and len(name) == 1
        i += 2 if takes else 1


def check_options_in(doc, n, text, longs, shorts, problems):
    for m in COMMAND_RE.finditer(text):
        walk_options(doc, n, text, longs, shorts, problems, m.end())
    for m in ARGS_RE.finditer(text):
        args = next(g for g in m.groups() if g is not None)
        walk_options(doc, n + text.count("\n", 0, m.start()), args, longs, shorts, problems)


def check_options(doc, longs, shorts, problems):
    for n, line in doc.code_lines():
        check_options_in(doc, n, line, longs, shorts, problems)
    for n, line in doc.prose_lines():
        check_options_in(doc, n, line, longs, shorts, problems)
    for n, span in doc.spans():
        if COMMAND_RE.search(span) or ARGS_RE.search(span):
            check_options_in(doc, n, span, longs, shorts, problems)
        elif re.match(r"--[a-z]", span):
            walk_options(doc, n, span, longs, shorts, problems)


# ---------------------------------------------------------------- (c) config

def key_tables(doc):
    """[(header line number, [(line number, key)])] of the tables headed Key."""
    tables, current = [], None
    for n, line in doc.prose_lines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")] if line.lstrip().startswith("|") else None
        if cells is None:
            current = None
        elif current is None and cells[0].lower() == "key":
            current = (n, [])
            tables.append(current)
        elif current is not None and not re.match(r"^:?-+:?$", cells[0]):
            raw = doc.lines[n - 1].strip().strip("|").split("|")[0].strip()
            m = re.match(r"^`([^`]+)`$", raw)
            if m:
                current[1].append((n, m.group(1)))
    return tables


def strip_comment(line):
    quote = None
    for i, c in enumerate(line):
        if quote:
            if c == quote:
                quote = None
        elif c in "\"'":
            quote = c
        elif c == "#" and (i == 0 or line[i - 1] in " \t"):
            return line[:i]
    return line


def yaml_key_paths(lines):
    """Dotted paths of the mapping keys a block-style YAML text sets, with
    one level of flow mapping ({ a: 1 }); keys inside lists are left out."""
    paths, stack = set(), []
    for raw in lines:
        line = strip_comment(raw).rstrip()
        if not line.strip() or line.strip() in ("---", "..."):
            continue
        indent = len(line) - len(line.lstrip(" "))
        body = line.strip()
        while stack and stack[-1][0] >= indent:
            stack.pop()
        if body.startswith("-"):
            stack.append((indent, None))
            continue
        m = re.match(r"([A-Za-z_][\w-]*)\s*:(\s|$)", body)
        if not m or any(k is None for _, k in stack):
            continue
        path = ".".join([k for _, k in stack] + [m.group(1)])
        paths.add(path)
        rest = body[m.end():].strip()
        if rest.startswith("{"):
            paths.update(path + "." + k for k in re.findall(r"([A-Za-z_]\w*)\s*:", rest))
        stack.append((indent, m.group(1)))
    return paths


def section_text(doc, line):
    """The prose between the heading above a line and that line."""
    start = 0
    for n in range(line - 1, 0, -1):
        if doc.prose_text[n - 1].startswith("#"):
            start = n
            break
    return " ".join(doc.prose_text[start:line - 1])


def check_config_docs(docs, pantau, problems):
    with tempfile.TemporaryDirectory(prefix="check-docs-") as tmpdir:
        schema = config_schema(pantau, tmpdir)
        leaves = {k for k, section in schema.items() if not section}
        top = {k for k in schema if "." not in k}
        for doc in docs:
            is_config_doc = os.path.basename(doc.path) == "configuration.md"
            if is_config_doc:
                check_key_tables(doc, schema, leaves, problems)
            for first, info, lines in doc.blocks:
                if info not in ("yaml", "yml"):
                    continue
                keys = yaml_key_paths(lines)
                first_key = next((strip_comment(l).split(":")[0].strip() for l in lines
                                  if strip_comment(l).strip() and not l.startswith((" ", "-"))), "")
                if not is_config_doc and first_key not in top:
                    continue
                rc, err = check_config(pantau, "\n".join(lines) + "\n", tmpdir)
                if rc == 2:
                    m = re.match(r"pantau: FILE:(\d+): (.*)", err.strip())
                    line = first + int(m.group(1)) - 1 if m else first - 1
                    problems.add(doc.path, line, "pantau refuses this config: %s Fix the example "
                                 "so that pantau --config accepts it." % (m.group(2) if m else err.strip()))
                if re.search(r"\bsets\s+every\s+key", section_text(doc, first - 1)):
                    missing = sorted(leaves - keys)
                    if missing:
                        problems.add(doc.path, first - 1, "the text says this example sets every key, "
                                     "but it does not set %s; add them." % ", ".join(missing))


def check_key_tables(doc, schema, leaves, problems):
    tables = key_tables(doc)
    if not tables:
        problems.add(doc.path, 1, "no table headed Key lists the config keys; add one.")
        return
    listed = set()
    for _, rows in tables:
        for n, key in rows:
            if not KEY_PATH_RE.match(key):
                continue
            listed.add(key)
            if key not in schema:
                problems.add(doc.path, n, "config key %s is not accepted by pantau's parser; fix or "
                             "remove the row." % key)
    missing = sorted(leaves - listed)
    if missing:
        problems.add(doc.path, tables[-1][0], "pantau's parser accepts config keys this table lacks: "
                     "%s; add a row for each." % ", ".join(missing))


# ----------------------------------------------------------------

def main(argv):
    if len(argv) != 3:
        print("usage: check_docs.py PANTAU ROOT", file=sys.stderr)
        return 2
    pantau, root = os.path.abspath(argv[1]), os.path.abspath(argv[2])
    if not os.access(pantau, os.X_OK):
        print("check_docs: %s is not an executable; run make first." % pantau, file=sys.stderr)
        return 2
    paths = [p for p in [os.path.join(root, "README.md")] if os.path.exists(p)]
    paths += sorted(glob.glob(os.path.join(root, "docs", "*.md")))
    docs = [Doc(p) for p in paths]
    table = metric_table(pantau)
    rules = recording_rules(root)
    longs, shorts = help_options(pantau)
    problems = Problems(root)
    for doc in docs:
        check_metrics(doc, table, rules, problems)
        check_options(doc, longs, shorts, problems)
    check_config_docs(docs, pantau, problems)
    for line in problems.sorted():
        print(line)
    return 1 if problems.lines else 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv))
    except (CannotRun, OSError, subprocess.SubprocessError) as e:
        print("check_docs: %s" % e, file=sys.stderr)
        sys.exit(2)
