/**
 * Spillover's acceptance figures (docs/BACKPRESSURE.md, "Fallbacks and spillover"), on the overload scenario's
 * engines and SLA: a primary model group of 4 simulated engines (2 in the smoke) offered 3× its capacity, and a fallback group of
 * 2 (half its capacity) offered nothing of its own. Two runs in one command, back pressure on in both:
 *
 *   off   spillover off: the primary's back pressure refuses what it cannot serve in its SLA
 *   on    spillover on (standard and sheddable, the default classes): what it would refuse goes to the fallback
 *
 * Reported: the primary's SLA attainment of the requests it admitted (the gateway's spillway_sla_requests_total
 * for the group: first token within the TTFT budget, mean ITL within the SLO), the total goodput each run had
 * at the client, and the gain of `on` over `off` against the fallback's capacity (capacity / 2). Targets: ≥ 99 %,
 * and a gain of the fallback's capacity ± 20 %. After each run the gateway's accounting must be 0.
 *
 *   node bench/spillover.ts [--smoke] [--capacity R] [--duration 30]
 */

import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { benchChild, slaRunArgs } from '../src/bench/harness/bench-child.ts';
import { findCapacity } from '../src/bench/harness/capacity.ts';
import { engineFlags, SIM_MODEL, startFleet } from '../src/bench/harness/fleet.ts';
import { metricSum } from '../src/bench/harness/metric-sum.ts';
import {
  OVERLOAD_ENGINE as ENGINE,
  OVERLOAD_FLEET_SIZE as PRIMARY_SIZE,
  OVERLOAD_SLA as SLA,
  slaBackpressure,
  OVERLOAD_WORKLOAD as WORKLOAD,
} from '../src/bench/harness/overload-fleet.ts';
import type { Proc } from '../src/bench/harness/procs.ts';
import { machineLine, mdTable, runScenario, type ScenarioContext } from '../src/bench/harness/scenario.ts';
import { htmlTable, renderPage } from '../src/bench/report/html.ts';
import type { BenchResult } from '../src/bench/result.ts';
import { GatewayProbe } from './backpressure-probe.ts';

const GATEWAY_CPU = 0;
const LOAD_CPU = 1;
const FALLBACK = 'sim-fallback';
const MULTIPLIER = 3;
const pct = (x: number | null | undefined) =>
  x === null || x === undefined || Number.isNaN(x) ? 'n/a' : `${(x * 100).toFixed(2)}%`;

interface Run {
  variant: 'off' | 'on';
  result: BenchResult;
  /** The primary group's admitted requests judged by the gateway: within / (within + missed). */
  primarySla: number;
  primaryServed: number;
  fallbackServed: number;
  spills: number;
  drained: string;
}

await runScenario(
  {
    name: 'spillover',
    timeoutS: { full: 1200, smoke: 100 },
    options: { capacity: { type: 'string' }, duration: { type: 'string' } },
  },
  async (ctx) => {
    const durationS = Number(ctx.args.duration ?? (ctx.smoke ? 2 : 30));
    const warmupS = ctx.smoke ? 1 : 5;
    // The smoke halves both groups: six engine processes start too slowly on a busy CI machine.
    const primarySize = ctx.smoke ? PRIMARY_SIZE / 2 : PRIMARY_SIZE;
    const primary = await startFleet(ctx, primarySize, ENGINE, LOAD_CPU);
    const fallback = await startFleet(ctx, primarySize / 2, ENGINE, LOAD_CPU);
    const bench = (url: string, rate: number, label: string) =>
      benchChild(
        [
          ...slaRunArgs({ url, model: SIM_MODEL, rate, durationS, warmupS, timeoutS: 20, sla: SLA }),
          '--label',
          label,
          ...WORKLOAD,
        ],
        LOAD_CPU,
      );
    let capacity = Number(ctx.args.capacity ?? 0);
    if (!capacity) {
      const direct = primary.map((e) => e.url).join(',');
      const found = await findCapacity(
        async (rate) => ((await bench(direct, rate, `capacity probe ${rate}/s`)).summary.slaAttainmentAll ?? 0) >= 0.99,
        ctx.smoke ? { start: 20, maxProbes: 2, tolerance: 0.5 } : { start: 20, maxProbes: 8, tolerance: 0.08 },
      );
      capacity = found.capacity || found.probes[0].rate / 2;
    }
    ctx.log(`primary capacity: ${capacity}/s; fallback: ${capacity / 2}/s (half the engines)`);
    const runs: Run[] = [];
    for (const variant of ['off', 'on'] as const) {
      const file = await writeConfig(ctx, primary, fallback, variant === 'on');
      const gw = await ctx.procs.spillway('spillway', 'serve', ['--config', file], GATEWAY_CPU);
      const result = await bench(gw.url, Math.round(MULTIPLIER * capacity * 100) / 100, `spillover ${variant}`);
      const { ok, values } = await new GatewayProbe(gw.url).waitDrained();
      const text = await (await fetch(`${gw.url}/metrics`)).text();
      await ctx.procs.stop(gw);
      const within = metricSum(text, 'spillway_sla_requests_total', [`model_group="${SIM_MODEL}"`, 'result="within"']);
      const missed = metricSum(text, 'spillway_sla_requests_total', [`model_group="${SIM_MODEL}"`, 'result="missed"']);
      const ok2xx = (group: string) =>
        metricSum(text, 'spillway_requests_total', [`model_group="${group}"`, 'status="200"']);
      const run: Run = {
        variant,
        result,
        primarySla: within + missed > 0 ? within / (within + missed) : NaN,
        primaryServed: ok2xx(SIM_MODEL),
        fallbackServed: ok2xx(FALLBACK),
        spills: metricSum(text, 'spillway_spills_total'),
        drained: ok
          ? 'accounting 0'
          : `NOT ZERO: ${Object.entries(values)
              .map(([k, v]) => `${k} ${v}`)
              .join(', ')}`,
      };
      ctx.log(
        `spillover ${variant}: goodput ${result.summary.goodputRps}/s, primary SLA ${pct(run.primarySla)} of admitted, ${run.spills} spills; ${run.drained}`,
      );
      runs.push(run);
    }
    return report(ctx, capacity, durationS, warmupS, runs, primarySize);
  },
);

/** Two groups: the primary (SIM_MODEL) over `primary`, FALLBACK over `fallback`; back pressure on in both. */
async function writeConfig(ctx: ScenarioContext, primary: Proc[], fallback: Proc[], spill: boolean): Promise<string> {
  const deployment = (group: string, e: Proc, id: string) =>
    `  - model_name: ${group}\n    litellm_params: { model: hosted_vllm/${SIM_MODEL}, api_base: "${e.url}/v1" }\n` +
    `    model_info: { id: ${id} }\n`;
  const yaml =
    `# Written by bench/spillover.ts: a primary group of ${primary.length} engines, its fallback of ${fallback.length}.\n` +
    `model_list:\n${primary.map((e, i) => deployment(SIM_MODEL, e, `primary-${i}`)).join('')}` +
    `${fallback.map((e, i) => deployment(FALLBACK, e, `fallback-${i}`)).join('')}` +
    `router_settings:\n  routing_strategy: least-busy\n  num_retries: 0\n  fallbacks: [{ ${SIM_MODEL}: [${FALLBACK}] }]\n` +
    `spillway:\n  log_level: warn\n  connections: 1024\n  spillover: { enabled: ${spill} }\n${slaBackpressure()}`;
  const file = path.join(ctx.outDir, `spillover-${spill ? 'on' : 'off'}-gateway.yaml`);
  await writeFile(file, yaml);
  return file;
}

function report(
  ctx: ScenarioContext,
  capacity: number,
  durationS: number,
  warmupS: number,
  runs: Run[],
  primarySize: number,
) {
  const header = [
    `Spillover (${ctx.smoke ? 'SMOKE run, figures meaningless' : 'full run'}): ${machineLine()}; machine shared with other work.`,
    `Command: node bench/spillover.ts${ctx.smoke ? ' --smoke' : ''} — ${primarySize} primary and ${primarySize / 2} fallback engines (spillway engine ${engineFlags(ENGINE).join(' ')}) and spillway bench on CPU ${LOAD_CPU}, Spillway on CPU ${GATEWAY_CPU}.`,
    `Load: ${WORKLOAD.join(' ')} to the primary group at ${MULTIPLIER}× its capacity (${capacity}/s, direct, ≥ 99% within SLA), Poisson arrivals, ${durationS} s measured after ${warmupS} s warm-up. SLA: TTFT ≤ ${SLA.ttftMs} ms, TPOT ≤ ${SLA.itlMs} ms.`,
  ];
  const head = [
    'spillover',
    'offered/s',
    'goodput/s',
    'primary SLA att. (admitted)',
    'served: primary / fallback',
    'spills',
    'rejected',
    'after the run',
  ];
  const rows = runs.map((r) => {
    const s = r.result.summary;
    return [
      r.variant,
      s.offeredRps,
      s.goodputRps,
      pct(r.primarySla),
      `${r.primaryServed} / ${r.fallbackServed}`,
      r.spills,
      Object.values(s.rejected).reduce((a, b) => a + b, 0),
      r.drained,
    ];
  });
  const [off, on] = runs;
  const gain = on.result.summary.goodputRps - off.result.summary.goodputRps;
  const target = capacity / 2;
  const verdict =
    `Goodput gain with spillover: ${gain.toFixed(2)}/s against the fallback's capacity ${target}/s ` +
    `(${((gain / target) * 100).toFixed(0)} %; target 80-120 %). Primary SLA attainment of admitted with ` +
    `spillover: ${pct(on.primarySla)} (target ≥ 99 %).`;
  const markdown = [...header.map((h) => `${h}  `), '', mdTable(head, rows), '', verdict].join('\n');
  return {
    markdown,
    html: renderPage('Spillway: spillover', header, [
      { heading: 'Spillover off and on', html: `${htmlTable(head, rows)}<p>${verdict}</p>` },
    ]),
    json: { capacity, fallbackCapacity: target, durationS, warmupS, gain, runs },
  };
}
