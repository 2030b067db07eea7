// Adds the HTTP contract to a built web UI directory, so that it is compiled into parkd
// with the rest of the UI (cmake/embed_assets.cmake):
//   openapi.json            docs/openapi.yaml as JSON, served at GET /api/openapi.json
//   api-docs/index.html     the reference page served at GET /api/docs
//   api-docs/redoc.standalone.js   the Redoc bundle that page loads (no other host)
//   api-docs/init.js        starts Redoc on /api/openapi.json
//
//   node scripts/openapi-json.mjs <web-output-dir>
//
// The YAML parser and Redoc come from web/'s devDependencies (web/node_modules).
import { createRequire } from 'node:module';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = process.argv[2];
if (!out) {
  console.error('usage: node scripts/openapi-json.mjs <web-output-dir>');
  process.exit(2);
}
const require = createRequire(join(root, 'web', 'package.json'));
const YAML = require('yaml');

const spec = YAML.parse(readFileSync(join(root, 'docs', 'openapi.yaml'), 'utf8'));
if (!String(spec.openapi).startsWith('3.1.') || typeof spec.paths !== 'object') {
  console.error('docs/openapi.yaml: not an OpenAPI 3.1 document with paths');
  process.exit(1);
}
writeFileSync(join(out, 'openapi.json'), JSON.stringify(spec));

const docs = join(out, 'api-docs');
mkdirSync(docs, { recursive: true });
// The bundle's one asset from another host, the "API docs by Redocly" logo, points at
// parkd's own icon instead: the page must not reach out (its CSP would block it anyway).
const bundle = readFileSync(require.resolve('redoc/bundles/redoc.standalone.js'), 'utf8');
writeFileSync(
  join(docs, 'redoc.standalone.js'),
  bundle.replaceAll('https://cdn.redoc.ly/redoc/logo-mini.svg', '/favicon.svg'),
);
// Absolute paths: the page is served at /api/docs, not at /api-docs/.
writeFileSync(
  join(docs, 'index.html'),
  `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>parkd API reference</title>
<link rel="icon" href="/favicon.svg">
</head>
<body>
<div id="redoc"></div>
<script src="/api-docs/redoc.standalone.js"></script>
<script src="/api-docs/init.js"></script>
</body>
</html>
`,
);
// No inline script: the page's Content-Security-Policy allows scripts of parkd only.
writeFileSync(
  join(docs, 'init.js'),
  `document.body.style.margin = '0';
Redoc.init('/api/openapi.json', { hideDownloadButton: false, expandResponses: '200,201' },
           document.getElementById('redoc'));
`,
);
console.log(`openapi-json: openapi.json and api-docs/ written to ${out}`);
