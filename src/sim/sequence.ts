/**
 * One request inside the simulated engine. Times are engine milliseconds (wall time × speedup); token counts
 * follow vLLM V1: `numTokens` = prompt + generated so far, `numComputed` = tokens whose KV is computed. A step
 * that brings numComputed up to numTokens samples one new token.
 */

export type SequenceState = 'waiting' | 'running' | 'finished' | 'aborted' | 'rejected';
export type FinishReason = 'length' | 'stop';

/** Receives what the scheduler decides about one sequence (implemented by the HTTP layer's writers). */
export interface SequenceSink {
  /** One new token at engine time `now`; `done` when it was the last. */
  onToken(seq: Sequence, now: number, done: boolean): void;
  /** Rejected while waiting (queue timeout); nothing was computed for the client. */
  onReject(seq: Sequence, now: number): void;
}

export interface SequenceInit {
  id: number;
  promptTokens: number;
  /** Chained hashes of the prompt's full blocks (see block-hash.ts). */
  blockHashes: readonly number[];
  /** Tokens to generate. */
  maxOutput: number;
  /** What to report when maxOutput is reached: 'length' when the client's max_tokens cut it, else 'stop'. */
  finishReason: FinishReason;
  arrival: number;
  sink?: SequenceSink | null;
}

export class Sequence {
  readonly id: number;
  readonly promptTokens: number;
  readonly blockHashes: readonly number[];
  readonly maxOutput: number;
  readonly finishReason: FinishReason;
  readonly arrival: number;
  sink: SequenceSink | null;

  state: SequenceState = 'waiting';
  numOutput = 0;
  numComputed = 0;
  /** Tokens this (re)prefill must compute before sampling: the prompt, or prompt + output after a preemption. */
  prefillTarget: number;
  /** Block table. */
  readonly blocks: number[] = [];
  /** Leading prompt blocks already registered in the prefix cache. */
  committedBlocks = 0;
  /** Prompt tokens served from the prefix cache at first scheduling (usage.prompt_tokens_details). */
  cachedTokens = 0;
  preemptions = 0;
  firstScheduled = -1;
  firstToken = -1;
  lastToken = -1;
  finishedAt = -1;
  /** Last token time before the current step, for the inter-token latency of the next one. */
  prevToken = -1;

  constructor(init: SequenceInit) {
    this.id = init.id;
    this.promptTokens = init.promptTokens;
    this.blockHashes = init.blockHashes;
    this.maxOutput = init.maxOutput;
    this.finishReason = init.finishReason;
    this.arrival = init.arrival;
    this.sink = init.sink ?? null;
    this.prefillTarget = init.promptTokens;
  }

  get numTokens(): number {
    return this.promptTokens + this.numOutput;
  }

  /** Prefill tokens still to compute before the next sampled token. */
  get pendingPrefill(): number {
    const r = this.prefillTarget - this.numComputed;
    return r > 0 ? r : 0;
  }

  get isLive(): boolean {
    return this.state === 'waiting' || this.state === 'running';
  }
}
