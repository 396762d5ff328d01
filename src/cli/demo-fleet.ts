/**
 * The fleet `spillway demo` runs (examples/demo-fleet.yaml): three simulated engines as child processes (so
 * their event loops are not the gateway's), and the fleet's capacity C, measured straight at the engines the
 * way the fleet matrix measures it (bench/matrix.ts): the highest Poisson rate of streamed requests at which
 * ≥ 99 % finish within the SLA, searched from the simulator's own virtual-time estimate in a few short probes.
 */
import { benchChild, slaRunArgs } from '../bench/harness/bench-child.ts';
import { findCapacity } from '../bench/harness/capacity.ts';
import { engineFlags } from '../bench/harness/fleet.ts';
import type { Proc, ProcGroup } from '../bench/harness/procs.ts';
import { estimateFleet } from '../bench/matrix/estimate.ts';

export const DEMO_MODEL = 'demo';
export const ENGINE_MODEL = 'sim-llama';
/** The engines examples/demo-fleet.yaml names, in its order. */
export const DEFAULT_ENGINE_PORTS = [8101, 8102, 8103];
export const DEFAULT_SPEEDUP = 4;
/** Wall-time SLA, as examples/demo-fleet.yaml sets it for back pressure. */
export const DEMO_SLA = { ttftMs: 500, itlMs: 10 };
/** Prompts of 100-800 tokens and 16-128 output tokens: enough KV per request that the KV pool binds first. */
const PROMPT = [100, 800];
const OUTPUT = [16, 128];
export const DEMO_WORKLOAD =
  `uniform:promptMin=${PROMPT[0]},promptMax=${PROMPT[1]},` + `outMin=${OUTPUT[0]},outMax=${OUTPUT[1]}`;
const ENGINE = { numBlocks: 256, maxNumSeqs: 8, maxNumBatchedTokens: 1024, profile: 'default' };
const PROBE = { warmupS: 0.5, durationS: 2, maxProbes: 3, factor: 1.25, tolerance: 0.3 };
/**
 * The virtual-time estimate leaves out HTTP and CPU contention: measured C came out at 0.64-0.72 of it on a
 * shared 2-vCPU VM, so the search starts there and usually brackets C in two probes.
 */
const GUESS_SHARE = 0.8;

export async function startDemoEngines(procs: ProcGroup, ports: readonly number[], speedup: number): Promise<Proc[]> {
  return Promise.all(
    ports.map((port, i) => {
      const flags = engineFlags({
        model: ENGINE_MODEL,
        seed: i,
        speedup,
        numBlocks: ENGINE.numBlocks,
        maxNumSeqs: ENGINE.maxNumSeqs,
        maxNumBatchedTokens: ENGINE.maxNumBatchedTokens,
      });
      return procs.spillway(`engine-${i}`, 'engine', flags, undefined, port === 0 ? {} : { port });
    }),
  );
}

const between = (r: () => number, lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));

/** The simulator's own guess at C (virtual time, milliseconds of CPU): where the measured search starts. */
export function estimatedCapacity(engines: number, speedup: number): number {
  const sample = (r: () => number) => ({
    promptTokens: between(r, PROMPT[0], PROMPT[1]) + 3,
    outputTokens: between(r, OUTPUT[0], OUTPUT[1]),
  });
  const sla = { ttftMs: DEMO_SLA.ttftMs * speedup, itlMs: DEMO_SLA.itlMs * speedup };
  return Math.round(estimateFleet(ENGINE, sample, engines, sla).capacity * speedup * 10) / 10;
}

export interface MeasuredCapacity {
  perS: number;
  source: string;
}

/** A few short probes straight at the engines (round robin), from the virtual-time estimate. */
export async function measureCapacity(engines: readonly Proc[], speedup: number): Promise<MeasuredCapacity> {
  const guess = estimatedCapacity(engines.length, speedup);
  const probes: string[] = [];
  const found = await findCapacity(
    async (rate) => {
      const r = await benchChild([
        ...slaRunArgs({
          url: engines.map((e) => e.url).join(','),
          model: ENGINE_MODEL,
          rate,
          durationS: PROBE.durationS,
          warmupS: PROBE.warmupS,
          timeoutS: 5,
          sla: DEMO_SLA,
        }),
        '--workload',
        DEMO_WORKLOAD,
        '--stream',
      ]);
      const within = r.summary.slaAttainmentAll ?? 0;
      probes.push(`${rate}/s ${(within * 100).toFixed(1)} %`);
      return within >= 0.99;
    },
    {
      start: Math.max(1, Math.round(guess * GUESS_SHARE * 10) / 10),
      maxProbes: PROBE.maxProbes,
      tolerance: PROBE.tolerance,
      factor: PROBE.factor,
    },
  );
  // Nothing passed: one step below the lowest probe, and the source says so.
  const perS = found.capacity || Math.round((Math.min(...found.probes.map((p) => p.rate)) / PROBE.factor) * 10) / 10;
  const source =
    `measured at start: ${probes.length} probes of ${PROBE.durationS} s straight at the engines ` +
    `(streamed, Poisson; C = highest rate with ≥ 99 % within TTFT ${DEMO_SLA.ttftMs} ms, ITL ${DEMO_SLA.itlMs} ms; ` +
    `bracket ≤ ${PROBE.tolerance * 100} %): ` +
    `${probes.join(', ')}${found.capacity ? '' : ' (none passed: one step below the lowest)'}`;
  return { perS, source };
}
