import type { Random } from '../../util/random.ts';

// Ordinary English words, so prompts tokenize like prose (about 1.3 tokens a word) rather than like noise.
const WORDS = (
  'the of and to in is that for it as was with be by on not he this are or his from at which but have an they ' +
  'you were her she there one all we their been has more if will would who so what when can no its time only ' +
  'could new them some these may like than other into then two now first any over such our most should after ' +
  'where system model request server engine cache token latency queue load route answer question data number ' +
  'memory prefix batch stream policy limit window user group value result report every each between under'
).split(' ');

export function randomInt(random: Random, lo: number, hi: number): number {
  return lo + Math.floor(random() * (hi - lo + 1));
}

/** `n` words from the fixed vocabulary, space separated. */
export function words(random: Random, n: number): string {
  const out = new Array<string>(n);
  for (let i = 0; i < n; i++) out[i] = WORDS[Math.floor(random() * WORDS.length)];
  return out.join(' ');
}

/** A version 4 UUID drawn from the seeded source (crypto.randomUUID cannot be seeded). */
export function seededUuid(random: Random): string {
  const hex = (n: number) => {
    let s = '';
    for (let i = 0; i < n; i++) s += Math.floor(random() * 16).toString(16);
    return s;
  };
  const variant = (8 + Math.floor(random() * 4)).toString(16);
  return `${hex(8)}-${hex(4)}-4${hex(3)}-${variant}${hex(3)}-${hex(12)}`;
}
