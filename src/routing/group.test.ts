import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { DeploymentConfig } from '../config/types.ts';
import { seededRandom } from '../util/random.ts';
import { Deployment } from './deployment.ts';
import { ModelGroup } from './group.ts';
import { leastBusy } from './strategies/least-busy.ts';
import type { RouteRequest } from './types.ts';

const req: RouteRequest = { group: 'g', endpoint: 'chat', stream: false, body: {}, bodyBytes: 0 };

function fleet(extra: Partial<DeploymentConfig>[], cooldown = { allowedFails: 1, cooldownTimeMs: 5000 }) {
  const now = { ms: 1_000_000 };
  const clock = () => now.ms;
  const ds = extra.map(
    (e, i) =>
      new Deployment(
        { id: `d${i}`, group: 'g', upstreamModel: 'x', provider: 'openai', apiBase: 'http://127.0.0.1:1/v1', weight: 1, timeoutMs: 1000, firstByteTimeoutMs: 1000, connections: 1, connectTimeoutMs: 100, ...e },
        cooldown,
        clock,
      ),
  );
  return { now, ds, group: new ModelGroup('g', ds, leastBusy(seededRandom(1))) };
}

describe('deployment', () => {
  it('cools down after more than allowed_fails in a minute, for cooldown_time', () => {
    const { now, ds } = fleet([{}]);
    const d = ds[0];
    assert.equal(d.recordFailure(undefined), false);
    assert.equal(d.recordFailure(undefined), true);
    assert.equal(d.cooldownRemainingMs(), 5000);
    now.ms += 5000;
    assert.equal(d.isCoolingDown(), false);
  });
  it('lets an upstream Retry-After extend a cooldown, never shorten it', () => {
    const { now, ds } = fleet([{}], { allowedFails: 0, cooldownTimeMs: 5000 });
    const d = ds[0];
    d.recordFailure(1000);
    assert.equal(d.cooldownRemainingMs(), 5000);
    d.recordFailure(20_000);
    assert.equal(d.cooldownRemainingMs(), 20_000);
    now.ms += 1000;
    d.recordFailure(2000);
    assert.equal(d.cooldownRemainingMs(), 19_000);
  });
  it('forgets failures when the minute turns', () => {
    const { now, ds } = fleet([{}]);
    ds[0].recordFailure(undefined);
    now.ms += 60_000;
    assert.equal(ds[0].recordFailure(undefined), false);
  });
  it('enforces rpm per clock minute and max_parallel_requests', () => {
    const { now, ds } = fleet([{ rpm: 2, maxParallelRequests: 5 }]);
    const d = ds[0];
    d.acquire();
    d.release();
    d.acquire();
    d.release();
    assert.equal(d.hasCapacity(), false);
    assert.ok(d.msUntilCapacity() > 0 && d.msUntilCapacity() <= 60_000);
    now.ms += d.msUntilCapacity();
    assert.equal(d.hasCapacity(), true);
  });
  it('counts a release without an acquire instead of going negative', () => {
    const { ds } = fleet([{}]);
    ds[0].release();
    assert.equal(ds[0].inFlight, 0);
    assert.equal(ds[0].accountingErrors, 1);
  });
});

describe('model group selection', () => {
  it('skips deployments at their limit and reports 429-style when all are', () => {
    const { ds, group } = fleet([{ maxParallelRequests: 1 }, { maxParallelRequests: 1 }]);
    ds[0].acquire();
    assert.equal(group.select(req, undefined), ds[1]);
    ds[1].acquire();
    assert.deepEqual(group.select(req, undefined), { reason: 'deployment_limit', retryAfterMs: 1000 });
  });
  it('reports the shortest cooldown when all cool down', () => {
    const { now, ds, group } = fleet([{}, {}], { allowedFails: 0, cooldownTimeMs: 5000 });
    ds[0].recordFailure(undefined);
    now.ms += 1000;
    ds[1].recordFailure(undefined);
    assert.deepEqual(group.select(req, undefined), { reason: 'all_cooling_down', retryAfterMs: 4000 });
    assert.equal(group.isUsable(), false);
  });
  it('prefers untried deployments and falls back to tried ones', () => {
    const { ds, group } = fleet([{}, {}]);
    assert.equal(group.select(req, [ds[0]]), ds[1]);
    assert.ok(ds.includes(group.select(req, [ds[0], ds[1]]) as (typeof ds)[number]));
  });
});
