/**
 * Fits a roofline profile (src/sim/perf/roofline.ts) to your own `vllm bench serve --save-result` files and prints
 * the profile, its sweep included, so `npm run bench:fidelity -- --profiles ./mine.json` checks it
 * (docs/SIMULATOR.md, "Fitting a profile to your engine").
 *
 *   node scripts/fit-profile.ts --name mine --num-blocks 9000 [--max-num-batched-tokens 2048]
 *       [--max-num-seqs 256] [--block-size 16] [--hold per_kv_ktoken=0.1,overhead=0.5]
 *       [--metrics output_tok_s,tpot_p50_ms] [--front-end] results/*.json > mine.json
 *
 * --front-end also fits the API server's costs (src/sim/front-end.ts) from the TTFTs.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { type FitKey, type FitParams, FRONT_END_START, fitRoofline, initialGuess } from '../src/sim/fit/fit.ts';
import { METRICS, type Metric, replaySweep, worstError } from '../src/sim/fit/sweep.ts';
import { sweepFromBenchResults } from '../src/sim/fit/vllm-bench.ts';
import { rooflineModel } from '../src/sim/perf/roofline.ts';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    name: { type: 'string', default: 'fitted' },
    'num-blocks': { type: 'string' },
    'block-size': { type: 'string', default: '16' },
    'max-num-seqs': { type: 'string', default: '256' },
    'max-num-batched-tokens': { type: 'string', default: '2048' },
    hold: { type: 'string' },
    metrics: { type: 'string' },
    'front-end': { type: 'boolean', default: false },
  },
});
if (positionals.length === 0 || values['num-blocks'] === undefined) {
  console.error('usage: node scripts/fit-profile.ts --num-blocks N [options] RESULT.json...');
  process.exit(2);
}
const files = new Map(positionals.map((f) => [f, JSON.parse(readFileSync(f, 'utf8')) as unknown]));
const sweep = sweepFromBenchResults(files);
const engine = {
  num_blocks: Number(values['num-blocks']),
  block_size: Number(values['block-size']),
  max_num_seqs: Number(values['max-num-seqs']),
  max_num_batched_tokens: Number(values['max-num-batched-tokens']),
};
// --hold key=value keeps a coefficient at a value you derived (e.g. the KV read from the KV size and bandwidth).
const start: FitParams = { ...initialGuess(sweep), ...(values['front-end'] ? FRONT_END_START : {}) };
const hold: FitKey[] = [];
for (const pair of values.hold?.split(',') ?? []) {
  const [key, value] = pair.split('=') as [FitKey, string];
  if (!(key in start)) throw new Error(`--hold: unknown coefficient ${key} (${Object.keys(start).join(', ')})`);
  start[key] = Number(value);
  hold.push(key);
}
const metrics = (values.metrics?.split(',') ?? METRICS) as Metric[];
const fit = fitRoofline(engine, sweep, { start, hold, metrics });
const profile = {
  name: values.name,
  model: 'roofline' as const,
  step_ms: fit.stepMs,
  ...(fit.frontEnd ? { front_end: fit.frontEnd } : {}),
  engine,
  sweep,
};
const rows = replaySweep(rooflineModel(profile), engine, sweep, 1, fit.frontEnd);
console.error(`fitted in ${fit.rounds} rounds; worst published figure off by ${(100 * worstError(rows)).toFixed(0)}%`);
console.log(JSON.stringify(profile, null, 2));
