// The fairness scenario in its smoke form: two keyed tenants at 3× a small fleet's capacity, fairness on and
// off, each run finishes, every figure is reported per tenant, accounting is 0 after each, and everything stops.
// The acceptance figures come from the full run (docs/BENCHMARKS.md), not from seconds on one engine.

import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { runScenarioSmoke } from './bench-smoke.ts';

test('bench/fairness.ts --smoke', { timeout: 120_000 }, async (t) => {
  const out = await mkdtemp(path.join(tmpdir(), 'fairness-smoke-'));
  t.after(() => rm(out, { recursive: true, force: true }));
  const { stdout } = await runScenarioSmoke('fairness', out, ['--capacity', '10']);
  assert.match(stdout, /## Fairness within a class[\s\S]*Acceptance: fairness on, tenant B/);
  const report = JSON.parse(await readFile(path.join(out, 'fairness.json'), 'utf8'));
  assert.deepEqual(
    report.rows.map((r: { variant: string; tenant: string }) => `${r.variant} ${r.tenant}`),
    ['fairness on A', 'fairness on B', 'fairness off A', 'fairness off B'],
  );
  for (const r of report.rows) assert.ok(r.offered > 0, `${r.variant} ${r.tenant} offered requests`);
  assert.ok(report.rows[0].refused > 0, 'the heavy tenant was refused at 3×');
  assert.deepEqual(Object.values(report.drained), ['accounting 0', 'accounting 0']);
});
