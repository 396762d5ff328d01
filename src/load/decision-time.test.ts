import assert from 'node:assert/strict';
import { test } from 'node:test';
import { timeOn } from './decision-time.ts';
import { testFleet } from './test-support.ts';

test("an engine on the decision's clock is dated by its one reading; one on another clock by its own", () => {
  const a = testFleet(2);
  const b = testFleet(1);
  b.advance(500);
  const clock = a.fleet.engine('e0').clock;
  assert.equal(timeOn(a.fleet.engine('e1'), clock, 42), 42);
  assert.equal(timeOn(b.fleet.engine('e0'), clock, 42), 500);
});
