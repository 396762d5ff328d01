/**
 * Back pressure's acceptance figures in one run (docs/BACKPRESSURE.md), on the overload scenario's fleet: 4
 * simulated engines (spillway engine --speedup 0.5 --max-num-seqs 16) and spillway bench on CPU 1, Spillway on
 * CPU 0, the same SLA (TTFT ≤ 500 ms, TPOT ≤ 50 ms) and workload (chat-short, streamed).
 *
 *   sweep       back pressure off and on at 1×, 2×, 4× capacity: goodput, SLA attainment of admitted requests,
 *               rejection latency (client p99, and the gateway's own answer time), health-check latency
 *   burst       10× for 5 s over a 0.7× base: the base and burst requests' SLA attainment, how long the queue
 *               and the in-flight count take to come back after the burst
 *   priorities  2× split evenly over critical / standard / sheddable: admission and SLA attainment per class
 * After each run the gateway's accounting (admitted in flight, queued, engine slots, predicted KV) must be 0.
 *
 *   node bench/backpressure.ts [--smoke] [--capacity R] [--duration 30] [--only sweep,burst,priorities] [--profile NAME]
 *
 * --profile runs the engines on a fitted profile (src/sim/profiles) with the SLA scaled to it
 * (src/bench/harness/profile-fleet.ts): the bounds grow by the ratio of one chat-short request's TTFT and TPOT on
 * that profile to the default's.
 */

import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { benchChild, slaRunArgs } from '../src/bench/harness/bench-child.ts';
import { findCapacity } from '../src/bench/harness/capacity.ts';
import {
  type EngineSettings,
  engineFlags,
  SIM_MODEL,
  startFleet,
  startGatewayFor,
} from '../src/bench/harness/fleet.ts';
import {
  OVERLOAD_FLEET_SIZE as FLEET_SIZE,
  OVERLOAD_ENGINE,
  OVERLOAD_REQUEST,
  OVERLOAD_SLA,
  slaBackpressure,
  OVERLOAD_WORKLOAD as WORKLOAD,
} from '../src/bench/harness/overload-fleet.ts';
import type { Proc } from '../src/bench/harness/procs.ts';
import { onProfile, type Sla } from '../src/bench/harness/profile-fleet.ts';
import { machineLine, mdTable, runScenario, type ScenarioContext } from '../src/bench/harness/scenario.ts';
import { charts, htmlTable, renderPage } from '../src/bench/report/html.ts';
import { lineChart } from '../src/bench/report/svg.ts';
import type { BenchResult } from '../src/bench/result.ts';
import { GatewayProbe, type Sample } from './backpressure-probe.ts';

const GATEWAY_CPU = 0;
const LOAD_CPU = 1;
/** The probe samples GET /admin/backpressure, which needs a master key (a top-level key after `spillway:`). */
const ADMIN_KEY = 'sk-bench-admin';
const WITH_ADMIN = `general_settings:\n  master_key: ${ADMIN_KEY}\n`;
const PRIORITIES = ['critical', 'standard', 'sheddable'] as const;

const pct = (x: number | null | undefined) => (x === null || x === undefined ? 'n/a' : `${(x * 100).toFixed(2)}%`);
const ms = (x: number) => (Number.isFinite(x) ? x.toFixed(2) : 'n/a');

interface SweepRow {
  variant: string;
  multiplier: number;
  result: BenchResult;
  gatewayRefusalP99Ms: number;
  health: { p99: number; max: number; failed: number };
  drained: string;
}

await runScenario(
  {
    name: 'backpressure',
    timeoutS: { full: 2400, smoke: 150 },
    options: {
      capacity: { type: 'string' },
      duration: { type: 'string' },
      only: { type: 'string' },
      profile: { type: 'string' },
    },
  },
  async (ctx) => {
    const fleet = onProfile(OVERLOAD_ENGINE, OVERLOAD_SLA, OVERLOAD_REQUEST, ctx.args.profile as string | undefined);
    /** What an operator states for this fleet: its SLA as the group's TTFT budget and ITL SLO. */
    const backpressure = slaBackpressure('', fleet.sla);
    const durationS = Number(ctx.args.duration ?? (ctx.smoke ? 2 : 30));
    const warmupS = ctx.smoke ? 1 : 5;
    const only = new Set(String(ctx.args.only ?? 'sweep,burst,priorities').split(','));
    const engines = await startFleet(ctx, FLEET_SIZE, fleet.engine, LOAD_CPU);
    const direct = engines.map((e) => e.url).join(',');
    const bench = (url: string, rate: number, label: string, extra: string[] = [], dur = durationS, warm = warmupS) =>
      benchChild(
        [
          ...slaRunArgs({ url, model: SIM_MODEL, rate, durationS: dur, warmupS: warm, timeoutS: 20, sla: fleet.sla }),
          '--label',
          label,
          ...WORKLOAD,
          ...extra,
        ],
        LOAD_CPU,
      );

    let capacity = Number(ctx.args.capacity ?? 0);
    if (!capacity) {
      const found = await findCapacity(
        async (rate) => ((await bench(direct, rate, `capacity probe ${rate}/s`)).summary.slaAttainmentAll ?? 0) >= 0.99,
        ctx.smoke ? { start: 20, maxProbes: 2, tolerance: 0.5 } : { start: 20, maxProbes: 8, tolerance: 0.08 },
      );
      capacity = found.capacity || found.probes[0].rate / 2;
    }
    ctx.log(`capacity: ${capacity}/s`);
    const rate = (m: number) => Math.round(m * capacity * 100) / 100;

    const sweep: SweepRow[] = [];
    if (only.has('sweep')) {
      for (const [variant, spillway] of [
        ['back pressure off', ''],
        ['back pressure on', backpressure],
      ] as const) {
        const gw = await startGatewayFor(
          ctx,
          'backpressure',
          engines,
          { routing: 'least-busy', spillway: spillway + WITH_ADMIN },
          GATEWAY_CPU,
        );
        const apiKey = ['--api-key', ADMIN_KEY];
        for (const m of ctx.smoke ? [1, 4] : [1, 2, 4]) {
          const probe = new GatewayProbe(gw.url);
          const before = await probe.refusalBuckets();
          probe.start();
          const result = await bench(gw.url, rate(m), `${variant} at ${m}×`, apiKey);
          probe.stop();
          const health = probe.healthStats();
          const gatewayRefusalP99Ms = GatewayProbe.quantile(before, await probe.refusalBuckets(), 0.99) * 1000;
          const drained = await checkDrained(ctx, gw, spillway !== '');
          const s = result.summary;
          ctx.log(
            `${variant} ${m}×: goodput ${s.goodputRps}/s, SLA ${pct(s.slaAttainment)} of admitted, rejection p99 ${s.rejectionLatencyMs.p99} ms (gateway ${ms(gatewayRefusalP99Ms)}), health p99 ${ms(health.p99)} ms; ${drained}`,
          );
          sweep.push({ variant, multiplier: m, result, gatewayRefusalP99Ms, health, drained });
        }
        await ctx.procs.stop(gw);
      }
    }

    let burst: BurstRun | undefined;
    let priorities: PriorityRun | undefined;
    if (only.has('burst') || only.has('priorities')) {
      const gw = await startGatewayFor(
        ctx,
        'backpressure',
        engines,
        { routing: 'least-busy', spillway: backpressure + WITH_ADMIN },
        GATEWAY_CPU,
      );
      const apiKey = ['--api-key', ADMIN_KEY];
      if (only.has('burst')) {
        const baseS = ctx.smoke ? 6 : 20;
        const burstS = ctx.smoke ? 1 : 5;
        const burstAfterS = ctx.smoke ? 2 : 8;
        const probe = new GatewayProbe(gw.url, ADMIN_KEY);
        probe.start();
        const baseRun = bench(gw.url, rate(0.7), 'burst: 0.7× base', apiKey, baseS, 2);
        const burstRun = new Promise<BenchResult>((resolve, reject) =>
          setTimeout(
            () =>
              bench(gw.url, rate(9.3), 'burst: +9.3× for 5 s', [...apiKey, '--seed', '7'], burstS, 0).then(
                resolve,
                reject,
              ),
            (2 + burstAfterS) * 1000,
          ),
        );
        const [base, b] = await Promise.all([baseRun, burstRun]);
        await new Promise((r) => setTimeout(r, 3000));
        const samples = probe.stop();
        const burstStart = Date.parse(b.startedAt);
        const burstEnd = burstStart + burstS * 1000;
        const pre = samples
          .filter((x) => x.t >= burstStart - 4000 && x.t < burstStart)
          .map((x) => x.inFlight)
          .sort((a, c) => a - c);
        const baseInFlight = pre.length ? pre[Math.floor(pre.length * 0.95)] : 0;
        const after = samples.filter((x) => x.t >= burstEnd);
        // The first sample after the burst where it holds (the base load itself crosses its own p95 now and then,
        // so "stays below for good" would measure the base's noise, not the recovery).
        const firstFrom = (ok: (x: Sample) => boolean) => {
          const x = after.find(ok);
          return x === undefined ? NaN : x.t - burstEnd;
        };
        burst = {
          base,
          burst: b,
          samples,
          burstStart,
          burstEnd,
          baseInFlight,
          queueEmptyAfterMs: firstFrom((x) => x.queued === 0),
          inFlightBackAfterMs: firstFrom((x) => x.inFlight <= baseInFlight),
          drained: await checkDrained(ctx, gw, true),
        };
        ctx.log(
          `burst: base SLA ${pct(base.summary.slaAttainment)}, burst SLA ${pct(b.summary.slaAttainment)}, queue empty ${burst.queueEmptyAfterMs} ms and in-flight back to base (${baseInFlight}) ${burst.inFlightBackAfterMs} ms after the burst; ${burst.drained}`,
        );
      }
      if (only.has('priorities')) {
        const probe = new GatewayProbe(gw.url);
        const before = await probe.refusals();
        const results = await Promise.all(
          PRIORITIES.map((p, i) =>
            bench(gw.url, rate(2 / 3), `2×: ${p}`, [
              ...apiKey,
              '--header',
              `x-spillway-priority: ${p}`,
              '--seed',
              String(11 + i),
            ]),
          ),
        );
        const after = await probe.refusals();
        const refusedBy = PRIORITIES.map(
          (p) =>
            Object.entries(after[p] ?? {})
              .map(([reason, n]) => [reason, n - (before[p]?.[reason] ?? 0)] as const)
              .filter(([, n]) => n > 0)
              .map(([r, n]) => `${r} ${n}`)
              .join(', ') || '—',
        );
        priorities = { results, refusedBy, drained: await checkDrained(ctx, gw, true) };
        for (const [i, p] of PRIORITIES.entries())
          ctx.log(
            `priorities 2×: ${p} admitted ${pct(results[i].summary.admitted / results[i].summary.requests)}, SLA ${pct(results[i].summary.slaAttainment)}`,
          );
      }
      await ctx.procs.stop(gw);
    }
    const out = report(ctx, fleet, capacity, durationS, warmupS, sweep, burst, priorities);
    // The figures docs/BACKPRESSURE.md shows, as standalone SVG files.
    for (const [name, svg] of Object.entries(out.svgs)) await writeFile(path.join(ctx.outDir, `${name}.svg`), svg);
    return out;
  },
);

/** Waits for the gateway to go idle, then reads the accounting from /metrics: every figure must be 0. */
async function checkDrained(ctx: ScenarioContext, gw: Proc, backpressure: boolean): Promise<string> {
  const { ok, values } = await new GatewayProbe(gw.url).waitDrained();
  const text = Object.entries(values)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  if (!ok) ctx.log(`ACCOUNTING NOT ZERO: ${text}`);
  return ok
    ? `accounting 0 (${backpressure ? 'admitted, queued, engine slots, predicted KV' : 'deployment in-flight'})`
    : `NOT ZERO: ${text}`;
}

interface BurstRun {
  base: BenchResult;
  burst: BenchResult;
  samples: Sample[];
  burstStart: number;
  burstEnd: number;
  queueEmptyAfterMs: number;
  inFlightBackAfterMs: number;
  baseInFlight: number;
  drained: string;
}

interface PriorityRun {
  results: BenchResult[];
  refusedBy: string[];
  drained: string;
}

function report(
  ctx: ScenarioContext,
  fleet: { engine: EngineSettings; sla: Sla },
  capacity: number,
  durationS: number,
  warmupS: number,
  sweep: SweepRow[],
  burst: BurstRun | undefined,
  priorities: PriorityRun | undefined,
) {
  const header = [
    `Back pressure (${ctx.smoke ? 'SMOKE run, figures meaningless' : 'full run'}): ${machineLine()}; machine shared with other work.`,
    `Command: node bench/backpressure.ts${ctx.smoke ? ' --smoke' : ''} — ${FLEET_SIZE} engines (spillway engine ${engineFlags(fleet.engine).join(' ')}) and spillway bench on CPU ${LOAD_CPU}, Spillway on CPU ${GATEWAY_CPU}.`,
    `Load: ${WORKLOAD.join(' ')}, Poisson arrivals, ${durationS} s measured after ${warmupS} s warm-up. SLA: TTFT ≤ ${fleet.sla.ttftMs} ms, TPOT ≤ ${fleet.sla.itlMs} ms. Capacity (direct, ≥ 99% within SLA): ${capacity}/s.`,
  ];
  const md: string[] = [...header.map((h) => `${h}  `), ''];
  const sections = [];
  const svgs: Record<string, string> = {};
  if (sweep.length) {
    const series = (variant: string, f: (r: BenchResult) => number) => ({
      name: variant,
      dashed: variant.endsWith('off'),
      points: sweep.filter((r) => r.variant === variant).map((r) => [r.multiplier, f(r.result)] as [number, number]),
    });
    const variants = [...new Set(sweep.map((r) => r.variant))];
    svgs['backpressure-goodput'] = lineChart({
      title: `Goodput (TTFT ≤ ${fleet.sla.ttftMs} ms, TPOT ≤ ${fleet.sla.itlMs} ms) against offered load`,
      xLabel: '× capacity',
      yLabel: 'requests/s',
      markers: true,
      series: variants.map((v) => series(v, (r) => r.summary.goodputRps)),
    });
    svgs['backpressure-sla'] = lineChart({
      title: 'SLA attainment of admitted requests',
      xLabel: '× capacity',
      yLabel: 'fraction',
      yMax: 1,
      markers: true,
      series: variants.map((v) => series(v, (r) => r.summary.slaAttainment ?? 0)),
    });
  }
  if (burst) {
    const t = (x: Sample) => (x.t - burst.burstStart) / 1000;
    svgs['backpressure-burst'] = lineChart({
      title: 'Gateway during a 10× burst (t = 0 at its start, 5 s long)',
      xLabel: 's',
      yLabel: 'requests',
      series: [
        { name: 'admitted in flight', points: burst.samples.map((x: Sample) => [t(x), x.inFlight]) },
        { name: 'router queue', points: burst.samples.map((x: Sample) => [t(x), x.queued]) },
        { name: 'engine slots', points: burst.samples.map((x: Sample) => [t(x), x.engineInFlight]), dashed: true },
      ],
    });
  }
  if (sweep.length) {
    const oneX = (v: string) =>
      sweep.find((r) => r.variant === v && r.multiplier === 1)?.result.summary.goodputRps ?? NaN;
    const head = [
      'variant',
      'load',
      'offered/s',
      'goodput/s',
      'goodput / 1×',
      'SLA att. (admitted)',
      'rejected',
      'rej. p99 ms (client)',
      'refusal p99 ms (gateway)',
      'generator lag p99 ms',
      'TTFT p99 ms',
      'health p99 / max ms',
      'after the run',
    ];
    const rows = sweep.map((r) => {
      const s = r.result.summary;
      const rejected = Object.values(s.rejected).reduce((a, b) => a + b, 0);
      return [
        r.variant,
        `${r.multiplier}×`,
        s.offeredRps,
        s.goodputRps,
        (s.goodputRps / oneX(r.variant)).toFixed(3),
        pct(s.slaAttainment),
        rejected,
        s.rejectionLatencyMs.p99,
        ms(r.gatewayRefusalP99Ms),
        s.generator.eventLoopLagP99Ms,
        s.ttftMs.p99,
        `${ms(r.health.p99)} / ${ms(r.health.max)}${r.health.failed ? ` (${r.health.failed} failed)` : ''}`,
        r.drained,
      ];
    });
    md.push('### Sweep', '', mdTable(head, rows), '');
    sections.push({
      heading: 'Sweep',
      html: htmlTable(head, rows) + charts([svgs['backpressure-goodput'], svgs['backpressure-sla']]),
    });
  }
  if (burst) {
    const row = (name: string, r: BenchResult) => [
      name,
      r.summary.offeredRps,
      r.summary.admitted,
      pct(r.summary.slaAttainment),
      r.summary.rejectionLatencyMs.p99,
      r.summary.ttftMs.p99,
    ];
    const head = ['requests', 'offered/s', 'admitted', 'SLA att. (admitted)', 'rej. p99 ms', 'TTFT p99 ms'];
    md.push(
      '### Burst: 10× for 5 s over a 0.7× base',
      '',
      mdTable(head, [row('0.7× base', burst.base), row('+9.3× burst', burst.burst)]),
      '',
      `Queue empty ${burst.queueEmptyAfterMs} ms after the burst; admitted in flight back to the base level (p95 before the burst: ${burst.baseInFlight}) ${burst.inFlightBackAfterMs} ms after it; then ${burst.drained}.`,
      '',
    );
    sections.push({
      heading: 'Burst',
      html:
        htmlTable(head, [row('0.7× base', burst.base), row('+9.3× burst', burst.burst)]) +
        charts([svgs['backpressure-burst']]),
    });
  }
  if (priorities) {
    const head = [
      'class',
      'offered/s',
      'requests',
      'admitted',
      'admission',
      'SLA att. (admitted)',
      'goodput/s',
      'TTFT p99 ms',
      'refused by (gateway)',
    ];
    const rows = priorities.results.map((r: BenchResult, i: number) => [
      PRIORITIES[i],
      r.summary.offeredRps,
      r.summary.requests,
      r.summary.admitted,
      pct(r.summary.admitted / r.summary.requests),
      pct(r.summary.slaAttainment),
      r.summary.goodputRps,
      r.summary.ttftMs.p99,
      priorities.refusedBy[i],
    ]);
    md.push(
      '### Priorities at 2× (⅔× capacity per class)',
      '',
      mdTable(head, rows),
      '',
      `Then ${priorities.drained}.`,
      '',
    );
    sections.push({ heading: 'Priorities at 2×', html: htmlTable(head, rows) });
  }
  return {
    svgs,
    markdown: md.join('\n'),
    html: renderPage('Spillway: back pressure', header, sections),
    json: {
      schema: 'spillway-backpressure/1',
      machine: machineLine(),
      engine: fleet.engine,
      sla: fleet.sla,
      capacity,
      sweep,
      burst,
      priorities,
    },
  };
}
