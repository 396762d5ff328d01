/**
 * The seed's two locust tests, run headless with Debian's python3-locust against Spillway in front of the mock:
 *   1. throughput: 1000 users (wait 0.5-1 s) posting the ~16 KB uuid prompt to "fake-openai-endpoint";
 *      reported like the seed's table: requests/s, median and mean response time; then the same closed loop
 *      from `spillway bench`, which tells Spillway's latency apart from a saturated locust process.
 *   2. quota: model group "gemini-vision" over two deployments with an rpm quota each; within one minute the
 *      successes should be ≈ the sum of the quotas and the rest rejected with 429.
 * Spillway on CPU 0; locust and the mocks on CPU 1.
 *
 *   node bench/seed-locust.ts [--smoke] [--users 1000] [--quota 10000] [--mock-latency-ms 0]
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { benchChild } from '../src/bench/harness/bench-child.ts';
import { hasBinary, REPO } from '../src/bench/harness/procs.ts';
import type { BenchResult } from '../src/bench/result.ts';
import { runLocust, type LocustResult } from '../src/bench/harness/locust.ts';
import { machineLine, mdTable, runScenario, type ScenarioContext } from '../src/bench/harness/scenario.ts';
import { htmlTable, renderPage } from '../src/bench/report/html.ts';

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

await runScenario(
  {
    name: 'seed-locust',
    timeoutS: { full: 600, smoke: 90 },
    options: { users: { type: 'string' }, quota: { type: 'string' }, 'mock-latency-ms': { type: 'string' }, 'run-time': { type: 'string' } },
  },
  async (ctx) => {
    if (!hasBinary('locust')) throw new Error('locust is not installed (apt-get install python3-locust)');
    const users = Number(ctx.args.users ?? (ctx.smoke ? 20 : 1000));
    const quota = Number(ctx.args.quota ?? (ctx.smoke ? 20 : 10_000));
    const runTimeS = Number(ctx.args['run-time'] ?? (ctx.smoke ? 3 : 60));
    const mockArgs = ['--latency-ms', String(ctx.args['mock-latency-ms'] ?? 0)];

    ctx.log(`throughput: ${users} users for ${runTimeS} s`);
    const mock = await ctx.procs.spillway('mock', 'mock', mockArgs, LOAD_CPU);
    const gw1 = await gateway(ctx, 'throughput', `model_list:\n${deployment('fake-openai-endpoint', `${mock.url}/v1`)}${settings}`);
    const throughput = await runIn(ctx, 'throughput', { host: `${gw1.url}/v1/`, model: 'fake-openai-endpoint', users, runTimeS });
    // The same closed loop from `spillway bench`, to tell Spillway's latency from a saturated locust process.
    const sameLoad = await benchChild(
      ['--url', gw1.url, '--model', 'fake-openai-endpoint', '--api-key', KEY, '--users', String(users), '--think-ms', '500..1000',
        '--workload', 'seed-locust', '--duration', `${runTimeS}s`],
      LOAD_CPU,
    );
    ctx.log(`same load from spillway bench: ${sameLoad.summary.completedRps}/s, median ${sameLoad.summary.e2eMs.p50} ms, mean ${sameLoad.summary.e2eMs.mean} ms`);
    await ctx.procs.stopAll();

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
    const quotaRun = await runIn(ctx, 'quota', { host: `${gw2.url}/v1/`, model: 'gemini-vision', users, runTimeS: quotaTimeS });
    return report({ users, runTimeS, quota, quotaTimeS, mockArgs, smoke: ctx.smoke }, throughput, sameLoad, quotaRun);
  },
);

async function runIn(ctx: ScenarioContext, name: string, o: { host: string; model: string; users: number; runTimeS: number }): Promise<LocustResult> {
  const dir = path.join(ctx.outDir, name);
  await mkdir(dir, { recursive: true });
  const r = await runLocust({ locustfile: LOCUSTFILE, host: o.host, users: o.users, spawnRate: o.users, runTimeS: o.runTimeS, dir, env: { API_KEY: KEY, LOCUST_MODEL: o.model }, cpu: LOAD_CPU });
  ctx.log(`${name}: ${r.requests} requests, ${r.failures} failures, ${r.rps.toFixed(1)}/s, median ${r.medianMs} ms, mean ${r.meanMs.toFixed(1)} ms`);
  return r;
}

function report(run: { users: number; runTimeS: number; quota: number; quotaTimeS: number; mockArgs: string[]; smoke: boolean }, t: LocustResult, b: BenchResult, q: LocustResult) {
  const successes = q.requests - q.failures;
  const rejected = q.failuresBy['status 429'] ?? 0;
  const otherFailures = q.failures - rejected;
  const header = [
    `Seed locust tests (${run.smoke ? 'SMOKE run, figures meaningless' : 'full run'}): ${machineLine()}`,
    `Command: node bench/seed-locust.ts${run.smoke ? ' --smoke' : ''} — locust ${run.users} users (spawn rate ${run.users}, wait 0.5-1 s, one process) and the mock (${run.mockArgs.join(' ')}) on CPU ${LOAD_CPU}, Spillway on CPU ${GATEWAY_CPU}.`,
  ];
  const bs = b.summary;
  const bFailures = bs.requests - bs.completed;
  const table1 = mdTable(['metric (test 1: fake-openai-endpoint, ' + run.runTimeS + ' s)', 'locust', 'same closed loop from spillway bench', 'seed (LiteLLM, 4 replicas)'], [
    ['requests/s', t.rps.toFixed(1), bs.completedRps, '1174+'],
    ['median response time', `${t.medianMs} ms`, `${bs.e2eMs.p50} ms`, '96 ms'],
    ['mean response time', `${t.meanMs.toFixed(1)} ms`, `${bs.e2eMs.mean} ms`, '142.18 ms'],
    ['requests / failures', `${t.requests} / ${t.failures}`, `${bs.requests} / ${bFailures}`, ''],
  ]);
  const table2 = mdTable([`metric (test 2: 2 deployments × rpm ${run.quota}, ${run.quotaTimeS} s in one rpm minute)`, 'value', 'expected'], [
    ['successes', successes, `≈ ${2 * run.quota} (sum of the quotas), if offered more`],
    ['rejected with 429', rejected, 'the rest'],
    ['other failures', otherFailures, '0'],
    ['requests/s', q.rps.toFixed(1), ''],
    ['median / mean response time', `${q.medianMs} / ${q.meanMs.toFixed(1)} ms`, ''],
  ]);
  const markdown = [...header.map((h) => h + '  '), '', table1, '', table2].join('\n');
  const html = renderPage('Spillway — the seed\'s locust tests', header, [
    {
      heading: 'Test 1: throughput',
      html: htmlTable(['metric', 'locust', 'spillway bench (same closed loop)', 'seed'], [
        ['requests/s', t.rps.toFixed(1), bs.completedRps, '1174+'],
        ['median ms', t.medianMs, bs.e2eMs.p50, 96],
        ['mean ms', t.meanMs.toFixed(1), bs.e2eMs.mean, 142.18],
        ['requests', t.requests, bs.requests, ''],
        ['failures', t.failures, bFailures, ''],
      ]),
    },
    { heading: 'Test 2: per-deployment rpm quota', html: htmlTable(['metric', 'value'], [['successes', successes], ['expected ≈', 2 * run.quota], ['429', rejected], ['other failures', otherFailures], ['requests/s', q.rps.toFixed(1)]]) },
  ]);
  return { markdown, html, json: { schema: 'spillway-seed-locust/1', machine: machineLine(), run, throughput: t, sameLoadFromBench: bs, quota: { ...q, successes, rejected429: rejected, otherFailures } } };
}
