import assert from 'node:assert/strict';
import { test } from 'node:test';
import { idleLatency, onProfile } from './profile-fleet.ts';

const engine = { speedup: 0.5, maxNumSeqs: 16 };
const sla = { ttftMs: 500, itlMs: 50 };
const shape = { inputTokens: 30, outputTokens: 40 };

test('without a profile the fleet and its SLA are the bench’s own; on the default profile the SLA is unchanged', () => {
  assert.deepEqual(onProfile(engine, sla, shape, undefined), { engine, sla });
  assert.deepEqual(onProfile(engine, sla, shape, 'default').sla, sla);
});

test('on a slower profile each bound grows by the ratio of one request’s TTFT and TPOT there to the default’s', () => {
  const { engine: on, sla: scaled } = onProfile(engine, sla, shape, 'rtx4090-mistral-7b');
  assert.deepEqual(on, { ...engine, profile: 'rtx4090-mistral-7b' });
  const base = idleLatency(engine, shape);
  const there = idleLatency(on, shape);
  assert.ok(there.tpotMs > base.tpotMs && there.ttftMs > base.ttftMs);
  assert.equal(scaled.ttftMs, Math.round((500 * there.ttftMs) / base.ttftMs));
  assert.equal(scaled.itlMs, Math.round((50 * there.tpotMs) / base.tpotMs));
});
