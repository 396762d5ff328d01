// The cooldown scenario in its smoke form: both cases run against real mocks and a gateway process, the report
// is written, everything stops.

import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { runScenarioSmoke } from './bench-smoke.ts';

test('bench/cooldown.ts --smoke', { timeout: 120_000 }, async (t) => {
  const out = await mkdtemp(path.join(tmpdir(), 'cooldown-smoke-'));
  t.after(() => rm(out, { recursive: true, force: true }));
  const { stdout } = await runScenarioSmoke('cooldown', out);
  assert.match(stdout, /\| case \| requests \| success \|/);
  const report = JSON.parse(await readFile(path.join(out, 'cooldown.json'), 'utf8'));
  assert.deepEqual(
    report.results.map((r: { case: string }) => r.case),
    ['a', 'b'],
  );
  for (const r of report.results) assert.ok(r.requests > 0 && r.completed > 0, `case ${r.case} completed requests`);
  const [a, b] = report.results;
  assert.equal(a.cooldowns, 0, 'random 5 % failures begin no cooldown');
  assert.ok(b.cooldowns >= 1, 'the dead deployment cools down');
});
