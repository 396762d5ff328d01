// The overload scenario in its smoke form: engines start, the capacity search probes, each variant runs at two
// loads, the report is written, everything stops.

import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { runScenarioSmoke } from './bench-smoke.ts';

test('bench/overload.ts --smoke', { timeout: 120_000 }, async (t) => {
  const out = await mkdtemp(path.join(tmpdir(), 'overload-smoke-'));
  t.after(() => rm(out, { recursive: true, force: true }));
  const { stdout } = await runScenarioSmoke('overload', out);
  assert.match(stdout, /\| variant \| load \| offered\/s \| completed\/s \| goodput\/s \|/);
  const report = JSON.parse(await readFile(path.join(out, 'overload.json'), 'utf8'));
  assert.ok(report.capacity > 0);
  const runs: string[] = report.points.map(
    (p: { variant: string; multiplier: number }) => `${p.variant} ${p.multiplier}`,
  );
  const variants = [...new Set(report.points.map((p: { variant: string }) => p.variant))];
  assert.deepEqual(variants.slice(0, 2), ['direct round robin', 'spillway, back pressure off']);
  assert.deepEqual(
    runs,
    variants.flatMap((v) => [`${v} 0.5`, `${v} 2`]),
    'every variant runs at both smoke loads',
  );
  for (const p of report.points)
    assert.ok(p.result.summary.completed > 0, `${p.variant} ${p.multiplier}× completed requests`);
  assert.match(await readFile(path.join(out, 'overload.html'), 'utf8'), /Goodput against offered load/);
});
