// The shared-state contract's cost per request on the hot path (src/cluster/types.ts), local counters against
// the Redis-backed state (src/cluster/redis): one deployment's capacity check (inFlight, requests, tokens),
// hold and giveBack, four load-row changes (dispatch, first token, tokens, end) and one read of the others'
// rows for each of 4 engines. The Redis side syncs with a real redis-server every 5 ms while it runs, as in a
// gateway; then the staleness of one instance's load change as another counts it (loopback, 2 instances).
// Needs redis-server on PATH. Run: node bench/micro/cluster-state.ts

import { RedisServer } from '../../src/bench/harness/redis-server.ts';
import { RedisClusterState } from '../../src/cluster/redis/state.ts';
import type { DeploymentCounters, LoadRow, LoadShare } from '../../src/cluster/types.ts';
import { FixedWindowCounter } from '../../src/util/fixed-window.ts';

const N = 500_000;
const ENGINES = 4;
const rows = (): LoadRow[] =>
  Array.from({ length: ENGINES }, () => ({ inFlight: 0, queuedPrefillTokens: 0, activeTokens: 0 }));

/** Today's single-process counters (routing/deployment.ts): a number and two fixed windows. */
class LocalCounters implements DeploymentCounters {
  private n = 0;
  private readonly r = new FixedWindowCounter(performance.now.bind(performance));
  private readonly t = new FixedWindowCounter(performance.now.bind(performance));
  inFlight = () => this.n;
  requests = () => this.r.current();
  tokens = () => this.t.current();
  msUntilReset = () => this.r.msUntilReset();
  hold(): void {
    this.n++;
    this.r.add(1);
  }
  giveBack(tokens: number): void {
    this.n--;
    this.t.add(tokens);
  }
}
const localLoad: LoadShare = { attach() {}, others: rows(), changed() {} };

let sink = 0;
const SLICE = 10_000;
/** Time per request, in slices that yield to the event loop, so the Redis side keeps its rounds on time. */
async function perRequest(c: DeploymentCounters, load: LoadShare): Promise<number> {
  let ms = 0;
  for (let done = 0; done < N; done += SLICE) {
    const t0 = performance.now();
    slice(c, load);
    ms += performance.now() - t0;
    await new Promise((resolve) => setImmediate(resolve));
  }
  return (ms * 1000) / N;
}

function slice(c: DeploymentCounters, load: LoadShare): void {
  for (let i = 0; i < SLICE; i++) {
    if (c.inFlight() < 1e9 && c.requests() < 1e12 && c.tokens() < 1e12) c.hold();
    const e = i & (ENGINES - 1);
    for (let k = 0; k < 4; k++) load.changed(e);
    for (const o of load.others) sink += o.inFlight + o.activeTokens;
    c.giveBack(1);
  }
}

async function median(f: () => Promise<number>): Promise<number> {
  const runs: number[] = [];
  for (let r = 0; r < 5; r++) runs.push(await f());
  return runs.sort((a, b) => a - b)[2];
}

const redis = await RedisServer.start();
const config = { redisUrl: redis.url, keyPrefix: 'bench', syncIntervalMs: 5, memberTtlMs: 2000, timeoutMs: 100 };
const [a, b] = ['a', 'b'].map(
  (id) => new RedisClusterState({ config: { ...config, instanceId: id }, deployments: [{ id: 'd', rpm: 1e9 }] }),
);
const ownA = rows();
a.load.attach(ownA);
b.load.attach(rows());
await Promise.all([a.start(), b.start()]);
try {
  const local = await median(() => perRequest(new LocalCounters(), localLoad));
  const shared = await median(() => perRequest(a.quotas.counters('d'), a.load));
  console.log(`local        ${local.toFixed(3)} µs per request (median of 5 × ${N})`);
  console.log(`redis-backed ${shared.toFixed(3)} µs per request (median of 5 × ${N}), mode ${a.mode}`);
  // Staleness: a changes a row, b counts it; 500 changes, one every ~2 ms.
  for (let i = 0; i < 500; i++) {
    ownA[0].inFlight = i;
    a.load.changed(0);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  await b.nextRound();
  const s = b.staleness;
  console.log(
    `staleness (change on a → counted on b, ${s.count} samples): p50 ${s.quantile(0.5).toFixed(1)} ms, ` +
      `p99 ${s.quantile(0.99).toFixed(1)} ms, max ${s.quantile(1).toFixed(1)} ms`,
  );
} finally {
  await Promise.all([a.stop(), b.stop()]);
  await redis.stop();
}
void sink;
