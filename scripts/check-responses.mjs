// Validates the answers the black-box suite received (recorded by its HttpClient under
// PARKD_RECORD_RESPONSES, one JSON object a line, each with the GoogleTest test that
// received it) against docs/openapi.yaml (scripts/response-contract.mjs). Exits 1
// listing, test by test, the route, status and offending place of each body that does not
// match and each status the document does not list for the operation.
//
//   node scripts/check-responses.mjs <recorded-dir>
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadSpec, responseChecker } from './response-contract.mjs';

const dir = process.argv[2];
if (!dir) {
  console.error('usage: node scripts/check-responses.mjs <recorded-dir>');
  process.exit(2);
}
const { check } = responseChecker(loadSpec());

const problems = new Map(); // test name -> the distinct problems its answers showed
let checked = 0;
const files = readdirSync(dir).filter((f) => f.endsWith('.jsonl'));
for (const file of files) {
  for (const line of readFileSync(join(dir, file), 'utf8').split('\n')) {
    if (!line) continue;
    const r = JSON.parse(line);
    const verdict = check(r);
    if (verdict.checked) checked++;
    if (verdict.problems.length === 0) continue;
    const name = r.test || '(outside a test)';
    if (!problems.has(name)) problems.set(name, new Set());
    for (const p of verdict.problems) problems.get(name).add(p);
  }
}

for (const [test, keys] of [...problems].sort(([a], [b]) => a.localeCompare(b))) {
  console.log(`FAILED ${test}`);
  for (const key of keys) console.log(`  ${key}`);
}
console.log(
  `check-responses: ${checked} answers from ${files.length} recording(s) checked, ` +
    `${problems.size} test(s) received answers the document does not describe`,
);
process.exit(problems.size ? 1 : 0);
