// Queueing behaviour of the scheduler core in virtual time, against what queueing theory predicts.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadProfile } from './perf-model.ts';
import { runVirtual } from './virtual-run.ts';

const config = {
  numBlocks: 4096,
  blockSize: 16,
  maxNumSeqs: 256,
  maxNumBatchedTokens: 2048,
  perf: loadProfile('default'),
};
const workload = { durationMs: 60_000, promptTokens: 512, outputTokens: 128, seed: 7 };
const prefillOnlyMs = loadProfile('default').stepMs({ prefillTokens: 512, decodeRequests: 0, kvUsage: 0 });

function median(xs: number[]): number {
  const s = xs.filter((x) => !Number.isNaN(x)).sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

test('below capacity, TTFT stays near the prefill time and the queue stays short', () => {
  const r = runVirtual(config, { ...workload, rate: 2 });
  assert.equal(r.completed, r.arrivals.length);
  const m = median(r.ttftMs);
  // A request waits for the step in flight (at most a decode step) then shares a step with the decodes.
  assert.ok(m >= prefillOnlyMs && m < 3 * prefillOnlyMs, `median TTFT ${m} ms vs prefill ${prefillOnlyMs} ms`);
  assert.ok(Math.max(...r.waiting.map((w) => w.n)) <= 3);
});

test('above capacity, the waiting queue and TTFT grow with time', () => {
  const r = runVirtual(config, { ...workload, rate: 40, drainLimitMs: 300_000 });
  const third = (i: number) =>
    r.ttftMs.filter((_, k) => r.arrivals[k] >= i * 20_000 && r.arrivals[k] < (i + 1) * 20_000);
  const [early, middle, late] = [median(third(0)), median(third(1)), median(third(2))];
  assert.ok(early < middle && middle < late, `TTFT by thirds: ${early}, ${middle}, ${late}`);
  assert.ok(late > 20 * prefillOnlyMs);
  const waitingAt = (ms: number) => r.waiting.find((w) => w.t >= ms)?.n ?? 0;
  assert.ok(waitingAt(10_000) < waitingAt(30_000) && waitingAt(30_000) < waitingAt(55_000));
});

test('a shared system prompt is computed once: later requests hit the prefix cache and get lower TTFT', () => {
  const base = { ...workload, rate: 2, durationMs: 20_000, promptTokens: 2000 };
  const shared = runVirtual(config, { ...base, sharedPrefixTokens: 1600 });
  const distinct = runVirtual(config, base);
  const { prefixHits, prefixQueries } = shared.scheduler.totals;
  assert.ok(prefixHits / prefixQueries > 0.7, `hit rate ${prefixHits / prefixQueries}`);
  assert.equal(distinct.scheduler.totals.prefixHits, 0);
  // Same arrivals (same seed); only the shared prefix differs.
  const [withHits, without] = [median(shared.ttftMs.slice(1)), median(distinct.ttftMs.slice(1))];
  assert.ok(withHits < 0.8 * without, `median TTFT ${withHits} ms with a shared prefix, ${without} ms without`);
});
