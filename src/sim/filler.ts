/**
 * Generated text is filler: what matters is its token count. Each word below is one o200k_base token with its
 * leading space, and BPE never merges across a space, so n filler tokens re-tokenise to exactly n tokens
 * (filler.test.ts checks it). Words are plain ASCII: no JSON escaping needed when writing them.
 */
export const FILLER_WORDS: readonly string[] = [
  'the',
  'of',
  'and',
  'to',
  'in',
  'is',
  'that',
  'for',
  'it',
  'as',
  'with',
  'was',
  'on',
  'be',
  'by',
  'at',
  'this',
  'are',
  'from',
  'or',
  'an',
  'have',
  'not',
  'which',
  'but',
  'they',
  'you',
  'all',
  'were',
  'their',
  'has',
  'more',
  'one',
  'can',
  'there',
  'been',
  'if',
  'would',
  'will',
  'when',
  'who',
  'what',
  'so',
  'about',
  'out',
  'up',
  'into',
  'than',
  'them',
  'some',
  'could',
  'these',
  'other',
  'its',
  'time',
  'only',
  'do',
  'new',
  'may',
  'then',
  'after',
  'first',
  'any',
  'like',
].map((w) => ` ${w}`);

/** The i-th generated token of request `id`. */
export function fillerToken(id: number, i: number): string {
  return FILLER_WORDS[(id * 7 + i) & 63];
}

/** The first n generated tokens of request `id`, joined. */
export function fillerText(id: number, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += fillerToken(id, i);
  return s;
}
