/**
 * A step-time model in which a mixed step (prompt chunks and decodes together) costs what the GPU's two limits say,
 * fitted to published vLLM sweeps (docs/SIMULATOR.md, "Fitted profiles"):
 *   step_ms = overhead + max(weights + kv · C / 1000, per_token · N)
 * N is the tokens the step computes (prefill chunk tokens + one per decoding request) and C the tokens whose KV its
 * attention reads. The first term is the memory roofline: every step streams the weights once, plus the KV it
 * attends to; the second is the compute roofline. A step is bound by the larger, so decodes that ride along a
 * prefill chunk cost almost nothing, as in vLLM's chunked prefill, while a decode-only step costs the weight read.
 */
import { z } from 'zod';
import type { PerfModel } from './types.ts';

export const rooflineSchema = z.object({
  name: z.string().min(1),
  description: z.string().optional(),
  source: z.string().optional(),
  model: z.literal('roofline'),
  step_ms: z.object({
    /** Fixed cost of a step: scheduling, sampling, launches. */
    overhead: z.number().nonnegative(),
    /** Reading the weights once. */
    weights: z.number().nonnegative(),
    /** Reading 1,000 tokens of KV. */
    per_kv_ktoken: z.number().nonnegative(),
    /** Computing one token (prefill or decode). */
    per_token: z.number().nonnegative(),
  }),
});
export type RooflineData = z.input<typeof rooflineSchema>;

export function rooflineModel(data: RooflineData): PerfModel {
  const p = rooflineSchema.parse(data);
  const { overhead, weights, per_kv_ktoken: perKvK, per_token: perToken } = p.step_ms;
  return {
    name: p.name,
    stepMs({ prefillTokens, decodeRequests, contextTokens = 0 }) {
      const tokens = prefillTokens + decodeRequests;
      if (tokens === 0) return 0;
      const memory = weights + (perKvK * contextTokens) / 1000;
      const compute = perToken * tokens;
      return overhead + (memory > compute ? memory : compute);
    },
  };
}
