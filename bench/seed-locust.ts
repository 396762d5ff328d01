/**
 * The seed's two locust tests, run headless with Debian's python3-locust against Spillway in front of the mock:
 *   1. throughput: 1000 users (wait 0.5-1 s) posting the ~16 KB uuid prompt to "fake-openai-endpoint";
 *      reported like the seed's table: requests/s, median and mean response time; then the same closed loop
 *      from `spillway bench`, which tells Spillway's latency apart from a saturated locust process. It runs once
 *      per back-pressure variant (default: off, then on with its defaults; `fixed` is on with an engine limit
 *      that never binds, to tell the limit's part apart), each on a fresh gateway and mock, so that on and off
 *      compare within one run (issue 11: on refuses nothing, its p50 and p90 within 20 % of off's).
 *   2. quota: model group "gemini-vision" over two deployments with an rpm quota each; within one minute the
 *      successes should be ≈ the sum of the quotas and the rest rejected with 429.
 * Spillway on CPU 0; locust and the mocks on CPU 1.
 *
 *   node bench/seed-locust.ts [--smoke] [--users 1000] [--quota 10000] [--mock-latency-ms 0] [--backpressure off,on,fixed]
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { benchChild } from '../src/bench/harness/bench-child.ts';
import { type LocustResult, runLocust } from '../src/bench/harness/locust.ts';
import { hasBinary, REPO } from '../src/bench/harness/procs.ts';
import { machineLine, mdTable, runScenario, type ScenarioContext } from '../src/bench/harness/scenario.ts';
import { htmlTable, renderPage } from '../src/bench/report/html.ts';
import type { BenchResult } from '../src/bench/result.ts';

const GATEWAY_CPU = 0;
const LOAD_CPU = 1;
const KEY = 'sk-1234';
const LOCUSTFILE = path.join(REPO, 'bench/locustfile.py');
/** The gateway counts rpm over fixed minutes from its start; the quota test must end inside the first one. */
const WINDOW_S = 60;

async function gateway(ctx: ScenarioContext, name: string, yaml: string) {
  const file = path.join(ctx.outDir, `${name}.yaml`);
  await writeFile(file, yaml);
  return ctx.procs.spillway('spillway', 'serve', ['--config', file], GATEWAY_CPU);
}

const deployment = (group: string, apiBase: string, extra = '') => `  - model_name: ${group}
    litellm_params:
      model: openai/fake
      api_base: ${apiBase}
      api_key: fake-key${extra}
`;
const settings = `general_settings:
  master_key: ${KEY}
spillway:
  log_level: warn
`;
/** Back pressure variants of the throughput test: what each adds under `spillway:`. */
const VARIANTS: Record<string, string> = {
  off: '',
  on: '  backpressure:\n    enabled: true\n',
  fixed: '  backpressure:\n    enabled: true\n    engine:\n      limit: { algorithm: fixed, initial: 100000 }\n',
};

interface Variant {
  backpressure: string;
  locust: LocustResult;
  bench: BenchResult;
}

await runScenario(
  {
    name: 'seed-locust',
    timeoutS: { full: 600, smoke: 90 },
    options: {
      users: { type: 'string' },
      quota: { type: 'string' },
      'mock-latency-ms': { type: 'string' },
      'run-time': { type: 'string' },
      backpressure: { type: 'string' },
    },
  },
  async (ctx) => {
    if (!hasBinary('locust')) throw new Error('locust is not installed (apt-get install python3-locust)');
    const users = Number(ctx.args.users ?? (ctx.smoke ? 20 : 1000));
    const quota = Number(ctx.args.quota ?? (ctx.smoke ? 20 : 10_000));
    const runTimeS = Number(ctx.args['run-time'] ?? (ctx.smoke ? 3 : 60));
    const mockArgs = ['--latency-ms', String(ctx.args['mock-latency-ms'] ?? 0)];

    const names = String(ctx.args.backpressure ?? 'off,on').split(',');
    for (const n of names)
      if (!(n in VARIANTS))
        throw new Error(`--backpressure: unknown variant "${n}" (known: ${Object.keys(VARIANTS).join(', ')})`);
    const variants: Variant[] = [];
    for (const name of names) {
      ctx.log(`throughput, back pressure ${name}: ${users} users for ${runTimeS} s`);
      const mock = await ctx.procs.spillway('mock', 'mock', mockArgs, LOAD_CPU);
      const gw1 = await gateway(
        ctx,
        `throughput-bp-${name}`,
        `model_list:\n${deployment('fake-openai-endpoint', `${mock.url}/v1`)}${settings}${VARIANTS[name]}`,
      );
      const locust = await runIn(ctx, `throughput-bp-${name}`, {
        host: `${gw1.url}/v1/`,
        model: 'fake-openai-endpoint',
        users,
        runTimeS,
      });
      // The same closed loop from `spillway bench`, to tell Spillway's latency from a saturated locust process.
      const bench = await benchChild(
        [
          '--url',
          gw1.url,
          '--model',
          'fake-openai-endpoint',
          '--api-key',
          KEY,
          '--users',
          String(users),
          '--think-ms',
          '500..1000',
          '--workload',
          'seed-locust',
          '--duration',
          `${runTimeS}s`,
        ],
        LOAD_CPU,
      );
      ctx.log(
        `same load from spillway bench: ${bench.summary.completedRps}/s, median ${bench.summary.e2eMs.p50} ms, p90 ${bench.summary.e2eMs.p90} ms, mean ${bench.summary.e2eMs.mean} ms, refused or failed ${failed(bench)}`,
      );
      variants.push({ backpressure: name, locust, bench });
      await ctx.procs.stopAll();
    }

    ctx.log(`quota: two deployments × rpm ${quota}`);
    const m1 = await ctx.procs.spillway('mock-a', 'mock', mockArgs, LOAD_CPU);
    const m2 = await ctx.procs.spillway('mock-b', 'mock', mockArgs, LOAD_CPU);
    const gw2 = await gateway(
      ctx,
      'quota',
      `model_list:\n${deployment('gemini-vision', `${m1.url}/v1`, `\n      rpm: ${quota}`)}${deployment('gemini-vision', `${m2.url}/v1`, `\n      rpm: ${quota}`)}${settings}`,
    );
    const started = Date.now();
    // Stay inside the gateway's first rpm minute, as the seed's "successes in 1 minute" does.
    const quotaTimeS = Math.min(runTimeS, Math.floor(WINDOW_S - 3 - (Date.now() - started) / 1000));
    const quotaRun = await runIn(ctx, 'quota', {
      host: `${gw2.url}/v1/`,
      model: 'gemini-vision',
      users,
      runTimeS: quotaTimeS,
    });
    return report({ users, runTimeS, quota, quotaTimeS, mockArgs, smoke: ctx.smoke }, variants, quotaRun);
  },
);

async function runIn(
  ctx: ScenarioContext,
  name: string,
  o: { host: string; model: string; users: number; runTimeS: number },
): Promise<LocustResult> {
  const dir = path.join(ctx.outDir, name);
  await mkdir(dir, { recursive: true });
  const r = await runLocust({
    locustfile: LOCUSTFILE,
    host: o.host,
    users: o.users,
    spawnRate: o.users,
    runTimeS: o.runTimeS,
    dir,
    env: { API_KEY: KEY, LOCUST_MODEL: o.model },
    cpu: LOAD_CPU,
  });
  ctx.log(
    `${name}: ${r.requests} requests, ${r.failures} failures, ${r.rps.toFixed(1)}/s, median ${r.medianMs} ms, p90 ${r.p90Ms} ms, mean ${r.meanMs.toFixed(1)} ms`,
  );
  return r;
}

function report(
  run: { users: number; runTimeS: number; quota: number; quotaTimeS: number; mockArgs: string[]; smoke: boolean },
  variants: Variant[],
  q: LocustResult,
) {
  const successes = q.requests - q.failures;
  const rejected = q.failuresBy['status 429'] ?? 0;
  const otherFailures = q.failures - rejected;
  const header = [
    `Seed locust tests (${run.smoke ? 'SMOKE run, figures meaningless' : 'full run'}): ${machineLine()}`,
    `Command: node bench/seed-locust.ts${run.smoke ? ' --smoke' : ''} --backpressure ${variants.map((v) => v.backpressure).join(',')} — locust ${run.users} users (spawn rate ${run.users}, wait 0.5-1 s, one process) and the mock (${run.mockArgs.join(' ')}) on CPU ${LOAD_CPU}, Spillway on CPU ${GATEWAY_CPU}; back pressure: on = its defaults, fixed = on with \`engine.limit: { algorithm: fixed, initial: 100000 }\`.`,
  ];
  const columns = variants.flatMap((v) => [`locust, bp ${v.backpressure}`, `spillway bench, bp ${v.backpressure}`]);
  const rows: [string, (v: Variant) => [string | number, string | number], string][] = [
    ['requests/s', (v) => [v.locust.rps.toFixed(1), v.bench.summary.completedRps], '1174+'],
    ['median response time ms', (v) => [v.locust.medianMs, v.bench.summary.e2eMs.p50], '96'],
    ['p90 response time ms', (v) => [v.locust.p90Ms, v.bench.summary.e2eMs.p90], ''],
    ['mean response time ms', (v) => [v.locust.meanMs.toFixed(1), v.bench.summary.e2eMs.mean], '142.18'],
    [
      'requests / failures',
      (v) => [`${v.locust.requests} / ${v.locust.failures}`, `${v.bench.summary.requests} / ${failed(v.bench)}`],
      '',
    ],
    [
      'failures by kind',
      (v) => [kinds(v.locust.failuresBy), kinds({ ...v.bench.summary.rejected, ...v.bench.summary.errors })],
      '',
    ],
  ];
  const table1Rows = rows.map(([name, f, seed]) => [name, ...variants.flatMap((v) => f(v)), seed]);
  const table1 = mdTable(
    [`metric (test 1: fake-openai-endpoint, ${run.runTimeS} s)`, ...columns, 'seed (LiteLLM, 4 replicas)'],
    table1Rows,
  );
  const checks = backpressureChecks(variants);
  const table2 = mdTable(
    [`metric (test 2: 2 deployments × rpm ${run.quota}, ${run.quotaTimeS} s in one rpm minute)`, 'value', 'expected'],
    [
      ['successes', successes, `≈ ${2 * run.quota} (sum of the quotas), if offered more`],
      ['rejected with 429', rejected, 'the rest'],
      ['other failures', otherFailures, '0'],
      ['requests/s', q.rps.toFixed(1), ''],
      ['median / mean response time', `${q.medianMs} / ${q.meanMs.toFixed(1)} ms`, ''],
    ],
  );
  const markdown = [
    ...header.map((h) => `${h}  `),
    '',
    table1,
    '',
    mdTable(['issue 11 target', 'measured', 'met'], checks),
    '',
    table2,
  ].join('\n');
  const html = renderPage("Spillway — the seed's locust tests", header, [
    { heading: 'Test 1: throughput', html: htmlTable(['metric', ...columns, 'seed'], table1Rows) },
    { heading: 'Back pressure on vs off (issue 11)', html: htmlTable(['target', 'measured', 'met'], checks) },
    {
      heading: 'Test 2: per-deployment rpm quota',
      html: htmlTable(
        ['metric', 'value'],
        [
          ['successes', successes],
          ['expected ≈', 2 * run.quota],
          ['429', rejected],
          ['other failures', otherFailures],
          ['requests/s', q.rps.toFixed(1)],
        ],
      ),
    },
  ]);
  const off = variants.find((v) => v.backpressure === 'off') ?? variants[0];
  return {
    markdown,
    html,
    json: {
      schema: 'spillway-seed-locust/2',
      machine: machineLine(),
      run,
      // The first variant's figures where the schema-1 report had them (back pressure off by default).
      throughput: off.locust,
      sameLoadFromBench: off.bench.summary,
      variants: variants.map((v) => ({
        backpressure: v.backpressure,
        locust: v.locust,
        sameLoadFromBench: v.bench.summary,
      })),
      quota: { ...q, successes, rejected429: rejected, otherFailures },
    },
  };
}

function kinds(by: Record<string, number>): string {
  const e = Object.entries(by);
  return e.length === 0 ? 'none' : e.map(([k, n]) => `${k} ${n}`).join(', ');
}

/** Each back-pressure variant against off in the same run: nothing refused, p50 and p90 within 20 %. */
function backpressureChecks(variants: Variant[]): string[][] {
  const off = variants.find((v) => v.backpressure === 'off');
  if (off === undefined) return [];
  const ok = (b: boolean) => (b ? 'yes' : 'NO');
  return variants
    .filter((v) => v !== off)
    .flatMap((v) => {
      const within = (a: number, b: number) => a <= 1.2 * b;
      const l = v.locust;
      const b = v.bench.summary;
      return [
        [
          `bp ${v.backpressure}: refuses nothing (locust / spillway bench)`,
          `${l.failures} / ${failed(v.bench)}`,
          ok(l.failures === 0 && failed(v.bench) === 0),
        ],
        [
          `bp ${v.backpressure}: locust p50, p90 within 20 % of off`,
          `${l.medianMs} / ${l.p90Ms} ms vs ${off.locust.medianMs} / ${off.locust.p90Ms} ms`,
          ok(within(l.medianMs, off.locust.medianMs) && within(l.p90Ms, off.locust.p90Ms)),
        ],
        [
          `bp ${v.backpressure}: spillway bench p50, p90 within 20 % of off`,
          `${b.e2eMs.p50} / ${b.e2eMs.p90} ms vs ${off.bench.summary.e2eMs.p50} / ${off.bench.summary.e2eMs.p90} ms`,
          ok(within(b.e2eMs.p50, off.bench.summary.e2eMs.p50) && within(b.e2eMs.p90, off.bench.summary.e2eMs.p90)),
        ],
      ];
    });
}

/** Refused (429/503) or failed requests of a `spillway bench` run. */
function failed(b: BenchResult): number {
  const sum = (r: Record<string, number>) => Object.values(r).reduce((a, n) => a + n, 0);
  return sum(b.summary.rejected) + sum(b.summary.errors);
}
