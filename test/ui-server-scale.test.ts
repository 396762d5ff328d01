// The operator page's server side at the size the issue names: a real gateway with back pressure, 20 model groups
// and 64 deployments in all, over four simulated engines (deployments share them). GET /ui/snapshot lists every
// group and engine in the contract's shape (/work/notes/UI-CONTRACT.md), and an event-stream client gets the
// history, then snapshots of the whole fleet.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type EngineHandle, startEngine } from '../src/sim/server.ts';
import { assertZero } from './helpers/accounting.ts';
import { eventually, type RunningGateway, startGateway } from './helpers/gateway.ts';
import { readEvents } from './helpers/sse.ts';

const GROUPS = 20;
const DEPLOYMENTS = 64;
const groupName = (i: number) => `g${String(i).padStart(2, '0')}`;
/** Deployment j is in group j mod 20 and points at engine j mod 4. */
const groupOf = (j: number) => groupName(j % GROUPS);

function yaml(engines: EngineHandle[]): string {
  const models = Array.from(
    { length: DEPLOYMENTS },
    (_, j) => `  - model_name: ${groupOf(j)}
    litellm_params: { model: hosted_vllm/sim-llama, api_base: "${engines[j % engines.length].url}/v1" }
    model_info: { id: d${String(j).padStart(2, '0')} }
    spillway: { load: { kind: push } }
`,
  );
  return `model_list:
${models.join('')}router_settings: { routing_strategy: kv-aware, num_retries: 0 }
spillway:
  backpressure:
    enabled: true
    router: { ttft_budget_ms: 5000 }
    engine: { itl_slo_ms: 500 }
`;
}

const GROUP_KEYS = [
  'admittedPerS',
  'attainment',
  'drainPerS',
  'goodputPerS',
  'inFlight',
  'inFlightLimit',
  'kvBlocks',
  'name',
  'queueBound',
  'queueDepth',
  'refusedPerS',
  'sla',
];
const ENGINE_KEYS = [
  'breaker',
  'group',
  'id',
  'inFlight',
  'itlMs',
  'kvPredicted',
  'kvReported',
  'limit',
  'penalty',
  'running',
  'state',
  'ttftMs',
  'waiting',
];
const numOrNull = (v: unknown) => v === null || typeof v === 'number';

/** Every group and engine of the fleet, in group order, each with exactly the contract's fields and types. */
function assertWholeFleet(s: any): void {
  assert.deepEqual(Object.keys(s).sort(), ['backpressure', 'engines', 'groups', 'load', 't']);
  assert.equal(s.backpressure, true);
  assert.deepEqual(
    s.groups.map((g: any) => g.name),
    Array.from({ length: GROUPS }, (_, i) => groupName(i)),
  );
  for (const g of s.groups) {
    assert.deepEqual(Object.keys(g).sort(), GROUP_KEYS, g.name);
    assert.deepEqual(g.sla, { ttftMs: 5000, itlMs: 500 });
    assert.deepEqual(Object.keys(g.queueDepth), ['critical', 'standard', 'sheddable']);
    assert.ok(Object.values(g.refusedPerS).every((n) => typeof n === 'number'));
    for (const k of ['inFlight', 'admittedPerS', 'goodputPerS']) assert.equal(typeof g[k], 'number', k);
    for (const k of ['inFlightLimit', 'queueBound', 'drainPerS', 'attainment']) assert.ok(numOrNull(g[k]), k);
    assert.ok(numOrNull(g.kvBlocks.inFlight) && numOrNull(g.kvBlocks.capacity));
  }
  assert.equal(s.engines.length, DEPLOYMENTS);
  const order = s.groups.map((g: any) => g.name);
  const groupIndex = s.engines.map((e: any) => order.indexOf(e.group));
  assert.deepEqual(
    groupIndex,
    [...groupIndex].sort((a: number, b: number) => a - b),
  );
  assert.deepEqual(
    s.engines.map((e: any) => `${e.id}@${e.group}`).sort(),
    Array.from({ length: DEPLOYMENTS }, (_, j) => `d${String(j).padStart(2, '0')}@${groupOf(j)}`).sort(),
  );
  for (const e of s.engines) {
    assert.deepEqual(Object.keys(e).sort(), ENGINE_KEYS, e.id);
    assert.ok(['ok', 'busy', 'slow', 'penalty', 'cooldown'].includes(e.state), e.state);
    assert.ok(['closed', 'open', 'probing'].includes(e.breaker), e.breaker);
    assert.equal(typeof e.inFlight, 'number');
    assert.equal(typeof e.penalty, 'boolean');
    for (const k of ['limit', 'kvPredicted', 'kvReported', 'running', 'waiting']) assert.ok(numOrNull(e[k]), k);
    for (const q of [e.ttftMs, e.itlMs]) assert.ok(numOrNull(q.p50) && numOrNull(q.p99));
  }
}

describe('the /ui server at 64 engines and 20 groups', () => {
  let engines: EngineHandle[];
  let gw: RunningGateway;

  before(async () => {
    engines = await Promise.all(
      [0, 1, 2, 3].map((seed) => startEngine({ port: 0, speedup: 20, seed, maxNumSeqs: 16 })),
    );
    gw = await startGateway(yaml(engines));
  });
  after(async () => {
    await gw?.close();
    await Promise.all((engines ?? []).map((e) => e.close()));
  });

  it('lists every group and engine in the snapshot, and serves a chat in each group', async () => {
    await Promise.all(
      Array.from({ length: GROUPS }, async (_, i) => {
        const res = await fetch(`${gw.url}/v1/chat/completions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({
            model: groupName(i),
            stream: true,
            max_tokens: 4,
            messages: [{ role: 'user', content: `hi ${i}` }],
          }),
        });
        assert.equal(res.status, 200);
        assert.match(await res.text(), /data: \[DONE\]/);
      }),
    );
    const res = await fetch(`${gw.url}/ui/snapshot`);
    assert.equal(res.status, 200);
    const s: any = await res.json();
    assertWholeFleet(s);
    // One streamed chat per group went through some engine of it: its latencies are measured.
    const served = new Set(s.engines.filter((e: any) => e.ttftMs.p50 !== null).map((e: any) => e.group));
    assert.equal(served.size, GROUPS);
    await assertZero(gw);
  });

  it('streams the history, then snapshots of the whole fleet', async () => {
    gw.gateway.ui.feed.tick(); // a history point now, whether or not the 1 s timer has run yet
    const events = await readEvents(
      `${gw.url}/ui/events`,
      {},
      (e) => e.filter((x) => x.event === 'snapshot').length >= 2,
    );
    assert.equal(events[0].event, 'history');
    assert.equal(events[0].data.stepMs, 1000);
    assert.ok(events[0].data.points.length >= 1);
    for (const p of events[0].data.points) assertWholeFleet(p);
    assert.deepEqual(
      events.slice(1).map((e) => e.event),
      ['snapshot', 'snapshot'],
    );
    for (const e of events.slice(1)) assertWholeFleet(e.data);
    await eventually(() => gw.gateway.ui.feed.size === 0, 'the client to leave');
  });
});
