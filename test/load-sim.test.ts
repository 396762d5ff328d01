// The load model against the real engine simulator: the vLLM scraper and the push feed read it right, and
// under a burst the reconciled prediction tracks the engine's truth where the last scrape alone does not.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { request } from 'undici';
import { SseTokenScanner } from '../src/bench/sse.ts';
import { vllmReport } from '../src/load/adapters/engine-metrics.ts';
import { PushAdapter } from '../src/load/adapters/push.ts';
import { ScrapeAdapter } from '../src/load/adapters/scrape.ts';
import { EngineLoad } from '../src/load/engine-load.ts';
import type { LoadReport, ReportSink, SampleMark } from '../src/load/report.ts';
import { PrefixIndex } from '../src/prefix/prefix-index.ts';
import { PromptAnalyzer } from '../src/prefix/prompt-info.ts';
import { startEngine } from '../src/sim/server.ts';
import { TokenEstimator } from '../src/tokens/estimate.ts';

const clock = () => performance.now();

/** Resolves once the sink has taken `n` reports. */
function reportsReached(load: EngineLoad, n: number): Promise<void> {
  const sink = load as ReportSink;
  const original = sink.report.bind(load);
  return new Promise((resolve) => {
    if (load.reports >= n) return resolve();
    sink.report = (r: LoadReport, m: SampleMark) => {
      original(r, m);
      if (load.reports >= n) {
        sink.report = original;
        resolve();
      }
    };
  });
}

test('the vLLM scraper and the push feed read the simulator as it is', async () => {
  const engine = await startEngine({ numBlocks: 1000, blockSize: 32, loadIntervalMs: 1 });
  const scraped = new EngineLoad({ id: 'scraped', clock });
  const pushed = new EngineLoad({ id: 'pushed', clock, blockSize: 32 });
  const scraper = new ScrapeAdapter({ kind: 'vllm', url: `${engine.url}/metrics`, sink: scraped, mapping: vllmReport });
  const push = new PushAdapter({ url: `${engine.url}/load/stream`, sink: pushed });
  try {
    const first = reportsReached(pushed, 1);
    push.start();
    await first;
    await scraper.scrapeOnce();
    assert.deepEqual(scraped.lastReport, {
      running: 0,
      waiting: 0,
      kvUsage: 0,
      kvBlocksUsed: 0,
      kvBlocksTotal: 1000,
      blockSize: 32,
      prefixQueries: 0,
      prefixHits: 0,
    });
    assert.equal(pushed.lastReport?.kvBlocksTotal, 1000);
    assert.equal(pushed.lastReport?.queuedPrefillTokens, 0);
    assert.equal(scraped.kvUsage(), 0);
  } finally {
    await scraper.stop();
    await push.stop();
    await engine.close();
  }
});

/** Resolves when the engine's own count of requests (running + waiting) reaches n. */
function engineHolds(engine: Awaited<ReturnType<typeof startEngine>>, n: number): Promise<void> {
  return new Promise((resolve) => {
    // Arrived = held or already finished: on a loaded machine the first requests can finish before the last
    // arrive, and waiting for all n to be held at once would then wait forever.
    const check = () => engine.load().running + engine.load().waiting + engine.scheduler.totals.finished >= n;
    if (check()) return resolve();
    const off = engine.subscribe(() => {
      if (check()) {
        off();
        resolve();
      }
    });
  });
}

test('under a burst the reconciled load is right at once where the last scrape is not; it tracks the engine after; accounting returns to zero', async (t) => {
  const BURST = 32;
  const engine = await startEngine({ speedup: 4, maxNumSeqs: 16, loadIntervalMs: 2, seed: 7 });
  const index = new PrefixIndex({ clock });
  const estimator = new TokenEstimator();
  const analyzer = new PromptAnalyzer({ index, estimator });
  const load = new EngineLoad({ id: 'sim', clock, prefix: index, strict: true });
  const scraper = new ScrapeAdapter({
    kind: 'vllm',
    url: `${engine.url}/metrics`,
    sink: load,
    mapping: vllmReport,
    intervalMs: 100,
  });
  const inFlightError = { reconciled: [] as number[], scraped: [] as number[] };
  const kvError = { reconciled: [] as number[], scraped: [] as number[] };
  const observedBpt: number[] = [];
  let atBurst = { reconciled: 0, scraped: 0, predictedKv: 0, engineKv: 0, held: 0, finished: 0, released: 0 };
  let released = 0;
  try {
    await scraper.scrapeOnce(); // the last scrape before the burst: an idle engine
    const one = async () => {
      const body = {
        model: 'sim-llama',
        messages: [{ role: 'user', content: `${randomUUID()} What is the meaning of life?`.repeat(120) }],
        max_tokens: 20,
        stream: true,
        stream_options: { include_usage: true },
      };
      const prompt = analyzer.analyze('g', 'chat', body);
      const permit = load.reserve(prompt);
      try {
        const res = await request(`${engine.url}/v1/chat/completions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
        assert.equal(res.statusCode, 200);
        const scanner = new SseTokenScanner();
        let last = '';
        for await (const chunk of res.body) {
          const n = scanner.push(chunk as Buffer);
          if (n > 0) permit.tokens(n);
          last = (chunk as Buffer).toString('latin1');
        }
        const promptTokens = Number(/"prompt_tokens":(\d+)/.exec(last)?.[1]);
        observedBpt.push(prompt.bytes / promptTokens);
        analyzer.observeUsage('g', prompt, promptTokens);
      } finally {
        permit.release();
        released++;
      }
    };
    const done = Promise.all(Array.from({ length: BURST }, one));
    // The whole burst has reached the engine before any scrape could see it.
    await engineHolds(engine, BURST);
    const truth = engine.load();
    atBurst = {
      reconciled: load.inFlight(),
      scraped: load.lastReport!.running! + load.lastReport!.waiting!,
      predictedKv: load.kvBlocksUsed(),
      engineKv: truth.kvBlocksUsed,
      held: truth.running + truth.waiting,
      finished: engine.scheduler.totals.finished,
      released,
    };
    // From here on, scrapes every 100 ms while the engine drains the burst; compare at every engine change.
    scraper.start();
    const off = engine.subscribe((m) => {
      const inEngine = m.running + m.waiting;
      const r = load.lastReport!;
      inFlightError.reconciled.push(load.inFlight() - inEngine);
      inFlightError.scraped.push(r.running! + r.waiting! - inEngine);
      kvError.reconciled.push(load.kvBlocksUsed() - m.kvBlocksUsed);
      kvError.scraped.push(r.kvBlocksUsed! - m.kvBlocksUsed);
    });
    await done;
    off();
    load.assertDrained();
  } finally {
    await scraper.stop();
    await engine.close();
  }
  const meanAbs = (xs: number[]) => xs.reduce((a, b) => a + Math.abs(b), 0) / xs.length;
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const truthBpt = mean(observedBpt);
  // The estimator is a moving average (α = 0.1) of these samples, so it sits within a few of its own standard
  // deviations, σ·√(α / (2 − α)), of their mean, whatever order the responses came back in; 2 % at the least.
  const sd = Math.sqrt(mean(observedBpt.map((x) => (x - truthBpt) ** 2)));
  const tolerance = Math.max(0.02, (3 * sd * Math.sqrt(0.1 / 1.9)) / truthBpt);
  t.diagnostic(
    `burst of ${BURST} just inside the engine (${atBurst.held} held, ${atBurst.finished} finished, ${atBurst.released} released): reconciled in-flight ${atBurst.reconciled}, last scrape ${atBurst.scraped}; ` +
      `KV blocks reconciled ${atBurst.predictedKv.toFixed(0)} (reserved at dispatch) vs engine ${atBurst.engineKv} (allocated as prefill runs)`,
  );
  t.diagnostic(
    `draining, over ${inFlightError.reconciled.length} engine changes, mean |error| / mean error: ` +
      `in-flight reconciled ${meanAbs(inFlightError.reconciled).toFixed(2)} / ${mean(inFlightError.reconciled).toFixed(2)}, ` +
      `last scrape ${meanAbs(inFlightError.scraped).toFixed(2)} / ${mean(inFlightError.scraped).toFixed(2)}; ` +
      `KV blocks reconciled ${meanAbs(kvError.reconciled).toFixed(0)} / ${mean(kvError.reconciled).toFixed(0)}, ` +
      `last scrape ${meanAbs(kvError.scraped).toFixed(0)} / ${mean(kvError.scraped).toFixed(0)}`,
  );
  t.diagnostic(
    `bytes/token: calibrated ${estimator.bytesPerToken('g').toFixed(3)}, engine's truth ${truthBpt.toFixed(3)} ` +
      `(sd ${sd.toFixed(3)} over ${observedBpt.length} responses, tolerance ${(tolerance * 100).toFixed(1)} %)`,
  );
  // On a loaded machine the first requests of the burst can finish before the last arrive: the reconciled count
  // is then every request not yet released, never fewer than the engine holds, where the last scrape says 0.
  assert.equal(atBurst.reconciled, BURST - atBurst.released);
  assert.ok(
    atBurst.reconciled >= atBurst.held,
    `reconciled ${atBurst.reconciled} under-counts the ${atBurst.held} the engine holds`,
  );
  assert.ok(
    atBurst.reconciled - atBurst.held <= atBurst.finished,
    'only requests the engine finished are over-counted, until their client releases them',
  );
  assert.equal(atBurst.scraped, 0);
  assert.ok(
    atBurst.predictedKv >= atBurst.engineKv,
    'the prediction never under-counts a burst the engine has not allocated yet',
  );
  assert.ok(
    meanAbs(inFlightError.reconciled) < meanAbs(inFlightError.scraped),
    'reconciled in-flight tracks the engine closer than the last scrape',
  );
  assert.ok(
    Math.abs(estimator.bytesPerToken('g') - truthBpt) / truthBpt < tolerance,
    'the estimate calibrated to the engine',
  );
});
