// The prefix scenario in its smoke form: a cold fleet per routing variant behind Spillway, the shared-prefix
// workload, prefix-cache counters scraped from the engines, the report written, everything stopped.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runScenarioSmoke } from './bench-smoke.ts';

test('bench/prefix.ts --smoke', { timeout: 120_000 }, async (t) => {
  const out = await mkdtemp(path.join(tmpdir(), 'prefix-smoke-'));
  t.after(() => rm(out, { recursive: true, force: true }));
  const { stdout } = await runScenarioSmoke('prefix', out, ['--capacity', '10']);
  assert.match(stdout, /\| variant \| load \|.*\| prefix hit rate \|/);
  const report = JSON.parse(await readFile(path.join(out, 'prefix.json'), 'utf8'));
  const variants = report.points.map((p: { variant: string }) => p.variant);
  assert.deepEqual(variants.slice(0, 2), ['simple-shuffle', 'least-busy']);
  for (const p of report.points) {
    assert.ok(p.result.summary.completed > 0, `${p.variant} completed requests`);
    assert.match(p.extra['prefix hit rate'], /^\d+\.\d%$/);
  }
});
