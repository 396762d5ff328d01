/**
 * What the scheduler (./scheduler.ts) tells the rest of the engine: each step's plan (for the perf model and the
 * engine loop) and outcome (for the streams and the metrics), its load as the load feed publishes it, and its
 * running totals.
 */
import type { Sequence } from './sequence.ts';

export interface LoadSnapshot {
  running: number;
  waiting: number;
  kvBlocksUsed: number;
  kvBlocksTotal: number;
  queuedPrefillTokens: number;
}

export interface StepPlan {
  start: number;
  duration: number;
  end: number;
  seqs: Sequence[];
  newTokens: number[];
  prefillTokens: number;
  decodeRequests: number;
  kvUsage: number;
  /** KV tokens the step's attention reads: computed + new tokens of every scheduled request. */
  contextTokens: number;
  preemptions: number;
  /** Rejected at the start of this step for waiting longer than maxQueueMs. */
  expired: Sequence[];
  /** Prefix-cache lookups of the requests first scheduled in this step, in tokens (vLLM's meaning). */
  prefixQueries: number;
  prefixHits: number;
}

export interface StepOutcome {
  /** Requests that produced one token at the end of the step (finished ones included). */
  emitted: Sequence[];
  finished: number;
  promptTokens: number;
  generationTokens: number;
}

export interface SchedulerTotals {
  steps: number;
  preemptions: number;
  prefixQueries: number;
  prefixHits: number;
  promptTokens: number;
  generationTokens: number;
  finished: number;
  aborted: number;
  rejectedQueueFull: number;
  rejectedQueuedTokens: number;
  rejectedQueueTimeout: number;
}
