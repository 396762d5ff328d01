/** What the overload and prefix scenarios share: one bench run's headline figures, and how they are shown. */

import { charts, htmlTable } from '../report/html.ts';
import { lineChart } from '../report/svg.ts';
import type { BenchResult } from '../result.ts';
import { mdTable } from './scenario.ts';

export interface Point {
  variant: string;
  /** The load as a multiple of the measured capacity. */
  multiplier: number;
  rate: number;
  result: BenchResult;
  /** Scenario-specific extras (prefix hit rate, ...). */
  extra?: Record<string, number | string>;
}

const HEAD = [
  'variant',
  'load',
  'offered/s',
  'completed/s',
  'goodput/s',
  'SLA att. (admitted)',
  'SLA att. (all)',
  'rejected/s',
  'rej. p99 ms',
  'TTFT p50 ms',
  'TTFT p99 ms',
  'TPOT p50 ms',
  'errors',
];

function row(p: Point): Array<string | number> {
  const s = p.result.summary;
  const pct = (x: number | null) => (x === null ? 'n/a' : `${(x * 100).toFixed(1)}%`);
  const rejected = Object.values(s.rejectedRps).reduce((a, b) => a + b, 0);
  const errors =
    Object.entries(s.errors)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ') || '0';
  return [
    p.variant,
    `${p.multiplier}×`,
    s.offeredRps,
    s.completedRps,
    s.goodputRps,
    pct(s.slaAttainment),
    pct(s.slaAttainmentAll),
    rejected.toFixed(1),
    s.rejectionLatencyMs.p99,
    s.ttftMs.p50,
    s.ttftMs.p99,
    s.tpotMs.p50,
    errors,
    ...Object.values(p.extra ?? {}),
  ];
}

export function sweepMarkdown(points: Point[]): string {
  const extra = Object.keys(points[0]?.extra ?? {});
  return mdTable([...HEAD, ...extra], points.map(row));
}

export function sweepHtml(points: Point[]): string {
  const extra = Object.keys(points[0]?.extra ?? {});
  return htmlTable([...HEAD, ...extra], points.map(row));
}

/** Figures against offered load, one line per variant. */
export function sweepCharts(points: Point[], capacity: number): string {
  const variants = [...new Set(points.map((p) => p.variant))];
  const series = (f: (p: Point) => number) =>
    variants.map((v) => ({
      name: v,
      points: points.filter((p) => p.variant === v).map((p) => [p.result.summary.offeredRps, f(p)] as const),
    }));
  const maxOffered = Math.max(...points.map((p) => p.result.summary.offeredRps));
  return charts([
    lineChart({
      title: 'Goodput against offered load',
      xLabel: `offered requests/s (capacity ${capacity}/s)`,
      yLabel: 'goodput (requests/s within SLA)',
      markers: true,
      series: [
        ...series((p) => p.result.summary.goodputRps),
        {
          name: 'capacity',
          points: [
            [0, capacity],
            [maxOffered, capacity],
          ],
          dashed: true,
        },
      ],
    }),
    lineChart({
      title: 'SLA attainment of admitted requests',
      xLabel: 'offered requests/s',
      yLabel: 'fraction within SLA',
      markers: true,
      yMax: 1,
      series: series((p) => p.result.summary.slaAttainment ?? 0),
    }),
    lineChart({
      title: 'SLA attainment of all requests',
      xLabel: 'offered requests/s',
      yLabel: 'fraction within SLA',
      markers: true,
      yMax: 1,
      series: series((p) => p.result.summary.slaAttainmentAll ?? 0),
    }),
    lineChart({
      title: 'TTFT p99 of completed requests',
      xLabel: 'offered requests/s',
      yLabel: 'ms',
      markers: true,
      series: series((p) => p.result.summary.ttftMs.p99),
    }),
  ]);
}
