/**
 * Self-contained HTML reports (inline CSS and SVG, no script, no network), rendered from BenchResult JSON so a
 * scenario can put several runs on one page with the same pieces.
 */

import type { LatencyStats } from '../percentiles.ts';
import type { BenchResult } from '../result.ts';
import { describeLoad } from '../table.ts';
import { barChart, escapeXml, lineChart, type Series } from './svg.ts';

const CSS = `body{font-family:system-ui,sans-serif;margin:24px;color:#222;max-width:1180px}
h1{font-size:20px;margin:0 0 4px}h2{font-size:16px;margin:28px 0 8px;border-bottom:1px solid #ddd;padding-bottom:4px}
.meta{color:#555;font-size:13px;margin:2px 0}.charts{display:flex;flex-wrap:wrap;gap:12px}
table{border-collapse:collapse;font-size:13px;margin:8px 0}td,th{border:1px solid #ddd;padding:3px 8px;text-align:right}
th{background:#f5f5f5}td:first-child,th:first-child{text-align:left}.warn{color:#a40;font-weight:600}
.big{display:flex;gap:18px;flex-wrap:wrap;margin:12px 0}\
.big div{border:1px solid #ddd;border-radius:6px;padding:8px 14px}
.big b{display:block;font-size:22px}.big span{color:#555;font-size:12px}`;

export interface PageSection {
  heading: string;
  html: string;
}

export function renderPage(title: string, meta: string[], sections: readonly PageSection[]): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeXml(title)}</title>\
<style>${CSS}</style></head><body>
<h1>${escapeXml(title)}</h1>${meta.map((m) => `<p class="meta">${escapeXml(m)}</p>`).join('')}
${sections.map((s) => `<h2>${escapeXml(s.heading)}</h2>${s.html}`).join('\n')}
</body></html>\n`;
}

export function htmlTable(head: readonly string[], rows: ReadonlyArray<ReadonlyArray<string | number>>): string {
  const cell = (tag: string) => (v: string | number) => `<${tag}>${escapeXml(String(v))}</${tag}>`;
  return (
    `<table><tr>${head.map(cell('th')).join('')}</tr>` +
    `${rows.map((r) => `<tr>${r.map(cell('td')).join('')}</tr>`).join('')}</table>`
  );
}

export function charts(svgs: readonly string[]): string {
  return `<div class="charts">${svgs.join('')}</div>`;
}

const pct = (x: number | null) => (x === null ? 'n/a' : `${(x * 100).toFixed(2)}%`);

/** The report of one `spillway bench` run. */
export function renderBenchReport(r: BenchResult): string {
  const s = r.summary;
  const big = [
    [`${num(s.offeredRps)}/s`, 'offered'],
    [`${num(s.completedRps)}/s`, 'completed'],
    [`${num(s.goodputRps)}/s`, 'goodput'],
    [pct(s.slaAttainment), 'SLA attainment (admitted)'],
    [
      `${Object.values(s.rejectedRps)
        .reduce((a, b) => a + b, 0)
        .toFixed(1)}/s`,
      'rejected',
    ],
    [`${num(s.ttftMs.p50)} / ${num(s.ttftMs.p99)} ms`, 'TTFT p50 / p99'],
  ];
  const lat = (name: string, st: LatencyStats) => [name, st.p50, st.p90, st.p99, st.mean, st.max, st.count];
  const summaryHtml =
    `<div class="big">` +
    `${big.map(([v, k]) => `<div><b>${escapeXml(v)}</b><span>${escapeXml(k)}</span></div>`).join('')}</div>` +
    htmlTable(
      ['figure', 'value'],
      [
        ['requests', s.requests],
        ['admitted', s.admitted],
        ['SLA attainment of all requests', pct(s.slaAttainmentAll)],
        ['rejected by status', fmtRecord(s.rejected) || 'none'],
        ['rejection latency p50 / p99 ms', `${s.rejectionLatencyMs.p50} / ${s.rejectionLatencyMs.p99}`],
        ['Retry-After p50 ms', s.retryAfterMs.count ? s.retryAfterMs.p50 : 'n/a'],
        ['errors by kind', fmtRecord(s.errors) || 'none'],
        ['output tokens/s', s.outputTokensPerS],
      ],
    ) +
    htmlTable(
      ['latency ms', 'p50', 'p90', 'p99', 'mean', 'max', 'count'],
      [
        lat('TTFT', s.ttftMs),
        lat('ITL (chunk gaps)', s.itlMs),
        lat('TPOT (per request)', s.tpotMs),
        lat('end to end', s.e2eMs),
        lat('rejection', s.rejectionLatencyMs),
      ],
    ) +
    r.warnings.map((w) => `<p class="warn">Warning: ${escapeXml(w)}</p>`).join('');
  const g = s.generator;
  return renderPage(
    `spillway bench${r.label ? ` — ${r.label}` : ''}`,
    [
      describeLoad(r),
      `target ${r.config.urls.join(', ')}, model ${r.config.model}, seed ${r.config.seed}, started ${r.startedAt}`,
      `machine: ${r.machine.cpus} × ${r.machine.cpuModel}, ` +
        `${r.machine.memGiB} GiB, node ${r.machine.node}, ${r.machine.platform}`,
      `generator: event-loop lag p99 ${g.eventLoopLagP99Ms} ms, ` +
        `dispatch lateness p99 ${g.dispatchLatenessP99Ms} ms, max in flight ${g.maxInFlight}`,
    ],
    [
      { heading: 'Summary', html: summaryHtml },
      { heading: 'Over time', html: charts(timelineCharts(r)) },
      { heading: 'TTFT distribution', html: charts([ttftHistogramChart(r)]) },
    ],
  );
}

export function timelineCharts(r: BenchResult, width = 560): string[] {
  const { bucketS, buckets } = r.timeline;
  const at = (f: (b: (typeof buckets)[number]) => number): [number, number][] => buckets.map((b) => [b.t, f(b)]);
  const statuses = [...new Set(buckets.flatMap((b) => Object.keys(b.rejected)))];
  const withLatency = buckets.filter((b) => b.completed > 0);
  const latAt = (f: (b: (typeof buckets)[number]) => number): [number, number][] => withLatency.map((b) => [b.t, f(b)]);
  const latency: Series[] = [
    { name: 'TTFT p50', points: latAt((b) => b.ttftP50) },
    { name: 'TTFT p99', points: latAt((b) => b.ttftP99) },
    { name: 'E2E p50', points: latAt((b) => b.e2eP50), dashed: true },
    { name: 'E2E p99', points: latAt((b) => b.e2eP99), dashed: true },
  ];
  return [
    lineChart({ title: 'Latency percentiles over time', xLabel: 'time (s)', yLabel: 'ms', series: latency, width }),
    lineChart({
      title: 'Throughput over time',
      xLabel: 'time (s)',
      yLabel: 'requests/s',
      width,
      series: [
        { name: 'offered', points: at((b) => b.offered / bucketS), dashed: true },
        { name: 'completed', points: at((b) => b.completed / bucketS) },
        { name: 'goodput', points: at((b) => b.good / bucketS) },
      ],
    }),
    lineChart({
      title: 'Rejections and errors over time',
      xLabel: 'time (s)',
      yLabel: 'per second',
      width,
      series: [
        ...statuses.map((st) => ({ name: `rejected ${st}`, points: at((b) => (b.rejected[st] ?? 0) / bucketS) })),
        { name: 'errors', points: at((b) => b.errors / bucketS), dashed: true },
      ],
    }),
  ];
}

export function ttftHistogramChart(r: BenchResult, width = 560): string {
  const { edgesMs, counts } = r.ttftHistogram;
  return barChart({
    title: 'TTFT histogram (log-spaced bins)',
    xLabel: 'TTFT (ms, bin start)',
    yLabel: 'requests',
    width,
    bars: counts.map((c, i) => ({ label: String(Number(edgesMs[i].toPrecision(2))), value: c })),
  });
}

/** Three significant figures, enough for a headline number. */
export function num(v: number): string {
  return Math.abs(v) >= 1000 ? v.toFixed(0) : String(Number(v.toPrecision(3)));
}

function fmtRecord(rec: Record<string, number>): string {
  return Object.entries(rec)
    .map(([k, v]) => `${k}: ${v}`)
    .join(', ');
}
