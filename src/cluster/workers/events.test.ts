import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { defaultCooldown } from '../../config/cooldown.ts';
import { deploymentConfig } from '../../load/test-support.ts';
import { applyClusterEvents } from '../../pipeline/cluster-events.ts';
import { Deployment } from '../../routing/deployment.ts';
import { workerCluster } from './worker-cluster.ts';

describe('cooldowns across workers', () => {
  it('a cooldown begun by one worker holds the deployment on the other, in that worker’s clock', async () => {
    const channel = `test-events-${process.pid}-${Math.random()}`;
    const start = { buffer: new SharedArrayBuffer(1024), workers: 2, deploymentIds: ['d'], channel };
    const one = workerCluster({ ...start, worker: 0 });
    const two = workerCluster({ ...start, worker: 1 });
    const cooldown = defaultCooldown({ minRequests: 2, cooldownTimeMs: 5000 });
    // Each worker's monotonic clock has its own origin: 1000 ms apart here.
    const here = new Deployment(deploymentConfig('d'), cooldown, () => 10_000, one);
    const there = new Deployment(deploymentConfig('d'), cooldown, () => 11_000, two);
    applyClusterEvents(two.events, (id) => (id === there.id ? there : undefined), undefined);
    // Listeners run in order: when this one runs, the one applyClusterEvents added has applied the cooldown.
    const told = new Promise<void>((resolve) => two.events.onCooldown(() => resolve()));
    here.recordFailure('503', undefined);
    assert.equal(here.recordFailure('503', undefined), true, 'two of two failed: a cooldown begins');
    await told;
    assert.ok(there.isCoolingDown(), 'the other worker keeps it out too');
    const left = there.cooldownRemainingMs();
    assert.ok(left > 4900 && left <= 5000, `${left} ms left of 5000`);
    await one.stop();
    await two.stop();
  });
});
