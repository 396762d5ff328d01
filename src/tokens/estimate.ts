/**
 * Prompt tokens from prompt bytes, calibrated online per model group from what the upstream reports:
 *
 *   tokens ≈ ceil(bytes / bpt[group])
 *   on each response with usage:  bpt ← bpt + α · (clamp(bytes / usage.prompt_tokens) − bpt)
 *
 * `bytes` is the UTF-8 length of the rendered prompt (src/prefix/prompt-bytes.ts), so the ratio also absorbs the
 * engine's chat-template tokens. It starts at ~4 bytes per token (English BPE) and converges within a few
 * dozen responses. Costs O(1) per request where a real tokenizer costs O(prompt) and ~0.5 ms for 13 KB
 * (docs/BENCHMARKS.md, "Routing decision cost"): this is the hot path's default.
 */

export interface TokenEstimatorOptions {
  /** Bytes per token before any observation. Default 4. */
  initialBytesPerToken?: number;
  /** Weight of each new observation in the moving average. Default 0.1. */
  alpha?: number;
}

/** Observations outside this range are clamped: a broken usage field must not wreck the estimate. */
const MIN_BPT = 1;
const MAX_BPT = 16;

interface GroupRatio {
  bpt: number;
  samples: number;
}

export class TokenEstimator {
  private readonly groups = new Map<string, GroupRatio>();
  private readonly initial: number;
  private readonly alpha: number;

  constructor(opts: TokenEstimatorOptions = {}) {
    this.initial = opts.initialBytesPerToken ?? 4;
    this.alpha = opts.alpha ?? 0.1;
  }

  estimate(group: string, bytes: number): number {
    if (bytes <= 0) return 0;
    return Math.ceil(bytes / (this.groups.get(group)?.bpt ?? this.initial));
  }

  /** A response reported `promptTokens` for a prompt of `bytes`. Ignores empty or missing counts. */
  observe(group: string, bytes: number, promptTokens: number): void {
    if (!(promptTokens > 0) || !(bytes > 0)) return;
    const sample = Math.min(MAX_BPT, Math.max(MIN_BPT, bytes / promptTokens));
    const g = this.groups.get(group);
    if (g === undefined) {
      // The first sample replaces the prior outright: the prior is a guess, the sample a measurement.
      this.groups.set(group, { bpt: sample, samples: 1 });
      return;
    }
    g.bpt += this.alpha * (sample - g.bpt);
    g.samples++;
  }

  bytesPerToken(group: string): number {
    return this.groups.get(group)?.bpt ?? this.initial;
  }

  samples(group: string): number {
    return this.groups.get(group)?.samples ?? 0;
  }
}
