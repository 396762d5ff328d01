/**
 * The chaos soak's report: good-traffic success and SLA attainment, every loss attributed to the fault it came
 * from, RSS over time with its least-squares slope after warm-up, event-loop lag, gateway exits, and the
 * gateway's accounting once traffic has stopped. Built as JSON (--json, and chaos.json) and as a text table.
 *
 * Attribution of a failed (or SLA-missing) good request, first rule that applies:
 *   gateway_crash      its lifetime overlaps a time the gateway was down (exited, not yet restarted), or
 *                      the moment before the harness heard of the exit;
 *   killed_in_flight   it was in flight when an engine was kill -9'd and its response named that engine
 *                      (x-spillway-deployment): lost with the engine, counted apart and left out of the ratio;
 *   <fault kind>       its lifetime overlaps a fault window, or the grace after it (effects such as cooldowns
 *                      outlast the window); the latest-starting such window;
 *   none               no fault explains it.
 */
import { type LatencyStats, latencyStats } from '../percentiles.ts';
import type { BadOutcome } from './bad-requests.ts';
import type { FaultResult } from './faults.ts';
import type { Sla } from './fleet.ts';
import type { Crash, Downtime, LagScrape } from './monitor.ts';
import type { Schedule } from './schedule.ts';
import type { GoodRecord } from './traffic.ts';

export const SCHEMA = 'spillway-chaos/1';

export interface ChaosInputs {
  command: string;
  machine: string;
  options: {
    durationS: number;
    rate: number;
    arrival: string;
    seed: number;
    smoke: boolean;
    backpressure: boolean;
    sla: Sla;
  };
  schedule: Schedule;
  records: GoodRecord[];
  faults: FaultResult[];
  graceMs: number;
  crashes: Crash[];
  downtimes: Downtime[];
  finalExit: { code: number | null; signal: string | null } | undefined;
  rss: Array<[number, number]>;
  rssPids: number[];
  probes: Array<[number, number]>;
  lag: LagScrape[];
  accounting: { settled: boolean; waitedMs: number; values: Record<string, number> } | { error: string };
}

interface Losses {
  windows: number;
  /** Good requests that failed. */
  failed: number;
  /** Good requests that succeeded outside the SLA. */
  slaMissed: number;
  errors: Record<string, number>;
}

/** The harness hears of a gateway's exit a moment after the connections it cut: they count as the crash's. */
const EXIT_NOTICE_MS = 250;

/** prom-client samples the event loop with a 10 ms timer and reports the whole period (as src/bench/run.ts notes). */
const PROM_LAG_RESOLUTION_MS = 10;

export function buildReport(x: ChaosInputs) {
  const { records, sla } = { records: x.records, sla: x.options.sla };
  const tags = records.map((r) => attribute(r, x));
  const killedInFlight = tags.filter((t) => t === 'killed_in_flight').length;
  const counted = records.length - killedInFlight;
  const succeeded = records.filter((r) => r.ok).length;
  const meets = (r: GoodRecord) => r.ok && r.ttftMs <= sla.ttftMs && !(r.tpotMs > sla.itlMs);
  const withinSla = records.filter(meets).length;

  const losses: Record<string, Losses> = {};
  const lossOf = (tag: string) => (losses[tag] ??= { windows: 0, failed: 0, slaMissed: 0, errors: {} });
  for (const f of x.faults) lossOf(f.kind).windows++;
  const perWindow = new Map<number, { failed: number; slaMissed: number }>();
  records.forEach((r, i) => {
    if (meets(r)) return;
    const tag = tags[i];
    const l = lossOf(typeof tag === 'string' ? tag : tag.kind);
    if (!r.ok) {
      l.failed++;
      const e = r.error ?? 'unknown';
      l.errors[e] = (l.errors[e] ?? 0) + 1;
    } else l.slaMissed++;
    if (typeof tag !== 'string') {
      const w = perWindow.get(tag.id) ?? { failed: 0, slaMissed: 0 };
      if (r.ok) w.slaMissed++;
      else w.failed++;
      perWindow.set(tag.id, w);
    }
  });

  const finalPid = x.rssPids.at(-1);
  const segment = x.rss.filter((_, i) => x.rssPids[i] === finalPid);
  const afterWarmup = segment.filter(([t]) => t >= x.schedule.rssWarmupMs);
  const slope = leastSquaresSlope(afterWarmup);
  const mb = (kb: number) => Math.round((kb / 1024) * 10) / 10;
  const probeMs = x.probes.map(([, ms]) => ms);
  const scrapes = x.lag.filter((s) => Number.isFinite(s.p99Ms));
  const lagOf = (v: number) => Math.max(0, v - PROM_LAG_RESOLUTION_MS);
  const round = (v: number) => Math.round(v * 100) / 100;

  return {
    schema: SCHEMA,
    command: x.command,
    machine: x.machine,
    options: x.options,
    schedule: x.schedule,
    goodTraffic: {
      requests: records.length,
      succeeded,
      failed: records.length - succeeded,
      killedInFlight,
      /** succeeded / (requests - killedInFlight). */
      successRatio: ratio(succeeded, counted),
      withinSla,
      /** within SLA / (requests - killedInFlight). */
      slaAttainment: ratio(withinSla, counted),
      ttftMs: latencyStats(records.filter((r) => r.ok).map((r) => r.ttftMs)),
      tpotMs: latencyStats(records.filter((r) => r.ok).map((r) => r.tpotMs)),
    },
    losses,
    faults: x.faults.map((f) => ({ ...f, ...(perWindow.get(f.id) ?? { failed: 0, slaMissed: 0 }) })),
    gateway: {
      crashes: x.crashes.map((c) => ({ atS: round(c.atMs / 1000), code: c.code, signal: c.signal, output: c.output })),
      downtimeS: round(x.downtimes.reduce((s, d) => s + (d.toMs - d.fromMs), 0) / 1000),
      exitAtStop: x.finalExit ?? null,
      rss: {
        warmupS: x.schedule.rssWarmupMs / 1000,
        /** Least squares over the last gateway process's samples after warm-up; null with fewer than 3. */
        slopeMbPer10Min: slope === null ? null : round((slope * 600_000) / 1024),
        /** What the slope rests on: a restart after a crash leaves only the new process's samples. */
        slopeSamples: afterWarmup.length,
        slopeSpanS: afterWarmup.length ? round((afterWarmup[afterWarmup.length - 1][0] - afterWarmup[0][0]) / 1000) : 0,
        startMb: segment.length ? mb(segment[0][1]) : null,
        endMb: segment.length ? mb(segment[segment.length - 1][1]) : null,
        peakMb: segment.length ? mb(Math.max(...segment.map(([, kb]) => kb))) : null,
        /** [s, MB] every second, every process (a restart after a crash starts a new series). */
        samples: x.rss.map(([t, kb], i) => [round(t / 1000), mb(kb), x.rssPids[i]]),
      },
      eventLoop: {
        /** GET /health/liveness latency, ms: what a probe sees, the loop's lag included. */
        livenessProbe: { ...latencyStats(probeMs), failed: probeMs.filter((v) => !Number.isFinite(v)).length },
        /** prom-client's nodejs_eventloop_lag_* per scrape window, less its 10 ms sampling period. */
        metrics: scrapes.length
          ? {
              scrapes: scrapes.length,
              p50MedianMs: round(lagOf(median(scrapes.map((s) => s.p50Ms)))),
              p99WorstMs: round(lagOf(Math.max(...scrapes.map((s) => s.p99Ms)))),
              maxMs: round(lagOf(Math.max(...scrapes.map((s) => s.maxMs)))),
            }
          : null,
      },
    },
    accounting: x.accounting,
  };
}

export type ChaosReport = ReturnType<typeof buildReport>;

type Tag = 'gateway_crash' | 'killed_in_flight' | 'none' | FaultResult;

function attribute(r: GoodRecord, x: ChaosInputs): Tag {
  const overlaps = (from: number, to: number) => r.startMs <= to && r.endMs >= from;
  if (x.downtimes.some((d) => overlaps(d.fromMs - EXIT_NOTICE_MS, d.toMs))) return 'gateway_crash';
  if (!r.ok) {
    for (const f of x.faults) {
      if (
        f.kind === 'engine_kill' &&
        f.killedAtMs !== undefined &&
        overlaps(f.killedAtMs, f.killedAtMs) &&
        r.deployment === f.target
      )
        return 'killed_in_flight';
    }
  }
  let tag: Tag = 'none';
  for (const f of x.faults) if (overlaps(f.startMs, f.endMs + x.graceMs)) tag = f;
  return tag;
}

function ratio(a: number, b: number): number | null {
  return b > 0 ? Math.round((a / b) * 1e6) / 1e6 : null;
}

function median(v: number[]): number {
  const s = [...v].sort((a, b) => a - b);
  return s.length ? s[Math.floor((s.length - 1) / 2)] : NaN;
}

/** Slope (units of y per ms) of the least-squares line through [t, y] points; null for fewer than 3. */
export function leastSquaresSlope(points: ReadonlyArray<readonly [number, number]>): number | null {
  const n = points.length;
  if (n < 3) return null;
  let st = 0;
  let sy = 0;
  for (const [t, y] of points) {
    st += t;
    sy += y;
  }
  const mt = st / n;
  const my = sy / n;
  let num = 0;
  let den = 0;
  for (const [t, y] of points) {
    num += (t - mt) * (y - my);
    den += (t - mt) ** 2;
  }
  return den === 0 ? null : num / den;
}

const pct = (v: number | null) => (v === null ? 'n/a' : `${(v * 100).toFixed(3)}%`);
const stat = (s: LatencyStats) => `p50 ${s.p50} / p99 ${s.p99} / max ${s.max} ms`;

/** The report as text for a terminal. */
export function formatReport(r: ChaosReport): string {
  const g = r.goodTraffic;
  const o = r.options;
  const lines = [
    `Chaos soak: ${o.durationS} s, ${o.rate} req/s ${o.arrival} (seed ${o.seed}), ` +
      `back pressure ${o.backpressure ? 'on' : 'off'}${o.smoke ? ', SMOKE' : ''}`,
    `${r.machine}`,
    `command: ${r.command}`,
    '',
    `good traffic: ${g.requests} requests, ${g.succeeded} succeeded, ${g.failed} failed ` +
      `(${g.killedInFlight} in flight on a killed engine, excluded)`,
    `success ${pct(g.successRatio)}   ` +
      `within SLA (TTFT ≤ ${o.sla.ttftMs} ms, TPOT ≤ ${o.sla.itlMs} ms) ${pct(g.slaAttainment)}`,
    `TTFT ${stat(g.ttftMs)}   TPOT ${stat(g.tpotMs)}`,
    '',
    `${'losses by fault'.padEnd(20)}${'windows'.padStart(8)}${'failed'.padStart(8)}${'SLA miss'.padStart(10)}   errors`,
    ...Object.entries(r.losses).map(
      ([k, l]) =>
        `${k.padEnd(20)}${String(l.windows).padStart(8)}${String(l.failed).padStart(8)}` +
        `${String(l.slaMissed).padStart(10)}   ${Object.entries(l.errors)
          .map(([e, n]) => `${e} × ${n}`)
          .join(', ')}`,
    ),
    '',
    `gateway crashes: ` +
      `${r.gateway.crashes.length}${r.gateway.crashes.length ? ` (down ${r.gateway.downtimeS} s in all)` : ''}`,
    ...r.gateway.crashes.map((c) => `  at ${c.atS} s: exit code ${c.code}, signal ${c.signal}: ${lastLine(c.output)}`),
    `exit at stop (SIGTERM): ` +
      `${r.gateway.exitAtStop ? `code ${r.gateway.exitAtStop.code}, signal ${r.gateway.exitAtStop.signal}` : 'n/a'}`,
    `RSS: ${r.gateway.rss.startMb} → ${r.gateway.rss.endMb} MB (peak ${r.gateway.rss.peakMb}); ` +
      `slope after ${r.gateway.rss.warmupS} s warm-up: ${r.gateway.rss.slopeMbPer10Min ?? 'n/a'} ` +
      `MB per 10 min (${r.gateway.rss.slopeSamples} samples over ${r.gateway.rss.slopeSpanS} s)`,
    `event loop: liveness probe ${stat(r.gateway.eventLoop.livenessProbe)} ` +
      `(${r.gateway.eventLoop.livenessProbe.failed} failed)` +
      (r.gateway.eventLoop.metrics
        ? `; nodejs_eventloop_lag p50 ${r.gateway.eventLoop.metrics.p50MedianMs} ` +
          `/ p99 ${r.gateway.eventLoop.metrics.p99WorstMs} / max ${r.gateway.eventLoop.metrics.maxMs} ms`
        : ''),
    'accounting after traffic stopped: ' +
      ('error' in r.accounting
        ? `could not read /metrics: ${r.accounting.error}`
        : `${r.accounting.settled ? 'all zero' : 'NOT ZERO'} (waited ${r.accounting.waitedMs} ms): ${Object.entries(
            r.accounting.values,
          )
            .map(([k, v]) => `${k} ${v}`)
            .join(', ')}`),
    '',
    'fault windows:',
    ...r.faults.map(
      (f) =>
        `  #${String(f.id).padEnd(3)} ` +
        `${(f.startMs / 1000).toFixed(1).padStart(6)}-${(f.endMs / 1000).toFixed(1).padEnd(6)} s ` +
        `${f.kind.padEnd(17)} ${(f.target ?? '').padEnd(10)} failed ${f.failed}, SLA miss ${f.slaMissed}` +
        `${f.crashes ? `, GATEWAY EXITED × ${f.crashes}` : ''}`,
    ),
  ];
  const bad = r.faults.find((f) => f.kind === 'bad_requests');
  if (bad && Array.isArray(bad.detail)) {
    lines.push('', `bad requests (window #${bad.id}):`);
    for (const b of bad.detail as Array<BadOutcome & { crashedGateway: boolean }>) {
      const answer = b.status ? `${b.status} ${b.code ?? '(no error code)'}, ${b.bodyBytes} bytes` : b.error;
      lines.push(`  ${b.name.padEnd(58)} ${answer}${b.crashedGateway ? '  ← GATEWAY EXITED' : ''}`);
    }
  }
  return lines.join('\n');
}

/** The error line of a crashed gateway's output (the thrown error's first line), else its last line. */
function lastLine(output: string): string {
  const lines = output.trim().split('\n');
  const err = lines.findLast((l) => /^\s*(Uncaught )?\w*Error\b/.test(l));
  return (err ?? lines.at(-1) ?? '').slice(0, 200);
}
