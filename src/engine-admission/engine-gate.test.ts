import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EngineGate } from './engine-gate.ts';
import { createLimit } from './limits/registry.ts';

function gate(o: { limit?: number; algorithm?: string } = {}) {
  let now = 0;
  const clock = () => now;
  const limit = createLimit(
    o.algorithm ?? 'fixed',
    { initial: o.limit ?? 2, min: 1, max: 100, tolerance: 1.5, smoothing: 0.2, queueSize: 4, longWindow: 600, probeMultiplier: 30, probeInterval: 0, windowSamples: 1, windowMinMs: 0, quantile: 0.99 },
    { clock, random: Math.random },
  );
  const g = new EngineGate({
    id: 'e1',
    clock,
    limit,
    slo: { ttftSloMs: 500, itlSloMs: 50, margin: 1, minSamples: 3, probeIntervalMs: 1000 },
    windowMs: 5000,
    normTokens: 1024,
  });
  return { g, at: (ms: number) => (now = ms), now: () => now };
}

test('the concurrency limit blocks at in_flight = floor(limit); release frees the slot exactly once', () => {
  const { g } = gate({ limit: 2 });
  assert.equal(g.blockedBy(0), undefined);
  g.acquire(0);
  g.acquire(0);
  assert.equal(g.blockedBy(0), 'limited');
  g.release(0, false, 10, false, NaN, NaN);
  assert.equal(g.blockedBy(0), undefined);
  g.release(0, false, 10, false, NaN, NaN);
  g.release(0, false, 10, false, NaN, NaN);
  assert.equal(g.inFlight, 0);
  assert.equal(g.releaseErrors, 1);
});

test('a penalty blocks for its length and says when it ends', () => {
  const { g } = gate();
  g.penalize(100, 250);
  assert.equal(g.blockedBy(200), 'penalty');
  assert.equal(g.unblocksAt(), 350);
  assert.equal(g.blockedBy(350), undefined);
});

test('slow TTFT trips the breaker; one probe at a time; a good probe restores the engine', () => {
  const { g, at } = gate({ limit: 100 });
  for (let i = 0; i < 3; i++) {
    g.acquire(0);
    g.firstToken(0, 800, 100);
    g.release(0, false, 900, false, 800, 10);
  }
  assert.equal(g.breaker.state, 'slow');
  assert.equal(g.blockedBy(500), 'slow');
  assert.equal(g.unblocksAt(), 1000);
  at(1000);
  assert.equal(g.blockedBy(1000), undefined, 'probe due');
  assert.equal(g.acquire(1000), true, 'this one is the probe');
  assert.equal(g.blockedBy(1000), 'slow', 'only one probe at a time');
  // A bad probe: wait another interval.
  g.release(1600, false, 600, true, 600, 10);
  assert.equal(g.blockedBy(2000), 'slow');
  assert.equal(g.acquire(2600), true);
  g.firstToken(2700, 100, 100);
  g.release(2900, false, 300, true, 100, 10);
  assert.equal(g.breaker.state, 'ok');
  assert.equal(g.ttft.count(), 0, 'windows cleared on recovery');
  assert.equal(g.inFlight, 0);
});

test('slow ITL trips the breaker too', () => {
  const { g } = gate({ limit: 100 });
  g.acquire(0);
  g.firstToken(0, 100, 10);
  g.tokens(10, 120, 1);
  g.tokens(20, 60, 1);
  assert.equal(g.breaker.state, 'ok', 'min_samples (tokens, for ITL) not reached');
  g.tokens(30, 240, 2);
  assert.equal(g.breaker.state, 'slow');
  g.release(40, false, 40, false, 100, 105);
});

test('the adaptive limit sees TTFT normalised for prompt length, and drops', () => {
  const { g } = gate({ algorithm: 'vegas', limit: 20 });
  const seen: number[] = [];
  const inner = g.limit;
  g.limit = { name: 'spy', get limit() { return inner.limit; }, update: (s) => void seen.push(s.rtt, s.dropped ? 1 : 0) };
  g.acquire(0);
  g.firstToken(0, 300, 2048); // 300 / (1 + 2) = 100
  g.release(0, true, 50, false, 300, NaN);
  assert.deepEqual(seen, [100, 0, 50, 1]);
});

test("the limit's samples carry the engine's fresh report and the SLOs; chunks and ends reach limits that want them", () => {
  let now = 0;
  const load = { lastReport: { running: 7, waiting: 2 } as { running?: number; waiting?: number } | undefined, reports: 3, fresh: true, isReportFresh() { return this.fresh; } };
  const seen: string[] = [];
  const g = new EngineGate({
    id: 'e1',
    clock: () => now,
    limit: {
      name: 'spy',
      limit: 10,
      update: (s) => void seen.push(`first ${s.ttftMs} ${s.promptTokens} r${s.running} w${s.waiting} #${s.reportSeq} slo ${s.ttftSloMs}/${s.itlSloMs}`),
      tokens: (_n, gap, tokens, s) => void seen.push(`tokens ${gap}/${tokens} in ${s.inFlight} w${s.waiting}`),
      completed: (_n, elapsed, tpot, s) => void seen.push(`end ${elapsed} ${tpot} ttft ${s.ttftMs}`),
    },
    slo: { ttftSloMs: 500, itlSloMs: 50, margin: 1, minSamples: 3, probeIntervalMs: 1000 },
    windowMs: 5000,
    normTokens: 1024,
    reports: load,
  });
  g.acquire(0);
  g.firstToken(10, 80, 300);
  load.fresh = false;
  g.tokens(20, 30, 2);
  g.release(30, false, 30, false, 80, 15);
  g.acquire(40);
  g.release(50, false, 10, false, NaN, NaN); // a non-streamed response: its whole latency
  assert.deepEqual(seen, ['first 80 300 r7 w2 #3 slo 500/50', 'tokens 30/2 in 1 wNaN', 'end 30 15 ttft 80', 'end 10 NaN ttft NaN']);
  assert.equal(g.inFlight, 0);
});
