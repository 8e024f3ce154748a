// Check pantau's Elasticsearch mappings (a component template) against the
// ECS field list that Elastic publishes in the @elastic/ecs package: every
// field the template maps that ECS defines must have ECS's type (and ECS's
// multi-fields, where the template adds any); every field ECS does not
// define must live under pantau.*, as DESIGN.md's event contract says; and
// the template's _meta.ecs_version must be the version of that field list.
//
// Usage: node validate-ecs.mjs component-mappings.json
// Prints one line per problem and exits 1, or a summary line and exits 0.
import { readFileSync } from "node:fs";
import { EcsFlat, EcsVersion } from "@elastic/ecs";

// Deliberate departures from ECS, each with its reason (docs/elasticsearch.md).
const ALLOWED = {
  // ECS says date (milliseconds); pantau's timestamps have nanoseconds, and
  // date_nanos keeps them; Elasticsearch compares the two types fine.
  "@timestamp": new Set(["date_nanos"]),
};
const OWN_PREFIX = "pantau.";

function leaves(props, prefix, out) {
  for (const [name, def] of Object.entries(props)) {
    const path = prefix + name;
    if (def.properties) leaves(def.properties, path + ".", out);
    else out.push([path, def]);
  }
  return out;
}

const file = process.argv[2];
const tpl = JSON.parse(readFileSync(file, "utf8"));
const mappings = tpl.template && tpl.template.mappings;
const errors = [];
if (!mappings || !mappings.properties) {
  console.log(`${file}: no template.mappings.properties`);
  process.exit(1);
}
const declared = tpl._meta && tpl._meta.ecs_version;
if (declared !== EcsVersion)
  errors.push(`_meta.ecs_version is ${declared}, the ECS field list is ${EcsVersion}`);

let ecs = 0, own = 0;
for (const [path, def] of leaves(mappings.properties, "", [])) {
  const ref = EcsFlat[path];
  if (!ref) {
    if (path.startsWith(OWN_PREFIX)) own++;
    else errors.push(`${path}: not an ECS ${EcsVersion} field, and not under ${OWN_PREFIX}*`);
    continue;
  }
  ecs++;
  const allowed = ALLOWED[path];
  if (def.type !== ref.type && !(allowed && allowed.has(def.type)))
    errors.push(`${path}: type ${def.type}, ECS says ${ref.type}`);
  for (const [sub, sdef] of Object.entries(def.fields || {})) {
    const m = (ref.multi_fields || []).find((f) => f.name === sub);
    if (!m) errors.push(`${path}.${sub}: ECS has no multi-field '${sub}' for ${path}`);
    else if (m.type !== sdef.type)
      errors.push(`${path}.${sub}: type ${sdef.type}, ECS says ${m.type}`);
  }
}
for (const e of errors) console.log(e);
if (!errors.length)
  console.log(`${ecs} ECS fields with ECS ${EcsVersion} types, ${own} fields under ${OWN_PREFIX}*`);
process.exit(errors.length ? 1 : 0);
