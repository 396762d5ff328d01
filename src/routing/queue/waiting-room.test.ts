import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Priority } from '../../admission/priority.ts';
import { DrainRate } from './drain-rate.ts';
import type { PlaceKeeper, QueuePlace } from './queue-place.ts';
import { fixture, STILL_BUSY, settings } from './test-support.ts';
import { ManualTimers } from './timers.ts';
import { WaitingRoom } from './waiting-room.ts';

test('late binding: queued requests leave in order as capacity frees up, not before', () => {
  const f = fixture({ maxRequests: 10, maxTokens: 1000 });
  f.offer('s1');
  f.offer('x', 2);
  f.offer('c', 0);
  f.offer('s2');
  f.room.drain();
  assert.deepEqual(f.served, []);
  f.free(2);
  assert.deepEqual(f.served, ['c', 's1']);
  f.free(5);
  assert.deepEqual(f.served, ['c', 's1', 's2', 'x']);
  assert.equal(f.room.size, 0);
  assert.equal(f.timers.size, 0, 'expiry timers cleared on the way out');
});

test('a full queue displaces a less important request, else refuses', () => {
  const f = fixture();
  f.offer('a', 1);
  f.offer('b', 2);
  f.offer('c', 1);
  assert.equal(typeof f.offer('d', 1), 'object');
  assert.deepEqual(f.dropped, [['b', 'displaced']]);
  assert.equal(f.offer('e', 1), 'router_queue_full');
  assert.equal(typeof f.offer('f', 0), 'object');
  assert.equal(f.dropped.length, 2);
  assert.equal(f.dropped[1][1], 'displaced');
  assert.equal(f.offer('g', 2), 'router_queue_full');
  assert.equal(f.room.size, 3);
});

test('the token bound refuses like the count bound', () => {
  const f = fixture({ maxRequests: 10, maxTokens: 100 });
  f.offer('a', 1, 1000, 60);
  assert.equal(f.offer('b', 1, 1000, 50), 'router_queue_full');
  assert.equal(typeof f.offer('c', 1, 1000, 40), 'object');
});

test('deadline: refused at once when the estimated wait exceeds the remaining budget', () => {
  const f = fixture({ maxRequests: 100, maxTokens: 1e6 });
  // Unknown drain rate: queued, and dropped when the deadline passes.
  assert.equal(typeof f.offer('early', 1, 300), 'object');
  f.timers.advance(299);
  assert.deepEqual(f.dropped, []);
  f.timers.advance(1);
  assert.deepEqual(f.dropped, [['early', 'expired']]);
  // Measure 1 event per 10 ms (0.1/ms).
  for (let i = 0; i < 100; i++) {
    f.drainRate.record();
    f.timers.advance(10);
  }
  for (let i = 0; i < 9; i++) f.offer(`q${i}`, 1, 5000);
  // 9 ahead + itself = 10 events = 100 ms.
  assert.ok(Math.abs(f.room.estimatedWaitMs(1) - 100) < 15);
  assert.equal(f.offer('tight', 1, 50), 'router_deadline');
  assert.equal(typeof f.offer('loose', 1, 200), 'object');
  // A critical request has nobody ahead of it.
  assert.equal(typeof f.offer('crit', 0, 50), 'object');
  assert.equal(f.offer('late', 1, 0), 'router_deadline');
});

test('a client that goes away withdraws its place: it leaves the queue, its timer and its holder, once', () => {
  const f = fixture();
  const keeper: PlaceKeeper<string> = { place: undefined };
  const e = f.room.offer('gone', 1, f.timers.now + 1000, 10, 0, 0, 0, keeper);
  assert.ok(typeof e === 'object');
  assert.equal(keeper.place, e, 'the queue puts the place in its holder');
  const place: QueuePlace<string> = keeper.place;
  keeper.place = undefined;
  place.withdraw();
  assert.equal(e.ended, 'withdrawn');
  const stale: QueuePlace<string> = e; // a second reference: the place already ended, so nothing happens
  stale.withdraw();
  assert.equal(f.room.size, 0);
  assert.equal(f.timers.size, 0);
  assert.equal(f.room.withdrawn, 1);
});

// Type-checked, never run: a place withdrawn is `never`, so a second end does not compile.
export function secondEndDoesNotCompile(place: QueuePlace<string>): void {
  place.withdraw();
  // @ts-expect-error the place's type is never after its end
  place.withdraw();
}

test('the queue ends a place itself and clears its holder: dispatched, expired, displaced', () => {
  const f = fixture();
  const served: PlaceKeeper<string> = { place: undefined };
  const expiring: PlaceKeeper<string> = { place: undefined };
  const shed: PlaceKeeper<string> = { place: undefined };
  const now = f.timers.now;
  f.room.offer('served', 1, now + 1000, 10, 0, 0, 0, served);
  f.room.offer('expiring', 1, now + 100, 10, 0, 0, 0, expiring);
  f.room.offer('shed', 2, now + 1000, 10, 0, 0, 0, shed);
  const places = [served.place!, expiring.place!, shed.place!];
  f.room.offer('crit', 0, now + 1000, 10); // full: displaces the sheddable one
  assert.equal(shed.place, undefined);
  f.timers.advance(100);
  assert.equal(expiring.place, undefined);
  f.free(1); // the critical one leaves first
  f.free(1);
  assert.equal(served.place, undefined);
  assert.deepEqual(
    places.map((p) => p.ended),
    ['dispatched', 'expired', 'displaced'],
  );
  assert.deepEqual([f.room.dispatched, f.room.expired, f.room.displaced, f.room.withdrawn], [2, 1, 1, 0]);
});

test('a request ended while its head is routed (a fault) has its place withdrawn, not put back', () => {
  const timers = new ManualTimers();
  const ended: string[] = [];
  const keeper: PlaceKeeper<string> = { place: undefined };
  const room = new WaitingRoom<string>({
    settings: settings({ maxRequests: 10, maxTokens: 1000 }),
    clock: timers.clock,
    timers,
    drainRate: new DrainRate({ clock: timers.clock }),
    host: {
      ...STILL_BUSY,
      routeHead(item) {
        // What RequestEnd.fail does through the admission's release: the holder withdraws its place.
        const place: QueuePlace<string> = keeper.place!;
        keeper.place = undefined;
        place.withdraw();
        ended.push(item);
        return undefined;
      },
      left: (place, how) => ended.push(`${place.item} ${how}`),
    },
  });
  room.offer('faulty', 1, timers.now + 1000, 10, 0, 0, 0, keeper);
  room.drain();
  assert.deepEqual(ended, ['faulty withdrawn', 'faulty']);
  assert.equal(room.size, 0);
  assert.equal(timers.size, 0);
});

test('wakeAtTime drains when a time-bound block ends; re-entrant drains fold into one', () => {
  const f = fixture({ maxRequests: 10, maxTokens: 1000 });
  f.offer('a');
  f.offer('b');
  f.room.wakeAtTime(100);
  f.room.wakeAtTime(500); // later: ignored
  f.timers.advance(99);
  assert.deepEqual(f.served, []);
  f.timers.advance(1); // nothing free yet: drains, finds no room, stays
  assert.deepEqual(f.served, []);
  f.free(2);
  assert.deepEqual(f.served, ['a', 'b']);
  assert.deepEqual(f.room.clear(), []);
});

test('a class fills only its fraction of the queue', () => {
  const timers = new ManualTimers();
  const room = new WaitingRoom<string>({
    settings: settings({ maxRequests: 10, maxTokens: 1000 }, { fractions: [1, 0.5, 0.2] }),
    clock: timers.clock,
    timers,
    drainRate: new DrainRate({ clock: timers.clock }),
    host: STILL_BUSY,
  });
  const offer = (p: Priority) => room.offer('x', p, 1000, 1);
  assert.equal(typeof offer(2), 'object');
  assert.equal(typeof offer(2), 'object');
  assert.equal(offer(2), 'router_queue_full');
  for (let i = 0; i < 3; i++) assert.equal(typeof offer(1), 'object');
  assert.equal(typeof offer(1), 'object', 'displaces a sheddable one');
  assert.equal(typeof offer(1), 'object', 'and the other');
  assert.equal(offer(1), 'router_queue_full');
  for (let i = 0; i < 5; i++) assert.equal(typeof offer(0), 'object');
  assert.equal(typeof offer(0), 'object', 'a standard one makes room');
  assert.equal(room.queue.countOf(1), 4);
  assert.equal(room.size, 10);
  room.clear();
});

test('the reserve (engine TTFT still to come) shortens what the queue may use of the budget', () => {
  const f = fixture({ maxRequests: 10, maxTokens: 1000 });
  assert.equal(f.room.offer('no-room', 1, f.timers.now + 100, 1, 100), 'router_deadline');
  const e = f.room.offer('early-expiry', 1, f.timers.now + 300, 1, 100);
  assert.equal(typeof e, 'object');
  f.timers.advance(199);
  assert.deepEqual(f.dropped, []);
  f.timers.advance(1);
  assert.deepEqual(f.dropped, [['early-expiry', 'expired']]);
});

test('deadline with margin: the engine part of the budget comes first, the queue wait keeps its own margin', () => {
  const timers = new ManualTimers();
  const drainRate = new DrainRate({ clock: timers.clock, windowMs: 1000, buckets: 10, minEvents: 3 });
  const room = new WaitingRoom<string>({
    settings: settings({ maxRequests: 10, maxTokens: 1000 }, { marginSd: 2 }),
    clock: timers.clock,
    timers,
    drainRate,
    host: STILL_BUSY,
  });
  for (let i = 0; i < 100; i++) {
    drainRate.record();
    timers.advance(10);
  }
  // k = 1 at 0.1/ms: wait (1 + 2) / 0.1 = 30 ms; engine 50 + 2 · 30 = 110 ms: 140 ms in all.
  assert.equal(room.offer('tight', 1, timers.now + 139, 1, 50, 30), 'router_deadline');
  assert.equal(typeof room.offer('fits', 1, timers.now + 141, 1, 50, 30), 'object');
  timers.advance(30);
  assert.equal(room.size, 1);
  timers.advance(1); // its last call: 141 − 110
  assert.equal(room.size, 0);
  room.clear();
});

test('a class waits on what the classes above it leave of the drain rate', () => {
  const timers = new ManualTimers();
  const mk = () => new DrainRate({ clock: timers.clock, windowMs: 1000, buckets: 10, minEvents: 3 });
  const drainRate = mk();
  const arrivalRates = [mk(), mk(), mk()];
  const room = new WaitingRoom<string>({
    settings: settings({ maxRequests: 10, maxTokens: 1000 }),
    arrivalRates,
    clock: timers.clock,
    timers,
    drainRate,
    host: STILL_BUSY,
  });
  // Capacity 0.1/ms; critical arrives at 0.06/ms: standard gets 0.04/ms, sheddable the same (nothing standard arrives).
  for (let i = 0; i < 200; i++) {
    drainRate.record();
    if (i % 5 < 3) room.arrived(0);
    timers.advance(10);
  }
  assert.ok(Math.abs(room.rateFor(0) - 0.1) < 0.01);
  assert.ok(Math.abs(room.rateFor(1) - 0.04) < 0.01);
  assert.ok(Math.abs(room.estimatedWaitMs(1) - 25) < 8, String(room.estimatedWaitMs(1)));
  // Critical alone exceeds the capacity: nothing is left below it.
  for (let i = 0; i < 200; i++) {
    drainRate.record();
    room.arrived(0);
    room.arrived(0);
    timers.advance(10);
  }
  assert.equal(room.offer('std', 1, timers.now + 10_000, 1), 'router_deadline');
  assert.equal(typeof room.offer('crit', 0, timers.now + 10_000, 1), 'object');
  room.clear();
});

test('nothing is displaced for a request that is then refused on its deadline', () => {
  const f = fixture();
  for (let i = 0; i < 5; i++) f.drainRate.record(1, 0); // 5 per 100 ms of history
  f.timers.advance(100);
  f.offer('a', 1);
  f.offer('b', 2);
  f.offer('c', 1);
  // Full. A critical request whose budget cannot cover even one departure is refused and b keeps its place.
  assert.equal(f.room.offer('crit', 0, f.timers.now + 1, 10), 'router_deadline');
  assert.deepEqual(f.dropped, []);
  assert.equal(f.room.size, 3);
});

test('a class blocked on every engine until a known time is refused at once when that is past its last call', () => {
  const f = fixture({ maxRequests: 10, maxTokens: 1000 });
  const now = f.timers.now;
  // Service 100 ms: last call at now + 400. A breaker window clearing at now + 500 is too late; at now + 300 not.
  assert.equal(f.room.offer('late', 1, now + 500, 10, 100, 0, now + 500), 'router_deadline');
  assert.equal(typeof f.room.offer('ok', 1, now + 500, 10, 100, 0, now + 300), 'object');
  assert.equal(
    f.room.offer('no-time', 1, now + 100, 10, 100, 0),
    'router_deadline',
    'the engine part alone fills the budget',
  );
});
