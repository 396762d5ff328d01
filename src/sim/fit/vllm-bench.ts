/**
 * Reads the result files `vllm bench serve --save-result` writes (one JSON object per run) into a sweep
 * (./sweep.ts): one point per file, its shape from the token totals, its figures from the medians the tool reports.
 */
import { z } from 'zod';
import type { Sweep } from './sweep.ts';

const benchResult = z.object({
  max_concurrency: z.number().int().positive().nullish(),
  completed: z.number().int().positive(),
  total_input_tokens: z.number().int().positive(),
  total_output_tokens: z.number().int().positive(),
  output_throughput: z.number().positive(),
  median_ttft_ms: z.number().positive().optional(),
  median_tpot_ms: z.number().positive().optional(),
});

/** `files` maps a file name (for messages) to its parsed JSON. Points come out sorted by concurrency. */
export function sweepFromBenchResults(files: ReadonlyMap<string, unknown>): Sweep {
  const points = [...files].map(([file, json]) => {
    const parsed = benchResult.safeParse(json);
    if (!parsed.success) throw new Error(`${file}: not a vllm bench serve result: ${z.prettifyError(parsed.error)}`);
    const r = parsed.data;
    if (!r.max_concurrency) throw new Error(`${file}: no max_concurrency (run it with --max-concurrency)`);
    return {
      concurrency: r.max_concurrency,
      prompts: r.completed,
      input_tokens: Math.round(r.total_input_tokens / r.completed),
      output_tokens: Math.round(r.total_output_tokens / r.completed),
      output_tok_s: r.output_throughput,
      ttft_p50_ms: r.median_ttft_ms,
      tpot_p50_ms: r.median_tpot_ms,
    };
  });
  return { points: points.sort((a, b) => a.concurrency - b.concurrency) };
}
