/**
 * Cooldowns that fail safe (issue 10): Spillway in front of two `spillway mock` upstreams, with its default
 * cooldown settings, under an open-loop load of non-streamed chat requests.
 *   (a) both upstreams fail 5 % of requests at random: success share, cooldowns begun, readiness answers;
 *   (b) one upstream fails every request: time from the first request to its cooldown, success share.
 * The scenario process polls /health/readiness every 100 ms and /metrics every 20 ms while the load runs.
 * --gateway-cli runs the gateway from another checkout's src/cli/main.ts (to compare with an older build).
 *
 *   node bench/cooldown.ts [--smoke] [--rate 300] [--duration 180] [--case a|b ...] [--gateway-cli PATH] [--label TEXT]
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { benchChild } from '../src/bench/harness/bench-child.ts';
import { metricSum } from '../src/bench/harness/metric-sum.ts';
import { CLI, freePort, type Proc } from '../src/bench/harness/procs.ts';
import { machineLine, runScenario, type ScenarioContext } from '../src/bench/harness/scenario.ts';
import { NODE_FLAGS } from '../src/util/node-flags.ts';

const GATEWAY_CPU = 0;
const LOAD_CPU = 1;

interface Case {
  name: 'a' | 'b';
  title: string;
  /** fail-rate of upstream a and b. */
  failRates: [number, number];
}
const CASES: Case[] = [
  { name: 'a', title: 'two deployments each failing 5 % at random', failRates: [0.05, 0.05] },
  { name: 'b', title: 'one deployment failing 100 %', failRates: [1, 0] },
];

interface CaseResult {
  case: string;
  title: string;
  rate: number;
  durationS: number;
  requests: number;
  completed: number;
  successPct: number;
  errors: Record<string, number>;
  rejected: Record<string, number>;
  cooldowns: number;
  /** From deployment a's first failure to its first cooldown, ms, as seen by a 20 ms poll of /metrics. */
  firstCooldownMs: number | null;
  readiness: Record<string, number>;
  upstreamFailures: number;
}

async function startGateway(ctx: ScenarioContext, mocks: Proc[], cli: string): Promise<Proc> {
  // Defaults only: no router_settings beyond what LiteLLM configs name, no spillway.cooldown.
  const yaml = `# Written by bench/cooldown.ts
model_list:
${mocks.map((m, i) => `  - model_name: m\n    litellm_params: { model: openai/m, api_base: "${m.url}/v1" }\n    model_info: { id: ${'ab'[i]} }\n`).join('')}spillway:
  log_level: error
`;
  const file = path.join(ctx.outDir, 'cooldown-gateway.yaml');
  await writeFile(file, yaml);
  const port = await freePort();
  return ctx.procs.start('spillway', {
    argv: ['node', ...NODE_FLAGS, cli, 'serve', '--config', file, '--port', String(port)],
    port,
    cpu: GATEWAY_CPU,
  });
}

async function runCase(
  ctx: ScenarioContext,
  c: Case,
  rate: number,
  durationS: number,
  cli: string,
): Promise<CaseResult> {
  const mocks: Proc[] = [];
  for (const [i, failRate] of c.failRates.entries()) {
    mocks.push(
      await ctx.procs.spillway(
        `mock-${i}`,
        'mock',
        ['--fail-rate', String(failRate), '--seed', String(11 + i)],
        LOAD_CPU,
      ),
    );
  }
  const gw = await startGateway(ctx, mocks, cli);
  const readiness: Record<string, number> = {};
  let firstCooldownMs: number | null = null;
  let firstFailureAt: number | undefined;
  let polling = true;
  const pollReadiness = (async () => {
    while (polling) {
      const status = await fetch(`${gw.url}/health/readiness`).then(
        (r) => {
          r.body?.cancel();
          return String(r.status);
        },
        () => 'error',
      );
      readiness[status] = (readiness[status] ?? 0) + 1;
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  const pollCooldown = (async () => {
    while (polling && firstCooldownMs === null) {
      const text = await fetch(`${gw.url}/metrics`).then(
        (r) => r.text(),
        () => '',
      );
      const now = Date.now();
      if (
        firstFailureAt === undefined &&
        /^spillway_deployment_failure_responses_total\{[^}]*deployment="a"[^}]*\} [1-9]/m.test(text)
      )
        firstFailureAt = now;
      if (
        firstFailureAt !== undefined &&
        /^spillway_deployment_cooled_down_total\{[^}]*deployment="a"[^}]*\} [1-9]/m.test(text)
      )
        firstCooldownMs = now - firstFailureAt;
      await new Promise((r) => setTimeout(r, 20));
    }
  })();
  const result = await benchChild(
    [
      '--url',
      gw.url,
      '--model',
      'm',
      '--rate',
      String(rate),
      '--duration',
      `${durationS}s`,
      '--warmup',
      '0s',
      '--timeout',
      '10s',
      '--label',
      `case ${c.name}`,
      '--workload',
      'chat-short',
    ],
    LOAD_CPU,
  );
  polling = false;
  await Promise.all([pollReadiness, pollCooldown]);
  const metrics = await (await fetch(`${gw.url}/metrics`)).text();
  const s = result.summary;
  const out: CaseResult = {
    case: c.name,
    title: c.title,
    rate,
    durationS,
    requests: s.requests,
    completed: s.completed,
    successPct: s.requests > 0 ? (100 * s.completed) / s.requests : 0,
    errors: s.errors,
    rejected: s.rejected,
    cooldowns: metricSum(metrics, 'spillway_deployment_cooled_down_total'),
    firstCooldownMs,
    readiness,
    upstreamFailures: metricSum(metrics, 'spillway_deployment_failure_responses_total'),
  };
  for (const p of [gw, ...mocks]) await ctx.procs.stop(p);
  return out;
}

const pct = (x: number) => `${x.toFixed(3)} %`;
const kv = (o: Record<string, number>) =>
  Object.entries(o)
    .map(([k, v]) => `${k}: ${v}`)
    .join(', ') || '—';

await runScenario(
  {
    name: 'cooldown',
    timeoutS: { full: 1200, smoke: 100 },
    options: {
      rate: { type: 'string' },
      duration: { type: 'string' },
      case: { type: 'string', multiple: true },
      'gateway-cli': { type: 'string' },
      label: { type: 'string' },
    },
  },
  async (ctx) => {
    const rate = Number(ctx.args.rate ?? (ctx.smoke ? 50 : 300));
    const durationS = Number(ctx.args.duration ?? (ctx.smoke ? 2 : 180));
    const cli = path.resolve(String(ctx.args['gateway-cli'] ?? CLI));
    const label = String(ctx.args.label ?? (cli === CLI ? 'this checkout' : cli));
    const only = (ctx.args.case as string[] | undefined) ?? CASES.map((c) => c.name);
    const results: CaseResult[] = [];
    for (const c of CASES.filter((x) => only.includes(x.name))) {
      ctx.log(`case ${c.name} (${c.title}): ${rate}/s for ${durationS} s`);
      const r = await runCase(ctx, c, rate, durationS, cli);
      ctx.log(`case ${c.name}: ${pct(r.successPct)} success, ${r.cooldowns} cooldowns, readiness ${kv(r.readiness)}`);
      results.push(r);
    }
    const header = [
      `Cooldown (${ctx.smoke ? 'SMOKE run, figures meaningless' : 'full run'}): ${machineLine()}`,
      `Command: node bench/cooldown.ts${ctx.smoke ? ' --smoke' : ''} --rate ${rate} --duration ${durationS} — gateway (${label}) on CPU ${GATEWAY_CPU}, two \`spillway mock\` and \`spillway bench\` on CPU ${LOAD_CPU}; default cooldown settings.`,
      `Load: chat-short, non-streamed, Poisson arrivals at ${rate}/s, ${durationS} s, timeout 10 s; readiness polled every 100 ms.`,
    ];
    const table = [
      '| case | requests | success | errors | rejected | cooldowns | a: first failure → cooldown | readiness |',
      '|---|---|---|---|---|---|---|---|',
      ...results.map(
        (r) =>
          `| ${r.case}: ${r.title} | ${r.requests} | ${pct(r.successPct)} | ${kv(r.errors)} | ${kv(r.rejected)} | ${r.cooldowns} | ${r.firstCooldownMs === null ? '—' : `${r.firstCooldownMs} ms`} | ${kv(r.readiness)} |`,
      ),
    ];
    const markdown = [...header.map((h) => `${h}  `), '', ...table].join('\n');
    const html = `<!doctype html><meta charset="utf-8"><title>Spillway: cooldowns</title><pre>${markdown.replace(/&/g, '&amp;').replace(/</g, '&lt;')}</pre>`;
    return { markdown, html, json: { schema: 'spillway-cooldown/1', machine: machineLine(), label, results } };
  },
);
