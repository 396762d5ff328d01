/**
 * Issue 14's acceptance runs: several gateway instances over one fleet, each figure beside the same run without
 * sharing. Scenarios (--scenarios, comma-separated; default all):
 *   quota     the seed's quota test through 4 instances sharing one redis-server: 2 deployments × rpm 10,000,
 *             one whole aligned clock minute; successes should be 20,000 ± 1 %, the rest 429 with Retry-After
 *   burst     4× the fleet's concurrent capacity at once over 4 instances and 4 simulated engines scraped every
 *             100 ms; each engine within 1.5× of its fair share
 *   overload  1× and 3× capacity through 2 instances with back pressure: SLA attainment of admitted, 3×/1× goodput
 *   outage    Redis killed for 10 s mid-run, then restarted: 0 requests failing for it, the minute within the
 *             limit, accounting back to zero
 *   workers   `--workers 2` against 1 in one run: max req/s (wrk) and gateway CPU per request
 * --smoke runs each in seconds at tiny rates. Results: bench-results/cluster/cluster.{md,html,json}.
 *
 *   node bench/cluster.ts [--smoke] [--scenarios quota,burst,outage] [--rpm N] [--capacity R] [--duration S]
 */

import { burstRun } from '../src/bench/cluster/burst.ts';
import { outageRun } from '../src/bench/cluster/outage.ts';
import { overloadRun } from '../src/bench/cluster/overload.ts';
import { quotaRun } from '../src/bench/cluster/quota.ts';
import type { RedisHandle } from '../src/bench/cluster/redis.ts';
import { type ClusterResults, clusterReport } from '../src/bench/cluster/report.ts';
import { workersRuns } from '../src/bench/cluster/workers.ts';
import { hasBinary } from '../src/bench/harness/procs.ts';
import { RedisServer } from '../src/bench/harness/redis-server.ts';
import { runScenario } from '../src/bench/harness/scenario.ts';

const GATEWAY_CPU = 0;
const LOAD_CPU = 1;
const ALL = ['quota', 'burst', 'overload', 'outage', 'workers'];

await runScenario(
  {
    name: 'cluster',
    timeoutS: { full: 3600, smoke: 100 },
    options: {
      scenarios: { type: 'string' },
      rpm: { type: 'string' },
      capacity: { type: 'string' },
      duration: { type: 'string' },
    },
  },
  async (ctx) => {
    const smoke = ctx.smoke;
    const scenarios = String(ctx.args.scenarios ?? (smoke ? 'quota,burst,outage' : ALL.join(','))).split(',');
    for (const s of scenarios) if (!ALL.includes(s)) throw new Error(`--scenarios: unknown "${s}" (${ALL.join(', ')})`);
    if (!hasBinary('redis-server')) throw new Error('redis-server is not installed (apt-get install redis-server)');
    const server = await RedisServer.start();
    const redis: RedisHandle = server;
    const cpus = { gatewayCpu: GATEWAY_CPU, loadCpu: LOAD_CPU };
    const results: ClusterResults = { smoke, scenarios };
    try {
      if (scenarios.includes('quota')) {
        const q = { instances: 4, rpm: Number(ctx.args.rpm ?? (smoke ? 20 : 10_000)), windowS: smoke ? 2 : 60 };
        const o = { ...q, ...cpus, perUrl: smoke ? 4 : 16 };
        results.quota = [await quotaRun(ctx, redis, o), await quotaRun(ctx, undefined, o)];
      }
      if (scenarios.includes('burst')) {
        // Smoke: 2 instances and 2 small engines, to start in seconds.
        const o = smoke
          ? { instances: 2, engines: 2, maxNumSeqs: 4, ...cpus }
          : { instances: 4, engines: 4, maxNumSeqs: 8, ...cpus };
        results.burst = [await burstRun(ctx, redis, o), await burstRun(ctx, undefined, o)];
      }
      if (scenarios.includes('overload')) {
        const o = {
          instances: 2,
          engines: 4,
          maxNumSeqs: 16,
          capacity: Number(ctx.args.capacity ?? (smoke ? 8 : 0)),
          durationS: Number(ctx.args.duration ?? (smoke ? 1 : 30)),
          warmupS: smoke ? 0 : 5,
          ...cpus,
        };
        results.overload = [await overloadRun(ctx, redis, o), await overloadRun(ctx, undefined, o)];
      }
      if (scenarios.includes('outage')) {
        const o = smoke
          ? { instances: 2, rpm: 150, beforeS: 1.5, outS: 1.5, afterS: 1.5, perUrl: 2, thinkMs: 50 }
          : { instances: 2, rpm: 600, beforeS: 10, outS: 10, afterS: 10, perUrl: 4, thinkMs: 100 };
        results.outage = await outageRun(ctx, redis, { ...o, ...cpus });
      }
      if (scenarios.includes('workers')) {
        if (!hasBinary('wrk')) throw new Error('wrk is not installed (apt-get install wrk)');
        const o = { workers: [1, 2], durationS: Number(ctx.args.duration ?? (smoke ? 2 : 20)), connections: 64 };
        results.workers = await workersRuns(ctx, o);
      }
    } finally {
      await server.stop();
    }
    return clusterReport(results);
  },
);
