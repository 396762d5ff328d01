// The chaos soak in its smoke form, as CI runs it: a few seconds, every fault kind once, a small idle flood. It
// checks the report's structure and that the harness saw every fault through; it does not judge success figures.

import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import type { ChaosReport } from '../src/bench/chaos/report.ts';
import { FAULT_KINDS } from '../src/bench/chaos/schedule.ts';
import { runScenarioSmoke } from './bench-smoke.ts';

test('bench/chaos.ts --smoke --json', { timeout: 120_000 }, async (t) => {
  const out = await mkdtemp(path.join(tmpdir(), 'chaos-smoke-'));
  t.after(() => rm(out, { recursive: true, force: true }));
  const { stdout, stderr } = await runScenarioSmoke('chaos', out, ['--json']);
  const report = JSON.parse(stdout) as ChaosReport;
  assert.deepEqual(JSON.parse(await readFile(path.join(out, 'chaos.json'), 'utf8')), report);
  assert.match(await readFile(path.join(out, 'chaos.txt'), 'utf8'), /^good traffic: \d+ requests/m);
  assert.match(stderr, /fault schedule: 9 windows/);

  assert.equal(report.schema, 'spillway-chaos/1');
  assert.deepEqual(
    report.faults.map((f) => f.kind),
    [...FAULT_KINDS],
    'every fault kind ran once, in order',
  );
  for (const f of report.faults) assert.ok(f.endMs >= f.startMs, `window #${f.id} has its real times`);
  const kill = report.faults.find((f) => f.kind === 'engine_kill')!;
  assert.ok(kill.restartedAtMs! > kill.killedAtMs!, 'the killed engine came back');
  const flood = report.faults.find((f) => f.kind === 'idle_flood')!.detail as { opened: number };
  assert.equal(flood.opened, 50);
  const bad = report.faults.find((f) => f.kind === 'bad_requests')!.detail as Array<{
    name: string;
    status: number;
    error?: string;
  }>;
  assert.equal(bad.length, 13);
  for (const b of bad) assert.ok(b.status > 0 || b.error, `${b.name}: an answer or how the exchange ended`);

  const g = report.goodTraffic;
  assert.ok(g.requests > 0 && g.succeeded > 0);
  assert.equal(g.succeeded + g.failed, g.requests);
  assert.ok(g.successRatio! >= 0 && g.successRatio! <= 1 && g.slaAttainment! <= g.successRatio!);
  const attributed = Object.values(report.losses).reduce((n, l) => n + l.failed, 0);
  assert.equal(attributed, g.failed, 'every failed good request is attributed');

  const gw = report.gateway;
  assert.ok(gw.rss.samples.length >= 5 && gw.rss.endMb! > 0);
  assert.ok(gw.eventLoop.livenessProbe.count > 0);
  assert.ok(gw.eventLoop.metrics && gw.eventLoop.metrics.scrapes > 0);
  assert.deepEqual(gw.exitAtStop, { code: 0, signal: null }, 'the gateway drained and exited 0 at SIGTERM');
  assert.ok(!('error' in report.accounting));
  assert.equal(report.accounting.settled, true, `accounting back to zero: ${JSON.stringify(report.accounting.values)}`);

  // Issue 10 finding 1: on the main this branch started from, the nested-JSON bad requests kill the gateway (the
  // soak restarts it and reports each exit). This assertion holds once the crash isolation (branch crash) is
  // merged; the lead merges this test after it.
  assert.deepEqual(
    gw.crashes.map((c) => `${c.atS} s: code ${c.code}`),
    [],
    'the gateway never exited during the soak',
  );
});
