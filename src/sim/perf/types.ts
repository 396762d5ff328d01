/** What a step-time model sees of one engine step, and what it answers. */

export interface StepShape {
  /** Prompt tokens computed in the step (prefill chunks, cache hits excluded). */
  prefillTokens: number;
  /** Requests decoding one token in the step. */
  decodeRequests: number;
  /** Fraction of KV blocks in use. */
  kvUsage: number;
  /** Tokens whose KV the step's attention reads: for each scheduled request, its computed tokens plus the new ones. */
  contextTokens?: number;
}

export interface PerfModel {
  readonly name: string;
  stepMs(step: StepShape): number;
}
