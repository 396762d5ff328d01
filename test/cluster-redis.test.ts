// The Redis-backed cluster state against a real redis-server: instances in this process (and one in a child
// process, to die outright) share quotas, load and cooldowns; Redis killed and restarted mid-test.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { after, before, describe, it } from 'node:test';
import { REDIS_SKIP, RedisServer } from '../src/bench/harness/redis-server.ts';
import type { DeploymentLimits } from '../src/cluster/redis/quota.ts';
import { RedisClusterState } from '../src/cluster/redis/state.ts';
import type { ClusterConfig } from '../src/config/cluster.ts';

/** Wall clock moved to one second into a clock minute, so a test's counts stay in one window. */
const shift = (Date.now() % 60_000) - 1000;
const wall = () => Date.now() - shift;

describe('RedisClusterState on a real redis-server', { skip: REDIS_SKIP }, () => {
  let redis: RedisServer;
  let prefix = 0;
  const started: RedisClusterState[] = [];
  before(async () => {
    redis = await RedisServer.start();
  });
  after(async () => {
    await Promise.all(started.map((s) => s.stop()));
    await redis.stop();
  });

  /** Instances of one cluster (a fresh key prefix per test), started and in shared mode. */
  async function cluster(n: number, deployments: DeploymentLimits[], over: Partial<ClusterConfig> = {}) {
    const keyPrefix = `t${prefix++}`;
    const states: RedisClusterState[] = [];
    for (let i = 0; i < n; i++) {
      const config = {
        redisUrl: redis.url,
        instanceId: `i${i}`,
        keyPrefix,
        syncIntervalMs: 5,
        memberTtlMs: 2000,
        timeoutMs: 100,
        ...over,
      };
      const s = new RedisClusterState({ config, deployments, wall });
      s.load.attach([
        { inFlight: 0, queuedPrefillTokens: 0, activeTokens: 0 },
        { inFlight: 0, queuedPrefillTokens: 0, activeTokens: 0 },
      ]);
      states.push(s);
      started.push(s);
    }
    await Promise.all(states.map((s) => s.start()));
    await until(states, () => states.every((s) => s.mode === 'shared' && s.instances() === n));
    return states;
  }

  it('instances share rpm: each takes its share of what is left, and together exactly the limit', async () => {
    const states = await cluster(3, [{ id: 'd', rpm: 50 }]);
    const counters = states.map((s) => s.quotas.counters('d'));
    let admitted = 0;
    for (let round = 0; round < 20; round++) {
      for (const c of counters) {
        for (let k = 0; k < 4; k++) {
          if (c.requests() >= 50) break;
          c.hold();
          c.giveBack(10);
          admitted++;
        }
      }
      await Promise.all(states.map((s) => s.nextRound()));
    }
    assert.equal(admitted, 50);
    await until(states, () => counters.every((c) => c.requests() === 50 && c.tokens() === 500));
  });

  it('max_parallel_requests holds across instances, and in flight returns to zero', async () => {
    const states = await cluster(2, [{ id: 'd', maxParallelRequests: 6 }]);
    const [a, b] = states.map((s) => s.quotas.counters('d'));
    let held = 0;
    // a tries every round; it takes its share of what is left each time, never past the limit.
    await until(states, () => {
      for (let k = 0; k < 10 && a.inFlight() < 6; k++) {
        a.hold();
        held++;
      }
      return b.inFlight() === 6;
    });
    assert.equal(held, 6);
    for (let k = 0; k < 6; k++) a.giveBack(0);
    await until(states, () => b.inFlight() === 0 && a.inFlight() === 0);
  });

  it("each instance's load rows reach the others as the sum over the other live instances", async () => {
    const [a, b, c] = await cluster(3, [{ id: 'd' }]);
    const rowA = { inFlight: 2, queuedPrefillTokens: 50, activeTokens: 120 };
    const rowB = { inFlight: 1, queuedPrefillTokens: 10, activeTokens: 30 };
    a.load.attach([rowA, { inFlight: 0, queuedPrefillTokens: 0, activeTokens: 0 }]);
    b.load.attach([rowB, { inFlight: 0, queuedPrefillTokens: 0, activeTokens: 0 }]);
    a.load.changed(0);
    b.load.changed(0);
    await until(
      [a, b, c],
      () => c.load.others[0].inFlight === 3 && a.load.others[0].inFlight === 1 && b.load.others[0].inFlight === 2,
    );
    assert.deepEqual(c.load.others[0], { inFlight: 3, queuedPrefillTokens: 60, activeTokens: 150 });
    assert.deepEqual(b.load.others[0], rowA);
    assert.deepEqual(c.load.others[1], { inFlight: 0, queuedPrefillTokens: 0, activeTokens: 0 });
    rowA.inFlight = 0;
    rowA.queuedPrefillTokens = 0;
    rowA.activeTokens = 0;
    a.load.changed(0);
    await until([a, b, c], () => c.load.others[0].inFlight === 1);
    assert.deepEqual(c.load.others[0], rowB);
    assert.ok(c.staleness.count > 0, 'the staleness of what it read is measured');
    await b.stop();
    await until([a, c], () => c.instances() === 2 && c.load.others[0].inFlight === 0);
  });

  it('a dead instance stops counting within the member TTL: its rows and in flight are dropped', async () => {
    const [a] = await cluster(1, [{ id: 'd' }], { memberTtlMs: 300 });
    const args = ['test/helpers/cluster-instance.ts', redis.url, `t${prefix - 1}`, 'dies', '300'];
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    for await (const line of createInterface({ input: child.stdout! })) if (line === 'ready') break;
    await until([a], () => a.instances() === 2 && a.load.others[0].inFlight === 5);
    assert.equal(a.quotas.counters('d').inFlight(), 2);
    const exited = once(child, 'exit');
    child.kill('SIGKILL');
    await exited;
    await until([a], () => a.instances() === 1);
    assert.deepEqual(a.load.others[0], { inFlight: 0, queuedPrefillTokens: 0, activeTokens: 0 });
    assert.equal(a.quotas.counters('d').inFlight(), 0);
  });

  it('cooldowns and penalties learned by one instance reach the others, not itself', async () => {
    const [a, b] = await cluster(2, [{ id: 'd' }]);
    const own: string[] = [];
    a.events.onCooldown((id) => own.push(id));
    const cooled = new Promise<[string, number, number]>((resolve) => b.events.onCooldown((...args) => resolve(args)));
    const penalised = new Promise<[string, number]>((resolve) => b.events.onPenalty((...args) => resolve(args)));
    a.events.cooldown('d', 123, 456);
    a.events.penalty('d', 789);
    assert.deepEqual(await cooled, ['d', 123, 456]);
    assert.deepEqual(await penalised, ['d', 789]);
    assert.deepEqual(own, []);
  });

  it('Redis killed: fallback holds each limit to limit / instances; restarted: shared again, no count lost', async () => {
    const states = await cluster(2, [{ id: 'd', rpm: 100 }]);
    const [a, b] = states.map((s) => s.quotas.counters('d'));
    for (let k = 0; k < 30; k++) a.hold();
    for (let k = 0; k < 10; k++) b.hold();
    await until(states, () => a.requests() === 40 && b.requests() === 40);
    await redis.stop();
    await until(states, () => states.every((s) => s.mode === 'fallback'));
    let more = 0;
    for (const c of [a, b])
      while (c.requests() < 100) {
        c.hold();
        more++;
      }
    // a may take 50 − 30, b 50 − 10: the cluster stays at the limit.
    assert.equal(more, 60);
    assert.equal(a.inFlight(), 100);
    await redis.restart();
    await until(states, () => states.every((s) => s.mode === 'shared'));
    await until(states, () => a.requests() === 100 && b.requests() === 100);
    for (let k = 0; k < 50; k++) a.giveBack(0);
    for (let k = 0; k < 50; k++) b.giveBack(0);
    await until(states, () => a.inFlight() === 0 && b.inFlight() === 0);
  });

  it('starts without Redis, in fallback, and enforces locally', async () => {
    const config = {
      redisUrl: 'redis://127.0.0.1:9',
      keyPrefix: 'x',
      syncIntervalMs: 5,
      memberTtlMs: 2000,
      timeoutMs: 100,
    };
    const s = new RedisClusterState({ config, deployments: [{ id: 'd', rpm: 2 }], wall });
    started.push(s);
    await s.start();
    assert.equal(s.mode, 'fallback');
    assert.equal(s.instances(), 1);
    const c = s.quotas.counters('d');
    c.hold();
    c.hold();
    assert.equal(c.requests(), 2);
  });
});

/** Waits round by round (at most 2000 rounds of the first instance) until `done` holds. */
async function until(states: readonly RedisClusterState[], done: () => boolean): Promise<void> {
  for (let i = 0; i < 2000 && !done(); i++) await states[0].nextRound();
  assert.ok(done(), 'the condition held within 2000 rounds');
}
