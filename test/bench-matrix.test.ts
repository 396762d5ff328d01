// The fleet matrix in its smoke form, as CI runs it: one small shared-prefix fleet, its capacity probed, the
// perfect-affinity run, the gateway at 1× and 3×. It checks the report's structure and that the gateway's
// accounting came back to zero after each run, not the acceptance thresholds (a smoke run's figures mean nothing).

import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { CRITERIA } from '../src/bench/matrix/verdict.ts';
import { runScenarioSmoke } from './bench-smoke.ts';

test('bench/matrix.ts --smoke, then again from its capacities file', { timeout: 120_000 }, async (t) => {
  const out = await mkdtemp(path.join(tmpdir(), 'matrix-smoke-'));
  t.after(() => rm(out, { recursive: true, force: true }));
  const { stdout } = await runScenarioSmoke('matrix', out);
  assert.match(stdout, /### Fleets[\s\S]*### Results[\s\S]*### Acceptance \(issue 11\)/);
  assert.match(stdout, /Summary: \d of 1 fleets meet every criterion/);
  const report = JSON.parse(await readFile(path.join(out, 'matrix.json'), 'utf8'));
  assert.equal(report.schema, 'spillway-matrix/1');
  assert.equal(report.fleets.length, 1);
  const [f] = report.fleets;
  assert.equal(f.fleet.workload.kind, 'shared-prefix');
  assert.equal(f.capacity.source, 'measured');
  assert.ok(f.capacity.rps > 0 && f.capacity.probes.length === 1);
  assert.ok(f.perfectAffinityHitRate > 0 && f.perfectAffinityHitRate <= 1, 'the affinity run hit the prefix cache');
  assert.deepEqual(
    f.runs.map((r: { multiplier: number }) => r.multiplier),
    [1, 3],
  );
  for (const r of f.runs) {
    assert.ok(r.requests > 0 && r.admitted <= r.requests);
    assert.deepEqual(r.accounting, { ok: true, text: '0' }, `${r.multiplier}×: accounting back to zero`);
    assert.ok(r.prefix.engines >= 0 && r.prefix.engines <= 1);
  }
  assert.deepEqual(
    f.runs[1].classes.map((c: { priority: string }) => c.priority),
    ['critical', 'standard', 'sheddable'],
  );
  assert.deepEqual(
    f.verdicts.map((v: { id: string }) => v.id),
    CRITERIA.map((c) => c.id),
  );
  assert.equal(f.verdicts.find((v: { id: string }) => v.id === 'accounting').pass, true);
  assert.equal(typeof report.allPass, 'boolean');
  for (const ext of ['html', 'md']) assert.ok((await readFile(path.join(out, `matrix.${ext}`), 'utf8')).length > 0);

  // A capacities file skips the search; with no gateway run asked for, nothing else runs.
  const capacities = path.join(out, 'capacities.json');
  const saved = JSON.parse(await readFile(capacities, 'utf8'));
  assert.deepEqual(
    Object.values(saved).map((c) => (c as { rps: number }).rps),
    [f.capacity.rps],
  );
  const again = path.join(out, 'again');
  await runScenarioSmoke('matrix', again, ['--capacities', capacities, '--only', '']);
  const reused = JSON.parse(await readFile(path.join(again, 'matrix.json'), 'utf8')).fleets[0];
  assert.equal(reused.capacity.source, 'file');
  assert.equal(reused.capacity.rps, f.capacity.rps);
  assert.deepEqual(reused.runs, []);
});
