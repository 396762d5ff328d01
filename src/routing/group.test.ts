import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { defaultCooldown } from '../config/cooldown.ts';
import type { CooldownConfig, DeploymentConfig } from '../config/types.ts';
import { seededRandom } from '../util/random.ts';
import { Deployment, type DeploymentPermit } from './deployment.ts';
import { ModelGroup } from './group.ts';
import { leastBusy } from './strategies/least-busy.ts';
import { testDeploymentConfig } from './test-support.ts';
import type { RouteRequest } from './types.ts';

const req: RouteRequest = { group: 'g', endpoint: 'chat', stream: false, body: {}, bodyBytes: 0 };

const allowed = (n: number) => defaultCooldown({ policy: 'allowed-fails', allowedFails: n });

function fleet(extra: Partial<DeploymentConfig>[], cooldown: CooldownConfig = allowed(1)) {
  const now = { ms: 1_000_000 };
  const clock = () => now.ms;
  const ds = extra.map((e, i) => new Deployment(testDeploymentConfig(i, e), cooldown, clock));
  return { now, ds, group: new ModelGroup('g', ds, leastBusy(seededRandom(1))) };
}

const fail = (d: Deployment, retryAfterMs?: number, status = '500') => d.recordFailure(status, retryAfterMs);

describe('allowed-fails policy', () => {
  it('cools down after more than allowed_fails in a minute, for cooldown_time', () => {
    const { now, ds } = fleet([{}, {}]);
    const d = ds[0];
    assert.equal(fail(d), false);
    assert.equal(fail(d), true);
    assert.equal(d.cooldownRemainingMs(), 5000);
    now.ms += 5000;
    assert.equal(d.isCoolingDown(), false);
  });
  it('counts afresh after a cooldown: the next failure in the same minute does not send it straight back', () => {
    const { now, ds } = fleet([{}, {}], allowed(3));
    const d = ds[0];
    for (let i = 0; i < 3; i++) assert.equal(fail(d), false);
    assert.equal(fail(d), true);
    now.ms += 5000; // same clock minute (the window started at 960 000 ms)
    assert.equal(d.isCoolingDown(), false);
    for (let i = 0; i < 3; i++) assert.equal(fail(d), false, `failure ${i + 1} after the cooldown`);
    assert.equal(fail(d), true);
  });
  it('lets an upstream Retry-After extend a cooldown, never shorten it, and caps it', () => {
    const { now, ds } = fleet(
      [{}, {}],
      defaultCooldown({ policy: 'allowed-fails', allowedFails: 0, retryAfterCapMs: 30_000 }),
    );
    const d = ds[0];
    fail(d, 1000);
    assert.equal(d.cooldownRemainingMs(), 5000);
    fail(d, 20_000);
    assert.equal(d.cooldownRemainingMs(), 20_000);
    now.ms += 1000;
    fail(d, 2000);
    assert.equal(d.cooldownRemainingMs(), 19_000);
    fail(d, 999_999_999_000);
    assert.equal(d.cooldownRemainingMs(), 30_000, 'at most retry_after_cap_ms');
  });
  it('forgets failures when the minute turns', () => {
    const { now, ds } = fleet([{}, {}]);
    fail(ds[0]);
    now.ms += 60_000;
    assert.equal(fail(ds[0]), false);
  });
});

describe('failure-rate policy', () => {
  const rate = (over: Partial<CooldownConfig> = {}) =>
    defaultCooldown({ minRequests: 10, failureRateThreshold: 0.5, windowMs: 10_000, ...over });

  it('never cools down a deployment that fails 5 % of a steady load', () => {
    const { now, ds } = fleet([{}, {}], rate());
    const d = ds[0];
    const random = seededRandom(7);
    for (let i = 0; i < 100_000; i++) {
      now.ms += 7; // ~150 requests/s
      if (random() < 0.05) assert.equal(fail(d), false, `request ${i}`);
      else d.recordSuccess();
    }
    assert.equal(d.ejections, 0);
  });
  it('waits for min_requests, then cools down at the threshold', () => {
    const { ds } = fleet([{}, {}], rate());
    const d = ds[0];
    for (let i = 0; i < 9; i++) assert.equal(fail(d), false, `only ${i + 1} requests`);
    assert.equal(fail(d), true);
    assert.deepEqual(d.lastEjection, { status: '500', failureRate: 1, requests: 10 });
    assert.equal(d.outcomes.requests(0 + 1_000_000), 0, 'the window starts afresh');
  });
  it('counts successes: half failed is out, fewer is not', () => {
    const { ds } = fleet([{}, {}], rate());
    const [a, b] = ds;
    for (let i = 0; i < 6; i++) a.recordSuccess();
    for (let i = 0; i < 5; i++) assert.equal(fail(a), false);
    assert.equal(fail(a), true, '6 of 12');
    for (let i = 0; i < 7; i++) b.recordSuccess();
    for (let i = 0; i < 6; i++) assert.equal(fail(b), false, '6 of 13 and below');
  });
  it('forgets attempts older than the window', () => {
    const { now, ds } = fleet([{}, {}], rate());
    const d = ds[0];
    for (let i = 0; i < 9; i++) fail(d);
    now.ms += 10_000;
    assert.equal(fail(d), false);
    assert.equal(d.outcomes.requests(now.ms), 1);
  });
  it('cools a 429 at once in a group of more than one, not in a group of one (as LiteLLM)', () => {
    const two = fleet([{}, {}], rate());
    assert.equal(fail(two.ds[0], undefined, '429'), true);
    const one = fleet([{}], rate());
    assert.equal(fail(one.ds[0], undefined, '429'), false);
  });
});

describe('max ejection share', () => {
  it('takes out at most max_ejection_percent of a group, rounded down, and at least one', () => {
    const cases: Array<[number, number, number]> = [
      // [deployments, percent, most out at once]
      [1, 50, 1],
      [2, 50, 1],
      [3, 50, 1],
      [4, 50, 2],
      [4, 0, 1],
      [3, 100, 3],
    ];
    for (const [n, pct, most] of cases) {
      const { ds } = fleet(
        Array.from({ length: n }, () => ({})),
        defaultCooldown({ policy: 'allowed-fails', allowedFails: 0, maxEjectionPercent: pct }),
      );
      for (const d of ds) fail(d);
      const out = ds.filter((d) => d.isCoolingDown()).length;
      assert.equal(out, most, `${n} deployments at ${pct} %`);
      assert.equal(
        ds.reduce((s, d) => s + d.ejectionsPrevented, 0),
        n - most,
      );
    }
  });
});

describe('deployment limits', () => {
  it('enforces rpm per clock minute and max_parallel_requests', () => {
    const { now, ds } = fleet([{ rpm: 2, maxParallelRequests: 5 }]);
    const d = ds[0];
    for (let i = 0; i < 2; i++) {
      const slot: DeploymentPermit = d.hold();
      slot.end('success');
    }
    assert.equal(d.hasCapacity(), false);
    assert.ok(d.msUntilCapacity() > 0 && d.msUntilCapacity() <= 60_000);
    now.ms += d.msUntilCapacity();
    assert.equal(d.hasCapacity(), true);
  });
  it('counts a release without an acquire instead of going negative', () => {
    const { ds } = fleet([{}]);
    const slot: DeploymentPermit = ds[0].hold();
    slot.end('success');
    // Only past the types: after its end a permit is `never`, so a second end does not compile.
    const again: DeploymentPermit = slot as unknown as DeploymentPermit;
    again.end('success');
    assert.equal(ds[0].inFlight, 0);
    assert.equal(ds[0].accountingErrors, 1);
  });
});

describe('model group selection', () => {
  const all = () => defaultCooldown({ policy: 'allowed-fails', allowedFails: 0, maxEjectionPercent: 100 });

  it('skips deployments at their limit and reports 429-style when all are', () => {
    const { ds, group } = fleet([{ maxParallelRequests: 1 }, { maxParallelRequests: 1 }]);
    ds[0].hold();
    assert.equal(group.select(req, undefined), ds[1]);
    ds[1].hold();
    assert.deepEqual(group.select(req, undefined), { reason: 'deployment_limit', retryAfterMs: 1000 });
  });
  it('skips a cooling deployment while another is in rotation', () => {
    const { ds, group } = fleet([{}, {}], all());
    fail(ds[0]);
    for (let i = 0; i < 10; i++) assert.equal(group.select(req, undefined), ds[1]);
    assert.equal(group.panicRoutes, 0);
  });
  it('panic: when every deployment cools down, routes to the least failing ones instead of refusing', () => {
    const { ds, group } = fleet([{}, {}, {}], all());
    for (const d of ds) d.recordSuccess();
    fail(ds[0]); // 1 of 2 failed
    fail(ds[1]);
    ds[2].recordFailure('500', undefined); // 1 of 2 as well
    assert.ok(ds.every((d) => d.isCoolingDown()));
    ds[1].lastEjection!.failureRate = 0.9; // the window is cleared at ejection: the score is the rate that began it
    const picks = new Set<Deployment>();
    for (let i = 0; i < 50; i++) picks.add(group.select(req, undefined) as Deployment);
    assert.deepEqual([...picks].map((d) => d.id).sort(), ['d0', 'd2']);
    assert.equal(group.panicRoutes, 50);
    assert.equal(group.select(req, [ds[0], ds[2]]), ds[1], 'a retry goes to an untried one first');
    assert.ok([ds[0], ds[2]].includes(group.select(req, ds) as Deployment), 'then to the least failing tried one');
  });
  it("refuses only when every deployment cools down on an upstream's Retry-After, with the shortest hold", () => {
    const { now, ds, group } = fleet([{}, {}], all());
    fail(ds[0], 8000);
    now.ms += 1000;
    fail(ds[1], 20_000);
    assert.deepEqual(group.select(req, undefined), { reason: 'all_cooling_down', retryAfterMs: 7000 });
    now.ms += 7000;
    assert.equal(group.select(req, undefined), ds[0], 'its hold is over: panic routing may use it');
  });
  it('prefers untried deployments and falls back to tried ones', () => {
    const { ds, group } = fleet([{}, {}]);
    assert.equal(group.select(req, [ds[0]]), ds[1]);
    assert.ok(ds.includes(group.select(req, [ds[0], ds[1]]) as (typeof ds)[number]));
  });
});
