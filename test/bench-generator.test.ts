// The generator-capacity scenario in its smoke form: spillway bench against the mock at a low constant rate.

import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { runScenarioSmoke } from './bench-smoke.ts';

test('bench/generator.ts --smoke', { timeout: 120_000 }, async (t) => {
  const out = await mkdtemp(path.join(tmpdir(), 'generator-smoke-'));
  t.after(() => rm(out, { recursive: true, force: true }));
  const { stdout } = await runScenarioSmoke('generator', out);
  assert.match(stdout, /\| target rate\/s \| sent\/s \| completed\/s \|/);
  const { results } = JSON.parse(await readFile(path.join(out, 'generator.json'), 'utf8'));
  assert.equal(results.length, 1);
  assert.equal(results[0].summary.requests, 500, 'a constant 500/s for 1 s after the warm-up');
  const errors = Object.values(results[0].summary.errors as Record<string, number>).reduce((a, b) => a + b, 0);
  assert.equal(results[0].summary.completed + errors, 500, 'every request ended, one way or the other');
  assert.ok(
    results[0].summary.completed > 0,
    `completed ${results[0].summary.completed}, errors ${JSON.stringify(results[0].summary.errors)}`,
  );
});
