// Queueing behaviour of the scheduler core in virtual time, against what queueing theory predicts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadProfile } from './perf-model.ts';
import { runVirtual } from './virtual-run.ts';

const config = { numBlocks: 4096, blockSize: 16, maxNumSeqs: 256, maxNumBatchedTokens: 2048, perf: loadProfile('default') };
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
  const third = (i: number) => r.ttftMs.filter((_, k) => r.arrivals[k] >= i * 20_000 && r.arrivals[k] < (i + 1) * 20_000);
  const [early, middle, late] = [median(third(0)), median(third(1)), median(third(2))];
  assert.ok(early < middle && middle < late, `TTFT by thirds: ${early}, ${middle}, ${late}`);
  assert.ok(late > 20 * prefillOnlyMs);
  const waitingAt = (ms: number) => r.waiting.find((w) => w.t >= ms)?.n ?? 0;
  assert.ok(waitingAt(10_000) < waitingAt(30_000) && waitingAt(30_000) < waitingAt(55_000));
});

test('a shared system prompt is computed once: later requests hit the prefix cache', () => {
  const r = runVirtual(config, { ...workload, rate: 2, durationMs: 10_000, promptTokens: 2000, sharedPrefixTokens: 1600 });
  const { prefixHits, prefixQueries } = r.scheduler.totals;
  assert.ok(prefixHits / prefixQueries > 0.75, `hit rate ${prefixHits / prefixQueries}`);
  // The first request computes the whole prompt; later ones only their own 400 tokens (one arriving during the
  // first prefill cannot reuse blocks that are not computed yet).
  const later = median(r.ttftMs.slice(2));
  assert.ok(later < 0.6 * r.ttftMs[0], `TTFT ${r.ttftMs[0]} ms first, median ${later} ms later`);
});
