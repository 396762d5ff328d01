/**
 * Engine options and their defaults: a modest vLLM GPU. 4096 blocks × 16 tokens = 65,536 KV tokens, about what
 * an 8B model leaves on a 40 GB A100 (vLLM logs ~5.7k blocks there); max_num_seqs 256 and
 * max_num_batched_tokens 2048 are vLLM V1's defaults for its OpenAI server on GPUs below H100 class (8192 and
 * 1024 seqs there), where the budget bounds how much a long prompt can delay the running decodes.
 */
import type { FrontEndCosts } from './front-end.ts';
import type { PerfModel } from './perf-model.ts';

export interface EngineOptions {
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  /** Served model name: /v1/models, responses, the metrics' model_name label. */
  model?: string;
  /** Bundled profile name, profile file path, or a model object. */
  profile?: string | PerfModel;
  /** The simulated API server's costs (./front-end.ts); by default a named profile's `front_end` block, else none. */
  frontEnd?: FrontEndCosts;
  /** Divides every simulated duration (steps, --max-queue-ms, Retry-After). */
  speedup?: number;
  seed?: number;
  numBlocks?: number;
  blockSize?: number;
  maxNumSeqs?: number;
  maxNumBatchedTokens?: number;
  /** Longest prompt + output accepted; defaults to the whole KV pool. */
  maxModelLen?: number;
  maxNumQueuedReqs?: number;
  maxNumQueuedTokens?: number;
  /** Simulated ms a request may wait before its first scheduling. */
  maxQueueMs?: number;
  /** Minimum wall ms between two load-feed messages. */
  loadIntervalMs?: number;
}

export const DEFAULTS = {
  host: '127.0.0.1',
  port: 0,
  model: 'sim-llama',
  profile: 'default',
  speedup: 1,
  seed: 0,
  numBlocks: 4096,
  blockSize: 16,
  maxNumSeqs: 256,
  maxNumBatchedTokens: 2048,
  loadIntervalMs: 10,
} as const;

function check(name: string, v: number | undefined, integer: boolean, min: number): void {
  if (v === undefined) return;
  if (!Number.isFinite(v) || v < min || (integer && !Number.isInteger(v))) {
    throw new Error(`${name} must be ${integer ? 'an integer' : 'a number'} >= ${min}, got ${v}`);
  }
}

/** Throws a message naming the first invalid option. */
export function validateOptions(o: EngineOptions): void {
  check('port', o.port, true, 0);
  check('seed', o.seed, true, 0);
  for (const k of ['numBlocks', 'blockSize', 'maxNumSeqs', 'maxNumBatchedTokens', 'maxModelLen'] as const) {
    check(k, o[k], true, 1);
  }
  for (const k of ['maxNumQueuedReqs', 'maxNumQueuedTokens'] as const) check(k, o[k], true, 0);
  check('maxQueueMs', o.maxQueueMs, false, 0);
  check('loadIntervalMs', o.loadIntervalMs, false, 0);
  if (o.speedup !== undefined && !(Number.isFinite(o.speedup) && o.speedup > 0)) {
    throw new Error(`speedup must be a number > 0, got ${o.speedup}`);
  }
}

/** Options given as undefined (CLI flags left out) keep their defaults. */
export function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
