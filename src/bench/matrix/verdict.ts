/**
 * What one fleet of the matrix measured, and issue 11's acceptance thresholds as data: each criterion reads one
 * figure and passes, fails, or does not apply (n/a: a run not made, a fleet without shared prefixes).
 */
import type { FleetSpec } from './draw.ts';

export interface ClassFigures {
  priority: string;
  requests: number;
  admitted: number;
  good: number;
}

export interface RunFigures {
  multiplier: number;
  rate: number;
  requests: number;
  offeredRps: number;
  admitted: number;
  goodputRps: number;
  /** good / admitted. */
  slaAttainment: number | null;
  /** 3×: one entry per priority class, in the order critical, standard, sheddable. */
  classes: ClassFigures[];
  /** The gateway's refusals in the run, by error code (spillway_backpressure_rejections_total deltas). */
  refusals: Record<string, number>;
  /** The critical class's refusals by code (3×). */
  criticalRefusals?: Record<string, number>;
  /** p99 of arrival → refusal inside the gateway (decision histogram deltas), ms; null without refusals. */
  gatewayRefusalP99Ms: number | null;
  /** Client-side rejection latency p99, ms (3×: the highest of the three classes'); null without refusals. */
  clientRefusalP99Ms: number | null;
  accounting: { ok: boolean; text: string };
  /** Shared-prefix fleets: the engines' prefix hit rate (token counters) and the gateway's estimate of it. */
  prefix?: { engines: number; gatewayEstimate: number | null };
  generatorLagP99Ms: number;
  warnings: string[];
}

export interface FleetResult {
  fleet: FleetSpec;
  capacity: {
    rps: number;
    source: 'measured' | 'file';
    probes: Array<{ rate: number; pass: boolean; attainment?: number }>;
  };
  /** Shared-prefix fleets: the hit rate of a direct run where each prompt always goes to the same engine. */
  perfectAffinityHitRate?: number;
  runs: RunFigures[];
}

export const run = (f: FleetResult, m: number) => f.runs.find((r) => r.multiplier === m);
const sum = (xs: Record<string, number>) => Object.values(xs).reduce((a, b) => a + b, 0);

/** Derived figures, shared by the criteria and the report. */
export const figures = {
  admittedShare: (r: RunFigures) => (r.requests > 0 ? r.admitted / r.requests : null),
  goodputOverC: (r: RunFigures, c: number) => (c > 0 ? r.goodputRps / c : null),
  /**
   * Goodput against what the fleet could serve of this run: C, or the offered rate when a Poisson draw fell
   * short of it.
   */
  goodputOverServable: (r: RunFigures, c: number) => (c > 0 ? r.goodputRps / Math.min(c, r.offeredRps) : null),
  criticalAdmitted: (r: RunFigures) => {
    const c = r.classes.find((x) => x.priority === 'critical');
    return c && c.requests > 0 ? c.admitted / c.requests : null;
  },
  refusalsTotal: (r: RunFigures) => sum(r.refusals),
  queueTimeoutShare: (r: RunFigures) => {
    const total = sum(r.refusals);
    return total > 0 ? (r.refusals.router_queue_timeout ?? 0) / total : 0;
  },
  prefixVsPerfect: (f: FleetResult) => {
    const p = run(f, 1)?.prefix;
    return p && f.perfectAffinityHitRate ? p.engines / f.perfectAffinityHitRate : null;
  },
  /** Gateway estimate − engines' rate, in points. */
  estimateError: (f: FleetResult) => {
    const p = run(f, 1)?.prefix;
    return p && p.gatewayEstimate !== null ? (p.gatewayEstimate - p.engines) * 100 : null;
  },
};

export interface Criterion {
  id: string;
  label: string;
  /** The figure judged (null: n/a) and whether it passes. */
  judge(f: FleetResult): { value: number | null; pass: boolean | null };
}

const at =
  (m: number, get: (r: RunFigures, c: number) => number | null, ok: (v: number) => boolean) => (f: FleetResult) => {
    const r = run(f, m);
    const value = r ? get(r, f.capacity.rps) : null;
    return { value, pass: value === null ? null : ok(value) };
  };

export const CRITERIA: readonly Criterion[] = [
  { id: 'admitted-1x', label: '1×: admitted ≥ 95 %', judge: at(1, figures.admittedShare, (v) => v >= 0.95) },
  { id: 'goodput-1x', label: '1×: goodput ≥ 0.9 C', judge: at(1, figures.goodputOverServable, (v) => v >= 0.9) },
  {
    id: 'attainment-3x',
    label: '3×: SLA att. of admitted ≥ 99 %',
    judge: at(
      3,
      (r) => r.slaAttainment,
      (v) => v >= 0.99,
    ),
  },
  { id: 'goodput-3x', label: '3×: goodput ≥ 0.9 C', judge: at(3, figures.goodputOverC, (v) => v >= 0.9) },
  {
    id: 'critical-3x',
    label: '3×: critical admitted ≥ 99.9 %',
    judge: at(3, figures.criticalAdmitted, (v) => v >= 0.999),
  },
  // No refusal at all meets "answered within 10 ms" trivially; the figure then reads n/a and the criterion passes.
  {
    id: 'refusal-p99-3x',
    label: '3×: gateway refusal p99 ≤ 10 ms',
    judge: (f) => {
      const r = run(f, 3);
      if (!r) return { value: null, pass: null };
      return { value: r.gatewayRefusalP99Ms, pass: r.gatewayRefusalP99Ms === null || r.gatewayRefusalP99Ms <= 10 };
    },
  },
  {
    id: 'queue-timeouts-3x',
    label: '3×: queue timeouts ≤ 0.1 % of refusals',
    judge: at(3, figures.queueTimeoutShare, (v) => v <= 0.001),
  },
  {
    id: 'prefix-hit',
    label: 'prefix hit ≥ 90 % of perfect affinity',
    judge: (f) => {
      const value = figures.prefixVsPerfect(f);
      return { value, pass: value === null ? null : value >= 0.9 };
    },
  },
  {
    id: 'prefix-estimate',
    label: 'gateway hit estimate within ±10 points',
    judge: (f) => {
      const value = figures.estimateError(f);
      return { value, pass: value === null ? null : Math.abs(value) <= 10 };
    },
  },
  {
    id: 'accounting',
    label: 'accounting back to 0 after every run',
    judge: (f) => {
      if (f.runs.length === 0) return { value: null, pass: null };
      const bad = f.runs.filter((r) => !r.accounting.ok).length;
      return { value: bad, pass: bad === 0 };
    },
  },
];

export interface Verdict {
  id: string;
  value: number | null;
  pass: boolean | null;
}

export function judge(f: FleetResult): Verdict[] {
  return CRITERIA.map((c) => ({ id: c.id, ...c.judge(f) }));
}

/** Every applicable criterion passed on this fleet. */
export const fleetPasses = (v: readonly Verdict[]) => v.every((x) => x.pass !== false);
