// The response validator's own tests (CTest's contract.validator): the verdicts of
// scripts/response-contract.mjs on answers of a small document.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { responseChecker } from '../../scripts/response-contract.mjs';

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
