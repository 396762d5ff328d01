/**
 * Fits a roofline profile (../perf/roofline.ts), and optionally its front end (../front-end.ts), to a sweep:
 * coordinate descent on the logarithm of each coefficient, minimising the sum of squared log errors
 * (ln(simulated / published)) over every published figure, each point replayed closed loop as ./sweep.ts does.
 * Starts from what the lowest-concurrency point implies (a decode step ≈ the weight read, a prefill ≈ TTFT), so a
 * few dozen rounds converge; deterministic.
 */
import type { FrontEndCosts } from '../front-end.ts';
import { type RooflineData, rooflineModel } from '../perf/roofline.ts';
import { type EngineSettings, METRICS, type Metric, replaySweep, type Sweep } from './sweep.ts';

type Coefficients = RooflineData['step_ms'];
const STEP_KEYS = ['overhead', 'weights', 'per_kv_ktoken', 'per_token'] as const;
const FRONT_END_KEYS = ['request_ms', 'output_token_ms', 'chunk_ms'] as const;
/** Everything a fit can move: the step-time coefficients and, when fitted, the front end's costs. */
export type FitParams = Coefficients & Partial<FrontEndCosts>;
export type FitKey = keyof FitParams;
export const FIT_KEYS: readonly FitKey[] = [...STEP_KEYS, ...FRONT_END_KEYS];

export interface FitResult {
  stepMs: Coefficients;
  /** Present when the fit included the front end. */
  frontEnd?: FrontEndCosts;
  /** Sum of squared log errors at the optimum. */
  loss: number;
  rounds: number;
}

export function initialGuess(sweep: Sweep): Coefficients {
  const first = sweep.points.reduce((a, b) => (b.concurrency < a.concurrency ? b : a));
  const tpot =
    first.tpot_p50_ms ??
    first.derived?.tpot_p50_ms ??
    (first.output_tok_s ? (first.concurrency * 1000) / first.output_tok_s : 20);
  const weights = 0.9 * tpot;
  const input = (first.input_tokens ?? sweep.input_tokens) as number;
  const perToken = first.ttft_p50_ms ? (0.8 * first.ttft_p50_ms) / input : weights / 150;
  return { overhead: 0.5, weights, per_kv_ktoken: weights * 0.008, per_token: perToken };
}

/** A starting front end for a fit: small costs, since a multiplicative search cannot leave zero. */
export const FRONT_END_START: Required<FrontEndCosts> = { request_ms: 1, output_token_ms: 0.1, chunk_ms: 0.1 };

function split(p: FitParams): { stepMs: Coefficients; frontEnd?: FrontEndCosts } {
  const stepMs = { overhead: p.overhead, weights: p.weights, per_kv_ktoken: p.per_kv_ktoken, per_token: p.per_token };
  if (p.request_ms === undefined || p.output_token_ms === undefined) return { stepMs };
  return {
    stepMs,
    frontEnd: { request_ms: p.request_ms, output_token_ms: p.output_token_ms, chunk_ms: p.chunk_ms ?? 0 },
  };
}

export function sweepLoss(
  params: FitParams,
  engine: EngineSettings,
  sweep: Sweep,
  metrics: readonly Metric[] = METRICS,
): number {
  const { stepMs, frontEnd } = split(params);
  const perf = rooflineModel({ name: 'fit', model: 'roofline', step_ms: stepMs });
  let loss = 0;
  for (const row of replaySweep(perf, engine, sweep, 1, frontEnd)) {
    for (const m of metrics) {
      const published = row.published[m];
      if (published !== undefined) loss += Math.log(row.simulated[m] / published) ** 2;
    }
  }
  return loss;
}

export interface FitOptions {
  /** Where the search starts; include request_ms, output_token_ms and chunk_ms to fit a front end too. */
  start?: FitParams;
  /** Coefficients kept at their start value, e.g. per_kv_ktoken derived from the KV size and the bandwidth. */
  hold?: readonly FitKey[];
  /** The figures the fit matches (default: all three). */
  metrics?: readonly Metric[];
  maxRounds?: number;
}

export function fitRoofline(engine: EngineSettings, sweep: Sweep, options: FitOptions = {}): FitResult {
  const { start = initialGuess(sweep) as FitParams, hold = [], metrics = METRICS, maxRounds = 60 } = options;
  const keys = FIT_KEYS.filter((k) => start[k] !== undefined && !hold.includes(k));
  let best: FitParams = { ...start };
  let loss = sweepLoss(best, engine, sweep, metrics);
  let step = 0.5;
  let rounds = 0;
  while (rounds < maxRounds && step > 0.005) {
    rounds++;
    let improved = false;
    for (const key of keys) {
      for (const factor of [1 + step, 1 / (1 + step)]) {
        const trial = { ...best, [key]: (best[key] as number) * factor };
        const l = sweepLoss(trial, engine, sweep, metrics);
        if (l < loss - 1e-12) {
          best = trial;
          loss = l;
          improved = true;
          break;
        }
      }
    }
    if (!improved) step /= 2;
  }
  const { stepMs, frontEnd } = split(best);
  return {
    stepMs: roundValues(stepMs),
    ...(frontEnd ? { frontEnd: roundValues(frontEnd) } : {}),
    loss,
    rounds,
  };
}

/** Four significant digits: a profile file is read by people. */
function roundValues<T extends Record<string, number>>(c: T): T {
  return Object.fromEntries(Object.entries(c).map(([k, v]) => [k, Number(v.toPrecision(4))])) as T;
}
