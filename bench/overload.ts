/**
 * Goodput under overload. A fleet of simulated engines; first its capacity (the highest rate at which ≥ 99% of
 * requests meet the SLA, clients straight to the engines), then offered load at multiples of it, for each
 * variant: clients straight to the engines (round robin), Spillway with back pressure off, and — once it
 * exists — Spillway with back pressure on (add a line to VARIANTS). Spillway on CPU 0; engines and
 * `spillway bench` on CPU 1.
 *
 *   node bench/overload.ts [--smoke] [--capacity R] [--duration 30] [--multipliers 0.5,1,1.5,2,4] [--variant NAME ...]
 */
import { benchChild, slaRunArgs } from '../src/bench/harness/bench-child.ts';
import { findCapacity } from '../src/bench/harness/capacity.ts';
import {
  engineFlags,
  type GatewayVariant,
  SIM_MODEL,
  startFleet,
  startGatewayFor,
} from '../src/bench/harness/fleet.ts';
import {
  OVERLOAD_ENGINE as ENGINE,
  OVERLOAD_FLEET_SIZE as FLEET_SIZE,
  OVERLOAD_SLA as SLA,
  slaBackpressure,
  OVERLOAD_WORKLOAD as WORKLOAD,
} from '../src/bench/harness/overload-fleet.ts';
import { machineLine, runScenario } from '../src/bench/harness/scenario.ts';
import { type Point, sweepCharts, sweepHtml, sweepMarkdown } from '../src/bench/harness/sweep.ts';
import { renderPage } from '../src/bench/report/html.ts';

const GATEWAY_CPU = 0;
const LOAD_CPU = 1;
const ENGINE_FLAGS = engineFlags(ENGINE).join(' ');

interface Variant {
  name: string;
  /** Absent: clients straight to the engines, round robin. */
  gateway?: GatewayVariant;
}

const VARIANTS: Variant[] = [
  { name: 'direct round robin' },
  { name: 'spillway, back pressure off', gateway: { routing: 'least-busy' } },
  // The group's SLA is the operator's to state: the TTFT budget and the ITL SLO are the scenario's SLA.
  {
    name: 'spillway, back pressure on',
    gateway: {
      routing: 'least-busy',
      spillway: slaBackpressure(),
    },
  },
];

await runScenario(
  {
    name: 'overload',
    timeoutS: { full: 1800, smoke: 100 },
    options: {
      capacity: { type: 'string' },
      duration: { type: 'string' },
      multipliers: { type: 'string' },
      variant: { type: 'string', multiple: true },
    },
  },
  async (ctx) => {
    const durationS = Number(ctx.args.duration ?? (ctx.smoke ? 1 : 30));
    const warmupS = ctx.smoke ? 0 : 5;
    const timeoutS = ctx.smoke ? 3 : 20;
    const multipliers = String(ctx.args.multipliers ?? (ctx.smoke ? '0.5,2' : '0.5,1,1.5,2,4'))
      .split(',')
      .map(Number);
    const engines = await startFleet(ctx, FLEET_SIZE, ENGINE, LOAD_CPU);
    const direct = engines.map((e) => e.url).join(',');
    const run = (url: string, rate: number, label: string) =>
      benchChild(
        [
          ...slaRunArgs({ url, model: SIM_MODEL, rate, durationS, warmupS, timeoutS, sla: SLA }),
          '--label',
          label,
          ...WORKLOAD,
        ],
        LOAD_CPU,
      );

    let capacity = Number(ctx.args.capacity ?? 0);
    let probes: Array<{ rate: number; pass: boolean }> = [];
    if (!capacity) {
      const found = await findCapacity(
        async (rate) => {
          const r = await run(direct, rate, `capacity probe ${rate}/s`);
          ctx.log(`capacity probe ${rate}/s: ${((r.summary.slaAttainmentAll ?? 0) * 100).toFixed(1)}% within SLA`);
          return (r.summary.slaAttainmentAll ?? 0) >= 0.99;
        },
        ctx.smoke ? { start: 20, maxProbes: 2, tolerance: 0.5 } : { start: 20, maxProbes: 8, tolerance: 0.08 },
      );
      capacity = found.capacity || found.probes[0].rate / 2;
      probes = found.probes;
    }
    ctx.log(`capacity: ${capacity}/s`);

    const points: Point[] = [];
    // --variant NAME (repeatable) runs only those variants, e.g. to add a new one to an earlier run's capacity.
    const only = ctx.args.variant as string[] | undefined;
    for (const name of only ?? [])
      if (!VARIANTS.some((v) => v.name === name)) throw new Error(`--variant: no variant "${name}"`);
    for (const v of VARIANTS.filter((x) => !only || only.includes(x.name))) {
      const gateway = v.gateway ? await startGatewayFor(ctx, 'overload', engines, v.gateway, GATEWAY_CPU) : undefined;
      for (const m of multipliers) {
        const rate = Math.round(m * capacity * 100) / 100;
        const result = await run(gateway?.url ?? direct, rate, `${v.name} at ${m}× capacity`);
        const s = result.summary;
        ctx.log(
          `${v.name} ${m}× (${rate}/s): goodput ${s.goodputRps}/s, SLA ${((s.slaAttainment ?? 0) * 100).toFixed(1)}% of admitted`,
        );
        points.push({ variant: v.name, multiplier: m, rate, result });
      }
      if (gateway) await ctx.procs.stop(gateway);
    }

    const header = [
      `Overload (${ctx.smoke ? 'SMOKE run, figures meaningless' : 'full run'}): ${machineLine()}`,
      `Command: node bench/overload.ts${ctx.smoke ? ' --smoke' : ''} — ${FLEET_SIZE} engines (spillway engine ${ENGINE_FLAGS}) and spillway bench on CPU ${LOAD_CPU}, Spillway on CPU ${GATEWAY_CPU}.`,
      `Load: ${WORKLOAD.join(' ')}, Poisson arrivals, ${durationS} s measured after ${warmupS} s warm-up, per-request timeout ${timeoutS} s. SLA: TTFT ≤ ${SLA.ttftMs} ms and TPOT ≤ ${SLA.itlMs} ms.`,
      `Capacity (direct, ≥ 99% within SLA): ${capacity}/s${probes.length ? ` — probes: ${probes.map((p) => `${p.rate}/s ${p.pass ? 'pass' : 'fail'}`).join(', ')}` : ' (given)'}.`,
    ];
    return {
      markdown: [...header.map((h) => `${h}  `), '', sweepMarkdown(points)].join('\n'),
      html: renderPage('Spillway: goodput under overload', header, [
        { heading: 'Against offered load', html: sweepCharts(points, capacity) },
        { heading: 'Runs', html: sweepHtml(points) },
      ]),
      json: {
        schema: 'spillway-overload/1',
        machine: machineLine(),
        engine: ENGINE,
        fleetSize: FLEET_SIZE,
        sla: SLA,
        capacity,
        probes,
        points,
      },
    };
  },
);
