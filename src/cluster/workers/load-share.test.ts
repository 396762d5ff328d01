import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EngineLoad } from '../../load/engine-load.ts';
import type { LoadRow } from '../types.ts';
import { SharedLoad } from './load-share.ts';
import { SharedMemory } from './shared-memory.ts';

const row = (): LoadRow => ({ inFlight: 0, queuedPrefillTokens: 0, activeTokens: 0 });

/** Worker `w`'s view of engine `i` of two, over one shared memory. */
function engines(memory: SharedMemory, w: number): EngineLoad[] {
  const share = new SharedLoad(memory, w);
  const own = [row(), row()];
  share.attach(own);
  return own.map(
    (r, index) =>
      new EngineLoad({ id: `e${index}`, clock: () => 0, totalBlocks: 100, shared: { share, index, own: r } }),
  );
}

describe('SharedLoad', () => {
  it('each worker reads its own dispatches plus the others’, per engine, and every change as it happens', () => {
    const memory = new SharedMemory(SharedMemory.allocate(3, 2), 3, 2);
    const [a0, a1] = engines(memory, 0);
    const [b0] = engines(memory, 1);
    const [c0, c1] = engines(memory, 2);
    const p = a0!.reserve();
    const q = b0!.reserve();
    assert.equal(c0!.inFlight(), 2);
    assert.equal(c1!.inFlight(), 0);
    assert.equal(a1!.inFlight(), 0);
    p.tokens(32);
    assert.equal(c0!.kvBlocksUsed(), 2, 'worker 0’s 32 output tokens are 2 blocks of 16 for worker 2');
    assert.equal(c0!.predicted.inFlight, 0, 'its own prediction is only what it dispatched');
    p.release();
    q.release();
    assert.equal(c0!.inFlight(), 0);
    assert.equal(c0!.kvBlocksUsed(), 0);
    a0!.assertDrained();
    b0!.assertDrained();
  });

  it('a report is reconciled against the whole fleet’s prediction when it was sampled', () => {
    const memory = new SharedMemory(SharedMemory.allocate(2, 2), 2, 2);
    const [a0] = engines(memory, 0);
    const [b0] = engines(memory, 1);
    const held = b0!.reserve();
    const mark = a0!.markSample();
    assert.equal(mark.inFlight, 1, 'the sample counts the other worker’s request, which the engine already sees');
    a0!.report({ running: 1, waiting: 0 }, mark);
    assert.equal(a0!.inFlight(), 1, 'not counted twice');
    held.release();
    assert.equal(a0!.inFlight(), 0);
  });
});
