/**
 * Cost of counting the tokens of a 13 KB prompt (the gateway does it on its hot path).
 *
 *   node src/tokens/bench.ts
 *
 * Two corpora: prose-like text from common words (the BPE merge cache helps, as with real prompts that share
 * vocabulary) and random letter strings (worst case: every word is new).
 */
import { seededRandom } from '../util/random.ts';

const loadStart = performance.now();
const { countTokens } = await import('./tokenizer.ts');
const loadMs = performance.now() - loadStart;

const random = seededRandom(1);
const common = (
  'the of and to in is that for it as with was on be by at this are from or an have not which but ' +
  'they you all were their has more one can there been if would will when who what so about out ' +
  'up into than them some could these other time only do new may then after first any like very ' +
  'over also most such even made through well back much where way just before how many those same ' +
  'each because still between own while against under never river water city north south market'
).split(' ');
function prose(n: number): string {
  let s = '';
  while (s.length < n) {
    const r = random();
    s +=
      r < 0.05
        ? '.\n'
        : r < 0.08
          ? ` ${Math.floor(random() * 10_000)}`
          : ` ${common[Math.floor(random() * common.length)]}`;
  }
  return s.slice(0, n);
}
function gibberish(n: number): string {
  let s = '';
  while (s.length < n) {
    s += ' ';
    const len = 2 + Math.floor(random() * 9);
    for (let i = 0; i < len; i++) s += String.fromCharCode(97 + Math.floor(random() * 26));
  }
  return s.slice(0, n);
}

const SIZE = 13_000;
const N = 200;
for (const [name, make] of [
  ['prose', prose],
  ['random words', gibberish],
] as const) {
  const prompts = Array.from({ length: N }, () => make(SIZE));
  const t0 = performance.now();
  const first = countTokens(prompts[0]);
  const firstMs = performance.now() - t0;
  const t1 = performance.now();
  for (let i = 1; i < N; i++) countTokens(prompts[i]);
  const distinctMs = (performance.now() - t1) / (N - 1);
  const t2 = performance.now();
  for (let i = 0; i < N; i++) countTokens(prompts[0]);
  const sameMs = (performance.now() - t2) / N;
  console.log(
    `${name}: ${SIZE} chars = ${first} tokens; first call ${firstMs.toFixed(2)} ms, ` +
      `distinct prompts ${distinctMs.toFixed(3)} ms each, the same prompt again ${sameMs.toFixed(3)} ms`,
  );
}
console.log(
  `module load (o200k_base ranks): ${loadMs.toFixed(0)} ms; rss ${(process.memoryUsage().rss / 1e6).toFixed(0)} MB`,
);
