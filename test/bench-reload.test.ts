// The reload-under-load scenario in its smoke form: a served gateway reloaded every half second through two
// valid configs and an invalid one while requests flow; none fails, and the accounting is back at zero.

import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { runScenarioSmoke } from './bench-smoke.ts';

test('bench/reload.ts --smoke', { timeout: 120_000 }, async (t) => {
  const out = await mkdtemp(path.join(tmpdir(), 'reload-smoke-'));
  t.after(() => rm(out, { recursive: true, force: true }));
  const { stdout } = await runScenarioSmoke('reload', out);
  assert.match(stdout, /\| requests \| completed \| failed \|/);
  const report = JSON.parse(await readFile(path.join(out, 'reload.json'), 'utf8'));
  assert.ok(report.summary.requests > 0, 'requests were sent');
  assert.ok(report.sent.invalid >= 1 && report.sent.v1 + report.sent.v2 >= 2, 'every kind of reload was sent');
  assert.equal(report.failed, 0, `failed requests: ${JSON.stringify(report.summary.errors)}`);
  assert.equal(report.invalid, report.sent.invalid, 'every invalid file refused');
  assert.equal(report.applied, report.sent.v1 + report.sent.v2, 'every valid file applied');
  assert.ok(report.pass, JSON.stringify(report.accounting));
});
