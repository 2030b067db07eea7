// Validates the answers the black-box suite received (recorded by its HttpClient under
// PARKD_RECORD_RESPONSES, one JSON object a line, each with the GoogleTest test that
// received it) against docs/openapi.yaml: each JSON body against the schema of its
// operation and status. The schemas are closed at validation time: a field the document
// does not list fails like a wrong type. Exits 1 listing, test by test, the route, status
// and offending place of each body that does not match and each status the document does
// not list for the operation.
//
//   node scripts/check-responses.mjs <recorded-dir>
//
// Answers to paths the document does not describe (unknown endpoints probed on purpose,
// the web UI's files) are left out: tests/unit/openapi_routes_test.cpp holds the routes.
import { createRequire } from 'node:module';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dir = process.argv[2];
if (!dir) {
  console.error('usage: node scripts/check-responses.mjs <recorded-dir>');
  process.exit(2);
}
const require = createRequire(join(root, 'web', 'package.json'));
const YAML = require('yaml');
const Ajv2020 = require('ajv/dist/2020').default;
const addFormats = require('ajv-formats');

const spec = YAML.parse(readFileSync(join(root, 'docs', 'openapi.yaml'), 'utf8'));
const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats(ajv);
// The whole document as one schema, so that '#/components/schemas/X' resolves inside it.
ajv.addSchema({ ...closed(spec), $id: 'openapi' });

// A copy of the document whose object schemas admit no field they do not list. The
// closing `unevaluatedProperties: false` goes on the outermost schema of each value only
// (a response body, a property, an array item), never on an allOf/oneOf/anyOf member:
// there it would reject the fields its sibling members add. Each component schema X gets
// a closed twin (allOf X, unevaluatedProperties false) that outermost $refs point at, while
// $refs in composition members keep the open X. Objects that declare no properties, or
// say themselves what else they admit (additionalProperties), stay as written.
function closed(doc) {
  const copy = structuredClone(doc);
  const schemas = copy.components?.schemas ?? {};
  const closable = (s) =>
    s && typeof s === 'object' && !('additionalProperties' in s) &&
    !('unevaluatedProperties' in s) && (s.properties || s.allOf || s.oneOf || s.anyOf);
  const walk = (node, outermost) => {
    if (!node || typeof node !== 'object') return;
    if (Array.isArray(node)) return node.forEach((n) => walk(n, outermost));
    if (typeof node.$ref === 'string' && node.$ref.startsWith('#/components/schemas/')) {
      if (outermost) node.$ref = node.$ref.replace('#/components/schemas/', '#/components/closedSchemas/');
      return;
    }
    if (outermost && closable(node)) node.unevaluatedProperties = false;
    for (const key of ['allOf', 'oneOf', 'anyOf']) if (node[key]) walk(node[key], false);
    for (const p of Object.values(node.properties ?? {})) walk(p, true);
    for (const key of ['items', 'additionalProperties', 'prefixItems']) {
      if (typeof node[key] === 'object') walk(node[key], true);
    }
  };
  const closedSchemas = {};
  for (const [name, schema] of Object.entries(schemas)) {
    walk(schema, false);
    closedSchemas[name] = closable(doc.components.schemas[name])
      ? { allOf: [{ $ref: `#/components/schemas/${name}` }], unevaluatedProperties: false }
      : { $ref: `#/components/schemas/${name}` };
  }
  copy.components.closedSchemas = closedSchemas;
  const media = (responses) => {
    for (const response of Object.values(responses ?? {})) {
      for (const m of Object.values(response.content ?? {})) walk(m.schema, true);
    }
  };
  media(copy.components?.responses);
  for (const item of Object.values(copy.paths)) {
    for (const op of Object.values(item)) if (op && op.responses) media(op.responses);
  }
  return copy;
}

// Statuses parkd may give on any operation (docs/api.md "Conventions"), as Error objects.
const ANY_OPERATION = new Set([405, 413, 415, 500, 503]);
const METHODS = ['get', 'put', 'post', 'delete', 'patch'];

const routes = Object.entries(spec.paths).map(([template, item]) => ({
  template,
  item,
  regex: new RegExp('^' + template.replace(/[.]/g, '\\.').replace(/\{[^}]+\}/g, '[^/]+') + '$'),
  literal: !template.includes('{'),
}));

// The path item of `path`: a literal path before a template (export.csv before {id}).
function routeOf(path) {
  const matching = routes.filter((r) => r.regex.test(path));
  return matching.find((r) => r.literal) ?? matching[0];
}

function resolve(node) {
  while (node && node.$ref) {
    node = node.$ref
      .slice(2)
      .split('/')
      .reduce((at, key) => at[key.replace(/~1/g, '/').replace(/~0/g, '~')], spec);
  }
  return node;
}

const validators = new Map();
function validatorFor(pointer) {
  if (!validators.has(pointer)) validators.set(pointer, ajv.getSchema(`openapi#${encodeURI(pointer)}`));
  return validators.get(pointer);
}
const escape = (s) => s.replace(/~/g, '~0').replace(/\//g, '~1');

const problems = new Map(); // test name -> the distinct problems its answers showed
let checked = 0;
function problem(key, test) {
  const name = test || '(outside a test)';
  if (!problems.has(name)) problems.set(name, new Set());
  problems.get(name).add(key);
}

const files = readdirSync(dir).filter((f) => f.endsWith('.jsonl'));
for (const file of files) {
  for (const line of readFileSync(join(dir, file), 'utf8').split('\n')) {
    if (!line) continue;
    const r = JSON.parse(line);
    const method = r.method.toLowerCase();
    if (!METHODS.includes(method)) continue; // HEAD, OPTIONS: no body to check
    const path = r.path.split('?')[0];
    const route = routeOf(path);
    if (!route || !route.item[method]) continue;
    const op = route.item[method];
    if (op['x-parkd-status'] === 'planned') continue;
    const name = `${r.method} ${route.template} ${r.status}`;
    let responsePointer = `/paths/${escape(route.template)}/${method}/responses/${r.status}`;
    let response = op.responses[String(r.status)];
    if (!response) {
      if (!ANY_OPERATION.has(r.status)) {
        problem(`${name}: status ${r.status} is not in the document for this operation`, r.test);
        continue;
      }
      responsePointer = '/components/responses/BadRequest'; // an Error, like any error
      response = spec.components.responses.BadRequest;
    }
    if (response.$ref) responsePointer = response.$ref.slice(1);
    response = resolve(response);
    const isJson = (r.content_type || '').startsWith('application/json');
    const media = response.content?.['application/json'];
    if (!media) {
      if (isJson && r.body) problem(`${name}: JSON body where the document has none`, r.test);
      continue;
    }
    if (!isJson) {
      problem(`${name}: content type ${r.content_type || '(none)'}, the document says JSON`, r.test);
      continue;
    }
    if (!r.body) continue; // too large to record
    let body;
    try {
      body = JSON.parse(r.body);
    } catch {
      problem(`${name}: the body is not JSON`, r.test);
      continue;
    }
    const validate = validatorFor(`${responsePointer}/content/application~1json/schema`);
    checked++;
    if (!validate(body)) {
      for (const e of validate.errors) {
        // An undocumented field is named by its own path, not its object's.
        const field = e.params?.unevaluatedProperty;
        const at = field === undefined ? e.instancePath || '/' : `${e.instancePath}/${field}`;
        const what = field === undefined ? e.message : 'is not in the document';
        problem(`${name}: ${at} ${what}`, r.test);
      }
    }
  }
}

for (const [test, keys] of [...problems].sort(([a], [b]) => a.localeCompare(b))) {
  console.log(`FAILED ${test}`);
  for (const key of keys) console.log(`  ${key}`);
}
console.log(
  `check-responses: ${checked} JSON answers from ${files.length} recording(s) checked, ` +
    `${problems.size} test(s) received answers the document does not describe`,
);
process.exit(problems.size ? 1 : 0);
