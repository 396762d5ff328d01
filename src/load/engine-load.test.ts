import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PrefixIndex } from '../prefix/prefix-index.ts';
import { PromptAnalyzer } from '../prefix/prompt-info.ts';
import { TokenEstimator } from '../tokens/estimate.ts';
import { EngineLoad, type EngineLoadOptions } from './engine-load.ts';

function fixture(opts: Partial<EngineLoadOptions> = {}) {
  let now = 0;
  const clock = () => now;
  const index = new PrefixIndex({ clock });
  const analyzer = new PromptAnalyzer({ index, estimator: new TokenEstimator() });
  const engine = new EngineLoad({ id: 'e1', clock, prefix: index, strict: true, ...opts });
  const prompt = (text: string) => analyzer.analyze('g', 'completions', { prompt: text });
  return { engine, prompt, advance: (ms: number) => (now += ms), index };
}

test('a request walks dispatch → first token → tokens → release and leaves nothing behind', () => {
  const { engine, prompt } = fixture();
  const permit = engine.reserve(prompt('x'.repeat(4000))); // 1000 tokens at 4 bytes/token
  assert.deepEqual(engine.predicted, { inFlight: 1, queuedPrefillTokens: 1000, activeTokens: 1000 });
  permit.firstToken();
  assert.deepEqual(engine.predicted, { inFlight: 1, queuedPrefillTokens: 0, activeTokens: 1000 });
  permit.tokens(1);
  permit.tokens(31);
  assert.equal(engine.predicted.activeTokens, 1032);
  assert.equal(engine.kvBlocksUsed(), 1032 / 16);
  permit.release();
  engine.assertDrained();
});

test('every way a request can end returns the engine to zero', () => {
  const { engine, prompt } = fixture();
  const p = () => engine.reserve(prompt('y'.repeat(800)));
  const errorBeforeFirstByte = p();
  const abortMidStream = p();
  const crashAfterTokens = p();
  const tokensWithoutFirstToken = p();
  abortMidStream.firstToken();
  abortMidStream.tokens(5);
  crashAfterTokens.tokens(40);
  tokensWithoutFirstToken.tokens(3); // implies the first token
  assert.equal(engine.predicted.queuedPrefillTokens, 200 /* only errorBeforeFirstByte still queued */);
  for (const permit of [errorBeforeFirstByte, abortMidStream, crashAfterTokens, tokensWithoutFirstToken])
    permit.release();
  engine.assertDrained();
});

test('a double release throws in strict mode and is counted otherwise; late events are ignored', () => {
  const strict = fixture();
  const permit = strict.engine.reserve();
  permit.release();
  assert.throws(() => permit.release(), /released twice/);
  assert.throws(() => strict.engine.assertDrained(), /double releases 1/);

  const lax = fixture({ strict: false });
  const p2 = lax.engine.reserve(lax.prompt('z'.repeat(400)));
  p2.release();
  p2.release();
  p2.tokens(3);
  p2.firstToken();
  assert.equal(lax.engine.doubleReleases, 1);
  assert.equal(lax.engine.lateEvents, 2);
  assert.deepEqual(lax.engine.predicted, { inFlight: 0, queuedPrefillTokens: 0, activeTokens: 0 });
});

test('a leaked permit is detected', () => {
  const { engine, prompt } = fixture();
  engine.reserve(prompt('w'.repeat(400)));
  assert.throws(() => engine.assertDrained(), /in-flight 1, queued prefill 100, active tokens 100/);
});

test('a shared prefix counts once per engine: the second request reserves only its uncached tail', () => {
  const { engine, prompt } = fixture();
  const shared = 's'.repeat(6400); // 100 blocks of 64 bytes, 1600 tokens
  const first = engine.reserve(prompt(shared + 'a'.repeat(640)));
  assert.equal(first.cachedTokens, 0);
  const second = engine.reserve(prompt(shared + 'b'.repeat(640)));
  assert.equal(second.cachedTokens, 1600);
  assert.equal(second.uncachedTokens, 160);
  assert.equal(engine.predicted.activeTokens, 1760 + 160);
  assert.equal(engine.prefixHitRate(), 1600 / 3520);
  first.release();
  second.release();
  engine.assertDrained();
});

test('reconciliation: report + what was dispatched since the sample, never below the prediction', () => {
  const { engine, advance } = fixture({ staleAfterMs: 500 });
  // Nothing reported yet: the prediction alone.
  const permits = [engine.reserve(), engine.reserve()];
  assert.equal(engine.inFlight(), 2);

  // The engine samples now, having seen one of our two requests plus 5 from other clients.
  const mark = engine.markSample();
  permits.push(engine.reserve(), engine.reserve()); // dispatched after the sample
  engine.report({ running: 4, waiting: 2, kvBlocksUsed: 100, kvBlocksTotal: 1000, blockSize: 16 }, mark);
  assert.equal(engine.inFlight(), 6 + 2); // report 6, +2 dispatched since
  permits[0].release(); // finished since the sample: counts against the report's figure
  assert.equal(engine.inFlight(), 7);
  assert.equal(engine.kvBlocksUsed(), 100);
  assert.equal(engine.kvUsage(), 0.1);
  assert.equal(engine.blockSize, 16);

  // A report below our own prediction (it missed requests still on their way) does not lower it.
  const mark2 = engine.markSample();
  engine.report({ running: 0, waiting: 0 }, mark2);
  assert.equal(engine.inFlight(), 3);

  // Stale: back to the prediction alone; capacity from the report is kept.
  engine.report({ running: 50, waiting: 0, kvBlocksUsed: 900 }, engine.markSample());
  assert.equal(engine.inFlight(), 50);
  advance(501);
  assert.equal(engine.isReportFresh(), false);
  assert.equal(engine.inFlight(), 3);
  assert.equal(engine.kvBlocksUsed(), 0);
  // A lost source (a dropped push feed) is distrusted at once, however young its last report.
  engine.report({ running: 50, waiting: 0 }, engine.markSample());
  assert.equal(engine.inFlight(), 50);
  advance(1);
  engine.reportLost();
  assert.equal(engine.inFlight(), 3);
  for (const p of permits.slice(1)) p.release();
  engine.assertDrained();
});

test("queued prefill tokens reconcile when the engine reports them (the simulator's push feed)", () => {
  const { engine, prompt } = fixture();
  const mark = engine.markSample();
  const p = engine.reserve(prompt('q'.repeat(4000)));
  engine.report({ queuedPrefillTokens: 3000 }, mark);
  assert.equal(engine.queuedPrefillTokens(), 4000);
  p.firstToken();
  assert.equal(engine.queuedPrefillTokens(), 3000);
  p.release();
});

test('utilization: KV share when capacity is known, else in-flight over max_parallel_requests', () => {
  const { engine } = fixture({ maxParallelRequests: 4 });
  const p = engine.reserve();
  assert.equal(engine.kvUsage(), undefined);
  assert.equal(engine.utilization(), 0.25);
  const kv = fixture({ totalBlocks: 100, busyKvUsage: 0.5 });
  const big = kv.engine.reserve(kv.prompt('k'.repeat(4 * 16 * 60))); // 60 blocks
  assert.equal(kv.engine.utilization(), 0.6);
  assert.equal(kv.engine.isBusy(), true);
  assert.equal(engine.isBusy(), false);
  p.release();
  big.release();
});

test("the index's share of an engine is bounded by its reported KV capacity", () => {
  const { engine, prompt, advance, index } = fixture();
  // 4 bytes per token (the estimate's start), 256-byte index blocks: 64 tokens each. 20 blocks of 16 tokens =
  // 320 tokens = 5 index blocks.
  engine.report({ kvBlocksTotal: 20, blockSize: 16, kvBlocksUsed: 0 }, engine.markSample());
  const a = prompt('a'.repeat(256 * 4)); // 4 blocks
  engine.reserve(a).release();
  assert.equal(index.heldBlocks(engine.slot), 4);
  advance(2000);
  engine.reserve(prompt('b'.repeat(256 * 3))).release(); // 7 > 5: a's blocks are forgotten
  assert.equal(index.heldBlocks(engine.slot), 3);
  assert.equal(engine.cachedTokens(prompt('a'.repeat(256 * 4))), 0);
  engine.assertDrained();
});

test("the cached estimate follows the engine's prefix counters, and a counter reset forgets the engine's share", () => {
  const { engine, prompt, advance, index } = fixture();
  const p = () => prompt(`${'s'.repeat(256 * 8)}tail`); // 8 shared blocks
  engine.reserve(p()).release();
  assert.equal(engine.cachedTokens(p()), 512);
  engine.report({ prefixQueries: 0, prefixHits: 0 }, engine.markSample());
  for (let i = 1; i <= 60; i++) {
    advance(1000);
    for (let k = 0; k < 8; k++) engine.reserve(p()).release(); // the index says 512 of 513 tokens cached
    engine.report({ prefixQueries: i * 8 * 513, prefixHits: i * 8 * 256 }, engine.markSample()); // the engine: half
  }
  assert.ok(Math.abs(engine.cachedTokens(p()) - 256) < 40, String(engine.cachedTokens(p())));
  const before = engine.cachedTokensTotal;
  engine.reserve(p()).release();
  assert.equal(
    engine.cachedTokensTotal - before,
    engine.cachedTokens(p()),
    'the metric counts the calibrated estimate',
  );
  engine.report({ prefixQueries: 10, prefixHits: 0 }, engine.markSample()); // restarted
  assert.equal(index.heldBlocks(engine.slot), 0);
  assert.equal(engine.cachedTokens(p()), 0);
  engine.assertDrained();
});
