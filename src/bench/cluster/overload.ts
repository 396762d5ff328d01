/**
 * Scenario 3: overload through several gateways with back pressure on. Open-loop `spillway bench` spread over
 * the instances at 1× and 3× a capacity (given, or the fleet's measured direct capacity under the SLA).
 * Judged: SLA attainment of admitted at 3× (≥ 99 %), and 3× goodput over 1× goodput (≥ 90 %).
 */
import { benchChild, slaRunArgs } from '../harness/bench-child.ts';
import { findCapacity } from '../harness/capacity.ts';
import { SIM_MODEL, startFleet } from '../harness/fleet.ts';
import type { ScenarioContext } from '../harness/scenario.ts';
import { engineFleet, leftInFlight, startGateways } from './gateways.ts';
import type { RedisHandle, Sharing } from './redis.ts';

export const OVERLOAD_SLA = { ttftMs: 500, itlMs: 50 };
const BACKPRESSURE =
  `  backpressure:\n    enabled: true\n    router: { ttft_budget_ms: ${OVERLOAD_SLA.ttftMs} }\n` +
  `    engine: { itl_slo_ms: ${OVERLOAD_SLA.itlMs} }\n`;

export interface OverloadOptions {
  instances: number;
  engines: number;
  maxNumSeqs: number;
  /** Requests/s at 1×; 0: measured straight to the engines first. */
  capacity: number;
  durationS: number;
  warmupS: number;
  gatewayCpu?: number;
  loadCpu?: number;
}

export interface OverloadRun {
  sharing: Sharing;
  capacity: number;
  goodput1x: number;
  goodput3x: number;
  /** SLA attainment of admitted requests at 3×. */
  attainment3x: number;
  goodputRatio: number;
  leftInFlight: number;
}

export async function overloadRun(
  ctx: ScenarioContext,
  redis: RedisHandle | undefined,
  o: OverloadOptions,
): Promise<OverloadRun> {
  const sharing: Sharing = redis ? 'shared' : 'unshared';
  const engines = await startFleet(ctx, o.engines, { maxNumSeqs: o.maxNumSeqs, speedup: 0.5 }, o.loadCpu);
  const run = async (url: string, rate: number) =>
    (
      await benchChild(
        [
          ...slaRunArgs({
            url,
            model: SIM_MODEL,
            rate,
            durationS: o.durationS,
            warmupS: o.warmupS,
            timeoutS: 20,
            sla: OVERLOAD_SLA,
          }),
          '--workload',
          'chat-short',
          '--stream',
        ],
        o.loadCpu,
      )
    ).summary;
  let capacity = o.capacity;
  if (!capacity) {
    const direct = engines.map((e) => e.url).join(',');
    const found = await findCapacity(async (rate) => ((await run(direct, rate)).slaAttainmentAll ?? 0) >= 0.99, {
      start: 20,
      maxProbes: 6,
      tolerance: 0.1,
    });
    capacity = found.capacity || found.probes[0].rate / 2;
  }
  const gateways = await startGateways(ctx, engineFleet(engines, 'least-busy', BACKPRESSURE), {
    name: `overload-${sharing}`,
    count: o.instances,
    redisUrl: redis?.url,
    cpu: o.gatewayCpu,
  });
  const urls = gateways.map((g) => g.url).join(',');
  const one = await run(urls, capacity);
  const three = await run(urls, 3 * capacity);
  const left = await leftInFlight(gateways);
  await ctx.procs.stopAll();
  const r = {
    sharing,
    capacity,
    goodput1x: one.goodputRps,
    goodput3x: three.goodputRps,
    attainment3x: three.slaAttainment ?? 0,
    goodputRatio: one.goodputRps > 0 ? Math.round((100 * three.goodputRps) / one.goodputRps) / 100 : 0,
    leftInFlight: left,
  };
  ctx.log(
    `overload-${sharing}: capacity ${capacity}/s, goodput ${r.goodput1x} → ${r.goodput3x}/s, SLA ${r.attainment3x}`,
  );
  return r;
}
