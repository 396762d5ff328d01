/**
 * What routing needs to know about a prompt, computed once per request before any strategy runs: its length
 * in bytes and tokens, its chained block hashes, and how many leading blocks each engine already holds.
 */
import type { Endpoint } from '../config/types.ts';
import type { TokenEstimator } from '../tokens/estimate.ts';
import type { PrefixIndex } from './prefix-index.ts';
import { blockHashes, DEFAULT_BLOCK_BYTES, promptText } from './prompt-bytes.ts';
import { fixedPromptTokens, renderPrompt } from './prompt-shapes.ts';

export class PromptInfo {
  readonly bytes: number;
  readonly tokens: number;
  readonly blockBytes: number;
  readonly hashes: readonly number[];
  /** By engine slot (PrefixIndex.slot): leading blocks that engine holds, at analysis time. */
  readonly overlaps: Int32Array;

  constructor(bytes: number, tokens: number, blockBytes: number, hashes: readonly number[], overlaps: Int32Array) {
    this.bytes = bytes;
    this.tokens = tokens;
    this.blockBytes = blockBytes;
    this.hashes = hashes;
    this.overlaps = overlaps;
  }

  /** Prompt tokens the engine in `slot` likely has cached: the overlap's share of the prompt's bytes. */
  cachedTokens(slot: number): number {
    const blocks = slot < this.overlaps.length ? this.overlaps[slot] : 0;
    if (blocks === 0 || this.bytes === 0) return 0;
    return Math.min(this.tokens, Math.floor((this.tokens * blocks * this.blockBytes) / this.bytes));
  }
}

export interface PromptAnalyzerOptions {
  index: PrefixIndex;
  estimator: TokenEstimator;
  /** Bytes per hashed block, a multiple of 4. Default 256 (≈64 tokens). */
  blockBytes?: number;
  /**
   * An exact counter (a real tokenizer) used instead of the estimate. Costs O(prompt) and ~0.5 ms on a 13 KB
   * prompt, ten times the routing budget: off by default.
   */
  countTokens?: (text: string) => number;
  /** Per model group counters (`spillway.tokenizers`), before `countTokens` and the estimate. */
  groupCounters?: ReadonlyMap<string, (text: string) => number>;
  /**
   * Hash the prompt's blocks and look them up in the index. Default true; false when nothing reads prefixes
   * (src/pipeline/load-needs.ts): the prompt then has no blocks and no engine holds any of it.
   */
  hashing?: boolean;
}

const NO_HASHES: readonly number[] = [];
const NO_OVERLAPS = new Int32Array(0);

export class PromptAnalyzer {
  private readonly index: PrefixIndex;
  private readonly estimator: TokenEstimator;
  private readonly countTokens: ((text: string) => number) | undefined;
  private readonly groupCounters: ReadonlyMap<string, (text: string) => number>;
  readonly blockBytes: number;
  private readonly hashing: boolean;

  constructor(opts: PromptAnalyzerOptions) {
    this.index = opts.index;
    this.hashing = opts.hashing ?? true;
    this.estimator = opts.estimator;
    this.countTokens = opts.countTokens;
    this.groupCounters = opts.groupCounters ?? new Map();
    this.blockBytes = opts.blockBytes ?? DEFAULT_BLOCK_BYTES;
    if (this.blockBytes <= 0 || this.blockBytes % 4 !== 0) {
      throw new Error(`prefix block size must be a positive multiple of 4 bytes, got ${this.blockBytes}`);
    }
  }

  analyze(group: string, endpoint: Endpoint, body: Record<string, unknown>): PromptInfo {
    const bytes = renderPrompt(endpoint, body);
    const count = this.groupCounters.get(group) ?? this.countTokens;
    const tokens = (count ? count(promptText()) : this.estimator.estimate(group, bytes)) + fixedPromptTokens(endpoint);
    if (!this.hashing) return new PromptInfo(bytes, tokens, this.blockBytes, NO_HASHES, NO_OVERLAPS);
    const hashes = blockHashes(this.blockBytes);
    const overlaps = new Int32Array(this.index.slotCount);
    this.index.overlaps(hashes, overlaps);
    return new PromptInfo(bytes, tokens, this.blockBytes, hashes, overlaps);
  }

  /** A response reported the prompt's true token count: calibrate the estimate. */
  observeUsage(group: string, prompt: PromptInfo, promptTokens: number): void {
    this.estimator.observe(group, prompt.bytes, promptTokens);
  }
}
