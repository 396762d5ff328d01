// The overload scenario in its smoke form: engines start, the capacity search probes, each variant runs at two
// loads, the report is written, everything stops.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runScenarioSmoke } from './bench-smoke.ts';

test('bench/overload.ts --smoke', { timeout: 120_000 }, async (t) => {
  const out = await mkdtemp(path.join(tmpdir(), 'overload-smoke-'));
  t.after(() => rm(out, { recursive: true, force: true }));
  const { stdout } = await runScenarioSmoke('overload', out);
  assert.match(stdout, /\| variant \| load \| offered\/s \| completed\/s \| goodput\/s \|/);
  const report = JSON.parse(await readFile(path.join(out, 'overload.json'), 'utf8'));
  assert.ok(report.capacity > 0);
  assert.deepEqual(report.points.map((p: { variant: string; multiplier: number }) => `${p.variant} ${p.multiplier}`), [
    'direct round robin 0.5',
    'direct round robin 2',
    'spillway, back pressure off 0.5',
    'spillway, back pressure off 2',
  ]);
  for (const p of report.points) assert.ok(p.result.summary.completed > 0, `${p.variant} ${p.multiplier}× completed requests`);
  assert.match(await readFile(path.join(out, 'overload.html'), 'utf8'), /Goodput against offered load/);
});
