/**
 * The Dynamo mocker's step-time model:
 *   step_ms = [T > 0] · P(T) + [D > 0] · max(min, Q(u))
 * where T is the number of prefill tokens computed in the step, D the number of requests decoding one token, u the
 * fraction of KV blocks in use, P and Q polynomials with coefficients in ascending powers. Prefill and decode time
 * add: a step that carries a prompt chunk stalls its decodes by the whole prefill cost.
 */
import { z } from 'zod';
import type { PerfModel } from './types.ts';

const polynomial = z.array(z.number()).min(1);
export const polynomialSchema = z.object({
  name: z.string().min(1),
  description: z.string().optional(),
  source: z.string().optional(),
  model: z.literal('polynomial').optional(),
  prefill_ms: z.object({ polynomial }),
  decode_ms: z.object({ polynomial, min: z.number().nonnegative().default(1) }),
});
export type PolynomialData = z.input<typeof polynomialSchema>;

/** Horner evaluation; coefficients in ascending powers. */
export function evalPolynomial(c: readonly number[], x: number): number {
  let y = 0;
  for (let i = c.length - 1; i >= 0; i--) y = y * x + c[i];
  return y;
}

export function polynomialModel(data: PolynomialData): PerfModel {
  const p = polynomialSchema.parse(data);
  const prefill = p.prefill_ms.polynomial;
  const decode = p.decode_ms.polynomial;
  const decodeMin = p.decode_ms.min;
  return {
    name: p.name,
    stepMs({ prefillTokens, decodeRequests, kvUsage }) {
      let ms = 0;
      if (prefillTokens > 0) ms += Math.max(0, evalPolynomial(prefill, prefillTokens));
      if (decodeRequests > 0) ms += Math.max(decodeMin, evalPolynomial(decode, kvUsage));
      return ms;
    },
  };
}
