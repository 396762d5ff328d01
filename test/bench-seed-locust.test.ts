// The seed-locust scenario in its smoke form: locust (Debian's python3-locust) against Spillway and the mock,
// then the rpm-quota test. Skips cleanly where locust is not installed.

import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { hasBinary } from '../src/bench/harness/procs.ts';
import { runScenarioSmoke } from './bench-smoke.ts';

test('bench/seed-locust.ts --smoke', {
  skip: hasBinary('locust') ? false : 'locust is not installed (apt-get install python3-locust)',
  timeout: 120_000,
}, async (t) => {
  const out = await mkdtemp(path.join(tmpdir(), 'seed-locust-smoke-'));
  t.after(() => rm(out, { recursive: true, force: true }));
  const { stdout } = await runScenarioSmoke('seed-locust', out, ['--quota', '10']);
  assert.match(stdout, /\| requests\/s \|/);
  const report = JSON.parse(await readFile(path.join(out, 'seed-locust.json'), 'utf8'));
  assert.ok(report.throughput.requests > 0);
  assert.equal(report.throughput.failures, 0);
  assert.ok(report.sameLoadFromBench.completed > 0, 'the same closed loop from spillway bench ran');
  // Back pressure off, then on, each through its own gateway in the same run.
  assert.deepEqual(
    report.variants.map((v: { backpressure: string }) => v.backpressure),
    ['off', 'on'],
  );
  for (const v of report.variants)
    assert.ok(v.locust.requests > 0 && v.sameLoadFromBench.completed > 0, `bp ${v.backpressure} ran`);
  assert.match(stdout, /bp on: refuses nothing/);
  // 20 users for 3 s send ~60 requests: two deployments × rpm 10 admit exactly 20, the rest get 429.
  assert.equal(report.quota.successes, 20);
  assert.equal(report.quota.rejected429, report.quota.requests - 20);
  assert.equal(report.quota.otherFailures, 0);
});
