import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CRITICAL, type Priority, STANDARD } from '../../admission/priority.ts';
import { defaultCooldown } from '../../config/cooldown.ts';
import type { DeploymentConfig } from '../../config/types.ts';
import { Deployment, type DeploymentPermit } from '../deployment.ts';
import { kept } from '../profile/test-support.ts';
import type { Selection } from '../selection.ts';
import { testDeploymentConfig } from '../test-support.ts';
import { cooldownHold } from './cooldown-hold.ts';
import { cooling, inRotation } from './cooling.ts';
import { engineGate } from './engine-gate.ts';
import { leastFailing } from './least-failing.ts';
import { limits } from './limits.ts';
import { untried, untriedElseTried } from './not-tried.ts';

const now = { ms: 1_000_000 };
const cooldown = defaultCooldown({ policy: 'allowed-fails', allowedFails: 0, maxEjectionPercent: 100 });
function group(extra: Partial<DeploymentConfig>[]): Deployment[] {
  const ds = extra.map((e, i) => new Deployment(testDeploymentConfig(i, e), cooldown, () => now.ms));
  for (const d of ds) d.peers = ds;
  return ds;
}
const sel = (tried?: Deployment[]): Selection<Deployment> => ({ priority: STANDARD, tried });
const ids = (ds: Deployment[]) => ds.map((d) => d.id);

test('cooldown-hold drops what an upstream Retry-After holds; its wait is the hold left', () => {
  const ds = group([{}, {}, {}]);
  ds[0].recordFailure('429', 8000);
  ds[1].recordFailure('500', undefined); // cooling, no hold: panic routing may still use it
  assert.deepEqual(ids(kept(cooldownHold, ds, sel())), ['d1', 'd2']);
  assert.deepEqual(cooldownHold.drops, { reason: 'all_cooling_down', waitMs: cooldownHold.drops!.waitMs });
  assert.equal(cooldownHold.drops!.waitMs(ds[0]), 8000);
});

test('limits drops a deployment at max_parallel_requests; its wait is the hint of 1 s', () => {
  const ds = group([{ maxParallelRequests: 1 }, { maxParallelRequests: 2 }]);
  const held = [ds[0].hold(), ds[1].hold()];
  assert.deepEqual(ids(kept(limits, ds, sel())), ['d1']);
  assert.equal(limits.drops!.reason, 'deployment_limit');
  assert.equal(limits.drops!.waitMs(ds[0]), 1000);
  for (const p of held) {
    const permit: DeploymentPermit = p;
    permit.end('success');
  }
});

test('engine-gate asks the gate with the request class; its drops are busy', () => {
  const ds = group([{}, {}]);
  const seen: Priority[] = [];
  const f = engineGate({
    admits: (d, p) => {
      seen.push(p);
      return d.id === 'd1';
    },
  });
  assert.deepEqual(ids(kept(f, ds, { priority: CRITICAL, tried: undefined })), ['d1']);
  assert.deepEqual(seen, [CRITICAL, CRITICAL]);
  assert.equal(f.drops!.reason, 'busy');
});

test('in-rotation and cooling split the group by cooldown and refuse nothing themselves', () => {
  const ds = group([{}, {}, {}]);
  ds[1].recordFailure('500', undefined);
  assert.deepEqual(ids(kept(inRotation, ds, sel())), ['d0', 'd2']);
  assert.deepEqual(ids(kept(cooling, ds, sel())), ['d1']);
  assert.equal(inRotation.drops, undefined);
  assert.equal(cooling.drops, undefined);
});

test('untried drops the tried; untried-else-tried falls back to them in the order tried, each once', () => {
  const ds = group([{}, {}, {}]);
  assert.deepEqual(ids(kept(untried, ds, sel([ds[1]]))), ['d0', 'd2']);
  assert.deepEqual(ids(kept(untried, ds, sel())), ['d0', 'd1', 'd2']);
  assert.deepEqual(ids(kept(untried, ds, sel([ds[2], ds[0], ds[1]]))), []);
  assert.deepEqual(ids(kept(untriedElseTried, ds, sel([ds[2], ds[0], ds[2], ds[1]]))), ['d2', 'd0', 'd1']);
  assert.deepEqual(
    ids(kept(untriedElseTried, ds.slice(0, 2), sel([ds[2], ds[1], ds[0]]))),
    ['d1', 'd0'],
    'only tried ones still candidates',
  );
});

test('least-failing keeps the lowest failure score, ties all kept', () => {
  const ds = group([{}, {}, {}]);
  for (const d of ds) d.recordSuccess();
  ds[0].recordFailure('500', undefined); // 1 of 2, then the window is cleared: the score is the rate that began it
  ds[1].recordFailure('500', undefined);
  ds[2].recordFailure('500', undefined);
  ds[1].lastEjection!.failureRate = 0.9;
  assert.deepEqual(ids(kept(leastFailing, ds, sel())), ['d0', 'd2']);
  assert.deepEqual(kept(leastFailing, [], sel()), []);
});
