// The overhead scenario in its smoke form (seconds): every target starts, wrk and `spillway bench` get answers
// through each, the report is written and every process is stopped. Figures are not checked: they are measured.

import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os, { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { hasBinary } from '../src/bench/harness/procs.ts';
import { runScenarioSmoke } from './bench-smoke.ts';

test('bench/overhead.ts --smoke', {
  skip: hasBinary('wrk') ? false : 'wrk is not installed (apt-get install wrk)',
  timeout: 120_000,
}, async (t) => {
  const out = await mkdtemp(path.join(tmpdir(), 'overhead-smoke-'));
  t.after(() => rm(out, { recursive: true, force: true }));
  const { stdout } = await runScenarioSmoke('overhead', out);
  assert.match(stdout, /\| target \| case \| max req\/s \(wrk\) \|/);
  const report = JSON.parse(await readFile(path.join(out, 'overhead.json'), 'utf8'));
  const targets = ['mock direct', 'bare undici proxy', 'spillway', 'spillway, back pressure on'];
  assert.deepEqual([...new Set(report.throughput.map((r: { target: string }) => r.target))], targets);
  assert.deepEqual([...new Set(report.latency.map((r: { target: string }) => r.target))], targets);
  for (const row of report.throughput) {
    const run = row.runs[0];
    assert.ok(run.requests > 0, `${row.target}/${row.case}: wrk got answers`);
    assert.equal(run.non2xx + run.socketErrors, 0, `${row.target}/${row.case}: no failures`);
    // Each window carries the machine's steal and the target's CPU (Linux: /proc).
    assert.equal(run.window.stealPct.length, os.availableParallelism(), `${row.target}/${row.case}: steal per CPU`);
    assert.ok(run.cpuUsPerReq > 0, `${row.target}/${row.case}: CPU per request`);
  }
  for (const row of report.latency) {
    const run = row.runs[0];
    assert.ok(run.completed > 0 && run.errors === 0, `${row.target}/${row.case}: spillway bench completed`);
    // The proxies' probe matched every answered request to its upstream request (the bench may send one more first).
    if (row.target !== 'mock direct')
      assert.ok(run.inside.n >= run.completed, `${row.target}/${row.case}: time inside measured (${run.inside.n})`);
  }
  assert.ok(report.peakRssMb.spillway >= report.rssAtRateMb.spillway, 'peak RSS ≥ RSS at the fixed rate');
  assert.match(await readFile(path.join(out, 'overhead.html'), 'utf8'), /<svg /);
});
