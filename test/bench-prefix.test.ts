// The prefix scenario in its smoke form: a cold fleet per routing variant behind Spillway, the shared-prefix
// workload, prefix-cache counters scraped from the engines, the report written, everything stopped.

import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { runScenarioSmoke } from './bench-smoke.ts';

test('bench/prefix.ts --smoke', { timeout: 120_000 }, async (t) => {
  const out = await mkdtemp(path.join(tmpdir(), 'prefix-smoke-'));
  t.after(() => rm(out, { recursive: true, force: true }));
  const { stdout } = await runScenarioSmoke('prefix', out, ['--capacity', '10']);
  assert.match(stdout, /\| variant \| load \|.*\| prefix hit rate \|/);
  const report = JSON.parse(await readFile(path.join(out, 'prefix.json'), 'utf8'));
  const variants = report.points.map((p: { variant: string }) => p.variant);
  assert.deepEqual(variants, ['simple-shuffle', 'least-busy', 'kv-aware', 'kv-aware + push reports']);
  for (const p of report.points) {
    assert.ok(p.result.summary.completed > 0, `${p.variant} completed requests`);
    assert.match(p.extra['prefix hit rate'], /^\d+\.\d%$/);
    if (p.variant.startsWith('kv-aware')) {
      assert.match(p.extra['gateway est. hit rate'], /^\d+\.\d%$/, 'the gateway kept a load model');
      assert.ok(Number(p.extra['bytes/token']) > 0);
    }
  }
  assert.match(stdout, /kv-aware vs simple-shuffle: TTFT p50 ×[\d.]+ \(target ≤ 0\.5: (met|missed)\)/);
});
