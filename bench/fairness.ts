/**
 * Fairness within a class (issue 15): two tenants of equal weight in the same class at 3× capacity on the
 * back-pressure bench's fleet (4 simulated engines, spillway engine --speedup 0.5 --max-num-seqs 16, on CPU 1
 * with the load generators; Spillway on CPU 0), A offering 10× B's rate, so B (3/11 of capacity) stays under
 * its fair share (1/2). The same run with fairness on and off. Per tenant: offered, admitted share, SLA
 * attainment of the admitted, goodput. Acceptance with fairness on: B ≥ 99 % SLA attainment and ≥ 95 % of its
 * requests admitted. After each run the gateway's accounting must be 0.
 *
 *   node bench/fairness.ts [--smoke] [--capacity R] [--duration 30] [--load 3]
 */

import { TABLE_HEAD, type TenantRow, tableRows, tenantRow, verdict } from '../src/bench/fairness/report.ts';
import { BENCH_TENANTS, tenantArgs, tenantKeysYaml } from '../src/bench/fairness/tenants.ts';
import { benchChild, slaRunArgs } from '../src/bench/harness/bench-child.ts';
import { findCapacity } from '../src/bench/harness/capacity.ts';
import { SIM_MODEL, startFleet, startGatewayFor } from '../src/bench/harness/fleet.ts';
import {
  OVERLOAD_ENGINE as ENGINE,
  OVERLOAD_FLEET_SIZE as FLEET_SIZE,
  OVERLOAD_SLA as SLA,
  slaBackpressure,
  OVERLOAD_WORKLOAD as WORKLOAD,
} from '../src/bench/harness/overload-fleet.ts';
import { machineLine, mdTable, runScenario } from '../src/bench/harness/scenario.ts';
import { htmlTable, renderPage } from '../src/bench/report/html.ts';
import { GatewayProbe } from './backpressure-probe.ts';

const GATEWAY_CPU = 0;
const LOAD_CPU = 1;
const backpressure = (fairness: boolean) => slaBackpressure(`    fairness: { enabled: ${fairness} }\n`);
const ADMIN = 'general_settings:\n  master_key: sk-bench-admin\n';

await runScenario(
  {
    name: 'fairness',
    timeoutS: { full: 1200, smoke: 100 },
    options: { capacity: { type: 'string' }, duration: { type: 'string' }, load: { type: 'string' } },
  },
  async (ctx) => {
    const durationS = Number(ctx.args.duration ?? (ctx.smoke ? 3 : 30));
    const warmupS = ctx.smoke ? 1 : 5;
    const load = Number(ctx.args.load ?? 3);
    const engines = await startFleet(ctx, ctx.smoke ? 1 : FLEET_SIZE, ENGINE, LOAD_CPU);
    const bench = (url: string, rate: number, label: string, extra: string[] = [], seed = 1) =>
      benchChild(
        [
          ...slaRunArgs({ url, model: SIM_MODEL, rate, durationS, warmupS, timeoutS: 20, sla: SLA }),
          ...['--label', label, '--seed', String(seed)],
          ...WORKLOAD,
          ...extra,
        ],
        LOAD_CPU,
      );
    let capacity = Number(ctx.args.capacity ?? 0);
    if (!capacity) {
      const direct = engines.map((e) => e.url).join(',');
      const found = await findCapacity(
        async (rate) => ((await bench(direct, rate, `capacity probe ${rate}/s`)).summary.slaAttainmentAll ?? 0) >= 0.99,
        ctx.smoke ? { start: 10, maxProbes: 2, tolerance: 0.5 } : { start: 20, maxProbes: 8, tolerance: 0.08 },
      );
      capacity = found.capacity || found.probes[0].rate / 2;
    }
    ctx.log(`capacity: ${capacity}/s; offered ${load}× split ${BENCH_TENANTS.map((t) => t.alias).join(':')}`);

    const rows: TenantRow[] = [];
    const drained: Record<string, string> = {};
    /** The gateway's refusals by code, both tenants together (its metrics have no tenant label). */
    const refusedBy: Record<string, Record<string, number>> = {};
    for (const fairness of [true, false]) {
      const variant = `fairness ${fairness ? 'on' : 'off'}`;
      const spillway = backpressure(fairness) + tenantKeysYaml(BENCH_TENANTS) + ADMIN;
      const gw = await startGatewayFor(ctx, 'fairness', engines, { routing: 'least-busy', spillway }, GATEWAY_CPU);
      const results = await Promise.all(
        BENCH_TENANTS.map((t, i) =>
          bench(
            gw.url,
            Math.round(load * capacity * t.share * 100) / 100,
            `${variant}: ${t.alias}`,
            tenantArgs(t),
            11 + i,
          ),
        ),
      );
      for (const [i, t] of BENCH_TENANTS.entries())
        rows.push(tenantRow({ variant, tenant: t.alias, result: results[i] }));
      const probe = new GatewayProbe(gw.url);
      const { ok, values } = await probe.waitDrained();
      drained[variant] = ok ? 'accounting 0' : `NOT ZERO: ${JSON.stringify(values)}`;
      refusedBy[variant] = (await probe.refusals()).standard ?? {};
      for (const r of rows.slice(-BENCH_TENANTS.length))
        ctx.log(
          `${variant} ${r.tenant}: admitted ${(r.admittedShare * 100).toFixed(1)} %, SLA ${r.slaAttainment}, goodput ${r.goodputRps}/s`,
        );
      await ctx.procs.stop(gw);
    }
    const light = rows.find((r) => r.variant === 'fairness on' && r.tenant === BENCH_TENANTS[1].alias)!;
    const v = verdict(light);
    const meta = [
      machineLine(),
      `capacity ${capacity}/s, ${load}× offered, ${durationS} s measured after ${warmupS} s warm-up, SLA TTFT ≤ ${SLA.ttftMs} ms, TPOT ≤ ${SLA.itlMs} ms`,
    ];
    const md = [
      '## Fairness within a class',
      '',
      ...meta.map((m) => `- ${m}`),
      '',
      mdTable(TABLE_HEAD, tableRows(rows)),
      '',
      `Acceptance: ${v.text}.`,
      `Refused by (both tenants): ${Object.entries(refusedBy)
        .map(([k, r]) => `${k} ${JSON.stringify(r)}`)
        .join('; ')}.`,
      `After each run: ${Object.entries(drained)
        .map(([k, d]) => `${k} ${d}`)
        .join('; ')}.`,
    ];
    return {
      markdown: md.join('\n'),
      html: renderPage('Spillway: fairness within a class', meta, [
        { heading: 'Per tenant', html: htmlTable(TABLE_HEAD, tableRows(rows)) },
      ]),
      json: { capacity, load, durationS, warmupS, rows, verdict: v, refusedBy, drained, machine: machineLine() },
    };
  },
);
