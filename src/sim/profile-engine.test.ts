import assert from 'node:assert/strict';
import { test } from 'node:test';
import { profileEngineOptions } from './profile-engine.ts';

test("a profile's engine block becomes engine options; profiles without one give none", () => {
  assert.deepEqual(profileEngineOptions('a100-80gb-qwen2.5-7b'), {
    numBlocks: 50_000,
    blockSize: 16,
    maxNumSeqs: 256,
    maxNumBatchedTokens: 2048,
  });
  assert.deepEqual(profileEngineOptions('default'), {});
  assert.deepEqual(profileEngineOptions('half-speed'), {});
});
