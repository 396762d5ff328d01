import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createShedRule, shedRuleNames } from './registry.ts';

test('linear ramps from 0 at start to 1 at the class limit', () => {
  const r = createShedRule('linear', { start: 0.8 });
  assert.equal(r.probability(0.5), 0);
  assert.equal(r.probability(0.8), 0);
  assert.ok(Math.abs(r.probability(0.9) - 0.5) < 1e-12);
  assert.equal(r.probability(1), 1);
  assert.equal(r.probability(3), 1);
});

test('linear with start 1 is a cliff at the limit', () => {
  const r = createShedRule('linear', { start: 1 });
  assert.equal(r.probability(0.99), 0);
  assert.equal(r.probability(1), 1);
});

test('cliff never sheds early; unknown names are refused with the known list', () => {
  assert.equal(createShedRule('cliff', { start: 0.8 }).probability(0.99), 0);
  assert.deepEqual(shedRuleNames(), ['cliff', 'linear']);
  assert.throws(() => createShedRule('red', { start: 0.5 }), /unknown rule "red".*cliff, linear/);
});
