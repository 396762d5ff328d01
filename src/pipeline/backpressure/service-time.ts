import type { TtftFit } from '../../engine-admission/ttft-fit.ts';

/** What the service-time estimate reads of a group's engines (GroupState's engine slots). */
export interface ServiceEngines {
  readonly engines: readonly { deployment: { isCoolingDown(): boolean }; gate: { ttftFit: TtftFit } }[];
}

/**
 * The TTFT a queued request of `tokens` prompt tokens can expect after dispatch, and its spread: the mixture of
 * the usable engines' TTFT for that prompt length (src/engine-admission/ttft-fit.ts), each weighted by its
 * samples in the window, i.e. by its share of recent dispatches. A queued request lands on whichever engine
 * frees first, not on the worst one:
 *
 *   mean = Σ n_i·m_i / Σ n_i        sd² = Σ n_i·(s_i² + m_i²) / Σ n_i − mean²
 *
 * The worst engine's m + z·s, used before, let one engine's outlier judge every queued request of the group:
 * one request that waited 1.3 s inside a KV-full engine (its others ~70 ms) gave that engine's 10 s window a
 * spread near 200 ms, and critical requests with nothing queued ahead were refused at arrival on an 8-engine
 * fleet with a 541 ms budget (matrix fleet #3 at 3×). The outlier still counts, by its engine's share.
 * 0 and 0 while no engine has a sample.
 */
export function serviceTime(g: ServiceEngines, now: number, tokens: number, out: { mean: number; sd: number }): void {
  let n = 0;
  let sum = 0;
  let sumSq = 0;
  for (const e of g.engines) {
    if (e.deployment.isCoolingDown()) continue;
    const fit = e.gate.ttftFit;
    const m = fit.expected(now, tokens);
    if (m !== m) continue;
    const s = fit.sd(now);
    const w = fit.count(now);
    n += w;
    sum += w * m;
    sumSq += w * (s * s + m * m);
  }
  const mean = n > 0 ? sum / n : 0;
  out.mean = mean;
  out.sd = n > 0 ? Math.sqrt(Math.max(0, sumSq / n - mean * mean)) : 0;
}
