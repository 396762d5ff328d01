import assert from 'node:assert/strict';
import { it } from 'node:test';
import { newLink, shareOf } from './link.ts';
import { RedisCounters } from './quota.ts';

const MINUTE = 60_000 * 1000;

it('shares of a remainder sum to it exactly over the ranks, in 2n − 1 parts', () => {
  for (const n of [1, 2, 3, 5])
    for (const remaining of [0, 1, 2, 7, 50, 101]) {
      const link = newLink(() => MINUTE);
      link.instances = n;
      let sum = 0;
      for (let rank = 0; rank < 2 * n - 1; rank++) {
        link.rank = rank;
        sum += shareOf(remaining, link);
      }
      assert.equal(sum, remaining);
    }
});

it('rpm in shared mode: an instance takes only what Redis allowed it, and the grant replaces what it reported', () => {
  const link = newLink(() => MINUTE + 10);
  link.shared = true;
  link.instances = 2;
  const c = new RedisCounters({ id: 'd', rpm: 30 }, link);
  // Before its first round in the window: rpm / (2n − 1).
  assert.equal(c.requests(), 0);
  for (let k = 0; k < 10; k++) c.hold();
  assert.equal(c.requests(), 30, 'allowance spent: reads as at the limit');
  const w = c.beginRound();
  c.endRound(w, 10, 0, 4);
  assert.equal(c.allowance, 4);
  assert.equal(c.requests(), 10);
});

it('fallback: each limit over the last known instance count; a failed round keeps its counts for the next', () => {
  const link = newLink(() => MINUTE + 10);
  link.instances = 4;
  const c = new RedisCounters({ id: 'd', rpm: 100, maxParallelRequests: 8 }, link);
  c.hold();
  c.hold();
  assert.equal(c.inFlight(), 8);
  assert.equal(c.requests(), 8);
  const w = c.beginRound();
  assert.equal(c.sendingRequests, 2);
  c.roundFailed(w);
  assert.equal(c.pendingRequests, 2);
  c.giveBack(5);
  c.giveBack(5);
  assert.equal(c.inFlight(), 0);
  assert.equal(c.tokens(), 40);
});

it('after Redis lost its data, the whole window is counted again', () => {
  const link = newLink(() => MINUTE + 10);
  link.shared = true;
  const c = new RedisCounters({ id: 'd' }, link);
  for (let k = 0; k < 5; k++) c.hold();
  const w = c.beginRound();
  c.endRound(w, 5, 0, -1);
  c.hold();
  c.recount();
  assert.equal(c.pendingRequests, 6);
});

it('a new clock minute starts from zero', () => {
  let now = MINUTE + 59_999;
  const link = newLink(() => now);
  link.shared = true;
  const c = new RedisCounters({ id: 'd' }, link);
  c.hold();
  assert.equal(c.requests(), 1);
  assert.equal(c.msUntilReset(), 1);
  now++;
  assert.equal(c.requests(), 0);
  assert.equal(c.inFlight(), 1);
});
