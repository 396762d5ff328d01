/**
 * gradient-slo — the smaller of two limits fed the same samples: `gradient` (./gradient.ts, windowed) and
 * `slo` (./slo.ts):
 *
 *   limit = min(gradient.limit, slo.limit)
 *
 * Each half watches what the other misses. gradient reads queueing from TTFT against its floor, and holds
 * engines whose slots or prefill budget bind first; slo reads the engine's own waiting count and the
 * group's TTFT/ITL SLOs with the measured spread of each request's TPOT, and holds engines whose decode (ITL)
 * binds first, where gradient lets ITL past the SLO (latency after the first token is invisible to it). On the
 * fleet matrix (docs/BENCHMARKS.md) gradient alone kept a slot-bound fleet at 100 % SLA attainment at 3× but a
 * decode-bound one at 77 %, and slo alone the reverse (98 % and 65 %).
 * Each half grows only while it binds: a half above the other is never reached, so it counts as untested and
 * stays; cuts apply whichever half sees them. A non-streamed response has no first token: slo judges its whole
 * latency, and gradient gets a blind sample (in-flight only), so it grows while used and shrinks on drops —
 * an upstream that does not stream and does not queue is never held at the starting limit.
 */
import type { ConcurrencyLimit, LimitSample } from './types.ts';

export class SmallerOf implements ConcurrencyLimit {
  readonly name: string;
  private readonly a: ConcurrencyLimit;
  private readonly b: ConcurrencyLimit;

  constructor(name: string, a: ConcurrencyLimit, b: ConcurrencyLimit) {
    this.name = name;
    this.a = a;
    this.b = b;
  }

  get limit(): number {
    return Math.min(this.a.limit, this.b.limit);
  }

  update(s: LimitSample): void {
    this.a.update(s);
    this.b.update(s);
  }

  tokens(now: number, gapMs: number, tokens: number, s: LimitSample): void {
    this.a.tokens?.(now, gapMs, tokens, s);
    this.b.tokens?.(now, gapMs, tokens, s);
  }

  completed(now: number, elapsedMs: number, tpotMs: number, s: LimitSample): void {
    completedOn(this.a, now, elapsedMs, tpotMs, s);
    completedOn(this.b, now, elapsedMs, tpotMs, s);
  }
}

function completedOn(part: ConcurrencyLimit, now: number, elapsedMs: number, tpotMs: number, s: LimitSample): void {
  if (part.completed !== undefined) part.completed(now, elapsedMs, tpotMs, s);
  else if (s.ttftMs !== s.ttftMs) {
    // No first token (not streamed): a blind sample, in-flight only.
    s.rtt = NaN;
    part.update(s);
  }
}
