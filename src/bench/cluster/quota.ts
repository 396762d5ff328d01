/**
 * Scenario 1, the seed's quota test through several gateways: 2 deployments × rpm R (mock upstreams), closed-loop
 * clients spread over the instances. Shared, the successes in one clock minute should be 2R (± 1 %) and the
 * rest 429 with Retry-After; unshared, each instance admits its own 2R.
 */
import type { ScenarioContext } from '../harness/scenario.ts';
import { chatBody, type DriveResult, drive, minuteWithRoom } from './drive.ts';
import { type FleetConfig, leftInFlight, startGateways } from './gateways.ts';
import type { RedisHandle, Sharing } from './redis.ts';

export const QUOTA_GROUP = 'gemini-vision';

export interface QuotaOptions {
  instances: number;
  rpm: number;
  /** Seconds of load; a whole aligned clock minute when 60. */
  windowS: number;
  perUrl: number;
  gatewayCpu?: number;
  loadCpu?: number;
}

export interface QuotaRun {
  sharing: Sharing;
  expected: number;
  /** Successes of requests sent in the measured clock minute. */
  successesInMinute: number;
  /** Of those, answered after the minute ended (the gateway may have counted them in the next one). */
  crossing: number;
  errorPct: number;
  drive: DriveResult;
  leftInFlight: number;
}

export async function mockFleet(ctx: ScenarioContext, rpm: number, cpu?: number): Promise<FleetConfig> {
  const mocks = [
    await ctx.procs.spillway('mock-a', 'mock', [], cpu),
    await ctx.procs.spillway('mock-b', 'mock', [], cpu),
  ];
  return {
    routing: 'simple-shuffle',
    upstreams: mocks.map((m, i) => ({
      group: QUOTA_GROUP,
      model: 'openai/fake',
      apiBase: `${m.url}/v1`,
      id: `quota-${i}`,
      rpm,
    })),
  };
}

export async function quotaRun(
  ctx: ScenarioContext,
  redis: RedisHandle | undefined,
  o: QuotaOptions,
): Promise<QuotaRun> {
  const sharing: Sharing = redis ? 'shared' : 'unshared';
  const fleet = await mockFleet(ctx, o.rpm, o.loadCpu);
  const name = `quota-${sharing}`;
  const gateways = await startGateways(ctx, fleet, {
    name,
    count: o.instances,
    redisUrl: redis?.url,
    cpu: o.gatewayCpu,
  });
  const whole = o.windowS >= 60;
  // A whole minute starts at the next boundary; a shorter window only needs to end inside this one.
  // Asking for 60 s of room waits for the next boundary (a few ms after it), so the load fills that minute.
  const minute = await minuteWithRoom(whole ? 60 : o.windowS + 2);
  const until = whole ? (minute + 1) * 60_000 : Date.now() + o.windowS * 1000;
  ctx.log(
    `${name}: ${o.instances} instances, 2 × rpm ${o.rpm}, ${o.perUrl} loops each, ` +
      `until ${new Date(until).toISOString()}`,
  );
  const result = await drive({
    urls: gateways.map((g) => g.url),
    perUrl: o.perUrl,
    body: chatBody(QUOTA_GROUP),
    untilWallMs: until,
  });
  const expected = 2 * o.rpm;
  const successesInMinute = result.successesByMinute[String(minute)] ?? 0;
  const crossing = result.crossingByMinute[String(minute)] ?? 0;
  const left = await leftInFlight(gateways);
  await ctx.procs.stopAll();
  const run = {
    sharing,
    expected,
    successesInMinute,
    crossing,
    errorPct: round2((100 * (successesInMinute - expected)) / expected),
    drive: result,
    leftInFlight: left,
  };
  ctx.log(
    `${name}: ${successesInMinute} successes in the minute (expected ${expected}; ${crossing} answered after it), ` +
      `${result.rejected429} × 429`,
  );
  return run;
}

export const round2 = (x: number): number => Math.round(x * 100) / 100;
