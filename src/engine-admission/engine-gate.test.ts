import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fixed } from '../util/ref.ts';
import { EngineGate } from './engine-gate.ts';
import { createLimit } from './limits/registry.ts';
import { perSampleParams } from './limits/test-params.ts';

function gate(o: { limit?: number; algorithm?: string } = {}) {
  let now = 0;
  const clock = () => now;
  const limit = createLimit(o.algorithm ?? 'fixed', perSampleParams({ initial: o.limit ?? 2 }), {
    clock,
    random: Math.random,
  });
  const g = new EngineGate({
    id: 'e1',
    clock,
    limit,
    settings: fixed({ ttftSloMs: 500, itlSloMs: 50, margin: 1, minSamples: 3, normTokens: 1024 }),
    windowMs: 5000,
  });
  return { g, at: (ms: number) => (now = ms), now: () => now };
}

test('the concurrency limit blocks at in_flight = floor(limit); release frees the slot exactly once', () => {
  const { g } = gate({ limit: 2 });
  assert.equal(g.blockedBy(0), undefined);
  g.acquire();
  g.acquire();
  assert.equal(g.blockedBy(0), 'limited');
  g.release(0, false, 10);
  assert.equal(g.blockedBy(0), undefined);
  g.release(0, false, 10);
  g.release(0, false, 10);
  assert.equal(g.inFlight, 0);
  assert.equal(g.releaseErrors, 1);
});

test('a class may use its fraction of the limit: critical keeps the headroom above it', () => {
  const { g } = gate({ limit: 10 });
  for (let i = 0; i < 7; i++) g.acquire();
  assert.equal(g.blockedBy(0, 0.7), 'limited', 'sheddable: ⌊0.7 · 10⌋ = 7');
  assert.equal(g.blockedBy(0, 0.9), undefined);
  g.acquire();
  g.acquire();
  assert.equal(g.blockedBy(0, 0.9), 'limited', 'standard: 9');
  assert.equal(g.blockedBy(0, 1), undefined, 'critical: the last slot');
  g.acquire();
  assert.equal(g.blockedBy(0, 1), 'limited');
  const one = gate({ limit: 1 }).g;
  assert.equal(one.blockedBy(0, 0.7), undefined, 'a limit of 1 is never cut to 0');
});

test('a penalty blocks for its length and says when it ends', () => {
  const { g } = gate();
  g.penalize(100, 250);
  assert.equal(g.blockedBy(200), 'penalty');
  assert.equal(g.unblocksAt(200), 350);
  assert.equal(g.blockedBy(350), undefined);
  assert.equal(g.unblocksAt(350), Infinity);
});

test('slow TTFT sheds the classes by their fraction of the SLO, and the live window readmits them', () => {
  const { g } = gate({ limit: 100 }); // TTFT SLO 500 ms, 3 samples, 5 s window of 500 ms buckets
  for (const ttft of [400, 400, 400]) {
    g.acquire();
    g.firstToken(0, ttft, 100);
    g.release(0, false, ttft);
  }
  // Mean 400 = 0.8 of the SLO: sheddable (0.7) is shed, standard (0.9) and critical are not.
  assert.equal(g.blockedBy(10, 0.7), 'slow');
  assert.equal(g.blockedBy(10, 0.9), undefined);
  assert.equal(g.blockedBy(10, 1), undefined);
  // The window, if nothing new came, forgets these samples when their bucket leaves, 5 s on.
  assert.equal(g.unblocksAt(10, 0.7), 5000);
  // Better samples arrive from the classes still admitted: the mean falls under 350 and sheddable is back.
  for (let i = 0; i < 3; i++) {
    g.acquire();
    g.firstToken(600, 250, 100);
    g.release(600, false, 250);
  }
  assert.equal(g.breaker.pressure(600), 0.65);
  assert.equal(g.blockedBy(600, 0.7), undefined);
  // Past the SLO itself even critical is held back, until the window clears.
  for (let i = 0; i < 12; i++) g.firstToken(1200, 900, 100);
  assert.equal(g.blockedBy(1200, 1), 'slow');
  assert.equal(g.breaker.reason, 'ttft');
  // Dropping 0-500 (3 × 400) and 500-1000 (3 × 250) leaves 12 × 900 alone: cleared only when they leave too.
  assert.equal(g.unblocksAt(1200, 1), 6000);
  assert.equal(g.blockedBy(6000, 1), undefined, 'never starved: at most a window after the last bad sample');
  assert.equal(g.inFlight, 0);
});

test('slow ITL sheds too, and the pressure is re-read when a bucket leaves the window', () => {
  const { g } = gate({ limit: 100 }); // ITL SLO 50 ms per token
  g.acquire();
  g.firstToken(0, 100, 10);
  g.tokens(10, 120, 1);
  g.tokens(20, 60, 1);
  assert.equal(g.blockedBy(20, 0.7), undefined, 'min_samples (tokens, for ITL) not reached');
  g.tokens(30, 240, 2);
  assert.equal(g.blockedBy(30, 1), 'slow', 'mean 105 ms per token');
  assert.equal(g.breaker.reason, 'itl');
  g.tokens(600, 120, 4);
  assert.equal(g.blockedBy(600, 1), 'slow');
  // The first bucket (0-500 ms) leaves at 5000: what is left is 4 tokens at 30 ms, over min_samples (3).
  assert.equal(g.blockedBy(5000, 1), undefined);
  assert.equal(g.blockedBy(5000, 0.7), undefined);
  g.release(5000, false, 5000);
});

test('the adaptive limit sees TTFT normalised for prompt length, and drops', () => {
  const { g } = gate({ algorithm: 'vegas', limit: 20 });
  const seen: number[] = [];
  const inner = g.limit;
  g.limit = {
    name: 'spy',
    get limit() {
      return inner.limit;
    },
    update: (s) => void seen.push(s.rtt, s.dropped ? 1 : 0),
  };
  g.acquire();
  g.firstToken(0, 300, 2048); // 300 / (1 + 2) = 100
  g.release(0, true, 50);
  assert.deepEqual(seen, [100, 0, 50, 1]);
});

test("limit samples carry the engine's fresh report and the SLOs; chunks and ends reach limits that want them", () => {
  const now = 0;
  const load = {
    lastReport: { running: 7, waiting: 2 } as { running?: number; waiting?: number } | undefined,
    reports: 3,
    fresh: true,
    isReportFresh() {
      return this.fresh;
    },
  };
  const seen: string[] = [];
  const g = new EngineGate({
    id: 'e1',
    clock: () => now,
    limit: {
      name: 'spy',
      limit: 10,
      update: (s) =>
        void seen.push(
          `first ${s.ttftMs} ${s.promptTokens} r${s.running} w${s.waiting} #${s.reportSeq} ` +
            `slo ${s.ttftSloMs}/${s.itlSloMs}`,
        ),
      tokens: (_n, gap, tokens, s) => void seen.push(`tokens ${gap}/${tokens} in ${s.inFlight} w${s.waiting}`),
      completed: (_n, elapsed, tpot, s) => void seen.push(`end ${elapsed} ${tpot} ttft ${s.ttftMs}`),
    },
    settings: fixed({ ttftSloMs: 500, itlSloMs: 50, margin: 1, minSamples: 3, normTokens: 1024 }),
    windowMs: 5000,
    reports: load,
  });
  g.acquire();
  g.firstToken(10, 80, 300);
  load.fresh = false;
  g.tokens(20, 30, 2);
  g.release(30, false, 30, 80, 15);
  g.acquire();
  g.release(50, false, 10, NaN, NaN); // a non-streamed response: its whole latency
  assert.deepEqual(seen, [
    'first 80 300 r7 w2 #3 slo 500/50',
    'tokens 30/2 in 1 wNaN',
    'end 30 15 ttft 80',
    'end 10 NaN ttft NaN',
  ]);
  assert.equal(g.inFlight, 0);
});

test('new settings are judged at the next decision, not when the cached pressure would next expire', () => {
  const clock = () => 0;
  const settings = { current: { ttftSloMs: 500, itlSloMs: 0, margin: 1, minSamples: 1, normTokens: 1024 } };
  const limit = createLimit('fixed', perSampleParams(), { clock, random: Math.random });
  const g = new EngineGate({ id: 'e1', clock, limit, settings, windowMs: 5000 });
  g.firstToken(0, 400, 100);
  assert.equal(g.breaker.pressure(10), 0.8);
  settings.current = { ...settings.current, ttftSloMs: 200 };
  assert.equal(g.breaker.pressure(10), 2);
  assert.equal(g.blockedBy(10, 1), 'slow');
});

test('upper bounds of TTFT (non-streamed responses) never trip the breaker, even alone and over the SLO', () => {
  const { g } = gate({ limit: 100 });
  for (let i = 0; i < 10; i++) g.ttftBound(100, 2000);
  assert.equal(g.ttft.upperMean(100), 2000);
  assert.ok(Number.isNaN(g.ttft.mean(100)), 'the measured window has none of them');
  assert.equal(g.blockedBy(100), undefined, '4× the SLO, but only as a bound: inconclusive, not a miss');
  // Measured TTFTs within the SLO: bounds over it do not raise the pressure either.
  for (let i = 0; i < 3; i++) g.firstToken(100, 200, 100);
  assert.equal(g.breaker.pressure(100), 200 / 500);
});

test('bounds within the SLO show an engine within it: they outweigh measured misses, and it clears sooner', () => {
  const { g } = gate({ limit: 100 });
  for (let i = 0; i < 3; i++) g.firstToken(100, 900, 100);
  assert.equal(g.blockedBy(100), 'slow', 'measured: 900 ms against 500');
  const measuredOnly = g.unblocksAt(100);
  for (let i = 0; i < 9; i++) g.ttftBound(100, 300);
  // Mean of every response is at most (3 · 900 + 9 · 300) / 12 = 450 ms: proven within the SLO.
  assert.equal(g.ttft.upperMean(100), 450);
  assert.equal(g.blockedBy(100), undefined);
  assert.equal(g.breaker.pressure(100), 450 / 500);
  assert.equal(g.blockedBy(100, 0.7), 'slow', 'sheddable: 450 > 0.7 · 500, and the measured mean says so too');
  assert.ok(g.unblocksAt(100, 0.7) <= measuredOnly);
});
