/** `spillway bench` argv → BenchOptions, with errors that name the bad option. */

import { ARRIVAL_KINDS, type ArrivalKind } from '../../bench/arrivals.ts';
import { type BenchOptions, DEFAULTS } from '../../bench/options.ts';
import { parseOptions } from '../command.ts';

export const BENCH_HELP = `Usage: spillway bench --url URL --model M [--rate R | --users N --think-ms A..B] [options]

Load: open loop with --rate (requests/s on a seeded schedule, whatever the server does), or closed loop with
--users and --think-ms (each user sends, waits for the answer, thinks, like locust).
  --url URL            target: http://host:port, .../v1 or a full endpoint URL; repeat (or comma-separate) for \
round robin
  --affinity           several URLs: shared prefix k always goes to URL k mod n (perfect prefix affinity), not \
round robin
  --model M            model (group) name sent in each body
  --rate R             open loop: arrivals per second
  --arrival KIND       poisson (default) or constant
  --users N            closed loop: concurrent users
  --think-ms A..B      closed loop: think time range in ms (default 500..1000, as the seed's locust test)
  --duration D         measured arrival window: 60s (default), 500ms, 2m
  --warmup D           run the same load this long first, unrecorded (default 0s)
  --workload NAME      seed-locust | chat-short (default) | shared-prefix | mixed | uniform | long-output | rag; \
knobs as NAME:key=value,key=value
  --stream             ask for SSE streams (times first token and inter-token gaps)
  --max-tokens N       override the workload's max_tokens
  --sla-ttft-ms X      a good request's first token within X ms
  --sla-itl-ms Y       a good request's mean time per output token after the first within Y ms
  --api-key K          sent as Authorization: Bearer K
  --header 'N: V'      an extra request header (repeatable), e.g. --header 'x-spillway-priority: critical'
  --seed N             seed for arrivals and bodies (default 1)
  --connections N      keep-alive connections per URL (default 1024; closed loop: users)
  --timeout D          per-request headers/body timeout (default 60s)
  --max-in-flight N    open loop: arrivals beyond this many in flight are counted as errors, not sent (default 20000)
  --json FILE          write the result JSON (schema spillway-bench/1)
  --html FILE          write a self-contained HTML report
  --label TEXT         label carried into the JSON and report
  --quiet              no live progress line`;

const SPEC = {
  url: { type: 'string', multiple: true },
  affinity: { type: 'boolean' },
  model: { type: 'string' },
  rate: { type: 'string' },
  arrival: { type: 'string' },
  users: { type: 'string' },
  'think-ms': { type: 'string' },
  duration: { type: 'string' },
  warmup: { type: 'string' },
  workload: { type: 'string' },
  stream: { type: 'boolean' },
  'max-tokens': { type: 'string' },
  'sla-ttft-ms': { type: 'string' },
  'sla-itl-ms': { type: 'string' },
  'api-key': { type: 'string' },
  header: { type: 'string', multiple: true },
  seed: { type: 'string' },
  connections: { type: 'string' },
  timeout: { type: 'string' },
  'max-in-flight': { type: 'string' },
  json: { type: 'string' },
  html: { type: 'string' },
  label: { type: 'string' },
  quiet: { type: 'boolean' },
} as const;

export interface BenchCli {
  options: BenchOptions;
  jsonFile?: string;
  htmlFile?: string;
  quiet: boolean;
}

export function parseBenchArgs(argv: string[]): BenchCli {
  const v = parseOptions(argv, SPEC);
  const urls = (v.url ?? []).flatMap((u) => u.split(',')).filter(Boolean);
  if (urls.length === 0) throw new Error('--url is required');
  for (const u of urls) if (!URL.canParse(u)) throw new Error(`--url: not a URL: "${u}"`);
  if (!v.model) throw new Error('--model is required');
  if (v.rate !== undefined && v.users !== undefined)
    throw new Error('--rate (open loop) and --users (closed loop) exclude each other');
  if (v.rate === undefined && v.users === undefined)
    throw new Error('give --rate R (open loop) or --users N (closed loop)');
  const arrival = (v.arrival ?? 'poisson') as ArrivalKind;
  if (!ARRIVAL_KINDS.includes(arrival))
    throw new Error(`--arrival: expected ${ARRIVAL_KINDS.join(' or ')}, got "${v.arrival}"`);
  const users = v.users === undefined ? undefined : positive(v.users, 'users', true);
  const load =
    users === undefined
      ? { kind: 'open' as const, rate: positive(v.rate!, 'rate'), arrival }
      : { kind: 'closed' as const, users, thinkMs: range(v['think-ms'] ?? '500..1000', 'think-ms') };
  const options: BenchOptions = {
    urls,
    model: v.model,
    load,
    durationMs: v.duration === undefined ? DEFAULTS.durationMs : durationMs(v.duration, 'duration'),
    warmupMs:
      v.warmup === undefined || v.warmup === '0' || v.warmup === '0s'
        ? DEFAULTS.warmupMs
        : durationMs(v.warmup, 'warmup'),
    workload: v.workload ?? DEFAULTS.workload,
    stream: v.stream ?? false,
    sla: {
      ...(v['sla-ttft-ms'] !== undefined && { ttftMs: positive(v['sla-ttft-ms'], 'sla-ttft-ms') }),
      ...(v['sla-itl-ms'] !== undefined && { itlMs: positive(v['sla-itl-ms'], 'sla-itl-ms') }),
    },
    ...(v['api-key'] !== undefined && { apiKey: v['api-key'] }),
    seed: v.seed === undefined ? DEFAULTS.seed : nonNegativeInt(v.seed, 'seed'),
    connections:
      v.connections === undefined ? (users ?? DEFAULTS.connections) : positive(v.connections, 'connections', true),
    timeoutMs: v.timeout === undefined ? DEFAULTS.timeoutMs : durationMs(v.timeout, 'timeout'),
    ...(v['max-tokens'] !== undefined && { maxTokens: positive(v['max-tokens'], 'max-tokens', true) }),
    maxInFlight:
      v['max-in-flight'] === undefined ? DEFAULTS.maxInFlight : positive(v['max-in-flight'], 'max-in-flight', true),
    ...(v.label !== undefined && { label: v.label }),
    ...(v.header !== undefined && { headers: headers(v.header) }),
    ...(v.affinity === true && { affinity: true }),
  };
  return { options, ...(v.json && { jsonFile: v.json }), ...(v.html && { htmlFile: v.html }), quiet: v.quiet ?? false };
}

function headers(raw: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const h of raw) {
    const i = h.indexOf(':');
    if (i <= 0) throw new Error(`--header: expected 'name: value', got "${h}"`);
    out[h.slice(0, i).trim().toLowerCase()] = h.slice(i + 1).trim();
  }
  return out;
}

/** `60s`, `1.5s`, `500ms`, `2m`, or a bare number of seconds → milliseconds. */
export function durationMs(raw: string, name: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(raw.trim());
  if (!m) throw new Error(`--${name}: expected a duration like 60s, 500ms or 2m, got "${raw}"`);
  const n = Number(m[1]) * (m[2] === 'ms' ? 1 : m[2] === 'm' ? 60_000 : 1000);
  if (!(n > 0)) throw new Error(`--${name}: must be > 0`);
  return n;
}

function range(raw: string, name: string): [number, number] {
  const m = /^(\d+(?:\.\d+)?)\.\.(\d+(?:\.\d+)?)$/.exec(raw.trim());
  if (!m || Number(m[1]) > Number(m[2])) throw new Error(`--${name}: expected A..B with A <= B, got "${raw}"`);
  return [Number(m[1]), Number(m[2])];
}

function positive(raw: string, name: string, integer = false): number {
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n)))
    throw new Error(`--${name}: expected a positive ${integer ? 'integer' : 'number'}, got "${raw}"`);
  return n;
}

function nonNegativeInt(raw: string, name: string): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) throw new Error(`--${name}: expected an integer >= 0, got "${raw}"`);
  return n;
}
