// The response contract of docs/openapi.yaml: whether one answer parkd gave (method,
// path, status, content type, body) is one the document describes for its operation and
// status. scripts/check-responses.mjs serves it to the black-box suite; tests/contract/
// holds its own tests.
//
// The schemas are closed at validation time: a field the document does not list fails
// like a wrong type. Answers to paths the document does not describe (unknown endpoints
// probed on purpose, the web UI's files), to HEAD and OPTIONS, and to operations marked
// `x-parkd-status: planned` are not checked: tests/unit/openapi_routes_test.cpp holds the
// routes.
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(join(root, 'web', 'package.json'));

// The OpenAPI document (docs/openapi.yaml unless `file` names another), parsed.
export function loadSpec(file = join(root, 'docs', 'openapi.yaml')) {
  const YAML = require('yaml');
  return YAML.parse(readFileSync(file, 'utf8'));
}

// Statuses parkd may give on any operation (docs/api.md "Conventions"), as Error objects.
const ANY_OPERATION = new Set([405, 413, 415, 500, 503]);
const METHODS = ['get', 'put', 'post', 'delete', 'patch'];

// A checker for the answers described by `spec` (a parsed OpenAPI 3.1 document). Its
// check(answer) takes { method, path, status, content_type, body } (body as text, empty
// when it was too large to keep) and returns { checked, problems }: checked is false when
// the document does not describe the answer's path and method, and problems lists, each
// as "<METHOD> <route> <status>: <what>", every way the answer departs from the document:
// a status it does not list, a content type, a body that is not JSON, and each place
// (a JSON pointer into the body) where the body breaks the schema. The schemas are
// compiled by Ajv once per response, on first use.
export function responseChecker(spec) {
  const Ajv2020 = require('ajv/dist/2020').default;
  const addFormats = require('ajv-formats');
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);
  // The whole document as one schema, so that '#/components/schemas/X' resolves inside it.
  ajv.addSchema({ ...closed(spec), $id: 'openapi' });

  const routes = Object.entries(spec.paths ?? {}).map(([template, item]) => ({
    template,
    item,
    regex: new RegExp('^' + template.replace(/[.]/g, '\\.').replace(/\{[^}]+\}/g, '[^/]+') + '$'),
    literal: !template.includes('{'),
  }));
  // The path item of `path`: a literal path before a template (export.csv before {id}).
  const routeOf = (path) => {
    const matching = routes.filter((r) => r.regex.test(path));
    return matching.find((r) => r.literal) ?? matching[0];
  };
  const resolve = (node) => {
    while (node && node.$ref) {
      node = node.$ref
        .slice(2)
        .split('/')
        .reduce((at, key) => at[key.replace(/~1/g, '/').replace(/~0/g, '~')], spec);
    }
    return node;
  };
  const validators = new Map();
  const validatorFor = (pointer) => {
    if (!validators.has(pointer)) validators.set(pointer, ajv.getSchema(`openapi#${encodeURI(pointer)}`));
    return validators.get(pointer);
  };

  return {
    check(answer) {
      const method = String(answer.method).toLowerCase();
      if (!METHODS.includes(method)) return { checked: false, problems: [] }; // no body
      const route = routeOf(String(answer.path).split('?')[0]);
      const op = route?.item[method];
      if (!op || op['x-parkd-status'] === 'planned') return { checked: false, problems: [] };
      const name = `${answer.method} ${route.template} ${answer.status}`;
      const problems = [];
      const problem = (what) => problems.push(`${name}: ${what}`);

      let pointer = `/paths/${escape(route.template)}/${method}/responses/${answer.status}`;
      let response = op.responses?.[String(answer.status)];
      if (!response) {
        if (!ANY_OPERATION.has(answer.status)) {
          problem(`status ${answer.status} is not in the document for this operation`);
          return { checked: true, problems };
        }
        pointer = '/components/responses/BadRequest'; // an Error, like any error
        response = spec.components.responses.BadRequest;
      }
      if (response.$ref) pointer = response.$ref.slice(1);
      response = resolve(response);
      const isJson = (answer.content_type || '').startsWith('application/json');
      const media = response.content?.['application/json'];
      if (!media) {
        if (isJson && answer.body) problem('JSON body where the document has none');
        return { checked: true, problems };
      }
      if (!isJson) {
        problem(`content type ${answer.content_type || '(none)'}, the document says JSON`);
        return { checked: true, problems };
      }
      if (!answer.body) return { checked: true, problems }; // too large to keep
      let body;
      try {
        body = JSON.parse(answer.body);
      } catch {
        problem('the body is not JSON');
        return { checked: true, problems };
      }
      const validate = validatorFor(`${pointer}/content/application~1json/schema`);
      if (!validate(body)) {
        const seen = new Set();
        for (const e of validate.errors) {
          // An undocumented field is named by its own path, not its object's.
          const field = e.params?.unevaluatedProperty;
          const at = field === undefined ? e.instancePath || '/' : `${e.instancePath}/${escape(field)}`;
          const what = field === undefined ? e.message : 'is not in the document';
          const text = `${at} ${what}`;
          if (!seen.has(text)) problem(text);
          seen.add(text);
        }
      }
      return { checked: true, problems };
    },
  };
}

const escape = (s) => s.replace(/~/g, '~0').replace(/\//g, '~1');

// A copy of the document whose object schemas admit no field they do not list. The
// closing `unevaluatedProperties: false` goes on the outermost schema of each value only
// (a response body, a property, an array item), never on an allOf/oneOf/anyOf member:
// there it would reject the fields its sibling members add. Each component schema X gets
// a closed twin (allOf X, unevaluatedProperties false) that outermost $refs point at, while
// $refs in composition members keep the open X. Objects that declare no properties, or
// say themselves what else they admit (additionalProperties), stay as written.
function closed(doc) {
  const copy = structuredClone(doc);
  copy.components ??= {};
  const schemas = copy.components.schemas ?? {};
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
  media(copy.components.responses);
  for (const item of Object.values(copy.paths ?? {})) {
    for (const op of Object.values(item)) if (op && op.responses) media(op.responses);
  }
  return copy;
}
