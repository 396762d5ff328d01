import type { GroupState } from './groups.ts';

/**
 * The TTFT a queued request of `tokens` prompt tokens can expect after dispatch: each usable engine's expected
 * TTFT for that prompt length and the spread around it (src/engine-admission/ttft-fit.ts), from the engine
 * where expected + z·spread is the largest. The request may land on any of them, and an engine that has just
 * filled up is slower than its window still says. 0 and 0 while no engine has a sample.
 */
export function serviceTime(
  g: GroupState<unknown>,
  now: number,
  tokens: number,
  z: number,
  out: { mean: number; sd: number },
): void {
  out.mean = 0;
  out.sd = 0;
  for (const e of g.engines) {
    if (e.deployment.isCoolingDown()) continue;
    const fit = e.gate.ttftFit;
    const m = fit.expected(now, tokens);
    if (m !== m) continue;
    const d = fit.sd(now);
    if (m + z * d > out.mean + z * out.sd) {
      out.mean = m;
      out.sd = d;
    }
  }
}
