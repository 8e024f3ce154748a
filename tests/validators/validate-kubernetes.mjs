// Check pantau's Kubernetes manifests (deploy/kubernetes/) against the
// schemas of the Kubernetes API (kubernetes-models) and of the Prometheus
// Operator's resources (@kubernetes-models/prometheus-operator).
//
// Every YAML document of every file given (or of every *.yaml under a
// directory given) is validated with the model class of its apiVersion and kind; a
// kind neither package knows is an error. The schemas check types, enums and
// required fields, but, like the API's OpenAPI documents they come from, do
// not forbid fields they do not list, which the API server then drops or
// (kubectl's default strict field validation) refuses. So each field is also
// probed: replaced by a value no schema accepts, a field the schema knows
// makes the document invalid (or changes how); one that does not is unknown. A field
// under a schema that accepts anything would be reported too; none is used.
// One rule the API server adds to the schema is checked as well (pods'
// allowPrivilegeEscalation: false with SYS_ADMIN).
//
// Usage: node validate-kubernetes.mjs FILE.yaml|DIR...
// Prints one line per document or problem; exits 1 on any problem.
import { readFileSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";

// apiVersion → the module that holds its kinds.
function moduleOf(apiVersion) {
  if (apiVersion.startsWith("monitoring.coreos.com/"))
    return `@kubernetes-models/prometheus-operator/${apiVersion}`;
  return `kubernetes-models/${apiVersion}`;
}

async function modelClass(apiVersion, kind) {
  if (typeof apiVersion !== "string" || typeof kind !== "string" ||
      !/^([a-z0-9.-]+\/)?v[0-9a-z]+$/.test(apiVersion))
    return null;
  let mod;
  try {
    mod = await import(moduleOf(apiVersion));
  } catch {
    return null;
  }
  const cls = mod[kind];
  // Only top-level resources carry their own apiVersion and kind.
  if (typeof cls !== "function" || cls.apiVersion !== apiVersion || cls.kind !== kind)
    return null;
  return cls;
}

function problemsOf(cls, doc) {
  try {
    new cls(doc).validate();
    return [];
  } catch (e) {
    if (!e.errors) throw e;
    return e.errors.map((x) => `${x.instancePath || "/"}: ${x.message}`);
  }
}

const PROBE = Symbol("no schema accepts this");

function withProbe(doc, path) {
  const copy = structuredClone(doc);
  let node = copy;
  for (const k of path.slice(0, -1)) node = node[k];
  node[path[path.length - 1]] = PROBE;
  return copy;
}

// Fields of a document that its schema does not constrain: replacing them
// leaves the document's problems as they were.
function unknownFields(cls, doc) {
  const out = [];
  const baseline = JSON.stringify(problemsOf(cls, doc));
  const walk = (node, path) => {
    if (Array.isArray(node)) {
      node.forEach((v, i) => walk(v, [...path, i]));
    } else if (node && typeof node === "object") {
      for (const k of Object.keys(node)) {
        const p = [...path, k];
        let known;
        try {
          known = JSON.stringify(problemsOf(cls, withProbe(doc, p))) !== baseline;
        } catch {
          known = true; // the schema's code looked at the value and choked on it
        }
        if (known) walk(node[k], p);
        else out.push("/" + p.join("/"));
      }
    }
  };
  walk(doc, []);
  return out;
}

// What the API server refuses beyond the schema (pkg/apis/core/validation).
function apiServerRules(doc) {
  const out = [];
  const spec = doc.spec && doc.spec.template ? doc.spec.template.spec : doc.spec;
  for (const c of (spec && spec.containers) || []) {
    const sc = c.securityContext || {};
    const add = (sc.capabilities && sc.capabilities.add) || [];
    if (sc.allowPrivilegeEscalation === false &&
        (sc.privileged || add.includes("SYS_ADMIN") || add.includes("CAP_SYS_ADMIN")))
      out.push(`container ${c.name}: allowPrivilegeEscalation: false with privileged or ` +
               "SYS_ADMIN is refused by the API server");
  }
  return out;
}

// The files given, and the *.yaml and *.yml under the directories given.
function yamlFiles(args, files = []) {
  for (const a of args) {
    if (statSync(a).isDirectory())
      yamlFiles(readdirSync(a).sort().map((f) => join(a, f))
        .filter((f) => statSync(f).isDirectory() || /\.ya?ml$/.test(f)), files);
    else
      files.push(a);
  }
  return files;
}

const files = yamlFiles(process.argv.slice(2));
let failed = files.length === 0;
if (failed) console.log("no YAML files given");
for (const file of files) {
  // YAML 1.1, as kubectl reads it (0400 is octal, yes is true).
  const docs = parseAllDocuments(readFileSync(file, "utf8"), { version: "1.1" });
  if (!Array.isArray(docs)) {
    console.log(`${file}: not YAML documents`);
    failed = true;
    continue;
  }
  for (const [i, d] of docs.entries()) {
    const where = `${file}#${i + 1}`;
    if (d.errors.length) {
      for (const e of d.errors) console.log(`${where}: YAML: ${e.message.split("\n")[0]}`);
      failed = true;
      continue;
    }
    const doc = d.toJS();
    if (doc === null || doc === undefined) continue; // an empty document
    const cls = await modelClass(doc.apiVersion, doc.kind);
    const name = `${doc.apiVersion} ${doc.kind} ${doc.metadata && doc.metadata.name}`;
    if (!cls) {
      console.log(`${where} ${name}: unknown apiVersion and kind`);
      failed = true;
      continue;
    }
    const problems = problemsOf(cls, doc)
      .concat(unknownFields(cls, doc).map((p) => `${p}: not a field of ${doc.kind}`))
      .concat(apiServerRules(doc));
    for (const p of problems) console.log(`${where} ${name}: ${p}`);
    if (problems.length) failed = true;
    else console.log(`${where} ${name}: valid`);
  }
}
process.exit(failed ? 1 : 0);
