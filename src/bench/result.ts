/**
 * The JSON a bench run writes (`--json FILE`), schema "spillway-bench/1". The HTML report, the stdout table and
 * the scenario reports all render from this, never from the raw records. Times are milliseconds unless the name
 * says otherwise; rates are per second of the arrival window (`config.durationS`).
 */
import type { LatencyStats } from './percentiles.ts';

export const SCHEMA = 'spillway-bench/1';

export interface BenchResult {
  schema: typeof SCHEMA;
  label?: string;
  /** ISO time the run started. */
  startedAt: string;
  machine: MachineInfo;
  config: RunConfig;
  summary: Summary;
  timeline: Timeline;
  /** TTFT histogram of successful requests: counts[i] are TTFTs in [edgesMs[i], edgesMs[i+1]). */
  ttftHistogram: { edgesMs: number[]; counts: number[] };
  /** The first error body or message seen for each error kind, truncated. */
  errorSamples: Record<string, string>;
  /** Things that make the figures suspect (the generator lagging, requests queued inside the client, ...). */
  warnings: string[];
}

export interface MachineInfo {
  cpus: number;
  cpuModel: string;
  memGiB: number;
  node: string;
  platform: string;
}

export interface RunConfig {
  urls: string[];
  model: string;
  workload: string;
  mode: 'open' | 'closed';
  /** Open loop: target arrivals per second and their process. */
  rate?: number;
  arrival?: string;
  /** Closed loop: users and their think time range. */
  users?: number;
  thinkMs?: [number, number];
  durationS: number;
  /** Seconds of the same load before the measured window, not recorded. */
  warmupS: number;
  stream: boolean;
  sla: { ttftMs?: number; itlMs?: number };
  seed: number;
  connections: number;
  timeoutMs: number;
  maxTokens?: number;
}

export interface Summary {
  /** Requests started in the arrival window (including ones the generator refused at its in-flight cap). */
  requests: number;
  offeredRps: number;
  /** 2xx and whole (no stream error). */
  completed: number;
  completedRps: number;
  /** Completed and within the SLA (every completed request when no SLA was given). */
  good: number;
  goodputRps: number;
  /** Requests not rejected with 429/503: the ones the server took on. */
  admitted: number;
  /** good / admitted; null when nothing was admitted. */
  slaAttainment: number | null;
  /** good / requests: the fraction of all offered requests served within the SLA. */
  slaAttainmentAll: number | null;
  /** Rejections (429, 503) by status. */
  rejected: Record<string, number>;
  rejectedRps: Record<string, number>;
  /** Dispatch to the end of the rejection response. */
  rejectionLatencyMs: LatencyStats;
  /** Retry-After the rejections carried (retry-after-ms, else retry-after seconds × 1000). */
  retryAfterMs: LatencyStats;
  /** Errors by kind: http_<status>, timeout, connection_refused, connection_reset, incomplete_stream, ... */
  errors: Record<string, number>;
  /** Time to first token of completed requests; for non-streamed requests, time to the whole response. */
  ttftMs: LatencyStats;
  /** Gaps between consecutive content chunks of completed streams. */
  itlMs: LatencyStats;
  /** Per-request mean time per output token after the first; what the ITL SLA is checked against. */
  tpotMs: LatencyStats;
  /** Dispatch to the last byte of completed requests. */
  e2eMs: LatencyStats;
  outputTokens: number;
  outputTokensPerS: number;
  generator: GeneratorHealth;
}

export interface GeneratorHealth {
  /** Event-loop delay of the generator process over the run. */
  eventLoopLagP99Ms: number;
  eventLoopLagMaxMs: number;
  /** Open loop: how late requests left against their schedule. */
  dispatchLatenessP99Ms: number;
  maxInFlight: number;
  /** The most requests seen waiting inside the client for a connection at a progress tick. */
  maxClientQueued: number;
  /** CPU the generator process used over the measured window, in % of one core. */
  cpuPercent: number;
  /** Wall time from the first dispatch to the last response, seconds. */
  wallS: number;
}

export interface Timeline {
  bucketS: number;
  /** By end time, except `offered` (by dispatch time). */
  buckets: TimelineBucket[];
}

export interface TimelineBucket {
  /** Start of the bucket, seconds since the run began. */
  t: number;
  offered: number;
  completed: number;
  good: number;
  rejected: Record<string, number>;
  errors: number;
  ttftP50: number;
  ttftP99: number;
  e2eP50: number;
  e2eP99: number;
  outputTokens: number;
}
