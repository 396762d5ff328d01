// LiteLLM's strategy names, accepted and mapped onto Spillway's measures (docs/ROUTING.md).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { testFleet } from '../../load/test-support.ts';
import { seededRandom } from '../../util/random.ts';
import type { DeploymentView, RouteRequest } from '../types.ts';
import { costBased } from './cost-based.ts';
import { latencyBased } from './latency-based.ts';
import { strategyEntry, strategyRegistry } from './registry.ts';

const registry = strategyRegistry();

describe("LiteLLM's strategy names", () => {
  it('are registered: latency on the load model, usage on the requests in flight, cost on model_info prices', () => {
    const made = (name: string) => strategyEntry(registry, name);
    assert.equal(made('latency-based-routing').loadAware, true);
    assert.equal(made('latency-based-routing').create({ random: Math.random }).name, 'latency-based-routing');
    for (const name of ['usage-based-routing', 'usage-based-routing-v2']) {
      assert.equal(made(name).loadAware, false);
      assert.equal(made(name).create({ random: Math.random }).name, 'least-busy');
    }
    assert.equal(made('cost-based-routing').create({ random: Math.random }).name, 'cost-based-routing');
  });
});

describe('latency-based-routing', () => {
  it('picks the engine with the least prefill queued ahead; ties to the fewest in flight', () => {
    const { fleet, views } = testFleet(3);
    const s = latencyBased(seededRandom(1));
    const prompt = (text: string) => fleet.analyze('g', 'completions', { prompt: text });
    const req = (text: string): RouteRequest => ({
      group: 'g',
      endpoint: 'completions',
      stream: true,
      body: {},
      bodyBytes: 0,
      prompt: prompt(text),
    });
    const heavy = fleet.engine('e0').reserve(prompt('a'.repeat(8000)));
    const light = fleet.engine('e1').reserve(prompt('b'.repeat(400)));
    assert.equal(s.pick(views, req('question'))?.id, 'e2');
    const started = fleet.engine('e2').reserve(prompt('c'.repeat(400)));
    started.firstToken(); // e2's prefill is done: no work queued, one in flight
    light.firstToken(); // e1 the same
    const e2more = fleet.engine('e2').reserve(prompt('d'.repeat(40)));
    e2more.firstToken();
    assert.equal(s.pick(views, req('question'))?.id, 'e1'); // equal prefill (none): fewer in flight
    for (const p of [heavy, light, started, e2more]) p.release();
    fleet.assertDrained();
  });
});

describe('cost-based-routing', () => {
  const view = (id: string, input?: number, output?: number) =>
    ({
      id,
      inFlight: 0,
      config: { inputCostPerToken: input, outputCostPerToken: output },
    }) as unknown as DeploymentView;
  const req: RouteRequest = { group: 'g', endpoint: 'chat', stream: false, body: {}, bodyBytes: 0 };

  it('picks the cheapest by input + output price per token; unpriced counts 0', () => {
    const s = costBased(seededRandom(2));
    assert.equal(s.pick([view('a', 3e-6, 1.5e-5), view('b', 1e-6, 2e-6), view('c', 2e-6, 2e-6)], req)?.id, 'b');
    assert.equal(s.pick([view('a', 1e-7), view('free')], req)?.id, 'free');
  });
  it('breaks ties at random', () => {
    const s = costBased(seededRandom(3));
    const seen = new Set<string>();
    for (let i = 0; i < 100; i++) seen.add(s.pick([view('a', 1e-6), view('b', 1e-6), view('c', 9e-6)], req)!.id);
    assert.deepEqual([...seen].sort(), ['a', 'b']);
  });
});
