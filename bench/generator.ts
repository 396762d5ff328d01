/**
 * Is `spillway bench` ever the bottleneck? One generator process (CPU 1) against the mock (CPU 0, no latency,
 * non-streamed) at rising constant rates: the rate it keeps, its own CPU, event-loop lag and schedule lateness.
 *
 *   node bench/generator.ts [--smoke] [--rates 5000,10000,15000,20000] [--duration 10]
 */
import { benchChild } from '../src/bench/harness/bench-child.ts';
import { machineLine, mdTable, runScenario } from '../src/bench/harness/scenario.ts';
import { htmlTable, renderPage } from '../src/bench/report/html.ts';
import type { BenchResult } from '../src/bench/result.ts';

const SERVER_CPU = 0;
const GENERATOR_CPU = 1;

await runScenario(
  {
    name: 'generator',
    timeoutS: { full: 600, smoke: 60 },
    options: { rates: { type: 'string' }, duration: { type: 'string' } },
  },
  async (ctx) => {
    const rates = String(ctx.args.rates ?? (ctx.smoke ? '500' : '5000,10000,15000,20000'))
      .split(',')
      .map(Number);
    const durationS = Number(ctx.args.duration ?? (ctx.smoke ? 1 : 10));
    const mock = await ctx.procs.spillway('mock', 'mock', ['--latency-ms', '0'], SERVER_CPU);
    const results: BenchResult[] = [];
    for (const rate of rates) {
      const r = await benchChild(
        [
          '--url',
          mock.url,
          '--model',
          'mock',
          '--rate',
          String(rate),
          '--arrival',
          'constant',
          '--duration',
          `${durationS}s`,
          '--warmup',
          ctx.smoke ? '0.2s' : '2s',
          '--workload',
          'chat-short',
          '--connections',
          '256',
        ],
        GENERATOR_CPU,
      );
      const g = r.summary.generator;
      ctx.log(
        `${rate}/s: completed ${r.summary.completedRps}/s, CPU ${g.cpuPercent}%, lateness p99 ${g.dispatchLatenessP99Ms} ms, lag p99 ${g.eventLoopLagP99Ms} ms`,
      );
      results.push(r);
    }
    const head = [
      'target rate/s',
      'sent/s',
      'completed/s',
      'errors',
      'generator CPU % of a core',
      'dispatch lateness p99 ms',
      'event-loop lag p99 ms',
      'e2e p50 ms',
      'e2e p99 ms',
    ];
    const rows = results.map((r) => {
      const s = r.summary;
      return [
        r.config.rate!,
        s.offeredRps,
        s.completedRps,
        Object.values(s.errors).reduce((a, b) => a + b, 0),
        s.generator.cpuPercent,
        s.generator.dispatchLatenessP99Ms,
        s.generator.eventLoopLagP99Ms,
        s.e2eMs.p50,
        s.e2eMs.p99,
      ];
    });
    const header = [
      `Generator capacity (${ctx.smoke ? 'SMOKE run, figures meaningless' : 'full run'}): ${machineLine()}`,
      `Command: node bench/generator.ts${ctx.smoke ? ' --smoke' : ''} — spillway bench on CPU ${GENERATOR_CPU} (constant arrivals, ${durationS} s after a warm-up, chat-short, 256 connections), spillway mock --latency-ms 0 on CPU ${SERVER_CPU}.`,
    ];
    return {
      markdown: [...header.map((h) => `${h}  `), '', mdTable(head, rows)].join('\n'),
      html: renderPage('spillway bench: generator capacity', header, [
        { heading: 'Rates', html: htmlTable(head, rows) },
      ]),
      json: { schema: 'spillway-generator/1', machine: machineLine(), results },
    };
  },
);
