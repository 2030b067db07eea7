// The response validator's own tests (CTest's contract.validator): the verdicts of
// scripts/response-contract.mjs on answers of a small document, and
// scripts/check-responses.mjs serving the real one over stdin and over a Unix socket.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, describe, test } from 'node:test';
import { responseChecker, root } from '../../scripts/response-contract.mjs';

const script = join(root, 'scripts', 'check-responses.mjs');

const error = {
  type: 'object',
  required: ['error', 'message'],
  properties: { error: { type: 'string' }, message: { type: 'string' } },
};
const spec = {
  openapi: '3.1.0',
  paths: {
    '/things/{id}': {
      get: {
        responses: {
          200: {
            description: 'a thing',
            content: {
              'application/json': {
                schema: {
                  type: 'object',
                  required: ['thing'],
                  properties: { thing: { $ref: '#/components/schemas/Thing' } },
                },
              },
            },
          },
          404: { $ref: '#/components/responses/BadRequest' },
        },
      },
      delete: { 'x-parkd-status': 'planned', responses: { 204: { description: 'gone' } } },
    },
    '/things/export.csv': {
      get: { responses: { 200: { description: 'CSV', content: { 'text/csv': {} } } } },
    },
  },
  components: {
    schemas: {
      Thing: {
        type: 'object',
        required: ['id', 'count'],
        properties: { id: { type: 'integer' }, count: { type: 'integer' }, tags: { type: 'array', items: { type: 'string' } } },
      },
      Error: error,
    },
    responses: {
      BadRequest: {
        description: 'an error',
        content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
      },
    },
  },
};

const json = 'application/json';
const answer = (fields) => ({ method: 'GET', path: '/things/7', status: 200, content_type: json, ...fields });

describe('responseChecker', () => {
  const { check } = responseChecker(spec);

  test('passes an answer the document describes', () => {
    const body = JSON.stringify({ thing: { id: 7, count: 2, tags: ['a'] } });
    assert.deepEqual(check(answer({ body })), { checked: true, problems: [] });
  });

  test('names the route, status and path of a wrong-typed field', () => {
    const body = JSON.stringify({ thing: { id: 7, count: '2' } });
    assert.deepEqual(check(answer({ body })).problems, ['GET /things/{id} 200: /thing/count must be integer']);
  });

  test('names a field the document does not list by its own path', () => {
    const body = JSON.stringify({ thing: { id: 7, count: 2, secret: 'x' } });
    assert.deepEqual(check(answer({ body })).problems, [
      'GET /things/{id} 200: /thing/secret is not in the document',
    ]);
  });

  test('finds a wrong value inside an array', () => {
    const body = JSON.stringify({ thing: { id: 7, count: 2, tags: ['a', 3] } });
    assert.deepEqual(check(answer({ body })).problems, ['GET /things/{id} 200: /thing/tags/1 must be string']);
  });

  test('names a missing required field', () => {
    const body = JSON.stringify({ thing: { id: 7 } });
    assert.deepEqual(check(answer({ body })).problems, [
      "GET /things/{id} 200: /thing must have required property 'count'",
    ]);
  });

  test('refuses a status the operation does not list', () => {
    assert.deepEqual(check(answer({ status: 418, body: '{}' })).problems, [
      'GET /things/{id} 418: status 418 is not in the document for this operation',
    ]);
  });

  test('takes a status any operation may give as an Error', () => {
    const good = JSON.stringify({ error: 'unavailable', message: 'try later' });
    assert.deepEqual(check(answer({ status: 503, body: good })).problems, []);
    assert.deepEqual(check(answer({ status: 503, body: '{"error":"x"}' })).problems, [
      "GET /things/{id} 503: / must have required property 'message'",
    ]);
  });

  test('checks a shared response through its $ref', () => {
    const body = JSON.stringify({ error: 'not_found', message: 'no thing', id: 7 });
    assert.deepEqual(check(answer({ status: 404, body })).problems, [
      'GET /things/{id} 404: /id is not in the document',
    ]);
  });

  test('refuses another content type or a body that is not JSON', () => {
    assert.deepEqual(check(answer({ content_type: 'text/plain', body: 'hi' })).problems, [
      'GET /things/{id} 200: content type text/plain, the document says JSON',
    ]);
    assert.deepEqual(check(answer({ body: '{"thing":' })).problems, ['GET /things/{id} 200: the body is not JSON']);
  });

  test('prefers a literal path to a template', () => {
    const csv = check(answer({ path: '/things/export.csv', content_type: 'text/csv', body: 'a,b' }));
    assert.deepEqual(csv, { checked: true, problems: [] });
  });

  test('leaves out paths and operations the document does not describe, and HEAD', () => {
    assert.equal(check(answer({ path: '/elsewhere', status: 404, body: 'x' })).checked, false);
    assert.equal(check(answer({ method: 'DELETE', status: 404, body: 'x' })).checked, false);
    assert.equal(check(answer({ method: 'HEAD', status: 999 })).checked, false);
  });

  test('ignores the query string', () => {
    const body = JSON.stringify({ thing: { id: 7, count: 2 } });
    assert.deepEqual(check(answer({ path: '/things/7?x=1', body })).problems, []);
  });
});

// Answers of the real document, as api_tests sends them.
const healthy = { test: 'Suite.Healthy', method: 'GET', path: '/healthz', status: 200, content_type: json, body: '{"status":"ok"}' };
const leaky = { ...healthy, test: 'Suite.Leaky', body: '{"status":"ok","debug":1}' };
const teapot = { ...healthy, test: 'Suite.Teapot', status: 418 };
const verdictsFor = [
  [healthy, { ok: true }],
  [leaky, { ok: false, problems: ['GET /healthz 200: /debug is not in the document'] }],
  [teapot, { ok: false, problems: ['GET /healthz 418: status 418 is not in the document for this operation'] }],
];

// Sends each answer as one line (a string as it is) and reads one verdict line back for it.
async function exchange(input, output, answers) {
  const lines = createInterface({ input: output })[Symbol.asyncIterator]();
  const verdicts = [];
  for (const a of answers) {
    input.write((typeof a === 'string' ? a : JSON.stringify(a)) + '\n');
    verdicts.push(JSON.parse((await lines.next()).value));
  }
  return verdicts;
}

test('--serve gives one verdict line for each answer line', async () => {
  const child = spawn(process.execPath, [script, '--serve'], { stdio: ['pipe', 'pipe', 'inherit'] });
  const exited = new Promise((r) => child.on('exit', r));
  try {
    const answers = [...verdictsFor.map(([a]) => a), 'not json', '"a string"'];
    const verdicts = await exchange(child.stdin, child.stdout, answers);
    assert.deepEqual(verdicts.slice(0, 3), verdictsFor.map(([, v]) => v));
    assert.match(verdicts[3].problems[0], /^the validator could not check the answer: /);
    assert.deepEqual(verdicts[4].problems, ['the validator could not check the answer: not a JSON object']);
  } finally {
    child.stdin.end();
  }
  assert.equal(await exited, 0, 'it exits at the end of its input');
});

test('--start serves every connection on a socket until --stop, which sums up', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'check-responses-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const socket = join(dir, 'validator.sock');
  const started = spawnSync(process.execPath, [script, '--start', socket], { encoding: 'utf8' });
  assert.equal(started.status, 0, started.stderr);
  for (const [a, verdict] of verdictsFor) {
    const connection = net.createConnection(socket);
    assert.deepEqual(await exchange(connection, connection, [a]), [verdict]);
    connection.end();
  }
  const stopped = spawnSync(process.execPath, [script, '--stop', socket], { encoding: 'utf8' });
  assert.equal(stopped.status, 0, stopped.stderr);
  assert.match(stopped.stdout, /FAILED Suite\.Leaky\n {2}GET \/healthz 200: \/debug is not in the document\n/);
  assert.match(stopped.stdout, /FAILED Suite\.Teapot\n/);
  assert.doesNotMatch(stopped.stdout, /Suite\.Healthy/);
  assert.match(stopped.stdout, /3 answers from 3 test\(s\), 3 of them checked.*; 2 test\(s\) received/);
  for (let i = 0; i < 100 && existsSync(socket); i++) await new Promise((r) => setTimeout(r, 20));
  assert.equal(existsSync(socket), false, 'the validator removes its socket when it stops');
  const again = spawnSync(process.execPath, [script, '--stop', socket], { encoding: 'utf8' });
  assert.equal(again.status, 1, 'no validator is left to stop');
  assert.match(again.stderr, /no validator answers on/);
});
