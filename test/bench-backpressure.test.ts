// The back-pressure scenario in its smoke form: the sweep with back pressure off and on, the burst and the
// priority run each finish, the gateway's accounting is 0 after every one, and everything stops.

import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { runScenarioSmoke } from './bench-smoke.ts';

test('bench/backpressure.ts --smoke', { timeout: 120_000 }, async (t) => {
  const out = await mkdtemp(path.join(tmpdir(), 'backpressure-smoke-'));
  t.after(() => rm(out, { recursive: true, force: true }));
  const { stdout } = await runScenarioSmoke('backpressure', out, ['--capacity', '40']);
  assert.match(stdout, /### Sweep[\s\S]*### Burst[\s\S]*### Priorities at 2×/);
  const report = JSON.parse(await readFile(path.join(out, 'backpressure.json'), 'utf8'));
  assert.deepEqual(
    report.sweep.map((r: { variant: string; multiplier: number }) => `${r.variant} ${r.multiplier}`),
    ['back pressure off 1', 'back pressure off 4', 'back pressure on 1', 'back pressure on 4'],
  );
  const on4 = report.sweep[3].result.summary;
  assert.ok(
    Object.values(on4.rejected as Record<string, number>).reduce((a, b) => a + b, 0) > 0,
    'back pressure refused at 4×',
  );
  for (const r of report.sweep) assert.match(r.drained, /^accounting 0/);
  assert.match(report.burst.drained, /^accounting 0/);
  assert.ok(report.burst.samples.length > 0, 'the probe sampled the gateway');
  assert.equal(report.priorities.results.length, 3);
  assert.match(report.priorities.drained, /^accounting 0/);
  assert.match(await readFile(path.join(out, 'backpressure-goodput.svg'), 'utf8'), /^<svg /);
});
