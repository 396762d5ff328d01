// The pipeline below the ingress, in process: a request's context and a recording response instead of the
// client's socket; the queue's timers are manual, so only the events a test causes drain it.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import pino from 'pino';
import { Registry } from 'prom-client';
import { defaultBackpressure } from '../config/backpressure.ts';
import { defaultCooldown } from '../config/cooldown.ts';
import { EngineLoad } from '../load/engine-load.ts';
import { deploymentConfig } from '../load/test-support.ts';
import { BackpressureMetrics } from '../metrics/backpressure-metrics.ts';
import { GatewayMetrics } from '../metrics/gateway-metrics.ts';
import { Deployment, type DeploymentPermit } from '../routing/deployment.ts';
import { ModelGroup } from '../routing/group.ts';
import { ManualTimers } from '../routing/queue/timers.ts';
import { leastBusy } from '../routing/strategies/least-busy.ts';
import { basePath, createPool } from '../upstream/pools.ts';
import { seededRandom } from '../util/random.ts';
import { fixed } from '../util/ref.ts';
import { BackPressure } from './backpressure/controller.ts';
import { ProxyPipeline } from './proxy.ts';
import { pipelineStages } from './stages-build.ts';
import { ACCOUNTING_AT_ZERO, chatContext, RecordingResponse } from './test-support.ts';

const clock = () => performance.now();
const log = pino({ level: 'silent' });

function pipeline(backpressure: boolean, apiBase = 'http://127.0.0.1:1/v1', load?: EngineLoad, numRetries = 0) {
  const d = new Deployment({ ...deploymentConfig('e0'), apiBase, maxParallelRequests: 1 }, defaultCooldown(), clock);
  const group = new ModelGroup('g', [d], leastBusy(seededRandom(1)));
  const metrics = new GatewayMetrics(fixed([group]));
  const config = defaultBackpressure(['g']);
  const bp = backpressure
    ? new BackPressure({
        config,
        groups: new Map([['g', group]]),
        clock,
        random: seededRandom(2),
        metrics: new BackpressureMetrics(new Registry()),
        engineLoad: () => load,
        timers: new ManualTimers(),
      })
    : undefined;
  const stages = pipelineStages(bp);
  const upstreams = new Map([
    [
      d,
      {
        pool: createPool(d.config),
        pathPrefix: basePath(d.config),
        rootPrefix: '',
        headers: { 'content-type': 'application/json' },
      },
    ],
  ]);
  const proxy = new ProxyPipeline({
    upstreams,
    metrics,
    log,
    numRetries,
    admission: stages.admission,
    hooks: stages.hooks,
    router: stages.router,
  });
  return { d, group, metrics, bp, proxy, config };
}

async function requestsCounted(metrics: GatewayMetrics): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const v of (await metrics.requests.get()).values) out[String(v.labels.status)] = v.value;
  return out;
}

test('a request no deployment can take ends once, with the limit refusal, and holds nothing', async () => {
  const { d, group, metrics, proxy } = pipeline(false);
  const slot: DeploymentPermit = d.hold(); // the one parallel slot is taken
  const res = new RecordingResponse();
  proxy.start(chatContext(group), res);
  assert.equal(res.statusCode, 429);
  assert.equal(res.json().error.code, 'deployment_limit');
  res.close(); // a close after the end changes nothing
  assert.deepEqual(await requestsCounted(metrics), { '429': 1 });
  slot.end('success');
  assert.equal(d.inFlight, 0);
});

test('with back pressure, a TTFT budget that is not a positive number is refused at admission, naming it', () => {
  const { group, proxy, bp } = pipeline(true);
  const res = new RecordingResponse();
  proxy.start(chatContext(group, { ttftBudgetMs: NaN }), res);
  assert.equal(res.statusCode, 400);
  assert.equal(res.json().error.param, 'x-spillway-ttft-budget-ms');
  assert.deepEqual(bp!.accounting(), ACCOUNTING_AT_ZERO);
});

test('a queued request whose client goes away leaves the queue and ends once as client_closed', async () => {
  const { group, metrics, proxy, bp } = pipeline(true);
  for (const e of bp!.groups.get('g')!.engines) e.gate.inFlight = 1e9; // every engine at its concurrency limit
  const res = new RecordingResponse();
  proxy.start(chatContext(group), res);
  assert.equal(bp!.accounting().queued, 1, 'queued, not refused');
  assert.equal(res.headersSent, false);
  res.close();
  assert.deepEqual(await requestsCounted(metrics), { '499': 1 });
  for (const e of bp!.groups.get('g')!.engines) e.gate.inFlight = 0;
  assert.deepEqual(bp!.accounting(), ACCOUNTING_AT_ZERO);
});

test("an engine's report is a capacity event: the router queue hands its head down to the engine", async () => {
  const upstream = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{"choices":[]}'));
  });
  upstream.listen(0, '127.0.0.1');
  await once(upstream, 'listening');
  const load = new EngineLoad({ id: 'e0', clock });
  const { group, metrics, proxy, bp } = pipeline(
    true,
    `http://127.0.0.1:${(upstream.address() as AddressInfo).port}/v1`,
    load,
  );
  const engine = bp!.groups.get('g')!.engines[0];
  engine.gate.inFlight = 1e9; // at its concurrency limit: the request waits
  const res = new RecordingResponse();
  proxy.start(chatContext(group), res);
  assert.equal(bp!.accounting().queued, 1);
  engine.gate.inFlight = 0; // the engine finished work the gateway did not send: only its report says so
  load.report({ running: 0, waiting: 0 }, load.markSample());
  assert.equal(bp!.accounting().queued, 1, 'not inside the report');
  await res.ended;
  assert.equal(res.statusCode, 200);
  assert.deepEqual(await requestsCounted(metrics), { '200': 1 });
  assert.deepEqual(bp!.accounting(), ACCOUNTING_AT_ZERO);
  upstream.close();
});

test('the retry handler retries a failed attempt: one retry, one deployment failure, its slot given back', async () => {
  let served = 0;
  const upstream = createServer((req, res) => {
    req.resume();
    const status = served++ === 0 ? 500 : 200;
    req.on('end', () => res.writeHead(status, { 'content-type': 'application/json' }).end('{"choices":[]}'));
  });
  upstream.listen(0, '127.0.0.1');
  await once(upstream, 'listening');
  const { d, group, metrics, proxy } = pipeline(
    false,
    `http://127.0.0.1:${(upstream.address() as AddressInfo).port}/v1`,
    undefined,
    1,
  );
  const res = new RecordingResponse();
  proxy.start(chatContext(group), res);
  await res.ended;
  assert.equal(res.statusCode, 200);
  assert.equal(served, 2);
  assert.deepEqual(await requestsCounted(metrics), { '200': 1 });
  assert.equal((await metrics.retries.get()).values[0]?.value, 1);
  assert.deepEqual(
    (await metrics.deploymentFailures.get()).values.map((v) => [v.labels.status, v.value]),
    [['500', 1]],
  );
  assert.equal(d.inFlight, 0);
  assert.equal(d.accountingErrors, 0);
  upstream.close();
});
