// The overhead scenario in its smoke form (seconds): every target starts, wrk and `spillway bench` get answers
// through each, the report is written and every process is stopped. Figures are not checked: they are measured.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os, { tmpdir } from 'node:os';
import path from 'node:path';
import { hasBinary } from '../src/bench/harness/procs.ts';
import { runScenarioSmoke } from './bench-smoke.ts';

test('bench/overhead.ts --smoke', { skip: hasBinary('wrk') ? false : 'wrk is not installed (apt-get install wrk)', timeout: 120_000 }, async (t) => {
  const out = await mkdtemp(path.join(tmpdir(), 'overhead-smoke-'));
  t.after(() => rm(out, { recursive: true, force: true }));
  const { stdout } = await runScenarioSmoke('overhead', out);
  assert.match(stdout, /\| target \| case \| max req\/s \(wrk\) \|/);
  const report = JSON.parse(await readFile(path.join(out, 'overhead.json'), 'utf8'));
  assert.deepEqual(
    [...new Set(report.rows.map((r: { target: string }) => r.target))],
    ['mock direct', 'bare undici proxy', 'spillway'],
  );
  for (const row of report.rows) {
    assert.ok(row.wrk.requests > 0, `${row.target}/${row.case}: wrk got answers`);
    assert.equal(row.wrk.non2xx + row.wrk.socketErrors, 0, `${row.target}/${row.case}: no failures`);
    assert.ok(row.fixed[0].completed > 0 && row.fixed[0].errors === 0, `${row.target}/${row.case}: spillway bench completed`);
    // Each window carries the machine's steal and the target's CPU (Linux: /proc).
    assert.equal(row.wrk.window.stealPct.length, os.availableParallelism(), `${row.target}/${row.case}: steal per CPU`);
    assert.ok(row.wrk.cpuUsPerReq > 0, `${row.target}/${row.case}: CPU per request`);
    assert.ok(row.rssPeakMb >= row.rssFixedMb, `${row.target}: peak RSS ≥ RSS at the fixed rate`);
  }
  assert.match(await readFile(path.join(out, 'overhead.html'), 'utf8'), /<svg /);
});
