/**
 * Fits a roofline profile (../perf/roofline.ts) to a sweep: coordinate descent on the logarithm of its four
 * coefficients, minimising the sum of squared log errors (ln(simulated / published)) over every published figure,
 * each point replayed closed loop as ./sweep.ts does. Starts from what the lowest-concurrency point implies (a
 * decode step ≈ the weight read, a prefill ≈ TTFT), so a few dozen rounds converge; deterministic.
 */
import { type RooflineData, rooflineModel } from '../perf/roofline.ts';
import { type EngineSettings, METRICS, type Metric, replaySweep, type Sweep } from './sweep.ts';

type Coefficients = RooflineData['step_ms'];
const KEYS = ['overhead', 'weights', 'per_kv_ktoken', 'per_token'] as const;

export interface FitResult {
  stepMs: Coefficients;
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

export function sweepLoss(
  stepMs: Coefficients,
  engine: EngineSettings,
  sweep: Sweep,
  metrics: readonly Metric[] = METRICS,
): number {
  const perf = rooflineModel({ name: 'fit', model: 'roofline', step_ms: stepMs });
  let loss = 0;
  for (const row of replaySweep(perf, engine, sweep)) {
    for (const m of metrics) {
      const published = row.published[m];
      if (published !== undefined) loss += Math.log(row.simulated[m] / published) ** 2;
    }
  }
  return loss;
}

export interface FitOptions {
  start?: Coefficients;
  /** Coefficients kept at their start value, e.g. per_kv_ktoken derived from the KV size and the bandwidth. */
  hold?: readonly (typeof KEYS)[number][];
  /** The figures the fit matches (default: all three). */
  metrics?: readonly Metric[];
  maxRounds?: number;
}

export function fitRoofline(engine: EngineSettings, sweep: Sweep, options: FitOptions = {}): FitResult {
  const { start = initialGuess(sweep), hold = [], metrics = METRICS, maxRounds = 60 } = options;
  const keys = KEYS.filter((k) => !hold.includes(k));
  let best = { ...start };
  let loss = sweepLoss(best, engine, sweep, metrics);
  let step = 0.5;
  let rounds = 0;
  while (rounds < maxRounds && step > 0.005) {
    rounds++;
    let improved = false;
    for (const key of keys) {
      for (const factor of [1 + step, 1 / (1 + step)]) {
        const trial = { ...best, [key]: best[key] * factor };
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
  return { stepMs: roundCoefficients(best), loss, rounds };
}

/** Four significant digits: a profile file is read by people. */
function roundCoefficients(c: Coefficients): Coefficients {
  const r = (x: number) => Number(x.toPrecision(4));
  return {
    overhead: r(c.overhead),
    weights: r(c.weights),
    per_kv_ktoken: r(c.per_kv_ktoken),
    per_token: r(c.per_token),
  };
}
