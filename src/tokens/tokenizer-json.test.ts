import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadTokenizerJson } from './tokenizer-json.ts';

const FIXTURE = new URL('../../test/fixtures/tiny-bpe-tokenizer.json', import.meta.url).pathname;

test('a tokenizer.json counts with its own vocabulary and merges, without special tokens', () => {
  const count = loadTokenizerJson(FIXTURE);
  assert.equal(typeof count, 'function');
  if (typeof count !== 'function') return;
  // "the" and "and" are merged words; "end" is en + d; "sing" is s + ing.
  assert.equal(count('the end and sing'), 6);
  // Out-of-vocabulary characters still count (as [UNK]), one each.
  assert.equal(count('é'), 1);
  assert.equal(count(''), 0);
});

test('a missing, non-JSON or non-tokenizer file is an error naming the path', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'spillway-tok-'));
  const missing = join(dir, 'nope.json');
  assert.equal(loadTokenizerJson(missing), `cannot read ${missing} (ENOENT)`);
  const garbage = join(dir, 'garbage.json');
  await writeFile(garbage, '{ not json');
  assert.match(String(loadTokenizerJson(garbage)), new RegExp(`^${garbage} is not a usable tokenizer.json \\(`));
  const other = join(dir, 'other.json');
  await writeFile(other, '{"name": "not a tokenizer"}');
  assert.equal(loadTokenizerJson(other), `${other} is not a usable tokenizer.json (no "model" section)`);
});
