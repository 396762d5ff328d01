/**
 * The fleet matrix (issue 11, Deliver 5): back pressure judged on fleets drawn from a seed, none of them our other
 * benchmarks' fleet. For each fleet (src/bench/matrix/draw.ts): its capacity C measured straight at the engines
 * (round robin; the highest Poisson rate with ≥ 99 % of requests within the SLA), then the fleet behind Spillway
 * (kv-aware, engines scraped, back pressure on with the fleet's SLA) at 1× C, all standard, and at 3× C with 15 %
 * critical, 50 % standard, 35 % sheddable. Shared-prefix fleets also run directly with perfect prefix affinity
 * (`spillway bench --affinity`) on a cold fleet, the hit rate the gateway is held to. Spillway on CPU 0; engines
 * and `spillway bench` on CPU 1. The gateway's /metrics is read before and after each run, never during one.
 *
 *   node bench/matrix.ts [--smoke] [--seed 11] [--fleets 8] [--fleet I] [--capacities FILE] [--only 1x,3x]
 *                        [--engine 'limit: { algorithm: slo }']   (more keys for back pressure's engine section)
 *
 * Capacities go to <out>/capacities.json; `--capacities` reuses them (a fleet's capacity does not depend on the
 * gateway), so a re-run after tuning the gateway skips the search. `--only` picks the gateway runs (none: C only).
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { benchChild, slaRunArgs } from '../src/bench/harness/bench-child.ts';
import { findCapacity } from '../src/bench/harness/capacity.ts';
import { prefixCounters, SIM_MODEL, startFleet, startGatewayFor } from '../src/bench/harness/fleet.ts';
import { metricSum } from '../src/bench/harness/metric-sum.ts';
import type { Proc } from '../src/bench/harness/procs.ts';
import { machineLine, runScenario, type ScenarioContext } from '../src/bench/harness/scenario.ts';
import { describeFleet, drawFleet, drawFleets, type FleetSpec, REGIMES, smokeFleet } from '../src/bench/matrix/draw.ts';
import { matrixReport } from '../src/bench/matrix/report.ts';
import type { FleetResult, RunFigures } from '../src/bench/matrix/verdict.ts';
import type { BenchResult } from '../src/bench/result.ts';
import { GatewayProbe } from './backpressure-probe.ts';

const GATEWAY_CPU = 0;
const LOAD_CPU = 1;
const DEFAULT_SEED = 11;
const ADMIN_KEY = 'sk-matrix-admin';
/** 3×: the issue's mix. Seeds apart so the three Poisson streams are independent. */
const CLASSES = [
  { priority: 'critical', share: 0.15, seed: 101 },
  { priority: 'standard', share: 0.5, seed: 102 },
  { priority: 'sheddable', share: 0.35, seed: 103 },
] as const;

interface Window {
  warmupS: number;
  durationS: number;
}
/**
 * Full: capacity probes 3 s warm-up + 15 s measured (≥ 90 requests at C ≥ 6/s, so "≥ 99 %" allows a failure
 * or two); gateway runs 5 s + 20 s (long enough for limits to settle within the warm-up, short enough that 8
 * fleets take ~25 min). The search starts at the virtual-time guess and steps by 1.25 (the guess is usually
 * within that), at most 4 probes, stopping at a bracket of 12 %. Per-request timeout 10 s bounds a failed probe.
 */
const FULL = {
  probe: { warmupS: 3, durationS: 15 },
  run: { warmupS: 5, durationS: 20 },
  timeoutS: 10,
  maxProbes: 4,
  tolerance: 0.12,
  factor: 1.25,
};
const SMOKE = {
  probe: { warmupS: 0.5, durationS: 2 },
  run: { warmupS: 0.5, durationS: 3 },
  timeoutS: 4,
  maxProbes: 1,
  tolerance: 1,
  factor: 1.25,
};
type Plan = typeof FULL;

type Capacities = Record<string, { rps: number; probes: FleetResult['capacity']['probes'] }>;
/** What a capacity belongs to: the fleet's engines, workload and SLA (not its index), so a file outlives reorderings. */
const fleetKey = (f: FleetSpec) => `${describeFleet(f)}; ${f.workload.spec}`;

await runScenario(
  {
    name: 'matrix',
    timeoutS: { full: 3600, smoke: 100 },
    options: {
      seed: { type: 'string' },
      fleets: { type: 'string' },
      fleet: { type: 'string' },
      capacities: { type: 'string' },
      only: { type: 'string' },
      engine: { type: 'string' },
      extra: { type: 'string' },
    },
  },
  async (ctx) => {
    const seed = Number(ctx.args.seed ?? DEFAULT_SEED);
    const count = Number(ctx.args.fleets ?? 8);
    const plan = ctx.smoke ? SMOKE : FULL;
    const only = new Set(
      String(ctx.args.only ?? '1x,3x')
        .split(',')
        .filter(Boolean),
    );
    for (const o of only) if (o !== '1x' && o !== '3x') throw new Error(`--only: expected 1x and/or 3x, got "${o}"`);
    const one = ctx.args.fleet === undefined ? undefined : Number(ctx.args.fleet);
    const fleets = ctx.smoke
      ? [smokeFleet()]
      : one !== undefined
        ? [drawFleet(seed, one, REGIMES[one % REGIMES.length], ctx.log)]
        : drawFleets(seed, count, ctx.log);
    const known: Capacities = ctx.args.capacities
      ? JSON.parse(await readFile(String(ctx.args.capacities), 'utf8'))
      : {};
    const capacities: Capacities = { ...known };
    const results: FleetResult[] = [];
    for (const f of fleets) {
      const r = await runFleet(ctx, f, plan, only, known[fleetKey(f)]);
      results.push(r);
      capacities[fleetKey(f)] = { rps: r.capacity.rps, probes: r.capacity.probes };
      await writeFile(path.join(ctx.outDir, 'capacities.json'), `${JSON.stringify(capacities, null, 2)}\n`);
    }
    const args = process.argv.slice(2).join(' ');
    const windows = `Windows: capacity probes ${plan.probe.warmupS} s warm-up + ${plan.probe.durationS} s measured (search from the virtual-time guess, ×${plan.factor} steps, ≤ ${plan.maxProbes} probes, bracket ≤ ${plan.tolerance * 100} %); gateway and affinity runs ${plan.run.warmupS} s + ${plan.run.durationS} s; Poisson arrivals, streamed, per-request timeout ${plan.timeoutS} s.`;
    const report = matrixReport(
      {
        machine: machineLine(),
        command: `node bench/matrix.ts${args ? ` ${args}` : ''}`,
        seed,
        smoke: ctx.smoke,
        windows,
      },
      results,
    );
    ctx.log(report.summary);
    return report;
  },
);

async function runFleet(
  ctx: ScenarioContext,
  f: FleetSpec,
  plan: Plan,
  only: Set<string>,
  known: Capacities[string] | undefined,
): Promise<FleetResult> {
  ctx.log(
    `fleet #${f.index} (${f.regime}): ${describeFleet(f)}; guess C ≈ ${f.guess.capacity}/s, ${f.guess.binds} binds first`,
  );
  const multipliers = [1, 3].filter((m) => only.has(`${m}x`));
  if (known && multipliers.length === 0)
    return { fleet: f, capacity: { rps: known.rps, source: 'file', probes: known.probes }, runs: [] };
  let engines = await startFleet(ctx, f.engines, f.engine, LOAD_CPU);
  const bench = (urls: string, rate: number, label: string, extra: string[], w: Window) =>
    benchChild(
      [
        ...slaRunArgs({ url: urls, model: SIM_MODEL, rate, ...w, timeoutS: plan.timeoutS, sla: f.sla }),
        '--workload',
        f.workload.spec,
        '--stream',
        '--label',
        label,
        ...extra,
      ],
      LOAD_CPU,
    );
  const direct = () => engines.map((e) => e.url).join(',');

  let capacity: FleetResult['capacity'];
  if (known) capacity = { rps: known.rps, source: 'file', probes: known.probes };
  else {
    const probes: FleetResult['capacity']['probes'] = [];
    const found = await findCapacity(
      async (rate) => {
        const attainment =
          (await bench(direct(), rate, `#${f.index} capacity probe ${rate}/s`, [], plan.probe)).summary
            .slaAttainmentAll ?? 0;
        probes.push({ rate, pass: attainment >= 0.99, attainment });
        ctx.log(`#${f.index} capacity probe ${rate}/s: ${(attainment * 100).toFixed(1)}% within SLA`);
        return attainment >= 0.99;
      },
      {
        start: Math.max(1, f.guess.capacity),
        maxProbes: plan.maxProbes,
        tolerance: plan.tolerance,
        factor: plan.factor,
      },
    );
    // Nothing passed within the probe budget: one step below the lowest probe, and the report shows the probes.
    const rps = found.capacity || Math.round((Math.min(...probes.map((p) => p.rate)) / plan.factor) * 100) / 100;
    capacity = { rps, source: 'measured', probes };
  }
  const c = capacity.rps;
  ctx.log(`#${f.index} capacity: ${c}/s (${capacity.source})`);
  const result: FleetResult = { fleet: f, capacity, runs: [] };
  if (multipliers.length > 0) {
    const prefix = f.workload.kind === 'shared-prefix';
    // Cold engines for each prefix measurement, so neither run inherits the other's cache layout.
    const restart = async () => {
      for (const e of engines) await ctx.procs.stop(e);
      engines = await startFleet(ctx, f.engines, f.engine, LOAD_CPU);
    };
    if (prefix) {
      await restart();
      const before = await prefixCounters(engines);
      await bench(direct(), c, `#${f.index} perfect affinity at 1×`, ['--affinity'], plan.run);
      const after = await prefixCounters(engines);
      result.perfectAffinityHitRate = hitRate(before, after);
      ctx.log(`#${f.index} perfect affinity: prefix hit rate ${(result.perfectAffinityHitRate * 100).toFixed(1)}%`);
      await restart();
    }
    const gw = await startGatewayFor(
      ctx,
      'matrix',
      engines,
      {
        routing: 'kv-aware',
        spillway: `  backpressure:\n    enabled: true\n    router: { ttft_budget_ms: ${f.sla.ttftMs} }\n${ctx.args.extra ? `    ${String(ctx.args.extra)}\n` : ''}    engine: { itl_slo_ms: ${f.sla.itlMs}${ctx.args.engine ? `, ${String(ctx.args.engine)}` : ''} }\ngeneral_settings:\n  master_key: ${ADMIN_KEY}\n`,
        deployment: '    spillway: { load: { kind: vllm } }',
      },
      GATEWAY_CPU,
    );
    for (const m of multipliers) {
      const r = await gatewayRun(gw, engines, prefix, m, c, plan.run.warmupS * 1000, (rate, label, extra) =>
        bench(gw.url, rate, `#${f.index} ${label}`, ['--api-key', ADMIN_KEY, ...extra], plan.run),
      );
      ctx.log(
        `#${f.index} ${m}×: admitted ${r.admitted}/${r.requests}, goodput ${r.goodputRps}/s (C ${c}), SLA ${((r.slaAttainment ?? 0) * 100).toFixed(2)}% of admitted, refusals ${JSON.stringify(r.refusals)} (critical ${JSON.stringify(r.criticalRefusals ?? {})}), gateway refusal p99 ${r.gatewayRefusalP99Ms?.toFixed(2) ?? 'n/a'} ms; accounting ${r.accounting.text}`,
      );
      result.runs.push(r);
    }
  }
  await ctx.procs.stopAll();
  return result;
}

function hitRate(b: { queries: number; hits: number }, a: { queries: number; hits: number }): number {
  return a.queries > b.queries ? (a.hits - b.hits) / (a.queries - b.queries) : 0;
}

type Send = (rate: number, label: string, extra: string[]) => Promise<BenchResult>;

/**
 * One gateway run at m × C; the accounting polled once it is over. The gateway's counters (refusals by code, the
 * refusal-time histogram, the engines' prefix counters) are read when the clients' warm-up ends and after the
 * run, so they cover the window the clients measure (from a little before it: the clients start a few hundred
 * ms after they are spawned). A fleet that goes from idle to 3× at once has its own transient in the warm-up.
 */
async function gatewayRun(
  gw: Proc,
  engines: Proc[],
  prefix: boolean,
  m: number,
  c: number,
  warmupMs: number,
  send: Send,
): Promise<RunFigures> {
  const probe = new GatewayProbe(gw.url);
  const read = async () => ({
    buckets: await probe.refusalBuckets(),
    refusals: await probe.refusals(),
    text: await probe.metrics(),
    engines: prefix ? await prefixCounters(engines) : undefined,
  });
  const rate = Math.round(m * c * 100) / 100;
  const sent =
    m === 1
      ? Promise.all([send(rate, '1× (standard)', [])])
      : Promise.all(
          CLASSES.map((k) =>
            send(Math.round(rate * k.share * 100) / 100, `${m}× ${k.priority}`, [
              '--header',
              `x-spillway-priority: ${k.priority}`,
              '--seed',
              String(k.seed),
            ]),
          ),
        );
  sent.catch(() => {}); // awaited below; handled now so a failure during the sleep is not unhandled
  await sleep(warmupMs);
  const before = await read();
  const results = await sent;
  const after = await read();
  const drained = await probe.waitDrained();
  const refusals: Record<string, number> = {};
  const criticalRefusals: Record<string, number> = {};
  for (const [priority, byReason] of Object.entries(after.refusals))
    for (const [reason, n] of Object.entries(byReason)) {
      const d = n - (before.refusals[priority]?.[reason] ?? 0);
      if (d > 0) refusals[reason] = (refusals[reason] ?? 0) + d;
      if (d > 0 && priority === 'critical') criticalRefusals[reason] = d;
    }
  const p99 = GatewayProbe.quantile(before.buckets, after.buckets, 0.99) * 1000;
  const s = results.map((r) => r.summary);
  const total = (f: (x: BenchResult['summary']) => number) => s.reduce((a, x) => a + f(x), 0);
  const admitted = total((x) => x.admitted);
  const rejected = total((x) => x.rejectionLatencyMs.count);
  const delta = (name: string) => metricSum(after.text, name) - metricSum(before.text, name);
  const prompt = delta('spillway_engine_prompt_tokens_total');
  return {
    multiplier: m,
    rate,
    requests: total((x) => x.requests),
    offeredRps: round(total((x) => x.offeredRps)),
    admitted,
    goodputRps: round(total((x) => x.goodputRps)),
    slaAttainment: admitted > 0 ? total((x) => x.good) / admitted : null,
    classes:
      m === 1
        ? []
        : s.map((x, i) => ({
            priority: CLASSES[i].priority,
            requests: x.requests,
            admitted: x.admitted,
            good: x.good,
          })),
    refusals,
    criticalRefusals,
    gatewayRefusalP99Ms: Number.isFinite(p99) ? round(p99) : null,
    clientRefusalP99Ms:
      rejected > 0
        ? Math.max(...s.filter((x) => x.rejectionLatencyMs.count > 0).map((x) => x.rejectionLatencyMs.p99))
        : null,
    accounting: {
      ok: drained.ok,
      text: drained.ok
        ? '0'
        : Object.entries(drained.values)
            .map(([k, v]) => `${k} ${v}`)
            .join(', '),
    },
    ...(prefix && {
      prefix: {
        engines: hitRate(before.engines!, after.engines!),
        gatewayEstimate: prompt > 0 ? delta('spillway_engine_prefix_cached_tokens_total') / prompt : null,
      },
    }),
    generatorLagP99Ms: Math.max(...s.map((x) => x.generator.eventLoopLagP99Ms)),
    warnings: results.flatMap((r) => r.warnings),
  };
}

function round(x: number): number {
  return Math.round(x * 100) / 100;
}
