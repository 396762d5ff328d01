/** The cluster scenarios' report: one table per scenario, shared beside unshared, with issue 14's target. */
import { machineLine, mdTable } from '../harness/scenario.ts';
import { htmlTable, renderPage } from '../report/html.ts';
import type { BurstRun } from './burst.ts';
import type { OutageRun } from './outage.ts';
import type { OverloadRun } from './overload.ts';
import type { QuotaRun } from './quota.ts';
import type { WorkersRow } from './workers.ts';

export interface ClusterResults {
  smoke: boolean;
  scenarios: string[];
  quota?: QuotaRun[];
  burst?: BurstRun[];
  overload?: OverloadRun[];
  outage?: OutageRun;
  workers?: WorkersRow[];
}

interface Table {
  heading: string;
  head: string[];
  rows: (string | number)[][];
}

function quotaTable(runs: QuotaRun[]): Table {
  return {
    heading: `Quota: 4 instances, 2 deployments × rpm ${runs[0].expected / 2}, successes per clock minute`,
    head: [
      'run',
      'successes in the minute',
      'of them answered after it',
      'vs 2 × rpm',
      '429 (without Retry-After)',
      'other failures',
      'left in flight',
    ],
    rows: runs.map((r) => [
      r.sharing,
      r.successesInMinute,
      r.crossing,
      `${r.errorPct > 0 ? '+' : ''}${r.errorPct} % (target ± 1 %)`,
      `${r.drive.rejected429} (${r.drive.missingRetryAfter})`,
      r.drive.otherFailures,
      r.leftInFlight,
    ]),
  };
}

function burstTable(runs: BurstRun[]): Table {
  const r0 = runs[0];
  const engines = Object.keys(r0.perEngine).length;
  return {
    heading: `Burst: ${r0.burst} requests at once over ${r0.instances} instances, ${engines} engines, scraped 100 ms`,
    head: ['run', 'per engine', 'busiest / fair (target ≤ 1.5)', 'statuses', 'left in flight'],
    rows: runs.map((r) => [
      r.sharing,
      Object.values(r.perEngine).join(' / '),
      r.worstOverFair,
      Object.entries(r.statuses)
        .map(([s, n]) => `${s}: ${n}`)
        .join(', '),
      r.leftInFlight,
    ]),
  };
}

function overloadTable(runs: OverloadRun[]): Table {
  return {
    heading: `Overload: 2 instances, back pressure on, 1× = ${runs[0].capacity} req/s`,
    head: [
      'run',
      'goodput 1× req/s',
      'goodput 3× req/s',
      '3× / 1× (target ≥ 0.9)',
      'SLA of admitted at 3× (≥ 0.99)',
      'left in flight',
    ],
    rows: runs.map((r) => [r.sharing, r.goodput1x, r.goodput3x, r.goodputRatio, r.attainment3x, r.leftInFlight]),
  };
}

function outageTable(r: OutageRun): Table {
  const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
  return {
    heading:
      `Outage: Redis killed at ${s(r.stoppedAtMs)}, back at ${s(r.restartedAtMs)}; ` +
      `2 instances, limit ${r.limit}/min`,
    head: ['successes in the minute', 'limit', '429', 'failed for it (target 0)', 'left in flight (target 0)'],
    rows: [[r.successesInMinute, r.limit, r.drive.rejected429, r.drive.otherFailures, r.leftInFlight]],
  };
}

function workersTable(rows: WorkersRow[]): Table {
  const base = rows.find((r) => r.workers === 1)?.cpuUsPerReq;
  return {
    heading: 'Workers: one process, wrk against the mock (wrk, the mock and the workers share the 2 cores)',
    head: ['--workers', 'max req/s', 'gateway CPU µs/req', 'vs 1 worker (target within 15 %)', 'non-2xx'],
    rows: rows.map((r) => [
      r.workers,
      r.rps,
      r.cpuUsPerReq ?? '?',
      base && r.cpuUsPerReq ? `${Math.round((100 * (r.cpuUsPerReq - base)) / base)} %` : '',
      r.non2xx,
    ]),
  };
}

export function clusterReport(r: ClusterResults) {
  const tables = [
    r.quota && quotaTable(r.quota),
    r.burst && burstTable(r.burst),
    r.overload && overloadTable(r.overload),
    r.outage && outageTable(r.outage),
    r.workers && workersTable(r.workers),
  ].filter((t): t is Table => t !== undefined);
  const header = [
    `Cluster (${r.smoke ? 'SMOKE run, figures meaningless' : 'full run'}): ${machineLine()}`,
    `Command: node bench/cluster.ts${r.smoke ? ' --smoke' : ''} --scenarios ${r.scenarios.join(',')} — ` +
      'gateways on CPU 0; mocks, engines, redis-server and load on CPU 1 (workers: unpinned).',
  ];
  const markdown = [
    ...header.map((h) => `${h}  `),
    ...tables.flatMap((t) => ['', `**${t.heading}**`, '', mdTable(t.head, t.rows)]),
  ].join('\n');
  const html = renderPage(
    'Spillway — many gateways, one fleet',
    header,
    tables.map((t) => ({ heading: t.heading, html: htmlTable(t.head, t.rows) })),
  );
  return { markdown, html, json: { schema: 'spillway-cluster/1', machine: machineLine(), ...r } };
}
