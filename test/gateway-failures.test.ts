// Failover, cooldown and the errors a client sees when upstreams fail: real servers on 127.0.0.1.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import OpenAI from 'openai';
import { startMock } from '../src/mock/server.ts';
import { startGateway } from './helpers/gateway.ts';
import { deadPort, errorUpstream, scriptedUpstream } from './helpers/upstreams.ts';

const chat = (c: OpenAI, model = 'm') =>
  c.chat.completions.create({ model, messages: [{ role: 'user', content: 'x' }] });

interface UpstreamHealth {
  model_groups: Array<{
    name: string;
    deployments_cooling_down: number;
    panic_routed: number;
    deployments: Array<{
      id: string;
      state: string;
      cooldown_remaining_ms: number;
      failure_rate: number;
      window_requests: number;
      ejections: number;
    }>;
  }>;
}

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
      const failures = metric(
        text,
        'spillway_deployment_failure_responses_total',
        'deployment="down",status="connect_error"',
      );
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

  it('routes to a group whose every deployment cools down anyway (panic), so the client sees the upstream error; readiness stays 200', async () => {
    const port = await deadPort();
    const gw = await startGateway(`
model_list:
  - model_name: m
    litellm_params: { model: openai/x, api_base: "http://127.0.0.1:${port}/v1" }
    model_info: { id: only }
router_settings: { num_retries: 0, allowed_fails: 0, cooldown_time: 30 }
`);
    try {
      const client = gw.client();
      for (let i = 0; i < 3; i++) {
        await assert.rejects(
          chat(client),
          (e) => e instanceof OpenAI.APIError && e.status === 502 && e.code === 'upstream_error',
        );
      }
      assert.equal(gw.gateway.deployments[0].isCoolingDown(), true);
      assert.equal((await fetch(`${gw.url}/health/readiness`)).status, 200);
      const health = (await (await fetch(`${gw.url}/health/upstreams`)).json()) as UpstreamHealth;
      const g = health.model_groups[0];
      assert.equal(g.deployments_cooling_down, 1);
      assert.equal(g.panic_routed, 2);
      assert.equal(g.deployments[0].state, 'cooling_down');
      assert.ok(g.deployments[0].cooldown_remaining_ms > 29_000);
      assert.equal(metric(await gw.metricsText(), 'spillway_panic_routed_total', 'model_group="m"'), 2);
      await gw.assertIdle();
    } finally {
      await gw.close();
    }
  });

  it("answers 503 all_deployments_cooling_down only while an upstream's Retry-After holds every deployment; both capped", async () => {
    const limited = await errorUpstream(429, 'slow down', 'rate_limit_error', '999999999');
    const gw = await startGateway(`
model_list:
  - { model_name: m, litellm_params: { model: openai/x, api_base: "${limited.url}" } }
router_settings: { num_retries: 0, allowed_fails: 0 }
spillway: { cooldown: { retry_after_cap_ms: 20000 } }
`);
    try {
      const client = gw.client();
      await assert.rejects(chat(client), (e) => {
        assert.ok(e instanceof OpenAI.RateLimitError);
        assert.equal(e.code, 'upstream_rate_limited');
        assert.equal(e.headers?.get('retry-after-ms'), '20000');
        assert.equal(e.headers?.get('retry-after'), '20');
        return true;
      });
      const d = gw.gateway.deployments[0];
      assert.ok(
        d.cooldownRemainingMs() > 19_000 && d.cooldownRemainingMs() <= 20_000,
        `cooldown ${d.cooldownRemainingMs()}`,
      );
      await assert.rejects(chat(client), (e) => {
        assert.ok(e instanceof OpenAI.InternalServerError);
        assert.equal(e.status, 503);
        assert.equal(e.code, 'all_deployments_cooling_down');
        const ms = Number(e.headers?.get('retry-after-ms'));
        assert.ok(ms > 19_000 && ms <= 20_000, `retry-after-ms ${ms}`);
        return true;
      });
      assert.equal(limited.requests, 1);
      assert.equal((await fetch(`${gw.url}/health/readiness`)).status, 200);
      await gw.assertIdle();
    } finally {
      await gw.close();
      await limited.close();
    }
  });

  it('retries 5xx and 429 on another deployment; an upstream Retry-After lengthens the cooldown, at most retry_after_cap_ms', async () => {
    const limited = await errorUpstream(429, 'slow down', 'rate_limit_error', '999999999');
    const failing = await errorUpstream(500, 'boom', 'server_error');
    const mock = await startMock({ port: 0 });
    const gw = await startGateway(`
model_list:
  - { model_name: m, litellm_params: { model: openai/x, api_base: "${limited.url}" }, model_info: { id: limited } }
  - { model_name: m, litellm_params: { model: openai/x, api_base: "${failing.url}" }, model_info: { id: failing } }
  - { model_name: m, litellm_params: { model: openai/x, api_base: "${mock.url}/v1" }, model_info: { id: ok } }
router_settings: { routing_strategy: least-busy, num_retries: 2, allowed_fails: 0, cooldown_time: 5 }
spillway: { cooldown: { max_ejection_percent: 100 } }
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
      const l = byId.get('limited')!.cooldownRemainingMs();
      assert.ok(l > 55_000 && l <= 60_000, `Retry-After 999999999 s outlasts cooldown_time 5 s, capped at 60 s: ${l}`);
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
    const overloaded = await errorUpstream(503, 'queue full', 'overloaded', '2');
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
      await assert.rejects(
        chat(gw.client()),
        (e) => e instanceof OpenAI.BadRequestError && e.message.includes('context too long'),
      );
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
      await assert.rejects(
        chat(gw.client()),
        (e) => e instanceof OpenAI.APIError && e.status === 504 && e.code === 'upstream_timeout',
      );
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
      res.write(
        'data: {"id":"1","object":"chat.completion.chunk","created":0,"model":"x","choices":[{"index":0,"delta":{"content":"a"},"finish_reason":null}]}\n\n',
      );
      setImmediate(() => res.socket?.destroy());
    });
    const gw = await startGateway(`
model_list:
  - { model_name: m, litellm_params: { model: openai/x, api_base: "${dying.url}" } }
`);
    try {
      const stream = await gw
        .client()
        .chat.completions.create({ model: 'm', stream: true, messages: [{ role: 'user', content: 'x' }] });
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
