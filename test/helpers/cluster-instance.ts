// One RedisClusterState in its own process, for tests that kill an instance outright (SIGKILL: no goodbye).
// argv: redis URL, key prefix, instance id, member TTL ms. It publishes one engine row with 5 in flight and one deployment
// `d` with 2 in flight, prints `ready` after its first shared round, and runs until killed.
import { RedisClusterState } from '../../src/cluster/redis/state.ts';

const [url, keyPrefix, instanceId, ttl] = process.argv.slice(2);
const state = new RedisClusterState({
  config: { redisUrl: url, instanceId, keyPrefix, syncIntervalMs: 5, memberTtlMs: Number(ttl), timeoutMs: 100 },
  deployments: [{ id: 'd' }],
});
state.load.attach([{ inFlight: 5, queuedPrefillTokens: 100, activeTokens: 300 }]);
state.load.changed(0);
const d = state.quotas.counters('d');
d.hold();
d.hold();
await state.start();
while (state.mode !== 'shared') await state.nextRound();
await state.nextRound();
process.stdout.write('ready\n');
setInterval(() => {}, 1 << 30);
