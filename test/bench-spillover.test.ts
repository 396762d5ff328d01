// The spillover scenario in its smoke form: both runs (spillover off, on) finish against two groups of simulated
// engines, the primary is offered 3× what the smoke assumes it serves, requests spill only with spillover on, the
// gateway's accounting is 0 after each run, and everything stops.

import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { runScenarioSmoke } from './bench-smoke.ts';

test('bench/spillover.ts --smoke', { timeout: 120_000 }, async (t) => {
  const out = await mkdtemp(path.join(tmpdir(), 'spillover-smoke-'));
  t.after(() => rm(out, { recursive: true, force: true }));
  const { stdout } = await runScenarioSmoke('spillover', out, ['--capacity', '20']);
  assert.match(stdout, /Goodput gain with spillover/);
  const report = JSON.parse(await readFile(path.join(out, 'spillover.json'), 'utf8'));
  assert.deepEqual(
    report.runs.map((r: { variant: string }) => r.variant),
    ['off', 'on'],
  );
  const [off, on] = report.runs;
  assert.equal(off.spills, 0);
  assert.equal(off.fallbackServed, 0);
  assert.ok(on.spills > 0, 'requests spilled with spillover on');
  assert.ok(on.fallbackServed > 0, 'the fallback group served them');
  for (const r of report.runs) assert.equal(r.drained, 'accounting 0');
});
