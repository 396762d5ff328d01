/**
 * How far to trust the prefix index on one engine: the engine's own prefix hit rate (its hit and query counters,
 * e.g. vLLM's prefix_cache_hits / prefix_cache_queries, in tokens) against the rate the index estimated for what
 * this gateway dispatched there. On each report carrying the counters, with Δq, Δh the engine's counters since
 * the previous report, ΔP, ΔC the prompt and index-cached tokens dispatched since, and d = exp(−Δt / τ):
 *
 *   Q ← d·Q + Δq     H ← d·H + Δh     P ← d·P + ΔP     C ← d·C + ΔC
 *   c = C / P                                   the index's estimated hit rate (recent, decayed)
 *   r = (H + K₀·c) / (Q + K₀)                   the engine's rate, shrunk toward c by K₀ tokens of prior
 *   factor = clamp(r / c, 0, 1 / c)             1 until anything was estimated cached (C = 0)
 *
 * The cached tokens of a dispatch are then estimated as factor × the index's overlap (EngineLoad.cachedTokens),
 * so the gateway's hit estimate follows what the engine serves, and its prefill and KV prediction with it.
 * τ = 30 s: at one request a second per engine that averages ~30 prompts, and a change of workload is followed
 * within a minute. K₀ = 4096 tokens (a couple of long prompts): one prompt's hit or miss does not swing it.
 * A counter that went down means the engine restarted: the baseline restarts (and EngineLoad forgets the
 * engine's share of the index: its cache is empty). The engine's counters include other clients' prompts; the
 * factor then also says how much of the engine's cache this gateway's prompts find.
 */

/** Decay time constant of the sums, ms. */
const TAU_MS = 30_000;
/** Prior weight, tokens, pulling the engine's rate toward the index's while few tokens were counted. */
const PRIOR_TOKENS = 4096;

export class PrefixCalibration {
  /** Multiplier of the index's cached-token estimate for this engine. */
  factor = 1;
  private sinceTokens = 0;
  private sinceCached = 0;
  private lastQueries = -1;
  private lastHits = -1;
  private lastAt = 0;
  private q = 0;
  private h = 0;
  private p = 0;
  private c = 0;

  /** A dispatch: its prompt tokens and the index's (uncalibrated) estimate of those cached. */
  dispatched(tokens: number, indexCached: number): void {
    this.sinceTokens += tokens;
    this.sinceCached += indexCached;
  }

  /**
   * The engine's cumulative counters at `now`. Returns false when they went down (the engine restarted and its
   * cache is empty), true otherwise.
   */
  reported(queries: number, hits: number, now: number): boolean {
    const restarted = queries < this.lastQueries || hits < this.lastHits;
    if (this.lastQueries >= 0 && !restarted) {
      const d = Math.exp(-(now - this.lastAt) / TAU_MS);
      this.q = this.q * d + (queries - this.lastQueries);
      this.h = this.h * d + (hits - this.lastHits);
      this.p = this.p * d + this.sinceTokens;
      this.c = this.c * d + this.sinceCached;
      this.update();
    }
    this.lastQueries = queries;
    this.lastHits = hits;
    this.lastAt = now;
    this.sinceTokens = 0;
    this.sinceCached = 0;
    return !restarted;
  }

  private update(): void {
    if (this.c <= 0 || this.p <= 0) {
      this.factor = 1;
      return;
    }
    const estimated = this.c / this.p;
    const engine = (this.h + PRIOR_TOKENS * estimated) / (this.q + PRIOR_TOKENS);
    this.factor = Math.min(Math.max(engine / estimated, 0), 1 / estimated);
  }
}
