import assert from 'node:assert/strict';
import { test } from 'node:test';
import { countTokens } from '../tokens/index.ts';
import { FILLER_WORDS, fillerText } from './filler.ts';

test('every filler word is one token and n filler tokens re-tokenise to n', () => {
  assert.equal(FILLER_WORDS.length, 64);
  for (const w of FILLER_WORDS) assert.equal(countTokens(w), 1, w);
  for (const n of [1, 2, 17, 300]) assert.equal(countTokens(fillerText(42, n)), n);
});
