// Cost of back pressure per request, in process (no sockets, so a shared VM's network noise stays out): 4
// engines behind one group, the fleet's load model as the pipeline keeps it, a small chat body.
// The pipeline's own stages (src/pipeline/stages-build.ts), driven in process through a stand-in client response:
//   routing only            a request's context + group.select without a gate: the pipeline with back pressure off
//   admitted request        admit + select through the gate + attempt hooks (dispatch, two stream chunks, end) + release
//   refusal at ingress      precheck with the gateway at its in-flight cap
//   refusal at the router   admit + route (every engine at its limit, the queue off: a refusal) + release
// Then the load model's share of an admitted request (analyze the prompt, reserve and release its load), on the
// small body and on the seed's 16 KB prompt with a fresh uuid each time, with prefix hashing as the gateway
// wires it for an upstream of unknown KV capacity (off) and for one whose capacity is known (on):
// src/pipeline/load-needs.ts.
// Run: node bench/micro/backpressure-decision.ts
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import pino from 'pino';
import { Registry } from 'prom-client';
import { STANDARD } from '../../src/admission/priority.ts';
import { SEED_SENTENCE } from '../../src/bench/workloads/seed-locust.ts';
import { defaultBackpressure } from '../../src/config/backpressure.ts';
import { defaultCooldown } from '../../src/config/cooldown.ts';
import { DEFAULT_LOAD_SOURCE } from '../../src/config/load-source.ts';
import { FleetLoad } from '../../src/load/fleet.ts';
import { sseDataEvents } from '../../src/load/stream-tokens.ts';
import { deploymentConfig } from '../../src/load/test-support.ts';
import { BackpressureMetrics } from '../../src/metrics/backpressure-metrics.ts';
import { GatewayMetrics } from '../../src/metrics/gateway-metrics.ts';
import type { ClientResponse } from '../../src/outcome/client-response.ts';
import { AttemptStarter } from '../../src/pipeline/attempt-starter.ts';
import { BackPressure } from '../../src/pipeline/backpressure/controller.ts';
import { applySettings } from '../../src/pipeline/backpressure/settings.ts';
import { ProxyRequest } from '../../src/pipeline/proxy-request.ts';
import { RequestContext, type RequestHeaders } from '../../src/pipeline/request-context.ts';
import { RequestEnd } from '../../src/pipeline/request-end.ts';
import { pipelineStages } from '../../src/pipeline/stages-build.ts';
import { Deployment } from '../../src/routing/deployment.ts';
import { ModelGroup } from '../../src/routing/group.ts';
import { leastBusy } from '../../src/routing/strategies/least-busy.ts';
import type { ExchangeListener } from '../../src/upstream/exchange.ts';
import { seededRandom } from '../../src/util/random.ts';
import { fixed } from '../../src/util/ref.ts';

const N = 200_000;
const clock = () => performance.now();
const configs = Array.from({ length: 4 }, (_, i) => ({
  ...deploymentConfig(`e${i}`),
  load: { ...DEFAULT_LOAD_SOURCE, totalBlocks: 4096 },
}));
const fleet = new FleetLoad({ clock, deployments: configs });
const plainFleet = new FleetLoad({
  clock,
  deployments: configs.map((c) => ({ ...c, load: DEFAULT_LOAD_SOURCE })),
  prefixes: false,
});
const deployments = configs.map((c) => {
  const d = new Deployment(c, defaultCooldown(), clock);
  d.load = fleet.engine(c.id);
  return d;
});
const gated = new ModelGroup('g', deployments, leastBusy(seededRandom(1)));
const plain = new ModelGroup('g', deployments, leastBusy(seededRandom(1)));
const config = defaultBackpressure(['g']);
config.engine.limitAlgorithm = 'fixed';
config.engine.limit.initial = 1e9;
const bp = new BackPressure({
  config,
  groups: new Map([['g', gated]]),
  clock,
  random: seededRandom(2),
  metrics: new BackpressureMetrics(new Registry()),
  engineLoad: (id) => fleet.engine(id),
});
const stages = pipelineStages(bp);
const { admission, hooks } = stages;
const log = pino({ level: 'silent' });
const end = new RequestEnd({ metrics: new GatewayMetrics(fixed([gated]), new Map()), log, admission });
const listener: ExchangeListener = { onUpstreamHead() {}, onUpstreamData: () => true, onExchangeEnd() {} };
const queueRouter = stages.router(new AttemptStarter({ upstreams: new Map(), listener, hooks, end, log }), end);

const body = {
  model: 'g',
  stream: true,
  messages: [{ role: 'user', content: 'Say hello in one short sentence.' }],
  max_tokens: 16,
};
const raw = Buffer.from(JSON.stringify(body));
const headers: RequestHeaders = { priority: STANDARD, ttftBudgetMs: undefined, statusEvents: false, fault: undefined };
// The client's response, as the pipeline sees it below the ingress: nothing is written anywhere.
const res: ClientResponse = {
  headersSent: false,
  writableEnded: false,
  writableFinished: false,
  statusCode: 200,
  socket: null,
  setHeader() {},
  writeHead() {},
  write: () => true,
  end() {},
  destroy() {},
  on() {},
  once() {},
};
const chunk = Buffer.from('data: {"choices":[{"index":0,"delta":{"content":"Hi"}}]}\n\n');
const request = () =>
  new ProxyRequest(
    new RequestContext({
      id: 'id',
      arrivalMs: performance.now(),
      modelGroup: gated,
      endpoint: 'chat',
      upstreamPath: '/chat/completions',
      body,
      raw,
      headers,
      prompt: undefined,
    }),
    res,
  );

function measure(name: string, op: () => void, n = N): number {
  const runs: number[] = [];
  for (let r = 0; r < 7; r++) {
    const t0 = performance.now();
    for (let i = 0; i < n; i++) op();
    runs.push(((performance.now() - t0) * 1000) / n);
  }
  runs.sort((a, b) => a - b);
  console.log(`${name.padEnd(44)} ${runs[3].toFixed(3)} µs/request (median of 7 × ${n}; min ${runs[0].toFixed(3)})`);
  return runs[3];
}

const routingOnly = measure('routing only (back pressure off)', () => {
  plain.select(request().ctx, undefined);
});
const admitted = measure('admitted request, whole back-pressure path', () => {
  const pr = request();
  admission.admit(pr);
  const d = gated.select(pr.ctx, undefined);
  if ('reason' in d) throw new Error('no engine');
  hooks.dispatched(pr, d);
  hooks.chunk(pr, sseDataEvents(chunk));
  hooks.chunk(pr, sseDataEvents(chunk));
  hooks.ended(pr, 'success');
  admission.release(pr, 'success');
});
applySettings(bp, { ingress: { max_in_flight: 1 } });
bp.admission.inFlight = 1;
const ingress = measure('refusal at ingress (precheck)', () => {
  admission.precheck(STANDARD, performance.now());
});
applySettings(bp, { ingress: { max_in_flight: config.ingress.maxInFlight }, router: { max_queue: 0 } });
bp.admission.inFlight = 0;
for (const e of bp.groups.get('g')!.engines) e.gate.inFlight = 1e9;
const router = measure('refusal at the router (engines at their limit)', () => {
  const pr = request();
  admission.admit(pr);
  queueRouter.route(pr);
  admission.release(pr, 'success');
});
for (const e of bp.groups.get('g')!.engines) e.gate.inFlight = 0;
applySettings(bp, { router: { max_queue: config.router.maxQueue } });

// The load model's share: analyze + reserve + first token + release, per request.
const seed = () => ({ model: 'g', messages: [{ role: 'user', content: (randomUUID() + SEED_SENTENCE).repeat(150) }] });
const seeds = Array.from({ length: 1024 }, seed);
let k = 0;
const loadPath = (f: FleetLoad, b: () => Record<string, unknown>) => () => {
  const permit = f.engine('e0').reserve(f.analyze('g', 'chat', b()));
  permit.firstToken();
  permit.release();
};
const small = () => body;
const fresh = () => seeds[k++ & 1023];
const loads = [
  measure('load model, small body, no prefix hashing', loadPath(plainFleet, small), 20_000),
  measure('load model, small body, prefix hashing', loadPath(fleet, small), 20_000),
  measure('load model, 16 KB fresh prompt, no prefix hashing', loadPath(plainFleet, fresh), 20_000),
  measure('load model, 16 KB fresh prompt, prefix hashing', loadPath(fleet, fresh), 20_000),
];
console.log(
  `load model per request: small ${loads[0].toFixed(3)} / ${loads[1].toFixed(3)} µs, 16 KB ${loads[2].toFixed(3)} / ${loads[3].toFixed(3)} µs (without / with prefix hashing)`,
);
console.log(
  `back pressure adds ${(admitted - routingOnly).toFixed(3)} µs to an admitted request; refusals decided in ${ingress.toFixed(3)} µs (ingress) and ${router.toFixed(3)} µs (router)`,
);
console.log(`${os.cpus()[0]?.model}, node ${process.version}; accounting after: ${JSON.stringify(bp.accounting())}`);
