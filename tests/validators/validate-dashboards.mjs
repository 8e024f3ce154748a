// Validate Grafana dashboard JSON files against Grafana's published schema,
// the TypeScript types of the @grafana/schema package: the Dashboard type
// for the dashboard itself and, for every panel, the Options (and, where a
// plugin defines one, the FieldConfig) type of its panel plugin. The types
// are turned into JSON Schema by ts-json-schema-generator and checked with
// Ajv; extra properties are errors, so a misspelt option is caught.
//
// Usage: node validate-dashboards.mjs FILE.json...
import { readFileSync, existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { createGenerator } from "ts-json-schema-generator";
import Ajv from "ajv";

const here = dirname(fileURLToPath(import.meta.url));
const raw = join(here, "node_modules/@grafana/schema/dist/types/raw");
// Panel plugins whose FieldConfig type is the plugin's own `custom` block
// (for the others the package exports the generic FieldConfig there).
const CUSTOM_FIELD_CONFIG = new Set(["timeseries", "table", "heatmap", "barchart", "histogram",
  "statetimeline", "statushistory", "trend", "xychart", "candlestick"]);

const ajv = new Ajv({ allErrors: true, strict: false });
const cache = new Map();

function validator(file, type) {
  const key = file + "#" + type;
  if (!cache.has(key)) {
    const schema = createGenerator({ path: file, type, skipTypeCheck: true, jsDoc: "none" })
      .createSchema(type);
    cache.set(key, ajv.compile(schema));
  }
  return cache.get(key);
}

function check(errors, where, validate, value) {
  if (!validate(value)) {
    for (const e of validate.errors) {
      const extra = e.params && e.params.additionalProperty ? ` '${e.params.additionalProperty}'` : "";
      errors.push(`${where}${e.instancePath}: ${e.message}${extra}`);
    }
  }
}

function checkPanel(errors, where, panel) {
  if (panel.type === "row") {
    (panel.panels || []).forEach((p, i) => checkPanel(errors, `${where}.panels[${i}]`, p));
    return;
  }
  const types = join(raw, "composable", panel.type, "panelcfg/x/types.gen.d.ts");
  if (!existsSync(types)) {
    errors.push(`${where}: panel type '${panel.type}' is not a panel plugin @grafana/schema knows`);
    return;
  }
  check(errors, `${where} (${panel.type}).options`, validator(types, "Options"), panel.options || {});
  const custom = panel.fieldConfig && panel.fieldConfig.defaults && panel.fieldConfig.defaults.custom;
  if (CUSTOM_FIELD_CONFIG.has(panel.type) && custom !== undefined)
    check(errors, `${where} (${panel.type}).fieldConfig.defaults.custom`, validator(types, "FieldConfig"), custom);
}

let failed = 0;
const dashboard = validator(join(raw, "dashboard/x/types.gen.d.ts"), "Dashboard");
for (const file of process.argv.slice(2)) {
  const errors = [];
  let doc;
  try {
    doc = JSON.parse(readFileSync(file, "utf8"));
  } catch (e) {
    errors.push(`cannot read: ${e.message}`);
  }
  let panels = 0;
  if (doc) {
    check(errors, "dashboard", dashboard, doc);
    (doc.panels || []).forEach((p, i) => {
      panels += p.type === "row" ? (p.panels || []).length : 1;
      checkPanel(errors, `panels[${i}]`, p);
    });
  }
  if (errors.length) {
    failed++;
    console.log(`FAIL ${file}`);
    for (const e of errors) console.log(`  ${e}`);
  } else {
    console.log(`ok ${file} (${panels} panels)`);
  }
}
process.exit(failed ? 1 : 0);
