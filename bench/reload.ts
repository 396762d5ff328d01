/**
 * Reload under load (issue 16): `spillway serve` with back pressure on, in front of two `spillway mock`
 * upstreams, under a steady open-loop load of non-streamed chat requests to group m, while the scenario
 * rewrites the config file and sends SIGHUP every --every seconds, cycling through three files:
 *   v2       m keeps deployment a, its other deployment becomes c (b drains), and group n appears
 *   invalid  a file that does not load: refused, v2 keeps serving
 *   v1       back to a and b; n is gone
 * Pass: no failed or refused request, every valid reload applied and every invalid one refused
 * (spillway_config_reloads_total), and after the load the accounting at zero (/metrics: deployments' and back
 * pressure's in flight, router queue depth).
 *
 *   node bench/reload.ts [--smoke] [--rate 100] [--duration 30] [--every 2]
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { benchChild } from '../src/bench/harness/bench-child.ts';
import { metricSum } from '../src/bench/harness/metric-sum.ts';
import { CLI, freePort, type Proc } from '../src/bench/harness/procs.ts';
import { machineLine, runScenario } from '../src/bench/harness/scenario.ts';
import { NODE_FLAGS } from '../src/util/node-flags.ts';

const GATEWAY_CPU = 0;
const LOAD_CPU = 1;

const entry = (group: string, url: string, id: string) =>
  `  - { model_name: ${group}, litellm_params: { model: openai/m, api_base: "${url}/v1" }, model_info: { id: ${id} } }\n`;
const tail = 'spillway:\n  log_level: warn\n  backpressure: { enabled: true }\n';
const files = (a: string, b: string) => ({
  v1: `model_list:\n${entry('m', a, 'a')}${entry('m', b, 'b')}${tail}`,
  v2: `model_list:\n${entry('m', a, 'a')}${entry('m', b, 'c')}${entry('n', b, 'n0')}${tail}`,
  invalid: 'model_list:\n  - { model_name: m, litellm_params: { api_base: "not a url" } }\n',
});
const CYCLE = ['v2', 'invalid', 'v1'] as const;

/** The accounting that must be back to zero once the load stopped (read from /metrics). */
const AT_ZERO = ['spillway_deployment_in_flight', 'spillway_backpressure_in_flight', 'spillway_router_queue_depth'];

await runScenario(
  {
    name: 'reload',
    timeoutS: { full: 600, smoke: 100 },
    options: { rate: { type: 'string' }, duration: { type: 'string' }, every: { type: 'string' } },
  },
  async (ctx) => {
    const rate = Number(ctx.args.rate ?? (ctx.smoke ? 50 : 100));
    const durationS = Number(ctx.args.duration ?? (ctx.smoke ? 4 : 30));
    const everyS = Number(ctx.args.every ?? (ctx.smoke ? 0.5 : 2));
    const mocks: Proc[] = [];
    for (const i of [0, 1]) mocks.push(await ctx.procs.spillway(`mock-${i}`, 'mock', [], LOAD_CPU));
    const text = files(mocks[0].url, mocks[1].url);
    const file = path.join(ctx.outDir, 'reload-gateway.yaml');
    await writeFile(file, text.v1);
    const port = await freePort();
    const gw = await ctx.procs.start('spillway', {
      argv: ['node', ...NODE_FLAGS, CLI, 'serve', '--config', file, '--port', String(port)],
      port,
      cpu: GATEWAY_CPU,
    });
    ctx.log(`${rate}/s to group m for ${durationS} s, a reload every ${everyS} s`);
    const sent = { v1: 0, v2: 0, invalid: 0 };
    let reloading = true;
    const reloads = (async () => {
      for (let i = 0; reloading; i++) {
        await new Promise((r) => setTimeout(r, everyS * 1000));
        if (!reloading) break;
        const which = CYCLE[i % CYCLE.length];
        await writeFile(file, text[which]);
        try {
          process.kill(gw.pid, 'SIGHUP');
        } catch {
          break; // the gateway is gone: the scenario is failing, and says why
        }
        sent[which]++;
      }
    })();
    const args = ['--url', gw.url, '--model', 'm', '--rate', String(rate), '--duration', `${durationS}s`];
    const result = await benchChild(
      [...args, '--warmup', '0s', '--timeout', '10s', '--workload', 'chat-short'],
      LOAD_CPU,
    );
    reloading = false;
    await reloads;
    const metrics = await (await fetch(`${gw.url}/metrics`)).text();
    for (const p of [gw, ...mocks]) await ctx.procs.stop(p);
    const s = result.summary;
    const failed = s.requests - s.completed;
    const applied = metricSum(metrics, 'spillway_config_reloads_total', ['result="applied"']);
    const invalid = metricSum(metrics, 'spillway_config_reloads_total', ['result="invalid"']);
    const accounting = Object.fromEntries(AT_ZERO.map((name) => [name, metricSum(metrics, name)]));
    const pass =
      failed === 0 &&
      invalid === sent.invalid &&
      applied === sent.v1 + sent.v2 &&
      Object.values(accounting).every((v) => v === 0);
    const kv = (o: Record<string, number>) =>
      Object.entries(o)
        .map(([k, v]) => `${k}: ${v}`)
        .join(', ') || '—';
    const markdown = [
      `Reload under load (${ctx.smoke ? 'SMOKE run, figures meaningless' : 'full run'}): ${machineLine()}  `,
      `Command: node bench/reload.ts${ctx.smoke ? ' --smoke' : ''} --rate ${rate} --duration ${durationS} --every ${everyS} — gateway (back pressure on) on CPU ${GATEWAY_CPU}, two \`spillway mock\` and \`spillway bench\` on CPU ${LOAD_CPU}.  `,
      '',
      '| requests | completed | failed | errors | rejected | reloads sent (v1/v2/invalid) | applied | invalid | accounting after | pass |',
      '|---|---|---|---|---|---|---|---|---|---|',
      `| ${s.requests} | ${s.completed} | ${failed} | ${kv(s.errors)} | ${kv(s.rejected)} | ${sent.v1}/${sent.v2}/${sent.invalid} | ${applied} | ${invalid} | ${kv(accounting)} | ${pass ? 'yes' : 'NO'} |`,
    ].join('\n');
    ctx.log(pass ? 'pass' : 'FAIL');
    const json = { schema: 'spillway-reload/1', machine: machineLine(), rate, durationS, everyS, summary: s, sent };
    return {
      markdown,
      html: `<!doctype html><meta charset="utf-8"><title>Spillway: reload</title><pre>${markdown.replace(/&/g, '&amp;').replace(/</g, '&lt;')}</pre>`,
      json: { ...json, failed, applied, invalid, accounting, pass },
    };
  },
);
