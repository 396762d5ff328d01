/** Turns a finished run's records into the BenchResult JSON (see result.ts for what each figure means). */
import os from 'node:os';
import type { BenchOptions } from './options.ts';
import { finiteSorted, latencyStats, percentile, round3 } from './percentiles.ts';
import type { Recorder } from './recorder.ts';
import { isRejection } from './request.ts';
import { type BenchResult, type MachineInfo, SCHEMA, type TimelineBucket } from './result.ts';

export interface RunFacts {
  startedAt: Date;
  wallMs: number;
  lagP99Ms: number;
  lagMaxMs: number;
  maxInFlight: number;
  maxClientQueued: number;
  cpuPercent: number;
  warnings: string[];
}

const BUCKET_STEPS = [0.1, 0.25, 0.5, 1, 2, 5, 10, 15, 30, 60];

export function summarize(rec: Recorder, opts: BenchOptions, facts: RunFacts): BenchResult {
  const n = rec.count;
  const durationS = opts.durationMs / 1000;
  const { ttftMs: slaTtft, itlMs: slaItl } = opts.sla;
  let completed = 0;
  let good = 0;
  let outputTokens = 0;
  const rejected: Record<string, number> = {};
  const errors: Record<string, number> = {};
  // Per-request latencies, NaN where the figure does not apply, so one sort per figure does the rest.
  const okTtft = new Float32Array(n).fill(NaN);
  const okE2e = new Float32Array(n).fill(NaN);
  const okTpot = new Float32Array(n).fill(NaN);
  const rejLatency = new Float32Array(n).fill(NaN);
  const kind = new Uint8Array(n); // 0 error, 1 completed, 2 good, 3 rejected

  for (let i = 0; i < n; i++) {
    const status = rec.status[i];
    const err = rec.errorKind(i);
    if (err !== undefined) {
      errors[err] = (errors[err] ?? 0) + 1;
    } else if (status >= 200 && status < 300) {
      completed++;
      outputTokens += rec.tokens[i];
      okTtft[i] = rec.ttft[i];
      okE2e[i] = rec.e2e[i];
      okTpot[i] = rec.tpot[i];
      const meets =
        (slaTtft === undefined || rec.ttft[i] <= slaTtft) && (slaItl === undefined || !(rec.tpot[i] > slaItl));
      kind[i] = meets ? 2 : 1;
      if (meets) good++;
    } else if (isRejection(status)) {
      rejected[status] = (rejected[status] ?? 0) + 1;
      rejLatency[i] = rec.e2e[i];
      kind[i] = 3;
    }
  }
  const rejectedTotal = Object.values(rejected).reduce((a, b) => a + b, 0);
  const admitted = n - rejectedTotal;
  const perS = (x: number) => round3(x / durationS);
  const ttftStats = latencyStats(okTtft);

  return {
    schema: SCHEMA,
    ...(opts.label !== undefined && { label: opts.label }),
    startedAt: facts.startedAt.toISOString(),
    machine: machineInfo(),
    config: {
      urls: [...opts.urls],
      model: opts.model,
      workload: opts.workload,
      mode: opts.load.kind,
      ...(opts.load.kind === 'open'
        ? { rate: opts.load.rate, arrival: opts.load.arrival }
        : { users: opts.load.users, thinkMs: [opts.load.thinkMs[0], opts.load.thinkMs[1]] as [number, number] }),
      durationS,
      warmupS: opts.warmupMs / 1000,
      stream: opts.stream,
      sla: { ...opts.sla },
      seed: opts.seed,
      connections: opts.connections,
      timeoutMs: opts.timeoutMs,
      ...(opts.maxTokens !== undefined && { maxTokens: opts.maxTokens }),
    },
    summary: {
      requests: n,
      offeredRps: perS(n),
      completed,
      completedRps: perS(completed),
      good,
      goodputRps: perS(good),
      admitted,
      slaAttainment: admitted > 0 ? round3(good / admitted) : null,
      slaAttainmentAll: n > 0 ? round3(good / n) : null,
      rejected,
      rejectedRps: Object.fromEntries(Object.entries(rejected).map(([k, v]) => [k, perS(v)])),
      rejectionLatencyMs: latencyStats(rejLatency),
      retryAfterMs: latencyStats(rec.retryAfter, n),
      errors,
      ttftMs: ttftStats,
      itlMs: latencyStats(rec.gaps, rec.gapCount),
      tpotMs: latencyStats(okTpot),
      e2eMs: latencyStats(okE2e),
      outputTokens,
      outputTokensPerS: perS(outputTokens),
      generator: {
        eventLoopLagP99Ms: round3(facts.lagP99Ms),
        eventLoopLagMaxMs: round3(facts.lagMaxMs),
        dispatchLatenessP99Ms: latencyStats(rec.lateness, n).p99,
        maxInFlight: facts.maxInFlight,
        maxClientQueued: facts.maxClientQueued,
        cpuPercent: Math.round(facts.cpuPercent),
        wallS: round3(facts.wallMs / 1000),
      },
    },
    timeline: timeline(rec, kind, durationS, facts.wallMs / 1000),
    ttftHistogram: logHistogram(finiteSorted(okTtft)),
    errorSamples: Object.fromEntries(rec.errorSamples),
    warnings: facts.warnings,
  };
}

function timeline(rec: Recorder, kind: Uint8Array, durationS: number, wallS: number) {
  const bucketS = BUCKET_STEPS.find((s) => durationS / s <= 120) ?? 60;
  const count = Math.max(1, Math.ceil(Math.max(durationS, wallS) / bucketS));
  const buckets: TimelineBucket[] = Array.from({ length: count }, (_, b) => ({
    t: round3(b * bucketS),
    offered: 0,
    completed: 0,
    good: 0,
    rejected: {},
    errors: 0,
    ttftP50: 0,
    ttftP99: 0,
    e2eP50: 0,
    e2eP99: 0,
    outputTokens: 0,
  }));
  const at = (ms: number) => Math.min(count - 1, Math.floor(ms / 1000 / bucketS));
  const ttfts: number[][] = buckets.map(() => []);
  const e2es: number[][] = buckets.map(() => []);
  for (let i = 0; i < rec.count; i++) {
    buckets[at(rec.start[i])].offered++;
    const end = at(rec.start[i] + (Number.isFinite(rec.e2e[i]) ? rec.e2e[i] : 0));
    const b = buckets[end];
    const k = kind[i];
    if (k === 1 || k === 2) {
      b.completed++;
      if (k === 2) b.good++;
      b.outputTokens += rec.tokens[i];
      ttfts[end].push(rec.ttft[i]);
      e2es[end].push(rec.e2e[i]);
    } else if (k === 3) b.rejected[rec.status[i]] = (b.rejected[rec.status[i]] ?? 0) + 1;
    else b.errors++;
  }
  for (let b = 0; b < count; b++) {
    const t = finiteSorted(ttfts[b]);
    const e = finiteSorted(e2es[b]);
    buckets[b].ttftP50 = round3(percentile(t, 0.5));
    buckets[b].ttftP99 = round3(percentile(t, 0.99));
    buckets[b].e2eP50 = round3(percentile(e, 0.5));
    buckets[b].e2eP99 = round3(percentile(e, 0.99));
  }
  return { bucketS, buckets };
}

/** Ten log-spaced bins per decade between the smallest and largest value. */
export function logHistogram(sorted: Float64Array): { edgesMs: number[]; counts: number[] } {
  if (sorted.length === 0) return { edgesMs: [], counts: [] };
  const lo = Math.floor(Math.log10(Math.max(sorted[0], 0.01)) * 10);
  const hi = Math.max(lo + 1, Math.ceil(Math.log10(Math.max(sorted[sorted.length - 1], 0.01)) * 10 + 1e-9));
  const edgesMs: number[] = [];
  for (let e = lo; e <= hi; e++) edgesMs.push(round3(10 ** (e / 10)));
  const counts = new Array<number>(hi - lo).fill(0);
  for (const v of sorted) {
    const bin = Math.floor(Math.log10(Math.max(v, 0.01)) * 10) - lo;
    counts[Math.min(counts.length - 1, Math.max(0, bin))]++;
  }
  return { edgesMs, counts };
}

export function machineInfo(): MachineInfo {
  const cpus = os.cpus();
  return {
    cpus: cpus.length,
    cpuModel: cpus[0]?.model ?? 'unknown',
    memGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
  };
}
