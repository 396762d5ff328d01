/**
 * The fleets of the matrix, drawn from a seed. Stratified so every resource binds first somewhere: fleet i draws
 * from regime i mod 4 — KV, slots/prefill (TTFT), decode (ITL), shared prefix — each a table of ranges (below,
 * with why). A draw is kept only when the virtual-time estimate (estimate.ts) agrees that its regime's resource
 * binds first (any for shared prefix), and when a speedup exists that puts its capacity where two cores can
 * drive 3× of it; else the same seeded source draws again, so the matrix is the same for the same seed.
 *
 * SLAs are drawn in simulated ms (tightness uniform in the regime's range; ×2 for the half-speed profile, whose
 * steps take twice as long) and shown in wall ms: with speedup s every duration divides by s, so the wall SLA is
 * sim / s and the wall capacity is s × the simulated one.
 */
import { type Random, seededRandom } from '../../util/random.ts';
import type { EngineSettings } from '../harness/fleet.ts';
import { type Binding, estimateFleet } from './estimate.ts';
import { type MatrixWorkload, sharedPrefix, WORKLOADS, type WorkloadKind } from './workloads.ts';

export type Regime = 'kv' | 'ttft' | 'itl' | 'prefix';
export const REGIMES: readonly Regime[] = ['kv', 'ttft', 'itl', 'prefix'];

export interface FleetSpec {
  index: number;
  regime: Regime;
  engines: number;
  engine: Required<Pick<EngineSettings, 'numBlocks' | 'maxNumSeqs' | 'maxNumBatchedTokens' | 'speedup'>> & {
    profile: string;
  };
  workload: Omit<MatrixWorkload, 'sample'>;
  /** Wall ms, as the bench judges and the gateway is told. */
  sla: { ttftMs: number; itlMs: number };
  /** The virtual-time guess: capacity in wall requests/s and what binds first. */
  guess: { capacity: number; binds: Binding };
}

type Range = readonly [number, number];
interface RegimeTable {
  workloads: readonly WorkloadKind[];
  numBlocks: Range;
  maxNumSeqs: Range;
  batched: Range;
  /** Simulated ms for the default profile. */
  ttftMs: Range;
  itlMs: Range;
  accepts: (b: Binding) => boolean;
}

const TABLES: Record<Regime, RegimeTable> = {
  // A small pool (4k-16k tokens), slots to spare, long sequences, a loose SLA: the pool fills before anything else.
  kv: {
    workloads: ['long-output', 'rag'],
    numBlocks: [256, 1024],
    maxNumSeqs: [64, 256],
    batched: [2048, 8192],
    ttftMs: [1500, 4000],
    itlMs: [80, 160],
    accepts: (b) => b === 'KV',
  },
  // Few slots or a small prefill budget and a tight TTFT: the waiting queue grows while decode is fast enough.
  ttft: {
    workloads: ['chat-short', 'mixed', 'rag'],
    numBlocks: [2048, 8192],
    maxNumSeqs: [4, 24],
    batched: [512, 2048],
    ttftMs: [250, 1000],
    itlMs: [60, 150],
    accepts: (b) => b === 'slots (TTFT)' || b === 'prefill (TTFT)',
  },
  // A big pool, many slots, a loose TTFT and an ITL SLO near the decode step plus prefill interference.
  itl: {
    workloads: ['mixed', 'long-output', 'rag'],
    numBlocks: [4096, 8192],
    maxNumSeqs: [128, 256],
    batched: [2048, 8192],
    ttftMs: [2000, 6000],
    itlMs: [15, 35],
    accepts: (b) => b === 'decode (ITL)',
  },
  // Sized like issue 11's finding 7: each engine's pool holds about its share of the system prompts, not all.
  prefix: {
    workloads: ['shared-prefix'],
    numBlocks: [0, 0],
    maxNumSeqs: [32, 128],
    batched: [2048, 4096],
    ttftMs: [400, 1500],
    itlMs: [50, 100],
    accepts: () => true,
  },
};

/** Speedups a fleet may run at: below 0.25 runs get long; above 2 simulated steps get near the timers' 1 ms. */
const SPEEDUPS = [0.25, 0.4, 0.5, 0.75, 1, 1.25, 1.5, 2] as const;
/** Wall capacity bounds: ≥ 6/s so a 20 s window holds over a hundred requests; 3 × 60/s is what the load CPU drives. */
const C_MIN = 6;
const C_MAX = 60;
/** Streamed output tokens/s at 1× C the gateway's core relays comfortably (one SSE event per token and step). */
const TOKENS_PER_S_MAX = 5000;
/** Wall SLA floors: a few ms of event-loop lag on the shared CPUs stays small against them. */
const ITL_WALL_MIN_MS = 12;
const TTFT_WALL_MIN_MS = 100;
const TRIES = 40;

/** bench/overload.ts's and bench/backpressure.ts's fleet: the matrix must judge others. */
export function isExcluded(f: Pick<FleetSpec, 'engines' | 'engine' | 'workload' | 'sla'>): boolean {
  return (
    f.engines === 4 &&
    f.engine.speedup === 0.5 &&
    f.engine.maxNumSeqs === 16 &&
    f.workload.kind === 'chat-short' &&
    f.sla.ttftMs === 500 &&
    f.sla.itlMs === 50
  );
}

const int = (r: Random, [lo, hi]: Range) => lo + Math.floor(r() * (hi - lo + 1));
const real = (r: Random, [lo, hi]: Range) => lo + r() * (hi - lo);
const pick = <T>(r: Random, xs: readonly T[]) => xs[Math.floor(r() * xs.length)];

export function drawFleets(seed: number, count: number, log: (m: string) => void = () => {}): FleetSpec[] {
  return Array.from({ length: count }, (_, i) => drawFleet(seed, i, REGIMES[i % REGIMES.length], log));
}

/** Fleet i of a seed: its own seeded source (seed, i), so `--fleet i` draws the same fleet as the whole matrix. */
export function drawFleet(seed: number, index: number, regime: Regime, log: (m: string) => void = () => {}): FleetSpec {
  const r = seededRandom((seed * 1_000_003 + index * 7919) >>> 0);
  const t = TABLES[regime];
  let last: FleetSpec | undefined;
  for (let attempt = 0; attempt < TRIES; attempt++) {
    const profile = r() < 0.5 ? 'default' : 'half-speed';
    const slow = profile === 'half-speed' ? 2 : 1;
    let engines = int(r, [2, 8]);
    let workload: MatrixWorkload;
    let numBlocks: number;
    if (regime === 'prefix') {
      const prefixes = int(r, [6, 16]);
      engines = Math.min(engines, Math.floor(prefixes / 2)); // ≥ 2 prompts per engine, or affinity is trivial
      workload = sharedPrefix({ prefixes, systemWords: int(r, [1200, 2400]), maxTokens: int(r, [32, 96]) });
      const promptBlocks = Math.ceil((workload.maxTokens - workload.meanOutput) / 16);
      // Its share of the prompts plus half a prompt and 256 blocks for the running requests' own tokens.
      numBlocks = Math.round(promptBlocks * (Math.ceil(prefixes / engines) + 0.5) + 256);
    } else {
      workload = WORKLOADS[pick(r, t.workloads) as Exclude<WorkloadKind, 'shared-prefix'>];
      // At least four of the longest requests fit, so every request the workload sends is servable.
      numBlocks = Math.max(int(r, t.numBlocks), Math.ceil((4 * workload.maxTokens) / 16));
    }
    const engine = { numBlocks, maxNumSeqs: int(r, t.maxNumSeqs), maxNumBatchedTokens: int(r, t.batched), profile };
    const simSla = { ttftMs: Math.round(real(r, t.ttftMs) * slow), itlMs: Math.round(real(r, t.itlMs) * slow) };
    const { sample, ...shape } = workload;
    const est = estimateFleet(engine, sample, engines, simSla);
    const hiTarget = Math.min(40, TOKENS_PER_S_MAX / workload.meanOutput);
    const target = real(r, [Math.min(12, hiTarget), hiTarget]);
    const speedup = chooseSpeedup(est.capacity, target, simSla, workload.meanOutput);
    if (speedup === undefined) {
      log(
        `fleet ${index} (${regime}) draw ${attempt}: no speedup puts capacity ` +
          `${est.capacity.toFixed(1)}/s (simulated) in range; drawing again`,
      );
      continue;
    }
    const fleet: FleetSpec = {
      index,
      regime,
      engines,
      engine: { ...engine, speedup },
      workload: shape,
      sla: { ttftMs: Math.round(simSla.ttftMs / speedup), itlMs: Math.round(simSla.itlMs / speedup) },
      guess: { capacity: Math.round(est.capacity * speedup * 10) / 10, binds: est.binds },
    };
    last = fleet;
    if (isExcluded(fleet)) continue;
    if (t.accepts(est.binds)) return fleet;
    log(`fleet ${index} (${regime}) draw ${attempt}: the estimate says ${est.binds} binds first; drawing again`);
  }
  if (!last) throw new Error(`fleet ${index} (${regime}): no usable draw in ${TRIES} tries`);
  log(`fleet ${index} (${regime}): kept a draw where ${last.guess.binds} binds first after ${TRIES} tries`);
  return last;
}

/** The speedup nearest (in ratio) to the one that puts capacity at `target`, among those within every bound. */
export function chooseSpeedup(
  simCapacity: number,
  target: number,
  simSla: { ttftMs: number; itlMs: number },
  meanOutput: number,
): number | undefined {
  if (!(simCapacity > 0)) return undefined;
  const ok = SPEEDUPS.filter((s) => {
    const c = simCapacity * s;
    return (
      c >= C_MIN &&
      c <= C_MAX &&
      c * meanOutput <= TOKENS_PER_S_MAX &&
      simSla.itlMs / s >= ITL_WALL_MIN_MS &&
      simSla.ttftMs / s >= TTFT_WALL_MIN_MS
    );
  });
  const want = target / simCapacity;
  return ok.sort((a, b) => Math.abs(Math.log(a / want)) - Math.abs(Math.log(b / want)))[0];
}

/** `4 × spillway engine --num-blocks ... --profile half-speed`, for logs and reports. */
export function describeFleet(f: FleetSpec): string {
  const e = f.engine;
  return (
    `${f.engines} × (blocks ${e.numBlocks}, seqs ${e.maxNumSeqs}, batched ${e.maxNumBatchedTokens}, ` +
    `${e.profile}, speedup ${e.speedup}); ${f.workload.label}; SLA TTFT ${f.sla.ttftMs} ms / ITL ${f.sla.itlMs} ms`
  );
}

/**
 * The smoke form's one fleet: two small engines on a shared-prefix workload (so the perfect-affinity run and the
 * prefix figures are exercised too), slowed so its capacity is a few requests/s and a 3 s window stays light.
 */
export function smokeFleet(): FleetSpec {
  const { sample, ...workload } = sharedPrefix({ prefixes: 4, systemWords: 300, maxTokens: 16 });
  const engine = { numBlocks: 256, maxNumSeqs: 8, maxNumBatchedTokens: 1024, profile: 'half-speed' };
  const speedup = 0.5;
  const sla = { ttftMs: 1000, itlMs: 200 };
  const est = estimateFleet(engine, sample, 2, { ttftMs: sla.ttftMs * speedup, itlMs: sla.itlMs * speedup });
  return {
    index: 0,
    regime: 'prefix',
    engines: 2,
    engine: { ...engine, speedup },
    workload,
    sla,
    guess: { capacity: Math.round(est.capacity * speedup * 10) / 10, binds: est.binds },
  };
}
