import type { ArrivalKind } from './arrivals.ts';

export type LoadShape =
  | { kind: 'open'; rate: number; arrival: ArrivalKind }
  | { kind: 'closed'; users: number; thinkMs: readonly [number, number] };

export interface Sla {
  /** A good request's first token comes within this many ms of its dispatch. */
  ttftMs?: number;
  /** A good request's mean gap per output token after the first (TPOT) stays within this many ms. */
  itlMs?: number;
}

export interface BenchOptions {
  /** Base URLs (`http://host:port`, `.../v1` or a full endpoint URL); several are used round robin. */
  urls: readonly string[];
  model: string;
  load: LoadShape;
  durationMs: number;
  /** The same load runs this long before the measured window, unrecorded (JIT, connections, caches warm up). */
  warmupMs: number;
  /** `name` or `name:key=value,...` (see workloads/index.ts). */
  workload: string;
  stream: boolean;
  sla: Sla;
  apiKey?: string;
  seed: number;
  /** Upper bound on keep-alive connections per URL. */
  connections: number;
  /** Per-request limit on waiting for headers and between body chunks. */
  timeoutMs: number;
  maxTokens?: number;
  /** Open loop: arrivals beyond this many in flight are counted as `generator_in_flight_cap` errors, not sent. */
  maxInFlight: number;
  /** Free-form label carried into the result (scenario name, variant). */
  label?: string;
  /** Send each request to the URL picked by its workload's shared prefix (prefix k → URL k mod n), not round robin. */
  affinity?: boolean;
  /** Extra request headers (e.g. x-spillway-priority), from repeated --header 'name: value'. */
  headers?: Record<string, string>;
}

export const DEFAULTS = {
  durationMs: 60_000,
  warmupMs: 0,
  workload: 'chat-short',
  seed: 1,
  connections: 1024,
  timeoutMs: 60_000,
  maxInFlight: 20_000,
} as const;

/** Where the chat endpoint is, given what the user typed: a bare origin or a /v1 base gets the standard path. */
export function endpointUrl(raw: string): URL {
  const url = new URL(raw);
  const path = url.pathname.replace(/\/+$/, '');
  if (path === '') url.pathname = '/v1/chat/completions';
  else if (path.endsWith('/v1')) url.pathname = `${path}/chat/completions`;
  return url;
}
