import assert from 'node:assert/strict';
import { test } from 'node:test';
import { engineFlags } from './fleet.ts';

test('engine settings become the CLI flags', () => {
  assert.deepEqual(engineFlags({ maxNumSeqs: 16, speedup: 0.5, numBlocks: undefined }), [
    '--max-num-seqs',
    '16',
    '--speedup',
    '0.5',
  ]);
});
