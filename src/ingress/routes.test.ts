import assert from 'node:assert/strict';
import { it } from 'node:test';
import { findRoute, isOpsRoute, routeTable } from './routes.ts';

const table = routeTable();
const route = (path: string) => findRoute(table, path);

it('names each endpoint, with and without /v1; tokenize and detokenize from the root', () => {
  for (const [path, endpoint, upstreamPath, fromRoot] of [
    ['/v1/responses', 'responses', '/responses', false],
    ['/messages', 'messages', '/messages', false],
    ['/v1/rerank', 'rerank', '/rerank', false],
    ['/score', 'score', '/score', false],
    ['/v1/tokenize', 'tokenize', '/tokenize', true],
    ['/detokenize', 'detokenize', '/detokenize', true],
    ['/v1/audio/transcriptions', 'transcriptions', '/audio/transcriptions', false],
  ] as const) {
    assert.deepEqual(route(path), { kind: 'proxy', endpoint, upstreamPath, method: 'POST', fromRoot }, path);
  }
});

it("OpenAI's other JSON endpoints that name a model are proxied as they are; other paths are unknown", () => {
  assert.deepEqual(route('/v1/images/generations'), {
    kind: 'proxy',
    endpoint: 'other',
    upstreamPath: '/images/generations',
    method: 'POST',
    fromRoot: false,
  });
  assert.equal(route('/audio/speech')?.kind, 'proxy');
  for (const unknown of ['/v1/nope', '/v1/a/../b', '/v1/', '/v2/rerank'])
    assert.equal(route(unknown), undefined, unknown);
});

it("a stored response's follow-ups have their own answer; the ops port proxies nothing", () => {
  assert.equal(route('/v1/responses/resp_1')?.kind, 'stored_response');
  assert.equal(route('/responses/resp_1/input_items')?.kind, 'stored_response');
  const ops = new Map([...table].filter(([, r]) => isOpsRoute(r)));
  assert.equal(findRoute(ops, '/v1/images/generations'), undefined);
  assert.equal(findRoute(ops, '/v1/rerank'), undefined);
  assert.equal(findRoute(ops, '/v1/responses/resp_1'), undefined);
});
