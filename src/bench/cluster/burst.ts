/**
 * Scenario 2, the seed's burst over several gateways: 4× the fleet's concurrent capacity (engines × max_num_seqs)
 * at once, split evenly over the instances, in front of simulated engines each scraped every 100 ms (kv-aware).
 * Judged: each engine's share of the burst against the fair share (within 1.5×).
 */
import { Pool } from 'undici';
import { SIM_MODEL, startFleet } from '../harness/fleet.ts';
import type { ScenarioContext } from '../harness/scenario.ts';
import { byDeployment, engineFleet, leftInFlight, startGateways } from './gateways.ts';
import type { RedisHandle, Sharing } from './redis.ts';

export interface BurstOptions {
  instances: number;
  engines: number;
  maxNumSeqs: number;
  gatewayCpu?: number;
  loadCpu?: number;
}

export interface BurstRun {
  sharing: Sharing;
  instances: number;
  burst: number;
  perEngine: Record<string, number>;
  /** The busiest engine's share over the fair share. */
  worstOverFair: number;
  statuses: Record<string, number>;
  leftInFlight: number;
}

/** ~450 tokens, distinct from the first bytes on: no shared prefix to route by. */
function burstBody(i: number): string {
  const content = `${i.toString(36).padStart(8, '0')} ${'What is the meaning of life? '.repeat(70)}`;
  return JSON.stringify({ model: SIM_MODEL, max_tokens: 4, messages: [{ role: 'user', content }] });
}

export async function burstRun(
  ctx: ScenarioContext,
  redis: RedisHandle | undefined,
  o: BurstOptions,
): Promise<BurstRun> {
  const sharing: Sharing = redis ? 'shared' : 'unshared';
  const engines = await startFleet(ctx, o.engines, { maxNumSeqs: o.maxNumSeqs, speedup: 0.5 }, o.loadCpu);
  const gateways = await startGateways(ctx, engineFleet(engines, 'kv-aware'), {
    name: `burst-${sharing}`,
    count: o.instances,
    redisUrl: redis?.url,
    cpu: o.gatewayCpu,
  });
  const burst = 4 * o.engines * o.maxNumSeqs;
  const perGateway = Math.ceil(burst / o.instances);
  // Sent in one synchronous loop: every request is on its way before any answer comes back.
  const pools = gateways.map((g) => new Pool(g.url, { connections: perGateway }));
  const statuses: Record<string, number> = {};
  const headers = { 'content-type': 'application/json' };
  const sends: Promise<void>[] = [];
  for (let i = 0; i < burst; i++) {
    const pool = pools[i % pools.length];
    const body = burstBody(i);
    sends.push(
      pool.request({ method: 'POST', path: '/v1/chat/completions', headers, body }).then(
        async (res) => {
          await res.body.dump();
          statuses[res.statusCode] = (statuses[res.statusCode] ?? 0) + 1;
        },
        () => {
          statuses.error = (statuses.error ?? 0) + 1;
        },
      ),
    );
  }
  await Promise.all(sends);
  await Promise.all(pools.map((p) => p.close()));
  const ids = engines.map((_, i) => `engine-${i}`);
  const perEngine = await byDeployment(gateways, 'spillway_requests_total', ids);
  const left = await leftInFlight(gateways);
  await ctx.procs.stopAll();
  const fair = burst / o.engines;
  const worstOverFair = Math.round((100 * Math.max(...Object.values(perEngine))) / fair) / 100;
  ctx.log(`burst-${sharing}: ${burst} requests, per engine ${ids.map((id) => perEngine[id]).join('/')}`);
  return { sharing, instances: o.instances, burst, perEngine, worstOverFair, statuses, leftInFlight: left };
}
