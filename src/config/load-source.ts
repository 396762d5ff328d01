/**
 * Where each deployment's load reports come from, and the accounting constants for it. The YAML shape is
 * exported for the config loader to mount per deployment (suggested: `model_list[].spillway.load`):
 *
 *   load: { kind: vllm, interval_ms: 100 }            # scrape vLLM's (or the simulator's) /metrics
 *   load: { kind: sglang, url: http://h:30000/metrics }
 *   load: { kind: push }                              # the simulator's SSE feed, GET /load/stream
 *   load: { kind: none }                              # hosted API: prediction only (the default)
 */
import * as z from 'zod';

export const LOAD_KINDS = ['vllm', 'sglang', 'push', 'none'] as const;
export type LoadKind = (typeof LOAD_KINDS)[number];

const ms = () => z.int().positive();

export const loadSourceShape = {
  kind: z.enum(LOAD_KINDS).default('none'),
  /** Default: api_base's origin + /metrics (vllm, sglang) or + /load/stream (push). */
  url: z.url({ protocol: /^https?$/ }).optional(),
  interval_ms: ms().default(100),
  timeout_ms: ms().default(1000),
  /**
   * A report older than this is ignored and the prediction is used alone. Default 1000 ms for scrapes
   * (10 intervals); 60 s for push, whose feed is quiet only while nothing changes and whose drop is seen at once.
   */
  stale_after_ms: ms().optional(),
  /** Tokens per KV block until the engine reports its own (vLLM reports it; SGLang counts tokens). */
  block_size: z.int().positive().default(16),
  /** KV capacity in blocks when the engine does not report it. */
  total_blocks: z.int().positive().optional(),
  /** Busy at or above this reconciled KV use (0..1]: kv-aware and least-kv skip it. Default: never. */
  busy_kv_usage: z.number().gt(0).lte(1).optional(),
};

export const LoadSourceSchema = z.strictObject(loadSourceShape);

export interface LoadSourceConfig {
  kind: LoadKind;
  url?: string;
  intervalMs: number;
  timeoutMs: number;
  staleAfterMs: number;
  blockSize: number;
  totalBlocks?: number;
  busyKvUsage?: number;
}

export function normalizeLoadSource(raw: z.output<typeof LoadSourceSchema>): LoadSourceConfig {
  return {
    kind: raw.kind,
    url: raw.url,
    intervalMs: raw.interval_ms,
    timeoutMs: raw.timeout_ms,
    staleAfterMs: raw.stale_after_ms ?? (raw.kind === 'push' ? 60_000 : 1000),
    blockSize: raw.block_size,
    totalBlocks: raw.total_blocks,
    busyKvUsage: raw.busy_kv_usage,
  };
}

/** The defaults, for deployments whose config says nothing about load. */
export const DEFAULT_LOAD_SOURCE: LoadSourceConfig = normalizeLoadSource(LoadSourceSchema.parse({}));

/** The report URL of `kind` for a deployment at `apiBase` (e.g. http://h:8000/v1 → http://h:8000/metrics). */
export function defaultLoadUrl(kind: LoadKind, apiBase: string): string | undefined {
  const origin = new URL(apiBase).origin;
  if (kind === 'vllm' || kind === 'sglang') return `${origin}/metrics`;
  if (kind === 'push') return `${origin}/load/stream`;
  return undefined;
}
