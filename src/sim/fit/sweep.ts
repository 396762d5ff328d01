/**
 * A published (or your own) closed-loop vLLM sweep, as a profile file records it beside its step-time model, and
 * its replay against the simulator. Facts only: the engine settings the sweep ran with, the workload shape, and per
 * concurrency the figures `vllm bench serve` reports. A figure the source does not give is absent; a figure
 * computed from the published ones (not published itself) goes under `derived` and is shown but not judged.
 */
import { z } from 'zod';
import { runClosedLoop } from '../closed-loop.ts';
import type { FrontEndCosts } from '../front-end.ts';
import type { PerfModel } from '../perf/types.ts';

const figures = z.object({
  output_tok_s: z.number().positive().optional(),
  ttft_p50_ms: z.number().positive().optional(),
  tpot_p50_ms: z.number().positive().optional(),
});
export type Figures = z.infer<typeof figures>;
export const METRICS = ['output_tok_s', 'ttft_p50_ms', 'tpot_p50_ms'] as const;
export type Metric = (typeof METRICS)[number];

const point = figures.extend({
  concurrency: z.number().int().positive(),
  /** Requests sent at this point (vllm bench serve --num-prompts). */
  prompts: z.number().int().positive(),
  /** The point's own shape, where a sweep mixes shapes. */
  input_tokens: z.number().int().positive().optional(),
  output_tokens: z.number().int().positive().optional(),
  /** Runs of the same prompts on one server whose figures the source averages (later runs hit the prefix cache). */
  runs: z.number().int().positive().optional(),
  derived: figures.optional(),
  note: z.string().optional(),
});

export const engineSchema = z.object({
  num_blocks: z.number().int().positive(),
  block_size: z.number().int().positive(),
  max_num_seqs: z.number().int().positive(),
  max_num_batched_tokens: z.number().int().positive(),
});

export const sweepSchema = z
  .object({
    input_tokens: z.number().int().positive().optional(),
    output_tokens: z.number().int().positive().optional(),
    /** Output lengths drawn uniformly from [output_min, output_tokens], where requests stopped before the cap. */
    output_min: z.number().int().positive().optional(),
    points: z.array(point).min(1),
  })
  .refine((s) => s.points.every((p) => (p.input_tokens ?? s.input_tokens) && (p.output_tokens ?? s.output_tokens)), {
    message: "every point needs input_tokens and output_tokens (its own or the sweep's)",
  });
export type Sweep = z.infer<typeof sweepSchema>;
export type EngineSettings = z.infer<typeof engineSchema>;

/** The parts of a profile file the replay reads; the rest (sources, derivations) is for people. */
export const sourcedProfileSchema = z.object({
  name: z.string(),
  engine: engineSchema,
  sweep: sweepSchema,
});

export interface ReplayRow {
  concurrency: number;
  inputTokens: number;
  outputTokens: number;
  published: Figures;
  derived: Figures;
  simulated: Required<Figures>;
  /** (simulated − published) / published, per published figure. */
  error: Figures;
  preemptions: number;
}

/**
 * Replays every point of the sweep, closed loop in virtual time, on an engine with the sweep's settings, behind
 * the profile's front end (none when undefined).
 */
export function replaySweep(
  perf: PerfModel,
  engine: EngineSettings,
  sweep: Sweep,
  promptScale = 1,
  frontEnd?: FrontEndCosts,
): ReplayRow[] {
  const config = {
    numBlocks: engine.num_blocks,
    blockSize: engine.block_size,
    maxNumSeqs: engine.max_num_seqs,
    maxNumBatchedTokens: engine.max_num_batched_tokens,
    perf,
  };
  return sweep.points.map((p) => {
    const prompts = Math.max(p.concurrency, Math.round(p.prompts * promptScale));
    const inputTokens = (p.input_tokens ?? sweep.input_tokens) as number;
    const outputTokens = (p.output_tokens ?? sweep.output_tokens) as number;
    const r = runClosedLoop(
      config,
      {
        concurrency: p.concurrency,
        prompts,
        inputTokens,
        outputTokens,
        outputMin: sweep.output_min,
        runs: p.runs,
      },
      frontEnd,
    );
    const simulated = { output_tok_s: r.outputTokPerS, ttft_p50_ms: r.ttftP50Ms, tpot_p50_ms: r.tpotP50Ms };
    const error: Figures = {};
    for (const m of METRICS) {
      const published = p[m];
      if (published !== undefined) error[m] = (simulated[m] - published) / published;
    }
    const published: Figures = {};
    for (const m of METRICS) if (p[m] !== undefined) published[m] = p[m];
    return {
      concurrency: p.concurrency,
      inputTokens,
      outputTokens,
      published,
      derived: p.derived ?? {},
      simulated,
      error,
      preemptions: r.preemptions,
    };
  });
}

/** The largest |error| over every published figure of the rows. */
export function worstError(rows: readonly ReplayRow[]): number {
  let worst = 0;
  for (const row of rows) for (const m of METRICS) worst = Math.max(worst, Math.abs(row.error[m] ?? 0));
  return worst;
}
