import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkFractions, parsePriority } from './priority.ts';

test('the header names a class; absent means standard; anything else is an error', () => {
  assert.equal(parsePriority(undefined), 1);
  assert.equal(parsePriority(''), 1);
  assert.equal(parsePriority('critical'), 0);
  assert.equal(parsePriority('standard'), 1);
  assert.equal(parsePriority('sheddable'), 2);
  assert.equal(parsePriority(' Critical '), 0);
  assert.equal(parsePriority('urgent'), -1);
  assert.equal(parsePriority(['critical', 'sheddable']), -1);
});

test('fractions must be in (0, 1] and not increase downwards', () => {
  assert.equal(checkFractions([1, 0.9, 0.7]), undefined);
  assert.match(checkFractions([1, 0.7, 0.9])!, /sheddable \(0.9\) must not exceed standard/);
  assert.match(checkFractions([1.2, 0.7, 0.5])!, /critical/);
  assert.match(checkFractions([1, 0, 0])!, /standard/);
});
