// Queueing over HTTP behaves as theory says: below capacity TTFT ≈ prefill time; above it the waiting queue
// and TTFT grow with time.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setImmediate as setImmediatePromise, setTimeout as sleep } from 'node:timers/promises';
import { loadProfile } from '../src/sim/perf-model.ts';
import { startEngine } from '../src/sim/server.ts';
import { median, type StreamResult, streamRequest, userMessage } from './sim-helpers.ts';

const prompt = userMessage('word '.repeat(95));
const prefillMs = loadProfile('default').stepMs({ prefillTokens: 100, decodeRequests: 0, kvUsage: 0 });

/**
 * Open-loop arrivals, request i sent `i × gapMs` wall ms after the start (a late timer sends the overdue ones at
 * once, so the offered rate holds on a busy machine); `afterSend` runs after each. Results in arrival order.
 */
async function openLoop(
  url: string,
  count: number,
  gapMs: number,
  maxTokens: number,
  signal: AbortSignal,
  afterSend?: (sent: number) => Promise<void>,
) {
  const pending: Promise<StreamResult | null>[] = [];
  const start = performance.now();
  for (let i = 0; i < count; i++) {
    const due = start + i * gapMs - performance.now();
    if (due > 0) await sleep(due);
    pending.push(streamRequest(url, { messages: prompt, max_tokens: maxTokens }, { signal }).catch(() => null));
    await afterSend?.(i + 1);
  }
  return pending;
}

test('below capacity, TTFT stays near the prefill time', async () => {
  // 2 slots × ~0.2 s of service (18 ms prefill + 30 decode steps) ≈ 10 req/s; 4 req/s offered.
  const speedup = 2;
  const engine = await startEngine({ speedup, maxNumSeqs: 2 });
  try {
    const ac = new AbortController();
    const results = await Promise.all(await openLoop(engine.url, 10, 250 / speedup, 30, ac.signal));
    const ttftSim = median(results.map((r) => r!.ttftMs * speedup));
    assert.ok(results.every((r) => r!.contents.length === 30));
    // Waiting for the step in flight plus sharing a step with a decode: under 3 prefills, HTTP included.
    assert.ok(
      ttftSim < 3 * prefillMs,
      `median TTFT ${ttftSim.toFixed(1)} simulated ms, prefill ${prefillMs.toFixed(1)} ms`,
    );
  } finally {
    await engine.close();
  }
});

test('above capacity, the waiting queue and TTFT grow with time', async () => {
  // 2 slots × ~0.6 s of service (100 tokens each) ≈ 3.3 req/s; 10 req/s offered (simulated).
  const speedup = 10;
  const engine = await startEngine({ speedup, maxNumSeqs: 2 });
  const ac = new AbortController();
  try {
    // Arrivals keep to an absolute schedule (late timers send the overdue ones at once), so a loaded machine
    // does not lower the offered rate; the queue is read after every 30th arrival has reached the engine.
    const waiting: number[] = [];
    const arrived = () => {
      const { running, waiting: w } = engine.load();
      return running + w + engine.scheduler.totals.finished;
    };
    const pending = await openLoop(engine.url, 120, 100 / speedup, 100, ac.signal, async (sent) => {
      if (sent % 30 !== 0) return;
      while (arrived() < sent) await setImmediatePromise();
      waiting.push(engine.load().waiting);
    });
    assert.equal(waiting.length, 4);
    assert.ok(
      waiting.every((w, i) => i === 0 || w > waiting[i - 1]),
      `waiting should grow: ${waiting.join(', ')}`,
    );
    // TTFT of the first requests versus those served a little later.
    const firsts = await Promise.all(pending.slice(0, 4));
    const later = await Promise.all(pending.slice(12, 16));
    const [early, late] = [median(firsts.map((r) => r!.ttftMs)), median(later.map((r) => r!.ttftMs))];
    assert.ok(late > 3 * early, `TTFT early ${early.toFixed(1)} ms, later ${late.toFixed(1)} ms`);
  } finally {
    ac.abort();
    await engine.close();
  }
});
