// The cluster scenarios' smoke form (bench/cluster.ts): gateways sharing one real redis-server beside the same
// gateways alone. Skips only where redis-server is missing outside CI, as the Redis tests do.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { REDIS_SKIP } from '../src/bench/harness/redis-server.ts';
import { runScenarioSmoke } from './bench-smoke.ts';

test('bench/cluster.ts --smoke', { skip: REDIS_SKIP, timeout: 120_000 }, async (t) => {
  const out = await mkdtemp(path.join(tmpdir(), 'cluster-smoke-'));
  t.after(() => rm(out, { recursive: true, force: true }));
  const { stdout } = await runScenarioSmoke('cluster', out);
  assert.match(stdout, /\*\*Quota: 4 instances/);
  const report = JSON.parse(await readFile(path.join(out, 'cluster.json'), 'utf8'));

  // Shared, the 4 instances admit exactly 2 × rpm in the minute; alone, each admits its own 2 × rpm.
  const [shared, unshared] = report.quota;
  assert.equal(shared.sharing, 'shared');
  assert.equal(shared.successesInMinute, shared.expected);
  assert.ok(shared.drive.rejected429 > 0 && shared.drive.missingRetryAfter === 0, 'the rest: 429 with Retry-After');
  assert.equal(unshared.successesInMinute, 4 * unshared.expected);
  for (const r of report.quota) assert.equal(r.drive.otherFailures + r.leftInFlight, 0);

  for (const r of report.burst) {
    assert.equal(r.statuses['200'], r.burst, `${r.sharing}: every request of the burst served`);
    assert.equal(r.leftInFlight, 0);
  }

  // Redis killed and restarted mid-run: nothing fails for it, the limit holds, accounting is back at zero.
  const o = report.outage;
  assert.equal(o.drive.otherFailures, 0);
  assert.ok(o.successesInMinute <= o.limit, `${o.successesInMinute} successes within the limit ${o.limit}`);
  assert.equal(o.leftInFlight, 0);
});
