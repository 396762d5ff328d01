import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SloLimit } from './slo.ts';
import { DEFAULT_PARAMS as params, sampleOf } from './test-params.ts';
import type { LimitParams, LimitSample } from './types.ts';

function setup(o: Partial<LimitParams> = {}) {
  let now = 0;
  const l = new SloLimit({ ...params, ...o }, () => now);
  const s = sampleOf({ rtt: 0, ttftSloMs: 1000, itlSloMs: 60 });
  return { l, s, at: (ms: number) => (now = ms), now: () => now };
}

test('an upstream that does not queue: the limit doubles each tested window and stays ahead of demand', () => {
  const { l, s, at } = setup();
  let t = 0;
  const seen: number[] = [];
  // A non-streamed upstream answering in 0.3 ms whatever its load, driven at the limit (the gate's most).
  for (let w = 0; w < 8; w++) {
    for (let i = 0; i < 10; i++) {
      at((t += 12));
      s.inFlight = Math.floor(l.limit);
      s.ttftMs = NaN;
      l.completed(t, 0.3 + (i % 3) * 0.1, NaN, s);
    }
    seen.push(l.limit);
  }
  assert.deepEqual(seen, [32, 64, 128, 256, 512, 1024, 2048, 2048]);
  assert.equal(l.last, 'grow');
});

test('an untested limit does not grow, however good the latency', () => {
  const { l, s, at } = setup();
  for (let i = 1; i <= 50; i++) {
    at(i * 20);
    s.inFlight = 5;
    l.completed(i * 20, 1, NaN, s);
  }
  assert.equal(l.limit, 16);
  assert.equal(l.last, 'untested');
});

function firstToken(l: SloLimit, s: LimitSample, ttft: number, prompt: number) {
  s.ttftMs = ttft;
  s.promptTokens = prompt;
  s.rtt = ttft;
  l.update(s);
}

test("the engine's standing queue sets the limit to what it runs; a passing waiting request does not", () => {
  const { l, s, at } = setup({ initial: 40 });
  let t = 0;
  // Reports every 30 ms: the engine runs 24, and one request waits now and then (arrived mid-step).
  for (let i = 0; i < 10; i++) {
    at((t += 30));
    s.inFlight = 40;
    s.running = 24;
    s.waiting = i % 3 === 0 ? 1 : 0;
    s.reportSeq = i;
    firstToken(l, s, 100, 500);
  }
  assert.equal(l.limit, 80, 'no standing queue: a tested window grows (slow start)');
  for (let i = 10; i < 20; i++) {
    at((t += 30));
    s.inFlight = 80;
    s.running = 24;
    s.waiting = 56;
    s.reportSeq = i;
    firstToken(l, s, 100, 500);
  }
  assert.equal(l.last, 'queue');
  assert.equal(l.limit, 40, 'at most halved per window');
  for (let i = 20; i < 30; i++) {
    at((t += 30));
    s.inFlight = 40;
    s.waiting = 16;
    s.reportSeq = i;
    firstToken(l, s, 100, 500);
  }
  assert.equal(l.limit, 24);
  assert.equal(l.ssthresh, 24, 'growth is additive from here');
});

test('mixed prompt lengths without queueing: TTFT is read against its band, and the limit grows', () => {
  const { l, s, at } = setup({ initial: 24 });
  let t = 0;
  let r = 1;
  const rand = () => (r = (r * 16807) % 2147483647) / 2147483647;
  // An engine without reports; prefill ~ 20 ms + 0.03 ms per token, plus up to one 40 ms step of waiting
  // for the batch boundary: work, not queueing. Prompts uniform 200–3,000 tokens.
  for (let i = 0; i < 400; i++) {
    at((t += 20));
    s.inFlight = Math.floor(l.limit);
    const prompt = 200 + Math.floor(rand() * 2800);
    s.itlSloMs = 0;
    firstToken(l, s, 20 + 0.03 * prompt + rand() * 40, prompt);
  }
  assert.ok(l.limit > 24, `limit ${l.limit} fell below the 24 it ran without queueing`);
  assert.notEqual(l.last, 'queue');
});

/**
 * 800 first tokens, 20 ms apart, from an engine that reports no waiting request and runs the limit: its TTFT is
 * 100 ms + 40 ms per request in flight (± `noiseMs` / 2), each after `waitedMs` in the router queue.
 */
function batchBoundEngine(l: SloLimit, s: LimitSample, at: (ms: number) => number, waitedMs: number, noiseMs = 0) {
  let r = 1;
  const rand = () => (r = (r * 16807) % 2147483647) / 2147483647;
  for (let i = 0; i < 800; i++) {
    at((i + 1) * 20);
    s.inFlight = Math.floor(l.limit);
    s.running = s.inFlight;
    s.waiting = 0;
    s.reportSeq = i;
    s.waitedMs = waitedMs;
    firstToken(l, s, 100 + 40 * s.inFlight + (rand() - 0.5) * noiseMs, 1000);
  }
}

test('TTFT that grows with the batch, nothing queued: the limit goes where the SLO is just met, not below', () => {
  const { l, s, at } = setup({ initial: 8 });
  // 1,000 ms (the SLO) at 22.5 in flight. The ratio TTFT / floor reaches 7-10 there, which a mean judged against
  // SLO / that ratio read as ~4 times over.
  batchBoundEngine(l, s, at, 0, 20);
  assert.ok(l.limit >= 18 && l.limit < 23, `limit ${l.limit}: the SLO is met up to 22 in flight`);
});

test('what a request waited before its dispatch is not left for the engine: the limit counts it', () => {
  const { l, s, at } = setup({ initial: 8 });
  // Every request waited 300 ms in the router queue: the engine has 700 ms, met up to 15 in flight.
  batchBoundEngine(l, s, at, 300);
  assert.ok(l.limit >= 11 && l.limit < 16, `limit ${l.limit}: 700 ms left is met up to 15 in flight`);
});

test('without reports, a TTFT well above its band floor is queueing: the limit shrinks toward what runs', () => {
  const { l, s, at } = setup({ initial: 40 });
  let t = 0;
  for (let i = 0; i < 10; i++) {
    at((t += 20));
    s.inFlight = 30;
    firstToken(l, s, 100, 1000);
  }
  assert.equal(l.limit, 40, 'untested window: unchanged');
  for (let i = 0; i < 10; i++) {
    at((t += 20));
    s.inFlight = 40;
    firstToken(l, s, 400, 1000); // 300 ms over the band's 100 ms floor, no ITL known: more than the floor itself
  }
  assert.equal(l.last, 'queue');
  assert.ok(l.limit < 40 && l.limit >= 20, String(l.limit));
});

test('a decode-bound engine: the limit holds ITL under the SLO, near where it meets it', () => {
  const { l, s, at } = setup({ initial: 16 });
  s.itlSloMs = 35;
  s.ttftSloMs = 0;
  // ITL grows with the batch: 5 ms + 0.5 ms per request. The SLO (35 ms) is met up to 60 requests.
  let t = 0;
  const itls: number[] = [];
  for (let step = 0; step < 6000; step++) {
    const n = Math.floor(l.limit);
    const itl = 5 + 0.5 * n;
    at((t += itl));
    s.inFlight = n;
    l.tokens(t, itl * n, n, s); // n requests, one token each, itl apart
    if (step % 4 === 0) {
      firstToken(l, s, 50, 200);
      s.ttftMs = 50;
      l.completed(t, 50 + 100 * itl, itl * (0.95 + (step % 3) * 0.05), s);
    }
    if (step > 3000) itls.push(itl);
  }
  const worst = Math.max(...itls);
  const mean = itls.reduce((a, b) => a + b, 0) / itls.length;
  assert.ok(worst <= 35, `ITL reached ${worst} ms over a 35 ms SLO`);
  // The margin: TPOT's 99th percentile is ~1.19× the mean here (the tail's bucket), so the mean aims at
  // ~29 ms (49 requests); cuts dip below it. Far below would waste the engine.
  assert.ok(mean >= 25, `mean ITL ${mean} ms: the limit held the engine far below its SLO`);
});

test('an engine loaded from its first window: its lowest ITL includes the load, and the limit still cuts', () => {
  // Found on the fleet matrix (issue 11, decode-bound fleet #6 at 3×): every window ran near the same
  // concurrency, the floor was that load's ITL, above the target, and the limit never moved.
  const { l, s, at } = setup({ initial: 100 });
  s.itlSloMs = 35;
  s.ttftSloMs = 0;
  let t = 0;
  const itls: number[] = [];
  for (let step = 0; step < 6000; step++) {
    const n = Math.floor(l.limit); // demand at the limit from the start: never a light window
    const itl = 5 + 0.5 * n;
    at((t += itl));
    s.inFlight = n;
    l.tokens(t, itl * n, n, s);
    if (step % 4 === 0) {
      firstToken(l, s, 50, 200);
      s.ttftMs = 50;
      l.completed(t, 50 + 100 * itl, itl * (0.95 + (step % 3) * 0.05), s);
    }
    if (step > 3000) itls.push(itl);
  }
  assert.ok(Math.max(...itls) <= 35, `ITL reached ${Math.max(...itls)} ms over a 35 ms SLO`);
  assert.ok(l.itlFloor < 35, `the floor was learned at a lower concurrency once the limit came down (${l.itlFloor})`);
});

test('a drop halves the limit', () => {
  const { l, s, at } = setup({ initial: 40 });
  at(200);
  s.inFlight = 40;
  s.dropped = true;
  s.rtt = 300;
  l.update(s);
  assert.equal(l.limit, 20);
  assert.equal(l.last, 'drop');
});
