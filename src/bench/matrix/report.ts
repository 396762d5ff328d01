/** The matrix's report: the fleets drawn, what each measured, and issue 11's criteria as pass/fail columns. */

import { mdTable } from '../harness/scenario.ts';
import { htmlTable, renderPage } from '../report/html.ts';
import { describeFleet } from './draw.ts';
import {
  CRITERIA,
  type FleetResult,
  figures,
  fleetPasses,
  judge,
  type RunFigures,
  run,
  type Verdict,
} from './verdict.ts';

export interface MatrixMeta {
  machine: string;
  command: string;
  seed: number;
  smoke: boolean;
  /** One sentence on the windows used, for the header. */
  windows: string;
}

const pct = (x: number | null | undefined, digits = 1) =>
  x === null || x === undefined ? 'n/a' : `${(x * 100).toFixed(digits)}%`;
const num = (x: number | null | undefined, digits = 2) =>
  x === null || x === undefined || !Number.isFinite(x) ? 'n/a' : x.toFixed(digits);
/** The decision histogram's top finite bucket is 100 ms: a p99 there means "at least". */
const REFUSAL_TOP_MS = 100;
const refusalMs = (x: number | null) =>
  x === null ? 'n/a' : x >= REFUSAL_TOP_MS ? `≥ ${REFUSAL_TOP_MS} ms` : `${x.toFixed(2)} ms`;
const codes = (r: RunFigures | undefined) =>
  r
    ? Object.entries(r.refusals)
        .filter(([, n]) => n > 0)
        .map(([k, n]) => `${k} ${n}`)
        .join(', ') || '—'
    : 'n/a';

function fleetRows(results: FleetResult[]): Array<Array<string | number>> {
  return results.map(({ fleet: f, capacity }) => [
    `#${f.index}`,
    f.regime,
    describeFleet(f),
    `${f.guess.binds} (C ≈ ${f.guess.capacity}/s)`,
    `${capacity.rps}/s${capacity.source === 'file' ? ' (file)' : ''}`,
    capacity.probes
      .map((p) => `${p.rate} ${p.pass ? '✓' : '✗'}${p.attainment === undefined ? '' : ` ${pct(p.attainment)}`}`)
      .join(', ') || '—',
  ]);
}

const FLEET_HEAD = [
  'fleet',
  'regime',
  'engines; workload; SLA (wall)',
  'binds first (guess)',
  'C measured',
  'probes (rate, ≥ 99 % within SLA)',
];

const RESULT_HEAD = [
  'fleet',
  'C /s',
  '1×: admitted',
  '1×: goodput / C',
  '1×: SLA att. (admitted)',
  '3×: goodput / C',
  '3×: SLA att. (admitted)',
  '3×: critical admitted',
  '3×: refusal p99 (gateway / client)',
  '3×: queue timeouts / refusals',
  '3×: refusals by code',
  '1×: refusals by code',
  'prefix hit: gateway / perfect affinity',
  'hit estimate: gateway / engines',
  'accounting',
  'generator lag p99 ms (1× / 3×)',
];

function resultRow(f: FleetResult): Array<string | number> {
  const one = run(f, 1);
  const three = run(f, 3);
  const c = f.capacity.rps;
  const p = one?.prefix;
  return [
    `#${f.fleet.index}`,
    c,
    one ? pct(figures.admittedShare(one)) : 'n/a',
    one ? `${num(figures.goodputOverC(one, c))} (offered ${num(one.offeredRps / c)})` : 'n/a',
    one ? pct(one.slaAttainment, 2) : 'n/a',
    three ? num(figures.goodputOverC(three, c)) : 'n/a',
    three ? pct(three.slaAttainment, 2) : 'n/a',
    three ? pct(figures.criticalAdmitted(three), 2) : 'n/a',
    three
      ? `${refusalMs(three.gatewayRefusalP99Ms)} / ` +
        `${three.clientRefusalP99Ms === null ? 'n/a' : `${num(three.clientRefusalP99Ms)} ms`}`
      : 'n/a',
    three ? pct(figures.queueTimeoutShare(three), 2) : 'n/a',
    codes(three),
    codes(one),
    f.perfectAffinityHitRate !== undefined ? `${pct(p?.engines)} / ${pct(f.perfectAffinityHitRate)}` : '—',
    p ? `${pct(p.gatewayEstimate)} / ${pct(p.engines)}` : '—',
    f.runs.map((r) => `${r.multiplier}× ${r.accounting.ok ? '0' : r.accounting.text}`).join('; ') || 'n/a',
    f.runs.map((r) => num(r.generatorLagP99Ms, 1)).join(' / ') || 'n/a',
  ];
}

const mark = (v: Verdict) => {
  if (v.pass === null) return 'n/a';
  const shown = v.value === null || (v.id === 'accounting' && v.value === 0) ? '' : ` (${fmt(v)})`;
  return `${v.pass ? 'pass' : 'FAIL'}${shown}`;
};
function fmt(v: Verdict): string {
  const x = v.value!;
  if (v.id === 'refusal-p99-3x') return refusalMs(x);
  if (v.id === 'prefix-estimate') return `${x >= 0 ? '+' : ''}${x.toFixed(1)} pts`;
  if (v.id === 'accounting') return `${x} run(s) not back to 0`;
  if (v.id.startsWith('goodput') || v.id === 'prefix-hit') return x.toFixed(3);
  return pct(x, 2);
}

/** "5 of 8 fleets meet every criterion; 1×: admitted ≥ 95 % failed on #1, #4; ..." */
export function summaryLine(results: FleetResult[], verdicts: Verdict[][]): string {
  const passing = verdicts.filter(fleetPasses).length;
  const failures = CRITERIA.map((c, i) => {
    const on = results.filter((_, k) => verdicts[k][i].pass === false).map((f) => `#${f.fleet.index}`);
    return on.length ? `${c.label} failed on ${on.join(', ')}` : '';
  }).filter(Boolean);
  return (
    `${passing} of ${results.length} fleets meet every criterion` +
    `${failures.length ? `; ${failures.join('; ')}` : ''}.`
  );
}

export function matrixReport(meta: MatrixMeta, results: FleetResult[]) {
  const verdicts = results.map(judge);
  const summary = summaryLine(results, verdicts);
  const header = [
    `Fleet matrix (${meta.smoke ? 'SMOKE run, figures meaningless' : 'full run'}): ` +
      `${meta.machine}; machine shared with other work.`,
    `Command: ${meta.command} — seed ${meta.seed}; engines and spillway bench on CPU 1, Spillway on CPU 0.`,
    meta.windows,
    'Gateway: kv-aware routing, engines scraped (load: { kind: vllm }), back pressure on with ' +
      "the fleet's SLA as router.ttft_budget_ms and engine.itl_slo_ms, master key; " +
      '3× is 15 % critical, 50 % standard, 35 % sheddable (three bench processes, rates split, seeds apart).',
    `Summary: ${summary}`,
  ];
  const verdictHead = ['fleet', ...CRITERIA.map((c) => c.label), 'all'];
  const verdictRows = results.map((f, k) => [
    `#${f.fleet.index}`,
    ...verdicts[k].map(mark),
    fleetPasses(verdicts[k]) ? 'pass' : 'FAIL',
  ]);
  const sections = [
    { heading: 'Fleets', head: FLEET_HEAD, rows: fleetRows(results) },
    { heading: 'Results', head: RESULT_HEAD, rows: results.map(resultRow) },
    { heading: 'Acceptance (issue 11)', head: verdictHead, rows: verdictRows },
  ];
  return {
    summary,
    markdown: [
      ...header.map((h) => `${h}  `),
      '',
      ...sections.flatMap((s) => [`### ${s.heading}`, '', mdTable(s.head, s.rows), '']),
    ].join('\n'),
    html: renderPage(
      'Spillway: fleet matrix',
      header,
      sections.map((s) => ({ heading: s.heading, html: htmlTable(s.head, s.rows) })),
    ),
    json: {
      schema: 'spillway-matrix/1',
      machine: meta.machine,
      command: meta.command,
      seed: meta.seed,
      windows: meta.windows,
      summary,
      allPass: verdicts.every(fleetPasses),
      fleets: results.map((f, k) => ({ ...f, verdicts: verdicts[k], pass: fleetPasses(verdicts[k]) })),
    },
  };
}
