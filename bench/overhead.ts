/**
 * Issue 2's overhead benchmark and the suite's `overhead` scenario, in one go:
 *   targets: the mock directly, the bare undici pass-through proxy (the floor), the same proxy parsing and
 *            re-serialising JSON, and Spillway (every feature on: auth, routing, limits, metrics);
 *   cases:   a small chat body, the seed's locust prompt (~16 KB), and a small streamed chat;
 *   probes:  max req/s with wrk (closed loop, fixed connections), then latency at fixed rates with
 *            `spillway bench` (open loop, constant arrivals), added latency = target − mock direct in the same run.
 * The target under test is pinned to CPU 0; wrk, `spillway bench` and (when proxied) the mock share CPU 1.
 *
 *   node bench/overhead.ts [--smoke] [--rates 1000,3000] [--duration 10] [--connections 64]
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { benchChild } from '../src/bench/harness/bench-child.ts';
import { freePort, hasBinary, REPO, type Proc } from '../src/bench/harness/procs.ts';
import { machineLine, mdTable, runScenario, type ScenarioContext } from '../src/bench/harness/scenario.ts';
import { runWrk, type WrkResult } from '../src/bench/harness/wrk.ts';
import { charts, htmlTable, renderPage } from '../src/bench/report/html.ts';
import { barChart } from '../src/bench/report/svg.ts';
import { SEED_SENTENCE } from '../src/bench/workloads/seed-locust.ts';

const TARGET_CPU = 0;
const LOAD_CPU = 1;
const MODEL = 'bench';
const KEY = 'sk-spillway-bench';
const MOCK_ARGS = ['--latency-ms', '0', '--chunks', '16'];

interface Case {
  name: string;
  body: string;
  /** The `spillway bench` workload that sends the same kind of body. */
  bench: string[];
}

const small = { model: MODEL, messages: [{ role: 'user', content: 'Say hello in one short sentence.' }], max_tokens: 16 };
const CASES: Case[] = [
  { name: 'small', body: JSON.stringify(small), bench: ['--workload', 'chat-short'] },
  {
    name: 'seed prompt',
    body: JSON.stringify({
      model: MODEL,
      messages: [{ role: 'user', content: ('3f2b8c1e-0d4a-4c6b-9e7f-5a1d2c3b4e5f' + SEED_SENTENCE).repeat(150) }],
      user: 'my-new-end-user-1',
    }),
    bench: ['--workload', 'seed-locust'],
  },
  { name: 'stream', body: JSON.stringify({ ...small, stream: true }), bench: ['--workload', 'chat-short', '--stream'] },
];

interface Target {
  name: string;
  /** Axis label on the report's charts. */
  short: string;
  /** Only in full runs (the smoke keeps to what proves the scenario still works). */
  full?: boolean;
  /** Starts what the target needs; returns the URL clients use and the process whose RSS is reported. */
  start(ctx: ScenarioContext): Promise<{ url: string; proc: Proc }>;
}

async function mockOn(ctx: ScenarioContext, cpu: number): Promise<Proc> {
  return ctx.procs.spillway('mock', 'mock', MOCK_ARGS, cpu);
}

async function bareProxy(ctx: ScenarioContext, parse: boolean) {
  const mock = await mockOn(ctx, LOAD_CPU);
  const port = await freePort();
  const argv = ['node', path.join(REPO, 'bench/bare-proxy.ts'), '--port', String(port), '--upstream', mock.url, ...(parse ? ['--parse'] : [])];
  const proc = await ctx.procs.start(parse ? 'bare-proxy-parse' : 'bare-proxy', { argv, port, cpu: TARGET_CPU });
  return { url: proc.url, proc };
}

const TARGETS: Target[] = [
  {
    name: 'mock direct',
    short: 'mock',
    async start(ctx) {
      const proc = await mockOn(ctx, TARGET_CPU);
      return { url: proc.url, proc };
    },
  },
  { name: 'bare undici proxy', short: 'bare proxy', start: (ctx) => bareProxy(ctx, false) },
  { name: 'undici proxy + JSON parse', short: '+ JSON', start: (ctx) => bareProxy(ctx, true), full: true },
  {
    name: 'spillway',
    short: 'spillway',
    async start(ctx) {
      const mock = await mockOn(ctx, LOAD_CPU);
      const config = path.join(ctx.outDir, 'overhead-gateway.yaml');
      await writeFile(config, gatewayYaml(mock.url));
      const proc = await ctx.procs.spillway('spillway', 'serve', ['--config', config], TARGET_CPU);
      return { url: proc.url, proc };
    },
  },
];

function gatewayYaml(mockUrl: string): string {
  return `# Written by bench/overhead.ts: one group over one mock, with auth, limits and metrics on.
model_list:
  - model_name: ${MODEL}
    litellm_params:
      model: openai/mock
      api_base: ${mockUrl}/v1
      rpm: 100000000
      max_parallel_requests: 100000
router_settings:
  routing_strategy: simple-shuffle
  num_retries: 2
general_settings:
  master_key: ${KEY}
spillway:
  log_level: warn
  public_metrics: true
  connections: 256
`;
}

interface Row {
  target: string;
  case: string;
  wrk: WrkResult;
  fixed: Array<{ rate: number; p50: number; p99: number; completed: number; errors: number }>;
  rssMb: number | undefined;
}

await runScenario(
  {
    name: 'overhead',
    timeoutS: { full: 1500, smoke: 90 },
    options: { rates: { type: 'string' }, duration: { type: 'string' }, connections: { type: 'string' } },
  },
  async (ctx) => {
    if (!hasBinary('wrk')) throw new Error('wrk is not installed (apt-get install wrk)');
    const durationS = Number(ctx.args.duration ?? (ctx.smoke ? 1 : 10));
    const rates = String(ctx.args.rates ?? (ctx.smoke ? '50' : '1000')).split(',').map(Number);
    const benchDuration = ctx.smoke ? '0.5s' : `${durationS}s`;
    const connections = Number(ctx.args.connections ?? 64);
    const rows: Row[] = [];
    for (const target of TARGETS.filter((t) => !ctx.smoke || !t.full)) {
      ctx.log(`starting ${target.name}`);
      const { url, proc } = await target.start(ctx);
      const endpoint = `${url}/v1/chat/completions`;
      for (const c of CASES) {
        // A warm-up so JIT, lazy loading (the tokenizer) and connection set-up are not in the measured window.
        if (!ctx.smoke) await runWrk({ url: endpoint, body: c.body, headers: { Authorization: `Bearer ${KEY}` }, durationS: 2, connections, cpu: LOAD_CPU });
        const wrk = await runWrk({ url: endpoint, body: c.body, headers: { Authorization: `Bearer ${KEY}` }, durationS, connections, cpu: LOAD_CPU });
        ctx.log(`${target.name} / ${c.name}: wrk ${wrk.rps.toFixed(0)} req/s, p50 ${wrk.latencyMs.p50} ms, non-2xx ${wrk.non2xx}`);
        const fixed = [];
        for (const rate of rates) {
          const r = await benchChild(
            ['--url', url, '--model', MODEL, '--api-key', KEY, '--rate', String(rate), '--arrival', 'constant', '--duration', benchDuration, ...c.bench],
            LOAD_CPU,
          );
          const errors = Object.values(r.summary.errors).reduce((a, b) => a + b, 0);
          fixed.push({ rate, p50: r.summary.e2eMs.p50, p99: r.summary.e2eMs.p99, completed: r.summary.completed, errors });
          ctx.log(`${target.name} / ${c.name} @ ${rate}/s: e2e p50 ${r.summary.e2eMs.p50} ms p99 ${r.summary.e2eMs.p99} ms, errors ${errors}`);
        }
        rows.push({ target: target.name, case: c.name, wrk, fixed, rssMb: proc.rssMb() });
      }
      await ctx.procs.stopAll();
    }
    return report(rows, { durationS, rates, connections, smoke: ctx.smoke });
  },
);

function report(rows: Row[], run: { durationS: number; rates: number[]; connections: number; smoke: boolean }) {
  const direct = (c: string) => rows.find((r) => r.target === 'mock direct' && r.case === c)!;
  const bare = (c: string) => rows.find((r) => r.target === 'bare undici proxy' && r.case === c)!;
  const gw = rows.filter((r) => r.target === 'spillway');
  const f1 = (x: number) => x.toFixed(1);
  const f3 = (x: number) => x.toFixed(3);
  const maxTable = mdTable(
    ['target', 'case', 'max req/s (wrk)', 'vs bare proxy', 'wrk p50 ms', 'wrk p99 ms', 'non-2xx', 'RSS MB'],
    rows.map((r) => [
      r.target,
      r.case,
      r.wrk.rps.toFixed(0),
      `${((r.wrk.rps / bare(r.case).wrk.rps) * 100).toFixed(0)}%`,
      f3(r.wrk.latencyMs.p50),
      f3(r.wrk.latencyMs.p99),
      r.wrk.non2xx + r.wrk.socketErrors,
      r.rssMb ?? 'n/a',
    ]),
  );
  const latRows = rows.flatMap((r) =>
    r.fixed.map((f, k) => {
      const d = direct(r.case).fixed[k];
      return [r.target, r.case, f.rate, f3(f.p50), f3(f.p99), f3(f.p50 - d.p50), f3(f.p99 - d.p99), f.errors];
    }),
  );
  const latTable = mdTable(['target', 'case', 'rate/s', 'e2e p50 ms', 'e2e p99 ms', 'added p50 ms', 'added p99 ms', 'errors'], latRows);
  const header = [
    `Overhead (${run.smoke ? 'SMOKE run, figures meaningless' : 'full run'}): ${machineLine()}`,
    `Command: node bench/overhead.ts${run.smoke ? ' --smoke' : ''} — target pinned to CPU ${TARGET_CPU}; wrk (1 thread, ${run.connections} connections, ${run.durationS} s), spillway bench and the upstream mock on CPU ${LOAD_CPU}.`,
    `Mock: ${MOCK_ARGS.join(' ')}; fixed-rate latency: spillway bench, constant arrivals, ${run.durationS} s, added = target − mock direct.`,
  ];
  const checks = targetChecks(gw, bare, direct, run.rates);
  const checkTable = mdTable(['issue 2 target (spillway)', 'measured', 'met'], checks);
  const markdown = [...header.map((h) => h + '  '), '', maxTable, '', latTable, '', checkTable].join('\n');
  const html = renderPage('Spillway overhead benchmark', header, [
    {
      heading: 'Max throughput (wrk)',
      html:
        charts(
          CASES.map((c) =>
            barChart({
              title: `max req/s — ${c.name}`,
              xLabel: 'target',
              yLabel: 'req/s',
              width: 380,
              bars: rows.filter((r) => r.case === c.name).map((r) => ({ label: TARGETS.find((t) => t.name === r.target)!.short, value: Math.round(r.wrk.rps) })),
            }),
          ),
        ) + htmlTable(['target', 'case', 'req/s', 'p50 ms', 'p99 ms', 'RSS MB'], rows.map((r) => [r.target, r.case, f1(r.wrk.rps), f3(r.wrk.latencyMs.p50), f3(r.wrk.latencyMs.p99), r.rssMb ?? 'n/a'])),
    },
    { heading: "Issue 2's targets", html: htmlTable(['target', 'measured', 'met'], checks) },
    { heading: 'Latency at fixed rates (spillway bench, open loop)', html: htmlTable(['target', 'case', 'rate/s', 'p50 ms', 'p99 ms', 'added p50', 'added p99', 'errors'], latRows) },
  ]);
  return { markdown, html, json: { schema: 'spillway-overhead/1', machine: machineLine(), run, rows: rows.map(({ wrk: { raw: _raw, ...wrk }, ...r }) => ({ ...r, wrk })) } };
}

/** Issue 2's targets for one gateway process, against the same run's floor. */
function targetChecks(gw: Row[], bare: (c: string) => Row, direct: (c: string) => Row, rates: number[]): string[][] {
  if (gw.length === 0) return [];
  const g = (c: string) => gw.find((r) => r.case === c)!;
  const k = Math.max(0, rates.indexOf(1000));
  const added = (q: 'p50' | 'p99') => g('small').fixed[k][q] - direct('small').fixed[k][q];
  const rss = Math.max(...gw.map((r) => r.rssMb ?? 0));
  const ok = (b: boolean) => (b ? 'yes' : 'NO');
  const share = g('small').wrk.rps / bare('small').wrk.rps;
  return [
    ['req/s, small body ≥ 50% of the bare proxy', `${(share * 100).toFixed(0)}% (${g('small').wrk.rps.toFixed(0)} vs ${bare('small').wrk.rps.toFixed(0)})`, ok(share >= 0.5)],
    ['req/s, seed prompt ≥ 4,000', g('seed prompt').wrk.rps.toFixed(0), ok(g('seed prompt').wrk.rps >= 4000)],
    ['streams/s ≥ 3,000', g('stream').wrk.rps.toFixed(0), ok(g('stream').wrk.rps >= 3000)],
    [`added latency p50 ≤ 0.3 ms at ${rates[k]}/s (small)`, `${added('p50').toFixed(3)} ms`, ok(added('p50') <= 0.3)],
    [`added latency p99 ≤ 2 ms at ${rates[k]}/s (small)`, `${added('p99').toFixed(3)} ms`, ok(added('p99') <= 2)],
    ['RSS ≤ 150 MB (after the runs)', `${rss} MB`, ok(rss <= 150)],
  ];
}
