/**
 * Scenario 4: Redis stopped mid-run and restarted. Instances sharing 2 deployments × rpm R take paced
 * closed-loop load inside one clock minute; after `beforeS` Redis is killed (no persistence, as a crash), after
 * `outS` more it starts again empty. Judged: requests that fail other than by a limit's 429 (must be 0), the
 * minute's successes against the limit (each instance in fallback holds limit / n), accounting back to zero.
 */
import type { ScenarioContext } from '../harness/scenario.ts';
import { chatBody, type DriveResult, drive, minuteWithRoom } from './drive.ts';
import { leftInFlight, startGateways } from './gateways.ts';
import { mockFleet, QUOTA_GROUP } from './quota.ts';
import type { RedisHandle } from './redis.ts';

export interface OutageOptions {
  instances: number;
  rpm: number;
  beforeS: number;
  outS: number;
  afterS: number;
  perUrl: number;
  thinkMs: number;
  gatewayCpu?: number;
  loadCpu?: number;
}

export interface OutageRun {
  limit: number;
  successesInMinute: number;
  drive: DriveResult;
  leftInFlight: number;
  /** Wall ms from the start of the load: when Redis was stopped and when it accepted connections again. */
  stoppedAtMs: number;
  restartedAtMs: number;
}

export async function outageRun(ctx: ScenarioContext, redis: RedisHandle, o: OutageOptions): Promise<OutageRun> {
  const fleet = await mockFleet(ctx, o.rpm, o.loadCpu);
  const gateways = await startGateways(ctx, fleet, {
    name: 'outage',
    count: o.instances,
    redisUrl: redis.url,
    cpu: o.gatewayCpu,
  });
  const totalS = o.beforeS + o.outS + o.afterS;
  const minute = await minuteWithRoom(totalS + 2);
  const t0 = Date.now();
  ctx.log(`outage: ${o.instances} instances, 2 × rpm ${o.rpm}; Redis out from ${o.beforeS} s for ${o.outS} s`);
  const load = drive({
    urls: gateways.map((g) => g.url),
    perUrl: o.perUrl,
    body: chatBody(QUOTA_GROUP),
    untilWallMs: t0 + totalS * 1000,
    thinkMs: o.thinkMs,
  });
  await new Promise((resolve) => setTimeout(resolve, o.beforeS * 1000));
  await redis.stop();
  const stoppedAtMs = Date.now() - t0;
  await new Promise((resolve) => setTimeout(resolve, o.outS * 1000));
  await redis.restart();
  const restartedAtMs = Date.now() - t0;
  const result = await load;
  const left = await leftInFlight(gateways);
  await ctx.procs.stopAll();
  const successesInMinute = result.successesByMinute[String(minute)] ?? 0;
  ctx.log(
    `outage: ${successesInMinute} successes (limit ${2 * o.rpm}), ${result.rejected429} × 429, ` +
      `${result.otherFailures} other failures, ${left} left in flight`,
  );
  return { limit: 2 * o.rpm, successesInMinute, drive: result, leftInFlight: left, stoppedAtMs, restartedAtMs };
}
