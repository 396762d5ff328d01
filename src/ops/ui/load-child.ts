/**
 * The demo's load generator, as its own process (forked by ./load-control.ts; `{ rate }` messages over IPC).
 * Its own process because it would otherwise share the gateway's event loop: at 4× capacity it sends and reads
 * hundreds of streams a second, and its callbacks would sit in the same queue as the gateway's, adding their time
 * to the TTFT, ITL and overhead the page shows. Here it only shares the CPU, as a real client on the same machine.
 *
 * The built-in generator (src/bench/run.ts), open loop, Poisson arrivals, streamed, with the fleet matrix's
 * priority mix: three independent streams at 15 % critical, 50 % standard, 35 % sheddable of the rate. A rate
 * runs in segments of SEGMENT_MS, each a fresh run, so what a run records stays bounded however long it goes.
 */
import { runBench } from '../../bench/run.ts';

const SEGMENT_MS = 30_000;
const CLASSES = [
  { priority: 'critical', share: 0.15 },
  { priority: 'standard', share: 0.5 },
  { priority: 'sheddable', share: 0.35 },
] as const;

export interface LoadChildConfig {
  url: string;
  model: string;
  workload: string;
  apiKey?: string;
}

export type LoadMessage = { config: LoadChildConfig } | { rate: number };

let config: LoadChildConfig | undefined;
let current: AbortController | undefined;
let segmentTimer: NodeJS.Timeout | undefined;
let seed = 1;

function stop(): void {
  current?.abort();
  current = undefined;
  if (segmentTimer !== undefined) clearTimeout(segmentTimer);
  segmentTimer = undefined;
}

/** Starts a segment at `rate` and schedules the next; arrivals of the one before stop, its requests finish. */
function segment(rate: number): void {
  stop();
  const c = config!;
  const ac = new AbortController();
  current = ac;
  for (const k of CLASSES) {
    const classRate = rate * k.share;
    if (classRate <= 0) continue;
    runBench(
      {
        urls: [c.url],
        model: c.model,
        load: { kind: 'open', rate: classRate, arrival: 'poisson' },
        durationMs: SEGMENT_MS + 1000,
        warmupMs: 0,
        workload: c.workload,
        stream: true,
        sla: {},
        ...(c.apiKey !== undefined && { apiKey: c.apiKey }),
        seed: seed++,
        connections: 1024,
        timeoutMs: 30_000,
        maxInFlight: 20_000,
        headers: { 'x-spillway-priority': k.priority },
      },
      { signal: ac.signal },
    ).catch((err: Error) => process.send?.({ error: err.message }));
  }
  segmentTimer = setTimeout(segment, SEGMENT_MS, rate);
}

process.on('message', (m: LoadMessage) => {
  if ('config' in m) config = m.config;
  else if (m.rate > 0) segment(m.rate);
  else stop();
});
// The demo went away: so does its generator.
process.on('disconnect', () => {
  stop();
  process.exit(0);
});
