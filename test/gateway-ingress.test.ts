// What the gateway refuses before routing, and with which status and OpenAI-shaped body.
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { startMock } from '../src/mock/server.ts';
import { type RunningGateway, startGateway } from './helpers/gateway.ts';

describe('ingress', () => {
  let mock: Awaited<ReturnType<typeof startMock>>;
  let gw: RunningGateway;
  const auth = { authorization: 'Bearer sk-master', 'content-type': 'application/json' };

  before(async () => {
    mock = await startMock({ port: 0 });
    gw = await startGateway(`
model_list:
  - { model_name: m, litellm_params: { model: openai/x, api_base: "${mock.url}/v1" } }
general_settings: { master_key: sk-master, max_request_size_mb: 0.01 }
`);
  });
  after(async () => {
    await gw.assertIdle();
    await gw.close();
    await mock.close();
  });

  async function expectError(res: Response, status: number, code: string, param: string | null = null) {
    assert.equal(res.status, status);
    assert.match(res.headers.get('content-type') ?? '', /application\/json/);
    assert.ok(res.headers.get('x-request-id'));
    const body = (await res.json()) as { error: Record<string, unknown> };
    assert.deepEqual(Object.keys(body.error).sort(), ['code', 'message', 'param', 'type']);
    assert.equal(body.error.code, code);
    assert.equal(body.error.param, param);
    assert.ok(String(body.error.message).length > 10);
  }
  const post = (path: string, body: string, headers: Record<string, string> = auth) =>
    fetch(`${gw.url}${path}`, { method: 'POST', headers, body });

  it('rejects bad JSON and missing or invalid fields with 400 naming the field', async () => {
    await expectError(await post('/v1/chat/completions', '{"model":'), 400, 'invalid_json');
    await expectError(await post('/v1/chat/completions', '[1]'), 400, 'invalid_request');
    await expectError(
      await post('/v1/chat/completions', '{"messages":[{"role":"user","content":"x"}]}'),
      400,
      'invalid_request',
      'model',
    );
    await expectError(await post('/v1/chat/completions', '{"model":"m"}'), 400, 'invalid_request', 'messages');
    await expectError(
      await post('/v1/chat/completions', '{"model":"m","messages":[{}],"stream":"yes"}'),
      400,
      'invalid_request',
      'stream',
    );
    await expectError(await post('/v1/completions', '{"model":"m"}'), 400, 'invalid_request', 'prompt');
    await expectError(await post('/v1/embeddings', '{"model":"m"}'), 400, 'invalid_request', 'input');
  });

  it('answers 401 without the master key, on the API and on /v1/models', async () => {
    await expectError(
      await post('/v1/chat/completions', '{}', { 'content-type': 'application/json' }),
      401,
      'invalid_api_key',
    );
    await expectError(
      await post('/v1/chat/completions', '{}', { ...auth, authorization: 'Bearer sk-masterX' }),
      401,
      'invalid_api_key',
    );
    await expectError(await fetch(`${gw.url}/v1/models`), 401, 'invalid_api_key');
    assert.equal((await fetch(`${gw.url}/models`, { headers: auth })).status, 200);
  });

  it('answers 404 for unknown models (listing the known groups) and unknown paths', async () => {
    const res = await post('/chat/completions', '{"model":"gpt-9","messages":[{"role":"user","content":"x"}]}');
    assert.equal(res.status, 404);
    const body = (await res.json()) as { error: { code: string; message: string; param: string } };
    assert.equal(body.error.code, 'model_not_found');
    assert.equal(body.error.param, 'model');
    assert.match(body.error.message, /Known model groups: m/);
    await expectError(await post('/v1/images/generations', '{}'), 404, 'not_found');
  });

  it('answers 405 with Allow, 415 for non-JSON, 413 over max_request_size_mb', async () => {
    const get = await fetch(`${gw.url}/v1/chat/completions`, { headers: auth });
    assert.equal(get.headers.get('allow'), 'POST');
    await expectError(get, 405, 'method_not_allowed');
    await expectError(
      await post('/v1/chat/completions', 'model=m', { ...auth, 'content-type': 'text/plain' }),
      415,
      'unsupported_media_type',
    );
    const big = JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'x'.repeat(20_000) }] });
    await expectError(await post('/v1/chat/completions', big), 413, 'request_too_large');
  });

  it('answers 413 for an oversized chunked body without a Content-Length', async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(
        `${gw.url}/v1/chat/completions`,
        { method: 'POST', headers: { ...auth, 'transfer-encoding': 'chunked' } },
        (res) => {
          res.resume();
          resolve(res.statusCode!);
        },
      );
      req.on('error', reject);
      for (let i = 0; i < 20; i++) req.write('x'.repeat(1000));
      req.end();
    });
    assert.equal(status, 413);
  });

  it('serves health and metrics without the key (public by default)', async () => {
    assert.deepEqual(await (await fetch(`${gw.url}/health/liveness`)).json(), { status: 'ok' });
    const ready = await fetch(`${gw.url}/health/readiness`);
    assert.equal(ready.status, 200);
    const metrics = await gw.metricsText();
    assert.match(metrics, /spillway_requests_total\{model_group="none",deployment="none",status="401"\}/);
    assert.doesNotMatch(metrics, /sk-master/);
  });
});
