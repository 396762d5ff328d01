/**
 * Issue 2's overhead benchmark and the suite's `overhead` scenario, in one go:
 *   targets: the mock directly, the bare undici pass-through proxy (the floor), the same proxy parsing and
 *            re-serialising JSON, Spillway (every feature on: auth, routing, limits, metrics), and Spillway with
 *            back pressure on as well (its defaults; and, to tell the engine limit's part apart, with a fixed
 *            limit that never binds);
 *   cases:   a small chat body, the seed's locust prompt (~16 KB), and a small streamed chat;
 *   probes:  latency at fixed rates with `spillway bench` (open loop, constant arrivals; added latency = target −
 *            mock direct), then max req/s and CPU per request with wrk (closed loop, fixed connections).
 * The target under test is pinned to CPU 0; wrk, `spillway bench` and (when proxied) the mock share CPU 1.
 * Shared VMs lose 0-40 % of a CPU to steal, changing from minute to minute, so the whole comparison runs in
 * rounds and each figure is taken from the round that lost the least (the steal is reported beside it).
 *
 * In the throughput phase every target is up at once (each proxy with its own mock) and the rounds interleave
 * them, so back pressure on and off are compared windows seconds apart, not minutes.
 *
 *   node bench/overhead.ts [--smoke] [--rounds 3] [--rates 1000,3000] [--duration 5] [--connections 64]
 *                          [--targets spillway,spillway+bp] [--no-latency]
 * `--targets spillway+bp,bp+page` compares back pressure on with and without an operator page following /ui/events.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { benchChild } from '../src/bench/harness/bench-child.ts';
import { freePort, hasBinary, type Proc, REPO } from '../src/bench/harness/procs.ts';
import { machineLine, mdTable, runScenario, type ScenarioContext } from '../src/bench/harness/scenario.ts';
import { runWrk, type WrkResult } from '../src/bench/harness/wrk.ts';
import { charts, htmlTable, renderPage } from '../src/bench/report/html.ts';
import { barChart } from '../src/bench/report/svg.ts';
import { SEED_SENTENCE } from '../src/bench/workloads/seed-locust.ts';
import { type CpuWindow, cpuMark, cpuSince, maxSteal } from '../src/util/cpu-window.ts';
import { NODE_FLAGS } from '../src/util/node-flags.ts';

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
  /** Throughput only, each wrk request with its own uuid in place of this one (the latency phase's seed workload already draws one per request). */
  fresh?: string;
}

const small = {
  model: MODEL,
  messages: [{ role: 'user', content: 'Say hello in one short sentence.' }],
  max_tokens: 16,
};
const UUID = '3f2b8c1e-0d4a-4c6b-9e7f-5a1d2c3b4e5f';
const seedBody = JSON.stringify({
  model: MODEL,
  messages: [{ role: 'user', content: (UUID + SEED_SENTENCE).repeat(150) }],
  user: 'my-new-end-user-1',
});
const CASES: Case[] = [
  { name: 'small', body: JSON.stringify(small), bench: ['--workload', 'chat-short'] },
  { name: 'seed prompt', body: seedBody, bench: ['--workload', 'seed-locust'] },
  // As the seed's locustfile sends it: a new uuid per request, so no prompt repeats (prefix work is all misses).
  { name: 'seed prompt, fresh uuid', body: seedBody, bench: ['--workload', 'seed-locust'], fresh: UUID },
  { name: 'stream', body: JSON.stringify({ ...small, stream: true }), bench: ['--workload', 'chat-short', '--stream'] },
];

interface Probe {
  nodeFlags: string[];
  env: Record<string, string>;
  file: string;
}

interface Target {
  name: string;
  /** Axis label on the report's charts. */
  short: string;
  /** Only in full runs (the smoke keeps to what proves the scenario still works). */
  full?: boolean;
  /** A proxy in front of the upstream mock (so bench/probes/proxy-time.ts can measure the time inside it). */
  proxies: boolean;
  /** The bearer token its clients send; default the master key. */
  key?: string;
  /** Starts the target in front of `mockUrl`; returns the URL clients use and the process whose RSS is reported. */
  start(ctx: ScenarioContext, mockUrl: string, probe?: Probe): Promise<{ url: string; proc: Proc }>;
}

async function mockOn(ctx: ScenarioContext, cpu: number): Promise<Proc> {
  return ctx.procs.spillway('mock', 'mock', MOCK_ARGS, cpu);
}

async function bareProxy(ctx: ScenarioContext, mockUrl: string, parse: boolean, probe?: Probe) {
  const port = await freePort();
  // The floor runs with the V8 flags Spillway runs with, so the comparison is of the code, not of the heap sizing.
  const argv = [
    'node',
    ...NODE_FLAGS,
    ...(probe?.nodeFlags ?? []),
    path.join(REPO, 'bench/bare-proxy.ts'),
    '--port',
    String(port),
    '--upstream',
    mockUrl,
    ...(parse ? ['--parse'] : []),
  ];
  const proc = await ctx.procs.start(parse ? 'bare-proxy-parse' : 'bare-proxy', {
    argv,
    port,
    cpu: TARGET_CPU,
    ...(probe && { env: probe.env }),
  });
  return { url: proc.url, proc };
}

/** Issue 11's setup: every feature on, back pressure included with its defaults. */
const BACKPRESSURE_ON = `  backpressure:
    enabled: true
`;

/** A static API key with limits far above the run's rate, so its checks and counting run on every request. */
const TENANT_KEY = 'sk-spillway-bench-tenant';
const TENANT_KEY_ON = `  keys:
    static:
      - key: ${TENANT_KEY}
        key_alias: bench
        rpm_limit: 100000000
        tpm_limit: 100000000000
        max_parallel_requests: 100000
`;

const TRACING_ON = `  tracing:
    enabled: true
    sample_ratio: 1
    endpoint: MOCK_URL/v1/traces
`;

const TARGETS: Target[] = [
  {
    name: 'mock direct',
    short: 'mock',
    proxies: false,
    async start(ctx) {
      const proc = await mockOn(ctx, TARGET_CPU);
      return { url: proc.url, proc };
    },
  },
  {
    name: 'bare undici proxy',
    short: 'bare proxy',
    proxies: true,
    start: (ctx, mockUrl, probe) => bareProxy(ctx, mockUrl, false, probe),
  },
  {
    name: 'undici proxy + JSON parse',
    short: '+ JSON',
    proxies: true,
    start: (ctx, mockUrl, probe) => bareProxy(ctx, mockUrl, true, probe),
    full: true,
  },
  {
    name: 'spillway',
    short: 'spillway',
    proxies: true,
    async start(ctx, mockUrl, probe) {
      const config = path.join(ctx.outDir, 'overhead-gateway.yaml');
      await writeFile(config, gatewayYaml(mockUrl));
      const proc = await ctx.procs.spillway('spillway', 'serve', ['--config', config], TARGET_CPU, probe ?? {});
      return { url: proc.url, proc };
    },
  },
  spillwayWith('spillway, back pressure on', 'spillway+bp', 'bp', BACKPRESSURE_ON),
  // Issue 16: tracing on, every request recorded, spans exported to the mock (which answers 404 at once): the
  // cost of making and sending them, not of a collector.
  spillwayWith('spillway, tracing on', 'spillway+trace', 'trace', TRACING_ON, true),
  // Issue 15: the same gateway answering an API key (a tenant, its gate and usage) instead of the master key.
  {
    ...spillwayWith('spillway, API key', 'spillway+key', 'key', TENANT_KEY_ON, true),
    key: TENANT_KEY,
  },
  spillwayWith(
    'spillway, back pressure on, fixed limit',
    'bp fixed',
    'bp-fixed',
    `${BACKPRESSURE_ON}    engine:\n      limit: { algorithm: fixed, initial: 100000 }\n`,
    true,
  ),
  spillwayWith('spillway, back pressure on, operator page open', 'bp+page', 'bp-page', BACKPRESSURE_ON, true, true),
];

function spillwayWith(
  name: string,
  short: string,
  file: string,
  extra: string,
  full?: boolean,
  pageOpen?: boolean,
): Target {
  return {
    name,
    short,
    proxies: true,
    full,
    async start(ctx, mockUrl, probe) {
      const config = path.join(ctx.outDir, `overhead-gateway-${file}.yaml`);
      await writeFile(config, gatewayYaml(mockUrl) + extra.replace('MOCK_URL', mockUrl));
      const proc = await ctx.procs.spillway(file, 'serve', ['--config', config], TARGET_CPU, probe ?? {});
      if (pageOpen) await followPage(proc.url);
      return { url: proc.url, proc };
    },
  };
}

/** What an open operator page costs the gateway: its SSE feed (snapshots 4 a second), read till the gateway ends. */
async function followPage(url: string): Promise<void> {
  const res = await fetch(`${url}/ui/events`, { headers: { Authorization: `Bearer ${KEY}` } });
  if (!res.ok || res.body === null) throw new Error(`${url}/ui/events answered ${res.status}`);
  const reader = res.body.getReader();
  (async () => {
    while (!(await reader.read()).done);
  })().catch(() => {});
}

function probeFor(ctx: ScenarioContext, t: Target): Probe {
  const file = path.join(ctx.outDir, `probe-${t.short.replace(/\W+/g, '-')}.json`);
  return {
    nodeFlags: ['--import', path.join(REPO, 'bench/probes/proxy-time.ts')],
    env: { SPILLWAY_PROBE_FILE: file },
    file,
  };
}

interface Percentiles {
  n: number;
  p50: number | null;
  p90: number | null;
  p99: number | null;
}

interface Inside extends Percentiles {
  /** Dispatch → the upstream's response end: the part left out of the inside time. */
  upstream: Percentiles;
}

/** Asks the probe in `proc` for the time-inside figures since the last ask (SIGUSR2 → it writes its file). */
async function readProbe(proc: Proc, probe: Probe, seq: number): Promise<Inside> {
  process.kill(proc.pid, 'SIGUSR2');
  const deadline = Date.now() + 5000;
  while (Date.now() < deadline) {
    try {
      const r = JSON.parse(await readFile(probe.file, 'utf8')) as Inside & { seq: number };
      if (r.seq === seq) return r;
    } catch {
      // not written yet
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`${proc.name}: the proxy-time probe did not answer`);
}

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

interface WrkRun {
  wrk: WrkResult;
  window: CpuWindow;
  /** The target process's CPU per completed request, µs (undefined off Linux). */
  cpuUsPerReq: number | undefined;
}

interface FixedRun {
  round: number;
  rate: number;
  p50: number;
  p99: number;
  completed: number;
  errors: number;
  window: CpuWindow;
  /** The load generator's own event-loop lag: below it, a latency difference cannot be seen. */
  generatorLagP99: number;
  /** Time inside the proxy (bench/probes/proxy-time.ts); undefined for the mock. */
  inside: Inside | undefined;
}

interface LatencyRow {
  target: string;
  case: string;
  rate: number;
  /** One per round; the added latency of a round is against mock direct in the same round. */
  runs: FixedRun[];
}

interface ThroughputRow {
  target: string;
  case: string;
  /** Of all rounds, the run with the least steal. */
  best: WrkRun;
  runs: WrkRun[];
}

const leastSteal = <T extends { window: CpuWindow }>(runs: T[]): T =>
  runs.reduce((a, b) => (maxSteal(b.window) < maxSteal(a.window) ? b : a));
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

await runScenario(
  {
    name: 'overhead',
    timeoutS: { full: 3600, smoke: 120 },
    options: {
      rates: { type: 'string' },
      duration: { type: 'string' },
      connections: { type: 'string' },
      rounds: { type: 'string' },
      targets: { type: 'string' },
      'no-latency': { type: 'boolean' },
    },
  },
  async (ctx) => {
    if (!hasBinary('wrk')) throw new Error('wrk is not installed (apt-get install wrk)');
    const durationS = Number(ctx.args.duration ?? (ctx.smoke ? 1 : 5));
    const rates = String(ctx.args.rates ?? (ctx.smoke ? '50' : '1000'))
      .split(',')
      .map(Number);
    const benchDuration = ctx.smoke ? '0.5s' : `${durationS}s`;
    const connections = Number(ctx.args.connections ?? 64);
    const rounds = Number(ctx.args.rounds ?? (ctx.smoke ? 1 : 5));
    const only = ctx.args.targets === undefined ? undefined : String(ctx.args.targets).split(',');
    const targets = TARGETS.filter((t) => (only === undefined ? !ctx.smoke || !t.full : only.includes(t.short)));
    if (targets.length === 0)
      throw new Error(`--targets: none of ${only?.join(', ')} (known: ${TARGETS.map((t) => t.short).join(', ')})`);
    const auth = (t: Target) => ({ Authorization: `Bearer ${t.key ?? KEY}` });
    const bench = (url: string, rate: number, duration: string, c: Case, key = KEY) =>
      benchChild(
        [
          '--url',
          url,
          '--model',
          MODEL,
          '--api-key',
          key,
          '--rate',
          String(rate),
          '--arrival',
          'constant',
          '--duration',
          duration,
          ...c.bench,
        ],
        LOAD_CPU,
      );

    // Phase 1, latency at fixed rates: every target up at once (idle but for the one under test), each round
    // measuring them back to back, so a round's added latency compares windows seconds apart.
    const mock = await mockOn(ctx, LOAD_CPU);
    const live = [];
    for (const t of ctx.args['no-latency'] ? [] : targets) {
      const probe = t.proxies ? probeFor(ctx, t) : undefined;
      live.push({ t, probe, seq: 0, ...(await t.start(ctx, mock.url, probe)) });
    }
    const latency: LatencyRow[] = [];
    const latencyCases = CASES.filter((c) => c.fresh === undefined);
    for (const t of live)
      for (const c of latencyCases)
        for (const rate of rates) latency.push({ target: t.t.name, case: c.name, rate, runs: [] });
    for (let round = 1; round <= rounds; round++) {
      for (const c of latencyCases) {
        for (const rate of rates) {
          for (const t of live) {
            // A warm-up so JIT, lazy loading and connection set-up are not in the measured window.
            if (round === 1 && !ctx.smoke) await bench(t.url, rate, '1s', c, t.t.key);
            if (round === 1 && t.probe) await readProbe(t.proc, t.probe, ++t.seq);
            const mark = cpuMark(t.proc.pid);
            const r = await bench(t.url, rate, benchDuration, c, t.t.key);
            const window = cpuSince(mark);
            const inside = t.probe && (await readProbe(t.proc, t.probe, ++t.seq));
            const errors = Object.values(r.summary.errors).reduce((a, b) => a + b, 0);
            const generatorLagP99 = r.summary.generator.eventLoopLagP99Ms;
            const run = {
              round,
              rate,
              p50: r.summary.e2eMs.p50,
              p99: r.summary.e2eMs.p99,
              completed: r.summary.completed,
              errors,
              window,
              generatorLagP99,
              inside,
            };
            latency.find((l) => l.target === t.t.name && l.case === c.name && l.rate === rate)!.runs.push(run);
            ctx.log(
              `round ${round}/${rounds} ${t.t.name} / ${c.name} @ ${rate}/s: e2e p50 ${run.p50} ms p99 ${run.p99} ms` +
                `${inside ? `, inside p50 ${inside.p50?.toFixed(3)} p99 ${inside.p99?.toFixed(3)} ms` : ''}, errors ${errors}, steal ${stealText(window)}`,
            );
          }
        }
      }
    }
    await ctx.procs.stopAll();

    // Phase 2, max throughput: every target up at once (fresh processes, no probe, each proxy with its own mock),
    // first the fixed rate once per case for the RSS at that operating point, then rounds of wrk that interleave
    // the targets, so that two of them are compared over windows seconds apart.
    const throughput: ThroughputRow[] = [];
    const rssAtRate = new Map<string, number | undefined>();
    const peakRss = new Map<string, number | undefined>();
    const up = [];
    for (const t of targets) {
      ctx.log(`throughput: starting ${t.name}`);
      const upstream = t.proxies ? await mockOn(ctx, LOAD_CPU) : undefined;
      const { url, proc } = await t.start(ctx, upstream?.url ?? '');
      for (const c of CASES) if (c.fresh === undefined) await bench(url, rates[0], benchDuration, c, t.key);
      rssAtRate.set(t.name, proc.rssMb());
      up.push({
        t,
        proc,
        endpoint: `${url}/v1/chat/completions`,
        runs: new Map<string, WrkRun[]>(CASES.map((c) => [c.name, []])),
      });
    }
    for (let round = 1; round <= rounds; round++) {
      for (const c of CASES) {
        for (const { t, proc, endpoint, runs } of up) {
          const w = { url: endpoint, body: c.body, headers: auth(t), connections, cpu: LOAD_CPU, freshToken: c.fresh };
          if (round === 1 && !ctx.smoke) await runWrk({ ...w, durationS: 2 });
          const mark = cpuMark(proc.pid);
          const wrk = await runWrk({ ...w, durationS });
          const window = cpuSince(mark);
          const cpuUsPerReq =
            window.procCpuS !== undefined && wrk.requests > 0 ? (window.procCpuS * 1e6) / wrk.requests : undefined;
          runs.get(c.name)!.push({ wrk, window, cpuUsPerReq });
          ctx.log(
            `round ${round}/${rounds} ${t.name} / ${c.name}: wrk ${wrk.rps.toFixed(0)} req/s, ${cpuUsPerReq?.toFixed(0) ?? '?'} µs CPU/req, non-2xx ${wrk.non2xx}, steal ${stealText(window)}`,
          );
        }
      }
    }
    for (const { t, proc, runs } of up) {
      for (const c of CASES)
        throughput.push({ target: t.name, case: c.name, best: leastSteal(runs.get(c.name)!), runs: runs.get(c.name)! });
      peakRss.set(t.name, proc.peakRssMb());
    }
    await ctx.procs.stopAll();
    return report(
      { latency, throughput, rssAtRate, peakRss },
      { durationS, rates, connections, rounds, smoke: ctx.smoke },
    );
  },
);

function stealText(w: CpuWindow): string {
  return w.stealPct ? w.stealPct.map((p) => `${p.toFixed(0)}%`).join('/') : 'n/a';
}

function report(
  r: {
    latency: LatencyRow[];
    throughput: ThroughputRow[];
    rssAtRate: Map<string, number | undefined>;
    peakRss: Map<string, number | undefined>;
  },
  run: { durationS: number; rates: number[]; connections: number; rounds: number; smoke: boolean },
) {
  const f0 = (x: number | undefined) => (x === undefined ? 'n/a' : x.toFixed(0));
  const f1 = (x: number) => x.toFixed(1);
  const f3 = (x: number | null | undefined) =>
    x === undefined || x === null || Number.isNaN(x) ? 'n/a' : x.toFixed(3);
  const thr = (target: string, c: string) => r.throughput.find((t) => t.target === target && t.case === c);
  const bare = (c: string) => thr('bare undici proxy', c);
  // CPU per request is what a saturated single-threaded proxy's req/s is the inverse of, and it moves less with
  // steal than req/s does, so the ratio of CPU costs is the steadier comparison with the floor.
  const cpuShare = (t: ThroughputRow) => {
    const b = bare(t.case)?.best.cpuUsPerReq;
    return t.best.cpuUsPerReq !== undefined && b !== undefined
      ? `${((b / t.best.cpuUsPerReq) * 100).toFixed(0)}%`
      : 'n/a';
  };
  const rpsShare = (t: ThroughputRow) => {
    const b = bare(t.case)?.best.wrk.rps;
    return b === undefined ? 'n/a' : `${((t.best.wrk.rps / b) * 100).toFixed(0)}%`;
  };
  const maxTable = mdTable(
    [
      'target',
      'case',
      'max req/s (wrk)',
      'vs bare proxy',
      'CPU µs/req',
      'vs bare (CPU)',
      'wrk p50 ms',
      'wrk p99 ms',
      'non-2xx',
      'steal CPU0/CPU1',
      `RSS MB after ${run.rates[0]}/s`,
      'peak RSS MB',
    ],
    r.throughput.map((t) => [
      t.target,
      t.case,
      t.best.wrk.rps.toFixed(0),
      rpsShare(t),
      f0(t.best.cpuUsPerReq),
      cpuShare(t),
      f3(t.best.wrk.latencyMs.p50),
      f3(t.best.wrk.latencyMs.p99),
      t.best.wrk.non2xx + t.best.wrk.socketErrors,
      stealText(t.best.window),
      r.rssAtRate.get(t.target) ?? 'n/a',
      r.peakRss.get(t.target) ?? 'n/a',
    ]),
  );
  const lat = latencySummary(r.latency);
  const latTable = mdTable(
    [
      'target',
      'case',
      'rate/s',
      'e2e p50 ms',
      'e2e p99 ms',
      'added p50 ms',
      'added p99 ms',
      'inside p50 ms',
      'inside p99 ms',
      'upstream p99 ms',
      'generator lag p99 ms',
      'errors',
      'steal',
    ],
    lat.map((l) => [
      l.target,
      l.case,
      l.rate,
      f3(l.p50),
      f3(l.p99),
      f3(l.addedP50),
      f3(l.addedP99),
      f3(l.insideP50),
      f3(l.insideP99),
      f3(l.upstreamP99),
      f3(l.generatorLagP99),
      l.errors,
      `${l.stealPct.toFixed(0)}%`,
    ]),
  );
  const header = [
    `Overhead (${run.smoke ? 'SMOKE run, figures meaningless' : 'full run'}): ${machineLine()}`,
    `Command: node bench/overhead.ts${run.smoke ? ' --smoke' : ''} --rounds ${run.rounds} — target pinned to CPU ${TARGET_CPU}; spillway bench, wrk (1 thread, ${run.connections} connections, ${run.durationS} s) and the upstream mock on CPU ${LOAD_CPU}.`,
    `Mock: ${MOCK_ARGS.join(' ')}. Latency: every target up at once, ${run.rounds} rounds measuring them back to back (spillway bench, constant arrivals, ${run.durationS} s); medians over rounds; added = target − mock direct in the same round; inside = time inside the proxy, upstream = its dispatch → upstream response end (bench/probes/proxy-time.ts); generator lag = spillway bench's own event-loop delay, the resolution of the e2e figures.`,
    `Throughput: every target up at once, ${run.rounds} rounds of wrk interleaving them; the round with the least steal is shown (steal = what the hypervisor took from each CPU in that window); back pressure on vs off: the median over rounds of each round's ratio.`,
  ];
  const checks = [...targetChecks(r, lat, run.rates), ...backpressureChecks(r.throughput)];
  const checkTable = mdTable(['target (spillway)', 'measured', 'met'], checks);
  const markdown = [...header.map((h) => `${h}  `), '', maxTable, '', latTable, '', checkTable].join('\n');
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
              bars: r.throughput
                .filter((t) => t.case === c.name)
                .map((t) => ({
                  label: TARGETS.find((x) => x.name === t.target)!.short,
                  value: Math.round(t.best.wrk.rps),
                })),
            }),
          ),
        ) +
        htmlTable(
          ['target', 'case', 'req/s', 'CPU µs/req', 'p50 ms', 'p99 ms', 'steal'],
          r.throughput.map((t) => [
            t.target,
            t.case,
            f1(t.best.wrk.rps),
            f0(t.best.cpuUsPerReq),
            f3(t.best.wrk.latencyMs.p50),
            f3(t.best.wrk.latencyMs.p99),
            stealText(t.best.window),
          ]),
        ),
    },
    { heading: "Issue 2's and issue 11's targets", html: htmlTable(['target', 'measured', 'met'], checks) },
    {
      heading: 'Latency at fixed rates (spillway bench, open loop; medians over rounds)',
      html: htmlTable(
        [
          'target',
          'case',
          'rate/s',
          'p50 ms',
          'p99 ms',
          'added p50',
          'added p99',
          'inside p50',
          'inside p99',
          'errors',
          'steal',
        ],
        lat.map((l) => [
          l.target,
          l.case,
          l.rate,
          f3(l.p50),
          f3(l.p99),
          f3(l.addedP50),
          f3(l.addedP99),
          f3(l.insideP50),
          f3(l.insideP99),
          l.errors,
          `${l.stealPct.toFixed(0)}%`,
        ]),
      ),
    },
  ]);
  const json = {
    schema: 'spillway-overhead/3',
    machine: machineLine(),
    run,
    latency: r.latency,
    latencySummary: lat,
    throughput: r.throughput.map((t) => ({
      ...t,
      best: undefined,
      runs: t.runs.map(({ wrk: { raw: _raw, ...wrk }, ...w }) => ({ ...wrk, ...w })),
    })),
    rssAtRateMb: Object.fromEntries(r.rssAtRate),
    peakRssMb: Object.fromEntries(r.peakRss),
  };
  return { markdown, html, json };
}

interface LatencySummary {
  target: string;
  case: string;
  rate: number;
  p50: number;
  p99: number;
  addedP50: number;
  addedP99: number;
  insideP50: number | undefined;
  insideP99: number | undefined;
  upstreamP99: number | undefined;
  generatorLagP99: number;
  errors: number;
  stealPct: number;
}

/** Medians over rounds; a round's added latency is against mock direct's run in the same round. */
function latencySummary(rows: LatencyRow[]): LatencySummary[] {
  return rows.map((l) => {
    const direct = rows.find((d) => d.target === 'mock direct' && d.case === l.case && d.rate === l.rate)!;
    const paired = (q: 'p50' | 'p99') => median(l.runs.map((run, i) => run[q] - direct.runs[i][q]));
    const inside = (q: 'p50' | 'p99') =>
      l.runs[0].inside ? median(l.runs.map((run) => run.inside?.[q] ?? NaN)) : undefined;
    const upstreamP99 = l.runs[0].inside ? median(l.runs.map((run) => run.inside?.upstream.p99 ?? NaN)) : undefined;
    return {
      target: l.target,
      case: l.case,
      rate: l.rate,
      p50: median(l.runs.map((x) => x.p50)),
      p99: median(l.runs.map((x) => x.p99)),
      addedP50: paired('p50'),
      addedP99: paired('p99'),
      insideP50: inside('p50'),
      insideP99: inside('p99'),
      upstreamP99,
      generatorLagP99: median(l.runs.map((x) => x.generatorLagP99)),
      errors: l.runs.reduce((n, x) => n + x.errors, 0),
      stealPct: median(l.runs.map((x) => maxSteal(x.window))),
    };
  });
}

/**
 * Issue 11's targets: back pressure on against off in the same run. Each round's wrk windows of the two are
 * seconds apart, so each round gives one ratio and the median over rounds is the figure (steal moves both).
 */
function backpressureChecks(throughput: ThroughputRow[]): string[][] {
  const rows: string[][] = [];
  const thr = (target: string, c: string) => throughput.find((t) => t.target === target && t.case === c);
  for (const on of ['spillway, back pressure on', 'spillway, back pressure on, fixed limit']) {
    for (const c of ['small', 'seed prompt', 'seed prompt, fresh uuid']) {
      const a = thr(on, c);
      const b = thr('spillway', c);
      if (a === undefined || b === undefined) continue;
      const rounds = Math.min(a.runs.length, b.runs.length);
      const ratio = (f: (w: WrkRun) => number | undefined) =>
        median(Array.from({ length: rounds }, (_, i) => (f(a.runs[i]) ?? NaN) / (f(b.runs[i]) ?? NaN)));
      const rps = ratio((w) => w.wrk.rps);
      const cpu = ratio((w) => w.cpuUsPerReq);
      const per = (t: ThroughputRow) =>
        t.runs.map((w) => `${w.wrk.rps.toFixed(0)}/${w.cpuUsPerReq?.toFixed(0) ?? '?'}`).join(' ');
      const label = on.endsWith('fixed limit') ? 'back pressure on (fixed limit)' : 'back pressure on';
      const detail = `(req/s / CPU µs per round: on ${per(a)}; off ${per(b)})`;
      rows.push([
        `${label}, ${c}: req/s ≥ 80% of off`,
        `${(rps * 100).toFixed(0)}% ${detail}`,
        rps >= 0.8 ? 'yes' : 'NO',
      ]);
      rows.push([
        `${label}, ${c}: CPU per request ≤ 120% of off`,
        `${(cpu * 100).toFixed(0)}%`,
        cpu <= 1.2 ? 'yes' : 'NO',
      ]);
    }
  }
  return rows;
}

/** Issue 2's targets for one gateway process, against the same run's floor. */
function targetChecks(
  r: {
    throughput: ThroughputRow[];
    rssAtRate: Map<string, number | undefined>;
    peakRss: Map<string, number | undefined>;
  },
  lat: LatencySummary[],
  rates: number[],
): string[][] {
  const thr = (target: string, c: string) => r.throughput.find((t) => t.target === target && t.case === c);
  if (thr('spillway', 'small') === undefined || thr('bare undici proxy', 'small') === undefined || lat.length === 0)
    return [];
  const g = (c: string) => thr('spillway', c)!.best.wrk.rps;
  const share = g('small') / thr('bare undici proxy', 'small')!.best.wrk.rps;
  const rate = rates.includes(1000) ? 1000 : rates[0];
  const at = (target: string) => lat.filter((l) => l.target === target && l.rate === rate);
  const list = (target: string, q: 'addedP50' | 'addedP99' | 'insideP50' | 'insideP99' | 'generatorLagP99') =>
    at(target)
      .map((l) => `${l.case} ${l[q]?.toFixed(3)}`)
      .join(', ');
  const addedOk = (q: 'addedP50' | 'addedP99', limit: number) => at('spillway').every((l) => l[q] <= limit);
  const ok = (b: boolean) => (b ? 'yes' : 'NO');
  const peak = r.peakRss.get('spillway') ?? 0;
  return [
    [
      'req/s, small body ≥ 50% of the bare proxy',
      `${(share * 100).toFixed(0)}% (${g('small').toFixed(0)} vs ${thr('bare undici proxy', 'small')!.best.wrk.rps.toFixed(0)})`,
      ok(share >= 0.5),
    ],
    ['req/s, seed prompt ≥ 4,000', g('seed prompt').toFixed(0), ok(g('seed prompt') >= 4000)],
    ['streams/s ≥ 3,000', g('stream').toFixed(0), ok(g('stream') >= 3000)],
    [
      `added latency p50 ≤ 0.3 ms at ${rate}/s`,
      `${list('spillway', 'addedP50')} ms (bare proxy: ${list('bare undici proxy', 'addedP50')}; inside spillway: ${list('spillway', 'insideP50')})`,
      ok(addedOk('addedP50', 0.3)),
    ],
    [
      `added latency p99 ≤ 2 ms at ${rate}/s`,
      `${list('spillway', 'addedP99')} ms (bare proxy: ${list('bare undici proxy', 'addedP99')}; inside spillway: ${list('spillway', 'insideP99')}; generator lag p99: ${list('spillway', 'generatorLagP99')})`,
      ok(addedOk('addedP99', 2)),
    ],
    [
      'RSS ≤ 150 MB',
      `peak ${peak} MB after wrk saturation; ${r.rssAtRate.get('spillway')} MB after ${rates[0]}/s of each case`,
      ok(peak <= 150),
    ],
  ];
}
