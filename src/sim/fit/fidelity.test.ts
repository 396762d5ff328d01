// The fidelity bench's smoke form: every sourced profile replays its published sweep, and the figures
// docs/SIMULATOR.md claims are within ±25 % are.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runClosedLoop } from '../closed-loop.ts';
import { rooflineModel } from '../perf/roofline.ts';
import { bundledProfiles } from '../perf-model.ts';
import { fitRoofline } from './fit.ts';
import { replaySweep, type Sweep } from './sweep.ts';
import { hasSweep, replayProfile } from './table.ts';
import { sweepFromBenchResults } from './vllm-bench.ts';

const sourced = bundledProfiles().filter(hasSweep);

test('at least two bundled profiles carry a published sweep', () => {
  assert.ok(sourced.length >= 2, sourced.join(', '));
  assert.ok(!sourced.includes('default'));
});

test('every published output tok/s is within ±25 % of the simulated one', () => {
  for (const name of sourced) {
    for (const row of replayProfile(name)) {
      const e = row.error.output_tok_s;
      assert.ok(e !== undefined && Math.abs(e) <= 0.25, `${name} C=${row.concurrency}: ${e}`);
      assert.equal(row.preemptions, 0, `${name} C=${row.concurrency}`);
    }
  }
});

test('rtx4090-mistral-7b: TTFT and the derived TPOT at every point are within ±25 %', () => {
  for (const row of replayProfile('rtx4090-mistral-7b')) {
    const tpot = row.derived.tpot_p50_ms as number;
    assert.ok(Math.abs(row.simulated.tpot_p50_ms / tpot - 1) <= 0.25, `C=${row.concurrency}`);
    assert.ok(Math.abs(row.error.ttft_p50_ms as number) <= 0.25, `C=${row.concurrency}`);
  }
});

test('the published figures outside ±25 % are exactly the ones docs/SIMULATOR.md lists as not met', () => {
  const misses: string[] = [];
  for (const name of sourced) {
    for (const row of replayProfile(name)) {
      for (const [m, e] of Object.entries(row.error))
        if (Math.abs(e) > 0.25) misses.push(`${name} C=${row.concurrency} ${m}`);
    }
  }
  assert.deepEqual(misses.sort(), ['a100-80gb-qwen2.5-7b C=32 ttft_p50_ms']);
});

test('a free front end changes nothing; a busy one delays first tokens far more than it slows streams', () => {
  const perf = rooflineModel({
    name: 't',
    model: 'roofline',
    step_ms: { overhead: 0.5, weights: 17, per_kv_ktoken: 0.16, per_token: 0.13 },
  });
  const config = { numBlocks: 3000, blockSize: 16, maxNumSeqs: 256, maxNumBatchedTokens: 2048, perf };
  const w = { concurrency: 48, prompts: 200, inputTokens: 256, outputTokens: 128, outputMin: 72 };
  const none = runClosedLoop(config, w);
  assert.deepEqual(runClosedLoop(config, w, { request_ms: 0, output_token_ms: 0 }), none);
  const busy = runClosedLoop(config, w, { request_ms: 0.3, output_token_ms: 0.7 });
  assert.ok(busy.ttftP50Ms > 5 * none.ttftP50Ms, `${busy.ttftP50Ms} vs ${none.ttftP50Ms}`);
  assert.ok(busy.tpotP50Ms < 1.5 * none.tpotP50Ms, `${busy.tpotP50Ms} vs ${none.tpotP50Ms}`);
});

test('a roofline step that carries a prompt chunk costs the chunk, not the chunk plus a decode step', () => {
  const m = rooflineModel({
    name: 't',
    model: 'roofline',
    step_ms: { overhead: 1, weights: 10, per_kv_ktoken: 0.1, per_token: 0.05 },
  });
  assert.equal(m.stepMs({ prefillTokens: 0, decodeRequests: 8, kvUsage: 0, contextTokens: 8000 }), 1 + 10 + 0.8);
  assert.equal(m.stepMs({ prefillTokens: 1992, decodeRequests: 8, kvUsage: 0, contextTokens: 10_000 }), 1 + 100);
  assert.equal(m.stepMs({ prefillTokens: 0, decodeRequests: 0, kvUsage: 0 }), 0);
});

test('the fit recovers the coefficients a sweep was simulated with', () => {
  const truth = { overhead: 0.5, weights: 12, per_kv_ktoken: 0.1, per_token: 0.07 };
  const engine = { num_blocks: 4000, block_size: 16, max_num_seqs: 256, max_num_batched_tokens: 2048 };
  const shape: Sweep = {
    input_tokens: 512,
    output_tokens: 64,
    points: [1, 8, 32].map((concurrency) => ({ concurrency, prompts: 3 * concurrency })),
  };
  const rows = replaySweep(rooflineModel({ name: 't', model: 'roofline', step_ms: truth }), engine, shape);
  const measured: Sweep = {
    ...shape,
    points: rows.map((r, i) => ({ ...shape.points[i], ...r.simulated })),
  };
  const start = { overhead: 0.5, weights: 20, per_kv_ktoken: 0.1, per_token: 0.03 };
  const fit = fitRoofline(engine, measured, { start, hold: ['overhead', 'per_kv_ktoken'] });
  assert.ok(Math.abs(fit.stepMs.weights / truth.weights - 1) < 0.05, JSON.stringify(fit));
  assert.ok(Math.abs(fit.stepMs.per_token / truth.per_token - 1) < 0.05, JSON.stringify(fit));
});

test('vllm bench serve result files become a sweep, one point per file', () => {
  const run = (c: number) => ({
    max_concurrency: c,
    completed: 10 * c,
    total_input_tokens: 10 * c * 1024,
    total_output_tokens: 10 * c * 128,
    output_throughput: 70 * c,
    median_ttft_ms: 80,
    median_tpot_ms: 13,
  });
  const sweep = sweepFromBenchResults(
    new Map([
      ['c8.json', run(8)],
      ['c1.json', run(1)],
    ]),
  );
  assert.deepEqual(
    sweep.points.map((p) => [p.concurrency, p.prompts, p.input_tokens, p.output_tokens, p.output_tok_s]),
    [
      [1, 10, 1024, 128, 70],
      [8, 80, 1024, 128, 560],
    ],
  );
  assert.throws(() => sweepFromBenchResults(new Map([['x.json', { completed: 1 }]])), /x.json: not a vllm bench/);
});
