import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Departures } from './departures.ts';
import { DrainRate } from './drain-rate.ts';
import { fixture, STILL_BUSY, settings } from './test-support.ts';
import { ManualTimers } from './timers.ts';
import { WaitCalibration } from './wait-calibration.ts';
import { OVERLOAD_FACTOR_MAX } from './wait-estimate.ts';
import { WaitingRoom } from './waiting-room.ts';

test('waits longer than the model said make the next offers of that class be refused at arrival instead', () => {
  // The median of the last leaves, from the second leave on (1 / (1 − q) = 2), to need few of them here.
  const f = fixture({ maxRequests: 10, maxTokens: 1000 }, new WaitCalibration(0.5, 10));
  for (let i = 0; i < 100; i++) {
    f.drainRate.record();
    f.timers.advance(10);
  }
  // 0.1/ms, no margin: the model says 10 ms for the first, 20 ms for the second. Both leave after 200 ms.
  f.offer('a', 1, 1000);
  f.offer('a2', 1, 1000);
  f.drainRate.record();
  f.timers.advance(200);
  f.free(2);
  assert.deepEqual(f.served, ['a', 'a2']);
  const F = f.room.calibration.factor(1, f.timers.now);
  assert.ok(F >= 9 && F < 11.5, String(F));
  // The model alone (~10 ms) would queue it with 80 ms to spare; calibrated (~100 ms) it cannot make it.
  assert.equal(f.offer('b', 1, 90), 'router_deadline');
  assert.equal(typeof f.offer('c', 0, 90), 'object', 'critical has its own record (none yet)');
  // Expiries are recorded too: sheddable requests behind c that waited their 100 ms in vain.
  f.offer('x', 2, 100);
  f.offer('x2', 2, 100);
  f.timers.advance(100);
  assert.deepEqual(
    f.dropped.map(([item]) => item),
    ['c', 'x', 'x2'],
  );
  assert.ok(f.room.calibration.factor(2, f.timers.now) >= 2, String(f.room.calibration.factor(2, f.timers.now)));
  f.room.clear();
});

test("before any leave, the first queued request's wait so far bounds the factor", () => {
  const f = fixture({ maxRequests: 10, maxTokens: 1000 });
  for (let i = 0; i < 100; i++) {
    f.drainRate.record();
    f.timers.advance(10);
  }
  // 0.1/ms, no margin: k = 1 → 10 ms. Nothing leaves for 100 ms: the head has waited 10× its prediction.
  assert.equal(typeof f.offer('a', 1, 1000), 'object');
  f.timers.advance(100);
  assert.equal(f.room.calibration.factor(1, f.timers.now), 1, 'no record yet');
  assert.ok(f.room.factor(1, f.timers.now) >= 9, String(f.room.factor(1, f.timers.now)));
  // k = 2 → ~20 ms by the model, ≥ 200 ms by what the head shows: 150 ms left is not enough.
  assert.equal(f.offer('b', 1, 150), 'router_deadline');
  assert.equal(typeof f.offer('c', 0, 150), 'object', 'nothing of a class at or above critical is queued');
  assert.ok(f.room.factor(2, f.timers.now) >= 9, 'a sheddable request waits behind the standard head');
  f.room.clear();
});

test('under overload a class is judged ρ_c times over (at most 2×); a class offering less than drains is not', () => {
  const mk = (clock: () => number) =>
    [0, 1, 2].map(() => new DrainRate({ clock, windowMs: 1000, buckets: 10, minEvents: 3 }));
  const f = fixture({ maxRequests: 10, maxTokens: 1000 }, undefined, (clock) => ({ offeredRates: mk(clock) }));
  // Drains 0.1/ms; critical offers 0.05/ms, standard 0.15/ms: ρ_critical 0.5, ρ_standard 2, ρ_sheddable 2.
  for (let i = 0; i < 100; i++) {
    f.drainRate.record();
    if (i % 2 === 0) f.room.offered(0);
    f.room.offered(1);
    if (i % 2 === 0) f.room.offered(1);
    f.timers.advance(10);
  }
  const now = f.timers.now;
  assert.ok(Math.abs(f.room.estimate.overload(0, now) - 0.5) < 0.05, String(f.room.estimate.overload(0, now)));
  assert.ok(Math.abs(f.room.estimate.overload(1, now) - 2) < 0.1, String(f.room.estimate.overload(1, now)));
  assert.equal(f.room.factor(0, now), 1, 'critical offers half of what drains: the model alone');
  assert.ok(
    f.room.factor(1, now) >= 1.9 && f.room.factor(1, now) <= OVERLOAD_FACTOR_MAX,
    String(f.room.factor(1, now)),
  );
  // k = 1 → 10 ms by the model. 15 ms left: critical queues, standard (judged 2 × 10 ms) is refused at arrival.
  assert.equal(typeof f.offer('c', 0, 15), 'object');
  assert.equal(f.offer('s', 1, 15), 'router_deadline');
  f.room.clear();
});

test('below overload the queue wait and the engine part share one margin; from ρ = 2 each keeps its own', () => {
  const run = (offeredPerDrain: number, budget: number) => {
    const timers = new ManualTimers();
    const mk = () => new DrainRate({ clock: timers.clock, windowMs: 1000, buckets: 10, minEvents: 3 });
    const drainRate = mk();
    const offeredRates = [mk(), mk(), mk()];
    const room = new WaitingRoom<string>({
      settings: settings({ maxRequests: 10, maxTokens: 1000 }, { marginSd: 2 }),
      clock: timers.clock,
      timers,
      drainRate,
      offeredRates,
      host: STILL_BUSY,
    });
    for (let i = 0; i < 100; i++) {
      drainRate.record();
      for (let k = 0; k < offeredPerDrain; k++) room.offered(1);
      timers.advance(10);
    }
    // z = 2 on a wait of k = 1 at 0.1/ms: W = 30 ms, W₀ = 10 ms, s_q = 10 ms; the engine: m = 50 ms, s_e = 30 ms.
    const r = room.offer('x', 1, timers.now + budget, 1, 50, 30);
    room.clear();
    return typeof r === 'string' ? r : 'queued';
  };
  // Apart: 30 + 50 + 2 · 30 = 140 ms. Jointly: 10 + 50 + 2 · √(10² + 30²) ≈ 123 ms.
  assert.equal(run(1, 130), 'queued', 'ρ = 1: the joint margin');
  assert.equal(run(1, 120), 'router_deadline', 'ρ = 1: short of even the joint margin');
  assert.equal(run(2, 139), 'router_deadline', 'ρ = 2: the margins add (and F = 2)');
});

function steppedRoom() {
  const timers = new ManualTimers();
  const mk = (windowMs: number) => new DrainRate({ clock: timers.clock, windowMs, buckets: 10, minEvents: 3 });
  const drainRate = mk(1000);
  const dispatched = mk(5000);
  const room = new WaitingRoom<string>({
    settings: settings({ maxRequests: 10, maxTokens: 1000 }),
    clock: timers.clock,
    timers,
    drainRate,
    offeredRates: [mk(1000), mk(1000), mk(1000)],
    sustained: { offered: [mk(5000), mk(5000), mk(5000)], dispatched },
    host: STILL_BUSY,
  });
  /** 4 s offering what drains (0.1/ms), then 1 s offering `times` that. */
  const offer = (times: number) => {
    for (let i = 0; i < 500; i++) {
      drainRate.record();
      dispatched.record();
      room.offered(1);
      if (i >= 400 && (i - 400) % 100 < (times - 1) * 100) room.offered(1);
      timers.advance(10);
    }
    return room.estimate.overload(1, timers.now);
  };
  return { room, offer };
}

test('a burst in the drain window is not overload while the longer window says the class offers what drains', () => {
  const { room, offer } = steppedRoom();
  // 130 offered against 100 dispatched in the 1 s window: within 4 sd (40) of a Poisson count at capacity.
  const rho = offer(1.3);
  assert.ok(rho > 1.03 && rho < 1.1, `the 5 s window's ρ (~1.06), not the 1 s window's 1.3: ${rho}`);
  room.clear();
});

test('a step up in load beyond a Poisson burst counts at once, without waiting for the longer window', () => {
  const { room, offer } = steppedRoom();
  // 200 offered against 100 dispatched: 10 sd over; the 5 s window would read ~1.2 for seconds more.
  const rho = offer(2);
  assert.ok(rho > 1.9 && rho < 2.1, `the 1 s window's ρ (2), not the 5 s window's ~1.2: ${rho}`);
  room.clear();
});

test("below overload the rate's part enters at its mean, the ages' part carries the margin; from overload both", () => {
  const run = (offeredPerDrain: number) => {
    const timers = new ManualTimers();
    const mk = (windowMs = 1000) => new DrainRate({ clock: timers.clock, windowMs, buckets: 10, minEvents: 3 });
    const drainRate = mk();
    const dispatched = mk(5000);
    // 40 attempts of 1 s learned, then 10 in flight that are 900 ms old: each is due within ~100 ms.
    const departures = new Departures();
    for (let i = 0; i < 40; i++) departures.end(departures.start(0), 1000, true);
    const room = new WaitingRoom<string>({
      settings: settings({ maxRequests: 10, maxTokens: 1000 }, { marginSd: 2 }),
      clock: timers.clock,
      timers,
      drainRate,
      departures,
      offeredRates: [mk(), mk(), mk()],
      sustained: { offered: [mk(5000), mk(5000), mk(5000)], dispatched },
      host: STILL_BUSY,
    });
    // 0.01/ms drains for 5 s: k = 1 is 100 ms by the rate's mean, (1 + 2) / 0.01 = 300 ms with its margin.
    for (let i = 0; i < 50; i++) {
      drainRate.record();
      dispatched.record();
      for (let k = 0; k < offeredPerDrain; k++) room.offered(1);
      timers.advance(100);
    }
    for (let i = 0; i < 10; i++) departures.start(timers.now - 900);
    const r = room.offer('x', 1, timers.now + 250, 1);
    room.clear();
    return typeof r === 'string' ? r : 'queued';
  };
  assert.equal(run(1), 'queued', "ρ = 1: the rate's mean (100 ms) and the ages (≤ 100 ms) fit 250 ms");
  assert.equal(run(3), 'router_deadline', "ρ = 3: the rate's margin (300 ms) does not");
});

test("under overload a class's residual rate is the lower bound of what the classes above leave", () => {
  const mk = (clock: () => number) =>
    [0, 1, 2].map(() => new DrainRate({ clock, windowMs: 1000, buckets: 10, minEvents: 3 }));
  const f = fixture({ maxRequests: 10, maxTokens: 1000 }, undefined, (clock) => ({ arrivalRates: mk(clock) }));
  // Drains 0.1/ms; critical arrives at 0.08/ms: 80 in the 1 s window.
  for (let i = 0; i < 100; i++) {
    f.drainRate.record();
    if (i % 5 !== 0) f.room.estimate.arrived(0);
    f.timers.advance(10);
  }
  const now = f.timers.now;
  const mean = f.room.estimate.rateFor(1, now);
  const low = f.room.estimate.rateFor(1, now, 2);
  assert.ok(Math.abs(mean - 0.02) < 0.002, String(mean));
  // 2 · √80 / 1000 ms ≈ 0.018/ms under the mean: almost nothing is surely left.
  assert.ok(Math.abs(mean - low - (2 * Math.sqrt(80)) / 1000) < 1e-9, `${mean} ${low}`);
  assert.equal(f.room.estimate.rateFor(0, now, 2), f.room.estimate.rateFor(0, now), 'nothing above critical');
  f.room.clear();
});
