// What every DeploymentCounters implementation does, run against each: alone (LocalCounters) and across the
// workers of one process (SharedCounters, two workers' views of one shared memory).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LocalCounters } from './local-counters.ts';
import type { DeploymentCounters } from './types.ts';
import { SharedCounters } from './workers/counters.ts';
import { SharedMemory } from './workers/shared-memory.ts';

/** Two instances' counters for the same deployment (the same object when alone). */
interface Pair {
  a: DeploymentCounters;
  b: DeploymentCounters;
}

const implementations: Record<string, () => Pair> = {
  local: () => {
    const c = new LocalCounters(() => 1000);
    return { a: c, b: c };
  },
  'shared memory, two workers': () => {
    const buffer = SharedMemory.allocate(2, 3);
    const memory = new SharedMemory(buffer, 2, 3);
    return { a: new SharedCounters(memory, 1, 0), b: new SharedCounters(new SharedMemory(buffer, 2, 3), 1, 1) };
  },
};

for (const [name, make] of Object.entries(implementations)) {
  describe(`DeploymentCounters contract: ${name}`, () => {
    it('counts every instance’s holds in flight and in the window, and tokens at the end', () => {
      const { a, b } = make();
      a.hold();
      b.hold();
      b.hold();
      assert.equal(a.inFlight(), 3);
      assert.equal(b.requests(), 3);
      a.giveBack(120);
      b.giveBack(0);
      assert.equal(b.inFlight(), 1);
      assert.equal(a.requests(), 3, 'an ended request still counts in its minute');
      assert.equal(b.tokens(), 120);
      b.giveBack(30);
      assert.equal(a.inFlight(), 0);
      assert.equal(a.tokens(), 150);
    });

    it('says when the window starts again, within one minute', () => {
      const { a } = make();
      const ms = a.msUntilReset();
      assert.ok(ms > 0 && ms <= 60_000, `${ms}`);
    });
  });
}

describe('SharedCounters', () => {
  it('keeps deployments apart, and a cleared worker holds nothing', () => {
    const memory = new SharedMemory(SharedMemory.allocate(2, 2), 2, 2);
    const d0w0 = new SharedCounters(memory, 0, 0);
    const d1w1 = new SharedCounters(memory, 1, 1);
    const d1w0 = new SharedCounters(memory, 1, 0);
    d0w0.hold();
    d1w1.hold();
    d1w1.hold();
    assert.equal(d0w0.inFlight(), 1);
    assert.equal(d1w0.inFlight(), 2);
    memory.clearWorker(1);
    assert.equal(d1w0.inFlight(), 0, 'a dead worker’s attempts died with it');
    assert.equal(d1w0.requests(), 2, 'its requests still count in the minute');
  });
});
