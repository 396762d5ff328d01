import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Priority } from '../../admission/priority.ts';
import { seededRandom } from '../../util/random.ts';
import { fixed } from '../../util/ref.ts';
import { type PlaceOwner, QueuePlace } from './queue-place.ts';
import { RouterQueue } from './router-queue.ts';

// The heap alone: nothing here ends a place.
const NO_OWNER: PlaceOwner<unknown> = { end() {} };

function entry(q: RouterQueue<string>, item: string, p: Priority, deadline: number, tokens = 10): QueuePlace<string> {
  return new QueuePlace<string>(NO_OWNER, undefined, item, p, deadline, tokens, 0, q.nextSeq());
}

test('leaves by class first, then earliest deadline, then arrival', () => {
  const q = new RouterQueue<string>(fixed({ maxRequests: 10, maxTokens: 1000 }));
  q.push(entry(q, 'shed-early', 2, 100));
  q.push(entry(q, 'std-late', 1, 900));
  q.push(entry(q, 'std-early', 1, 200));
  q.push(entry(q, 'crit', 0, 5000));
  q.push(entry(q, 'std-early-2', 1, 200));
  const order = [];
  while (q.size > 0) order.push(q.shift()!.item);
  assert.deepEqual(order, ['crit', 'std-early', 'std-early-2', 'std-late', 'shed-early']);
  assert.equal(q.tokens, 0);
});

test('queued prompt tokens by class: what is ahead of a class is its own and the classes above', () => {
  const q = new RouterQueue<string>(fixed({ maxRequests: 10, maxTokens: 10_000 }));
  const shed = entry(q, 'shed', 2, 100, 500);
  q.push(shed);
  q.push(entry(q, 'std', 1, 100, 300));
  q.push(entry(q, 'crit', 0, 100, 40));
  assert.deepEqual([q.tokensAhead(0), q.tokensAhead(1), q.tokensAhead(2)], [40, 340, 840]);
  q.remove(shed);
  assert.equal(q.tokensAhead(2), 340);
  while (q.size > 0) q.shift();
  assert.deepEqual(q.tokensOf, [0, 0, 0]);
});

test('bounds by count and by prompt tokens; the first entry always fits', () => {
  const q = new RouterQueue<string>(fixed({ maxRequests: 2, maxTokens: 100 }));
  assert.equal(q.fits(500), true);
  q.push(entry(q, 'big', 1, 1, 500));
  assert.equal(q.fits(1), false);
  q.remove(q.peek()!);
  q.push(entry(q, 'a', 1, 1, 60));
  assert.equal(q.fits(40), true);
  assert.equal(q.fits(41), false);
  q.push(entry(q, 'b', 1, 1, 40));
  assert.equal(q.fits(0), false);
});

test('ahead counts the classes that would leave first; victim is taken from the least important class below', () => {
  const q = new RouterQueue<string>(fixed({ maxRequests: 10, maxTokens: 1000 }));
  q.push(entry(q, 'c', 0, 1));
  q.push(entry(q, 's1', 1, 1));
  q.push(entry(q, 's2', 1, 2));
  q.push(entry(q, 'x', 2, 1));
  assert.deepEqual([q.ahead(0), q.ahead(1), q.ahead(2)], [1, 3, 4]);
  assert.equal(q.victim(0)!.item, 'x');
  q.remove(q.victim(0)!);
  assert.equal(q.victim(0)!.priority, 1);
  assert.equal(q.victim(1), undefined);
});

test('removal from anywhere keeps the heap order (randomised against a sort)', () => {
  const rnd = seededRandom(3);
  const q = new RouterQueue<number>(fixed({ maxRequests: 1e6, maxTokens: 1e9 }));
  const live = new Set<QueuePlace<number>>();
  for (let i = 0; i < 2000; i++) {
    const p = Math.floor(rnd() * 3) as Priority;
    const e = new QueuePlace<number>(NO_OWNER, undefined, i, p, Math.floor(rnd() * 500), 1, 0, q.nextSeq());
    q.push(e);
    live.add(e);
    if (rnd() < 0.4) {
      const victim = [...live][Math.floor(rnd() * live.size)];
      assert.equal(q.remove(victim), true);
      assert.equal(q.remove(victim), false);
      live.delete(victim);
    }
  }
  const expected = [...live]
    .sort((a, b) => a.priority - b.priority || a.deadline - b.deadline || a.seq - b.seq)
    .map((e) => e.item);
  const got = [];
  while (q.size > 0) got.push(q.shift()!.item);
  assert.deepEqual(got, expected);
});
