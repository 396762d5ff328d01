import assert from 'node:assert/strict';
import { test } from 'node:test';
import { seededRandom } from '../../util/random.ts';
import { maxScore } from './max-score.ts';
import { softmax } from './softmax.ts';
import { weightedRandom } from './weighted-random.ts';

const ids = ['a', 'b', 'c', 'd'];
function tally(pick: () => string | undefined, n: number): Map<string, number> {
  const c = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    const id = pick()!;
    c.set(id, (c.get(id) ?? 0) + 1);
  }
  return c;
}

test('max-score: the highest total; equal totals by the tie-break key, then uniformly at random', () => {
  const r = seededRandom(1);
  assert.equal(maxScore.pick(ids, Float64Array.of(0.1, 0.9, 0.5, 0.2), undefined, r), 'b');
  assert.equal(maxScore.pick([], new Float64Array(0), undefined, r), undefined);
  const key = { name: 'k', key: (id: string) => (id === 'c' ? 1 : 0) };
  assert.equal(maxScore.pick(ids, Float64Array.of(1, 1, 1, 0), key, r), 'c');
  const c = tally(() => maxScore.pick(ids, Float64Array.of(1, 1, 1, 0), undefined, r), 9000);
  assert.equal(c.get('d'), undefined);
  for (const id of ['a', 'b', 'c']) assert.ok(Math.abs(c.get(id)! - 3000) < 250, `${id}: ${c.get(id)}`);
});

test('max-score draws only on a tie', () => {
  let draws = 0;
  const r = () => {
    draws++;
    return 0.5;
  };
  maxScore.pick(ids, Float64Array.of(0.1, 0.2, 0.3, 0.4), undefined, r);
  assert.equal(draws, 0);
  maxScore.pick(ids, Float64Array.of(1, 1, 0, 0), undefined, r);
  assert.equal(draws, 1);
});

test('weighted-random: P(i) = total(i) / Σ total; one candidate without a draw', () => {
  const r = seededRandom(7);
  const c = tally(() => weightedRandom.pick(['a', 'b'], Float64Array.of(1 / 3, 1), undefined, r), 10_000);
  assert.ok(c.get('b')! > 7200 && c.get('b')! < 7800, String(c.get('b')));
  assert.equal(
    weightedRandom.pick(['a'], Float64Array.of(1), undefined, () => assert.fail('no draw')),
    'a',
  );
});

test('softmax: the best most often, the worst least, and max-score when all totals are equal', () => {
  const r = seededRandom(6);
  const c = tally(() => softmax(0.5).pick(['a', 'b', 'c'], Float64Array.of(1, 0.75, 0), undefined, r), 3000);
  assert.ok(c.get('a')! > c.get('b')! && c.get('b')! > c.get('c')! && c.get('c')! > 0, String([...c]));
  const key = { name: 'k', key: (id: string) => (id === 'b' ? 1 : 0) };
  assert.equal(softmax(0.5).pick(['a', 'b', 'c'], Float64Array.of(1, 1, 1), key, r), 'b');
});
