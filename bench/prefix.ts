/**
 * Routing for prefix caching. The shared-prefix workload (K long system prompts × many users, multi-turn) on a
 * fleet of simulated engines whose KV cache holds only part of the prompts, at ~70% of the fleet's capacity:
 * simple-shuffle vs least-busy vs kv-aware, on its prediction alone and with the engines' pushed load reports.
 * Reported: TTFT p50/p99, goodput, and the fleet's prefix-cache hit rate (vLLM's prefix_cache_hits /
 * prefix_cache_queries, in tokens, over the run including its warm-up); for the load-aware variants also the
 * gateway's own estimate of it and its calibrated bytes per token. Engines restart for every variant, so each
 * starts cold. Spillway on CPU 0; engines and `spillway bench` on CPU 1.
 *
 * Sizing (docs/BENCHMARKS.md, "Routing for prefix caching"): a system prompt is ~3.1k tokens (194 blocks), so one
 * engine's 1024 blocks hold 4-5 of the 16 and the fleet holds them all only when each engine keeps its own
 * quarter; and a miss costs two prefill steps (~84 ms) where a hit costs one short step (~19 ms).
 *
 *   node bench/prefix.ts [--smoke] [--capacity R] [--load 0.7] [--duration 60]
 *        [--engines 4] [--blocks 1024] [--prefixes 16] [--system-words 3000] [--variants name,name] [--profile NAME]
 *
 * The fleet and workload options draw other shared-prefix fleets (e.g. 3 engines, 10 prompts of ~1,800 tokens,
 * 640 blocks: a cache holds ~4 prompts); --variants picks variants by name (default: all but the scraped one).
 * --profile runs the engines on a fitted profile (src/sim/profiles; --blocks still sets the KV size) with the SLA
 * scaled to it (src/bench/harness/profile-fleet.ts): the bounds grow by the ratio of one request's TTFT (a system
 * prompt that misses the cache) and TPOT on that profile to the default's.
 */
import { benchChild, slaRunArgs } from '../src/bench/harness/bench-child.ts';
import { findCapacity } from '../src/bench/harness/capacity.ts';
import {
  type EngineSettings,
  engineFlags,
  type GatewayVariant,
  prefixCounters,
  SIM_MODEL,
  startFleet,
  startGatewayFor,
} from '../src/bench/harness/fleet.ts';
import { metricSum } from '../src/bench/harness/metric-sum.ts';
import { onProfile } from '../src/bench/harness/profile-fleet.ts';
import { machineLine, runScenario } from '../src/bench/harness/scenario.ts';
import { type Point, sweepHtml, sweepMarkdown } from '../src/bench/harness/sweep.ts';
import { charts, renderPage } from '../src/bench/report/html.ts';
import { barChart } from '../src/bench/report/svg.ts';

const GATEWAY_CPU = 0;
const LOAD_CPU = 1;
/** 4 engines of 1024 blocks × 16 tokens: about a quarter of the 16 system prompts fit on one engine, not all. */
const DEFAULTS = { engines: 4, blocks: 1024, prefixes: 16, systemWords: 3000 };
const SLA = { ttftMs: 500, itlMs: 50 };
/** 3,000 system words are ~3.1k tokens; a turn asks for 32 tokens. */
const TOKENS_PER_SYSTEM_WORD = 3100 / 3000;
const OUTPUT_TOKENS = 32;
const workload = (prefixes: number, systemWords: number) => [
  '--workload',
  `shared-prefix:prefixes=${prefixes},users=${prefixes * 8},systemWords=${systemWords},turns=4,maxTokens=${OUTPUT_TOKENS}`,
  '--stream',
];

interface Variant {
  name: string;
  gateway: GatewayVariant;
  /** The gateway keeps a load model: read its prefix-hit estimate and token calibration after the run. */
  loadModel?: boolean;
}

const VARIANTS: Variant[] = [
  { name: 'simple-shuffle', gateway: { routing: 'simple-shuffle' } },
  { name: 'least-busy', gateway: { routing: 'least-busy' } },
  { name: 'kv-aware', gateway: { routing: 'kv-aware' }, loadModel: true },
  {
    name: 'kv-aware + push reports',
    gateway: { routing: 'kv-aware', deployment: '    spillway: { load: { kind: push } }' },
    loadModel: true,
  },
  {
    name: 'kv-aware + vllm scrape',
    gateway: { routing: 'kv-aware', deployment: '    spillway: { load: { kind: vllm } }' },
    loadModel: true,
  },
];
/** Run unless --variants names others: the four of issue 5's acceptance table. */
const DEFAULT_VARIANTS = ['simple-shuffle', 'least-busy', 'kv-aware', 'kv-aware + push reports'];

/** The gateway's view after a run: its estimated prefix hit rate and calibrated bytes per token. */
async function gatewayEstimates(url: string): Promise<Record<string, string>> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const cached = metricSum(text, 'spillway_engine_prefix_cached_tokens_total');
  const prompt = metricSum(text, 'spillway_engine_prompt_tokens_total');
  return {
    'gateway est. hit rate': prompt > 0 ? `${((cached / prompt) * 100).toFixed(1)}%` : '—',
    'bytes/token': metricSum(text, 'spillway_token_estimate_bytes_per_token').toFixed(2),
  };
}

await runScenario(
  {
    name: 'prefix',
    timeoutS: { full: 1800, smoke: 100 },
    options: {
      capacity: { type: 'string' },
      load: { type: 'string' },
      duration: { type: 'string' },
      engines: { type: 'string' },
      blocks: { type: 'string' },
      prefixes: { type: 'string' },
      'system-words': { type: 'string' },
      variants: { type: 'string' },
      profile: { type: 'string' },
    },
  },
  async (ctx) => {
    const FLEET_SIZE = Number(ctx.args.engines ?? DEFAULTS.engines);
    const systemWords = Number(ctx.args['system-words'] ?? DEFAULTS.systemWords);
    const fleet = onProfile(
      { speedup: 1, maxNumSeqs: 16, numBlocks: Number(ctx.args.blocks ?? DEFAULTS.blocks) },
      SLA,
      { inputTokens: Math.round(systemWords * TOKENS_PER_SYSTEM_WORD), outputTokens: OUTPUT_TOKENS },
      ctx.args.profile as string | undefined,
    );
    const ENGINE: EngineSettings = fleet.engine;
    const WORKLOAD = workload(Number(ctx.args.prefixes ?? DEFAULTS.prefixes), systemWords);
    const names = typeof ctx.args.variants === 'string' ? ctx.args.variants.split(',') : DEFAULT_VARIANTS;
    const unknown = names.filter((n) => !VARIANTS.some((v) => v.name === n));
    if (unknown.length > 0)
      throw new Error(`--variants: unknown ${unknown.join(', ')} (known: ${VARIANTS.map((v) => v.name).join(', ')})`);
    const variants = VARIANTS.filter((v) => names.includes(v.name));
    const durationS = Number(ctx.args.duration ?? (ctx.smoke ? 1 : 60));
    const warmupS = ctx.smoke ? 0 : 5;
    const timeoutS = ctx.smoke ? 3 : 20;
    const load = Number(ctx.args.load ?? 0.7);
    const run = (url: string, rate: number, label: string) =>
      benchChild(
        [
          ...slaRunArgs({ url, model: SIM_MODEL, rate, durationS, warmupS, timeoutS, sla: fleet.sla }),
          '--label',
          label,
          ...WORKLOAD,
        ],
        LOAD_CPU,
      );

    let capacity = Number(ctx.args.capacity ?? 0);
    let probes: Array<{ rate: number; pass: boolean }> = [];
    if (!capacity) {
      // Capacity of the fleet itself under this workload: clients straight to the engines, round robin.
      const engines = await startFleet(ctx, FLEET_SIZE, ENGINE, LOAD_CPU);
      const found = await findCapacity(
        async (rate) => {
          const r = await run(engines.map((e) => e.url).join(','), rate, `capacity probe ${rate}/s`);
          ctx.log(`capacity probe ${rate}/s: ${((r.summary.slaAttainmentAll ?? 0) * 100).toFixed(1)}% within SLA`);
          return (r.summary.slaAttainmentAll ?? 0) >= 0.99;
        },
        ctx.smoke ? { start: 10, maxProbes: 1, tolerance: 0.5 } : { start: 10, maxProbes: 8, tolerance: 0.08 },
      );
      capacity = found.capacity || found.probes[0].rate / 2;
      probes = found.probes;
      await ctx.procs.stopAll();
    }
    const rate = Math.round(load * capacity * 100) / 100;
    ctx.log(`capacity ${capacity}/s; running each variant at ${rate}/s`);

    const points: Point[] = [];
    for (const v of variants) {
      const engines = await startFleet(ctx, FLEET_SIZE, ENGINE, LOAD_CPU);
      const gateway = await startGatewayFor(ctx, 'prefix', engines, v.gateway, GATEWAY_CPU);
      const before = await prefixCounters(engines);
      const result = await run(gateway.url, rate, `${v.name} at ${load}× capacity`);
      const after = await prefixCounters(engines);
      const share = await Promise.all(
        engines.map(async (e) =>
          metricSum(await (await fetch(`${e.url}/metrics`)).text(), 'vllm:prefix_cache_queries_total'),
        ),
      );
      const queried = after.queries - before.queries;
      const hitRate = queried > 0 ? (after.hits - before.hits) / queried : 0;
      const estimates = v.loadModel
        ? await gatewayEstimates(gateway.url)
        : { 'gateway est. hit rate': '—', 'bytes/token': '—' };
      const s = result.summary;
      ctx.log(
        `${v.name}: TTFT p50 ${s.ttftMs.p50} ms p99 ${s.ttftMs.p99} ms, prefix hit rate ${(hitRate * 100).toFixed(1)}%, gateway est. ${estimates['gateway est. hit rate']}, goodput ${s.goodputRps}/s, prompt tokens by engine ${share.map((q) => `${Math.round((q / (after.queries || 1)) * 100)}%`).join(' / ')}`,
      );
      points.push({
        variant: v.name,
        multiplier: load,
        rate,
        result,
        extra: { 'prefix hit rate': `${(hitRate * 100).toFixed(1)}%`, ...estimates },
      });
      await ctx.procs.stopAll();
    }

    // Issue 5's acceptance line, against simple-shuffle of the same run: TTFT p50 ≤ 0.5×, prefix hit rate ≥ 2×.
    const shuffle = points.find((p) => p.variant === 'simple-shuffle');
    const hitOf = (p: Point) => Number.parseFloat(String(p.extra?.['prefix hit rate']));
    const ratios = points
      .filter((p) => shuffle !== undefined && p.variant.startsWith('kv-aware'))
      .map((p) => {
        const ttft = p.result.summary.ttftMs.p50 / shuffle!.result.summary.ttftMs.p50;
        const hit = hitOf(p) / hitOf(shuffle!);
        return `${p.variant} vs simple-shuffle: TTFT p50 ×${ttft.toFixed(2)} (target ≤ 0.5: ${ttft <= 0.5 ? 'met' : 'missed'}), prefix hit rate ×${hit.toFixed(2)} (target ≥ 2: ${hit >= 2 ? 'met' : 'missed'}).`;
      });

    const header = [
      `Prefix-aware routing (${ctx.smoke ? 'SMOKE run, figures meaningless' : 'full run'}): ${machineLine()}`,
      `Command: node bench/prefix.ts${ctx.smoke ? ' --smoke' : ''} — ${FLEET_SIZE} engines (spillway engine ${engineFlags(ENGINE).join(' ')}) and spillway bench on CPU ${LOAD_CPU}, Spillway on CPU ${GATEWAY_CPU}; engines restarted cold for each variant.`,
      `Load: ${WORKLOAD.join(' ')}, Poisson arrivals at ${rate}/s (${load}× capacity), ${durationS} s measured after ${warmupS} s warm-up. SLA: TTFT ≤ ${fleet.sla.ttftMs} ms and TPOT ≤ ${fleet.sla.itlMs} ms.`,
      `Capacity (direct round robin, ≥ 99% within SLA): ${capacity}/s${probes.length ? ` — probes: ${probes.map((p) => `${p.rate}/s ${p.pass ? 'pass' : 'fail'}`).join(', ')}` : ' (given)'}.`,
      ...ratios,
    ];
    const bars = (title: string, f: (p: Point) => number) =>
      barChart({
        title,
        xLabel: 'routing',
        yLabel: 'ms',
        width: 380,
        bars: points.map((p) => ({ label: p.variant, value: f(p) })),
      });
    return {
      markdown: [...header.map((h) => `${h}  `), '', sweepMarkdown(points)].join('\n'),
      html: renderPage('Spillway: routing for prefix caching', header, [
        {
          heading: 'TTFT by routing strategy',
          html: charts([
            bars('TTFT p50', (p) => p.result.summary.ttftMs.p50),
            bars('TTFT p99', (p) => p.result.summary.ttftMs.p99),
          ]),
        },
        { heading: 'Runs', html: sweepHtml(points) },
      ]),
      json: {
        schema: 'spillway-prefix/1',
        machine: machineLine(),
        engine: ENGINE,
        fleetSize: FLEET_SIZE,
        sla: fleet.sla,
        capacity,
        probes,
        load,
        rate,
        points,
      },
    };
  },
);
