import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fixed } from '../../util/ref.ts';
import { DrainRate } from './drain-rate.ts';
import { ManualTimers } from './timers.ts';
import { WaitingRoom, type WaitingRoomSettings } from './waiting-room.ts';

test('a capacity event drains the queue on a later tick, once however many come, never inside the event', async () => {
  const timers = new ManualTimers();
  const served: string[] = [];
  let tries = 0;
  const room = new WaitingRoom<string>({
    settings: fixed<WaitingRoomSettings>({
      bounds: { maxRequests: 10, maxTokens: 1000 },
      fractions: [1, 1, 1],
      marginSd: 0,
    }),
    clock: timers.clock,
    timers,
    drainRate: new DrainRate({ clock: timers.clock, windowMs: 1000 }),
  });
  room.attach({
    routeHead() {
      tries++;
      return true;
    },
    handDown: (item) => served.push(item),
    dropped() {},
    left() {},
  });
  room.offer('a', 1, timers.now + 1000, 10);
  room.offer('b', 1, timers.now + 1000, 10);
  room.drainSoon();
  room.drainSoon();
  assert.equal(tries, 0, 'nothing is dispatched inside the event that freed capacity');
  await Promise.resolve();
  assert.deepEqual(served, ['a', 'b']);
  assert.equal(tries, 2, 'one drain for both events');
  room.drainSoon(); // an empty queue schedules nothing
  await Promise.resolve();
  assert.equal(tries, 2);
});
