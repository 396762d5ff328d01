import type { GroupState } from './groups.ts';

/**
 * The TTFT a queued request of `tokens` prompt tokens can expect after dispatch. It leaves for whichever usable
 * engine frees first, so its service time is a mixture over them: each engine's expected TTFT for that prompt
 * length and the spread around it (src/engine-admission/ttft-fit.ts), pooled as
 *
 *   mean = (1/n) Σ m_i        sd² = (1/n) Σ (s_i² + m_i²) − mean²
 *
 * which keeps the spread between engines' means as well as each one's own. Judging by the engine where m + z·s
 * was largest instead refused critical requests at arrival on a KV-bound fleet at 3× (matrix #7: one engine's
 * residual spread of ~330 ms put m + z·s past the 903 ms budget of any prompt, whatever the queue ahead), while
 * the requests admitted met the SLA 99.6-99.8 % of the time either way (docs/BENCHMARKS.md, session 7).
 * 0 and 0 while no engine has a sample.
 */
export function serviceTime(
  g: GroupState<unknown>,
  now: number,
  tokens: number,
  out: { mean: number; sd: number },
): void {
  let n = 0;
  let sum = 0;
  let squares = 0;
  for (const e of g.engines) {
    if (e.deployment.isCoolingDown()) continue;
    const fit = e.gate.ttftFit;
    const m = fit.expected(now, tokens);
    if (m !== m) continue;
    const s = fit.sd(now);
    n++;
    sum += m;
    squares += s * s + m * m;
  }
  const mean = n > 0 ? sum / n : 0;
  out.mean = mean;
  out.sd = n > 0 ? Math.sqrt(Math.max(0, squares / n - mean * mean)) : 0;
}
