// Failover, cooldown and the errors a client sees when upstreams fail: real servers on 127.0.0.1.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import OpenAI from 'openai';
import { startMock } from '../src/mock/server.ts';
import { startGateway } from './helpers/gateway.ts';
import { deadPort, scriptedUpstream } from './helpers/upstreams.ts';

const chat = (c: OpenAI, model = 'm') => c.chat.completions.create({ model, messages: [{ role: 'user', content: 'x' }] });

function metric(text: string, name: string, labels: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && labels.split(',').every((p) => l.includes(p)));
  return line === undefined ? 0 : Number(line.slice(line.lastIndexOf(' ') + 1));
}

describe('failures', () => {
  it('fails over from a deployment that is down, then cools it down after allowed_fails', async () => {
    const mock = await startMock({ port: 0 });
    const port = await deadPort();
    const gw = await startGateway(`
model_list:
  - model_name: m
    litellm_params: { model: openai/x, api_base: "http://127.0.0.1:${port}/v1" }
    model_info: { id: down }
  - model_name: m
    litellm_params: { model: openai/x, api_base: "${mock.url}/v1" }
    model_info: { id: up }
router_settings: { routing_strategy: simple-shuffle, num_retries: 2, allowed_fails: 1, cooldown_time: 60 }
`);
    try {
      const client = gw.client();
      // Every request succeeds; the dead deployment is tried at most twice before it cools down.
      for (let i = 0; i < 20; i++) {
        const { response } = await chat(client).withResponse();
        assert.equal(response.headers.get('x-spillway-deployment'), 'up');
      }
      const text = await gw.metricsText();
      const failures = metric(text, 'spillway_deployment_failure_responses_total', 'deployment="down",status="connect_error"');
      assert.ok(failures >= 2 && failures <= 2, `connect failures before cooldown: ${failures}`);
      assert.equal(metric(text, 'spillway_deployment_cooled_down_total', 'deployment="down"'), 1);
      assert.equal(metric(text, 'spillway_deployment_state', 'deployment="down"'), 2);
      const ready = await fetch(`${gw.url}/health/readiness`);
      assert.equal(ready.status, 200);
      await gw.assertIdle();
    } finally {
      await gw.close();
      await mock.close();
    }
  });

  it('answers 503 with the shortest remaining cooldown when every deployment cools down', async () => {
    const port = await deadPort();
    const gw = await startGateway(`
model_list:
  - model_name: m
    litellm_params: { model: openai/x, api_base: "http://127.0.0.1:${port}/v1" }
router_settings: { num_retries: 0, allowed_fails: 0, cooldown_time: 30 }
`);
    try {
      const client = gw.client();
      await assert.rejects(chat(client), (e) => e instanceof OpenAI.APIError && e.status === 502 && e.code === 'upstream_error');
      await assert.rejects(chat(client), (e) => {
        assert.ok(e instanceof OpenAI.InternalServerError);
        assert.equal(e.status, 503);
        assert.equal(e.code, 'all_deployments_cooling_down');
        const ms = Number(e.headers?.get('retry-after-ms'));
        assert.ok(ms > 29_000 && ms <= 30_000, `retry-after-ms ${ms}`);
        assert.equal(e.headers?.get('retry-after'), '30');
        return true;
      });
      assert.equal((await fetch(`${gw.url}/health/readiness`)).status, 503);
      await gw.assertIdle();
    } finally {
      await gw.close();
    }
  });

  it('retries 5xx and 429 on another deployment; an upstream Retry-After extends the cooldown', async () => {
    const limited = await scriptedUpstream((_q, res) => {
      res.writeHead(429, { 'content-type': 'application/json', 'retry-after': '120' });
      res.end('{"error":{"message":"slow down","type":"rate_limit_error","param":null,"code":null}}');
    });
    const failing = await scriptedUpstream((_q, res) => {
      res.writeHead(500, { 'content-type': 'application/json' });
      res.end('{"error":{"message":"boom","type":"server_error","param":null,"code":null}}');
    });
    const mock = await startMock({ port: 0 });
    const gw = await startGateway(`
model_list:
  - { model_name: m, litellm_params: { model: openai/x, api_base: "${limited.url}" }, model_info: { id: limited } }
  - { model_name: m, litellm_params: { model: openai/x, api_base: "${failing.url}" }, model_info: { id: failing } }
  - { model_name: m, litellm_params: { model: openai/x, api_base: "${mock.url}/v1" }, model_info: { id: ok } }
router_settings: { routing_strategy: least-busy, num_retries: 2, allowed_fails: 0, cooldown_time: 5 }
`);
    try {
      const client = gw.client();
      // least-busy breaks ties at random, so a request may reach 'ok' first: go on until both failing
      // deployments have been tried (each then cools down and is never tried again). 1 in 2^30 it takes longer.
      for (let i = 0; i < 30 && limited.requests + failing.requests < 2; i++) {
        const { response } = await chat(client).withResponse();
        assert.equal(response.headers.get('x-spillway-deployment'), 'ok');
      }
      const byId = new Map(gw.gateway.deployments.map((d) => [d.id, d]));
      assert.ok(byId.get('limited')!.cooldownRemainingMs() > 100_000, 'Retry-After 120 s outlasts cooldown_time 5 s');
      const f = byId.get('failing')!.cooldownRemainingMs();
      assert.ok(f > 0 && f <= 5000, `failing cooldown ${f}`);
      assert.equal(limited.requests, 1);
      assert.equal(failing.requests, 1);
      await gw.assertIdle();
    } finally {
      await gw.close();
      await Promise.all([limited.close(), failing.close(), mock.close()]);
    }
  });

  it('says what the last upstream answered once retries are exhausted', async () => {
    const overloaded = await scriptedUpstream((_q, res) => {
      res.writeHead(503, { 'content-type': 'application/json', 'retry-after': '2' });
      res.end('{"error":{"message":"queue full","type":"overloaded","param":null,"code":null}}');
    });
    const gw = await startGateway(`
model_list:
  - { model_name: m, litellm_params: { model: openai/x, api_base: "${overloaded.url}" } }
router_settings: { num_retries: 1, allowed_fails: 10 }
`);
    try {
      await assert.rejects(chat(gw.client()), (e) => {
        assert.ok(e instanceof OpenAI.APIError);
        assert.equal(e.status, 503);
        assert.equal(e.code, 'upstream_overloaded');
        assert.match(e.message, /2 attempts.*503: queue full/);
        assert.equal(e.headers?.get('retry-after-ms'), '2000');
        return true;
      });
      assert.equal(overloaded.requests, 2);
      await gw.assertIdle();
    } finally {
      await gw.close();
      await overloaded.close();
    }
  });

  it('forwards an upstream 4xx as is, without retrying or counting a failure', async () => {
    const picky = await scriptedUpstream((_q, res) => {
      res.writeHead(400, { 'content-type': 'application/json' });
      res.end('{"error":{"message":"context too long","type":"invalid_request_error","param":"messages","code":null}}');
    });
    const gw = await startGateway(`
model_list:
  - { model_name: m, litellm_params: { model: openai/x, api_base: "${picky.url}" } }
router_settings: { num_retries: 3, allowed_fails: 0 }
`);
    try {
      await assert.rejects(chat(gw.client()), (e) => e instanceof OpenAI.BadRequestError && e.message.includes('context too long'));
      assert.equal(picky.requests, 1);
      assert.equal(gw.gateway.deployments[0].isCoolingDown(), false);
      await gw.assertIdle();
    } finally {
      await gw.close();
      await picky.close();
    }
  });

  it('times out a stalled first byte (stream_timeout), retries, then answers 504', async () => {
    const stalled = await scriptedUpstream(() => {
      /* never answers */
    });
    const gw = await startGateway(`
model_list:
  - { model_name: m, litellm_params: { model: openai/x, api_base: "${stalled.url}", stream_timeout: 0.1, timeout: 10 } }
router_settings: { num_retries: 1, allowed_fails: 10 }
`);
    try {
      const started = Date.now();
      await assert.rejects(chat(gw.client()), (e) => e instanceof OpenAI.APIError && e.status === 504 && e.code === 'upstream_timeout');
      assert.ok(Date.now() - started < 2000);
      assert.equal(stalled.requests, 2);
      await gw.assertIdle();
    } finally {
      await gw.close();
      await stalled.close();
    }
  });

  it('cuts the client off when the upstream dies mid-stream, and releases the slot', async () => {
    const dying = await scriptedUpstream((_q, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: {"id":"1","object":"chat.completion.chunk","created":0,"model":"x","choices":[{"index":0,"delta":{"content":"a"},"finish_reason":null}]}\n\n');
      setImmediate(() => res.socket?.destroy());
    });
    const gw = await startGateway(`
model_list:
  - { model_name: m, litellm_params: { model: openai/x, api_base: "${dying.url}" } }
`);
    try {
      const stream = await gw.client().chat.completions.create({ model: 'm', stream: true, messages: [{ role: 'user', content: 'x' }] });
      await assert.rejects(async () => {
        for await (const _ of stream);
      });
      const text = await gw.metricsText();
      assert.equal(metric(text, 'spillway_deployment_failure_responses_total', 'status="broken_stream"'), 1);
      await gw.assertIdle();
    } finally {
      await gw.close();
      await dying.close();
    }
  });
});
