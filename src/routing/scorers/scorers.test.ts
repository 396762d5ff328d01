import assert from 'node:assert/strict';
import { test } from 'node:test';
import { deploymentConfig, testFleet } from '../../load/test-support.ts';
import type { RouteRequest } from '../types.ts';
import { lowest } from './lowest.ts';
import { prefillCost, prefillCostScorer } from './prefill-cost.ts';
import { weight } from './weight.ts';

const REQ: RouteRequest = { group: 'g', endpoint: 'chat', stream: false, body: {}, bodyBytes: 0 };

test('lowest: 1 / (1 + value), keeping order and ties; its tie-break key is −value', () => {
  const s = lowest('v', (x: number) => x);
  const out = new Float64Array(4);
  s.score([0, 1, 1, 3], REQ, out);
  assert.deepEqual([...out], [1, 0.5, 0.5, 0.25]);
  assert.equal(s.key(3), -3);
});

test('weight: weight over the largest among the candidates', () => {
  const views = [1, 3].map((w, i) => ({
    id: `d${i}`,
    inFlight: 0,
    config: { ...deploymentConfig(`d${i}`), weight: w },
  }));
  const out = new Float64Array(2);
  weight.score(views, REQ, out);
  assert.deepEqual([...out], [1 / 3, 1]);
});

test('prefill-cost: (max − cost) / (max − min) of the queued prefill in blocks; 1 for all when equal', () => {
  const { fleet, views } = testFleet(3, { blockSize: 16 });
  const out = new Float64Array(3);
  prefillCostScorer.score(views, REQ, out);
  assert.deepEqual([...out], [1, 1, 1]);
  const p = fleet.engine('e1').reserve(fleet.analyze('g', 'completions', { prompt: 'x'.repeat(1600) }));
  prefillCostScorer.score(views, REQ, out);
  assert.ok(prefillCost(views[1], REQ) > 0);
  assert.deepEqual([...out], [1, 0, 1]);
  p.release();
  fleet.assertDrained();
});
