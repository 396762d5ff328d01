// `spillway serve --workers 2` in its own process, in front of mocks on 127.0.0.1: the two workers hold the
// deployments' limits together, each sees the other's load when it routes, /metrics and /health count both,
// and SIGTERM drains both. Which worker takes a connection is the kernel's choice (SO_REUSEPORT); the log
// lines say which one served each request.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { after, before, describe, it } from 'node:test';
import { minuteWithRoom } from '../src/bench/cluster/drive.ts';
import { type MockHandle, startMock } from '../src/mock/server.ts';
import { eventually } from './helpers/gateway.ts';
import { type ServedGateway, serveGateway } from './helpers/serve.ts';

const chat = (url: string, model: string, content = 'x') =>
  fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model, messages: [{ role: 'user', content }] }),
  });

/** Workers that logged a served request of `model`. */
function workersServing(lines: readonly string[], model: string): Set<number> {
  const workers = new Set<number>();
  for (const l of lines) {
    const entry = JSON.parse(l) as { msg?: string; model?: string; worker?: number };
    if (entry.msg === 'request' && entry.model === model && entry.worker !== undefined) workers.add(entry.worker);
  }
  return workers;
}

/** The sum of a metric's samples in Prometheus text, over every label set matching `labels`. */
function total(text: string, name: string, labels = ''): number {
  let sum = 0;
  for (const line of text.split('\n'))
    if (line.startsWith(`${name}{`) && line.includes(labels)) sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  return sum;
}

describe('serve --workers 2', () => {
  let quick: MockHandle;
  let slow: MockHandle;
  let engines: MockHandle[];
  let gw: ServedGateway;

  before(async () => {
    quick = await startMock({ port: 0 });
    slow = await startMock({ port: 0, latencyMs: 1000 });
    engines = [await startMock({ port: 0, latencyMs: 1500 }), await startMock({ port: 0, latencyMs: 1500 })];
    const line = (group: string, url: string, extra = '') =>
      `  - { model_name: ${group}, litellm_params: { model: openai/x, api_base: "${url}/v1"${extra} } }\n`;
    gw = await serveGateway(
      `model_list:\n${line('r', quick.url, ', rpm: 50')}${line('p', slow.url, ', max_parallel_requests: 3')}` +
        `${line('k', engines[0]!.url)}${line('k', engines[1]!.url)}` +
        'router_settings: { routing_strategy: kv-aware, num_retries: 0 }\nspillway: { drain_delay_ms: 100 }\n',
      ['--workers', '2'],
    );
  });

  after(async () => {
    await gw.kill();
    for (const m of [quick, slow, ...engines]) await m.close();
  });

  it('holds rpm for the whole gateway: 50 of 100 succeed (at most N − 1 = 1 more), the rest 429', async () => {
    await minuteWithRoom(5); // the workers' rpm window is the wall-clock minute
    const answers = await Promise.all(Array.from({ length: 100 }, () => chat(gw.url, 'r')));
    const ok = answers.filter((r) => r.status === 200).length;
    assert.ok(ok >= 50 && ok <= 51, `${ok} succeeded`);
    for (const r of answers.filter((a) => a.status !== 200)) {
      assert.equal(r.status, 429);
      assert.ok(Number(r.headers.get('retry-after')) > 0);
    }
    await Promise.all(answers.map((r) => r.arrayBuffer()));
    const metrics = await (await fetch(`${gw.url}/metrics`)).text();
    assert.equal(total(metrics, 'spillway_requests_total', 'model_group="r"'), 100, 'both workers’ requests');
    await eventually(() => workersServing(gw.lines, 'r').size === 2, 'both workers served group r');
  });

  it('holds max_parallel_requests for the whole gateway', async () => {
    const answers = await Promise.all(Array.from({ length: 10 }, () => chat(gw.url, 'p')));
    const ok = answers.filter((r) => r.status === 200).length;
    assert.ok(ok >= 3 && ok <= 4, `${ok} succeeded`);
    assert.equal(slow.stats.received, ok);
    await Promise.all(answers.map((r) => r.arrayBuffer()));
  });

  it('routes on both workers’ load: a burst sent one by one stays even over the engines', async () => {
    const pending: Promise<Response>[] = [];
    for (let i = 0; i < 10; i++) {
      const received = Promise.race(engines.map((e) => once(e.events, 'request')));
      pending.push(chat(gw.url, 'k', `prompt ${i} ${'z'.repeat(64)}`));
      await received;
      const [a, b] = engines.map((e) => e.stats.inFlight);
      assert.ok(Math.abs(a! - b!) <= 1, `after ${i + 1}: ${a} and ${b} in flight`);
    }
    for (const r of await Promise.all(pending)) assert.equal(r.status, 200);
    // That both workers routed some of them is asserted after the drain, once every log line is out.
  });

  it('answers /health for the whole gateway and returns every count to zero', async () => {
    const health = (await (await fetch(`${gw.url}/health/upstreams`)).json()) as {
      model_groups: { name: string; deployments: { in_flight: number; window_requests: number }[] }[];
    };
    const r = health.model_groups.find((g) => g.name === 'r')!;
    assert.ok(r.deployments[0]!.window_requests >= 50, 'both workers’ attempts');
    const metrics = await (await fetch(`${gw.url}/metrics`)).text();
    assert.equal(total(metrics, 'spillway_deployment_in_flight'), 0);
    assert.equal(total(metrics, 'spillway_engine_kv_blocks', 'source="predicted"'), 0);
    assert.equal((await fetch(`${gw.url}/health/readiness`)).status, 200);
  });

  it('drains both workers on SIGTERM and exits 0', async () => {
    const served = engines[0]!.stats.served + engines[1]!.stats.served;
    const pending = Array.from({ length: 8 }, (_, i) => chat(gw.url, 'k', `drain ${i}`));
    await eventually(() => engines[0]!.stats.inFlight + engines[1]!.stats.inFlight === 8, 'all 8 reached the engines');
    const exited = once(gw.child, 'close');
    gw.child.kill('SIGTERM');
    for (const r of await Promise.all(pending)) assert.equal(r.status, 200);
    const [code] = await exited;
    assert.equal(code, 0);
    assert.equal(engines[0]!.stats.served + engines[1]!.stats.served, served + 8);
    assert.ok(gw.lines.some((l) => l.includes('"msg":"stopped"') && l.includes('"clean":true')));
    assert.equal(workersServing(gw.lines, 'k').size, 2, 'both workers routed group k');
  });
});
