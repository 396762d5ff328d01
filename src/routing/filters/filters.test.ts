import assert from 'node:assert/strict';
import { test } from 'node:test';
import { testFleet } from '../../load/test-support.ts';
import { kept } from '../profile/test-support.ts';
import type { RouteRequest } from '../types.ts';
import { longestPrefix } from './longest-prefix.ts';
import { notBusy } from './not-busy.ts';
import { hasPromptKey } from './prompt-key.ts';

const plain: RouteRequest = { group: 'g', endpoint: 'chat', stream: false, body: {}, bodyBytes: 0 };

test('not-busy drops engines at their busy_kv_usage', () => {
  const { fleet, views } = testFleet(2, { totalBlocks: 100, busyKvUsage: 0.5 });
  const p = fleet.engine('e0').reserve(fleet.analyze('g', 'completions', { prompt: 'a'.repeat(4 * 16 * 60) }));
  assert.deepEqual(
    kept(notBusy, views, plain).map((v) => v.id),
    ['e1'],
  );
  p.release();
});

test('longest-prefix keeps the engines holding the most leading blocks, none when nobody holds any', () => {
  const { fleet, views } = testFleet(3);
  const body = { prompt: 'shared head '.repeat(200) };
  const req = (): RouteRequest => ({
    ...plain,
    endpoint: 'completions',
    prompt: fleet.analyze('g', 'completions', body),
  });
  const admitted = (r: RouteRequest) => kept(longestPrefix, views, r).map((v) => v.id);
  assert.deepEqual(admitted(req()), []);
  fleet.engine('e2').reserve(req().prompt).release();
  assert.deepEqual(admitted(req()), ['e2']);
  assert.deepEqual(admitted(plain), []);
});

test('prompt-key admits all when the prompt has a full block, none otherwise', () => {
  const { fleet, views } = testFleet(2);
  const short: RouteRequest = { ...plain, prompt: fleet.analyze('g', 'completions', { prompt: 'hi' }) };
  const long: RouteRequest = { ...plain, prompt: fleet.analyze('g', 'completions', { prompt: 'x'.repeat(2000) }) };
  for (const [r, n] of [
    [short, 0],
    [long, 2],
    [plain, 0],
  ] as const) {
    assert.equal(kept(hasPromptKey, views, r).length, n);
  }
});
