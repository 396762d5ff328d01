import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Priority } from '../../admission/priority.ts';
import { fixed } from '../../util/ref.ts';
import { DrainRate } from './drain-rate.ts';
import type { QueueTenant } from './fair-flows.ts';
import { type PlaceOwner, QueuePlace } from './queue-place.ts';
import { RouterQueue } from './router-queue.ts';
import { fixture } from './test-support.ts';

const NO_OWNER: PlaceOwner<unknown> = { end() {} };
const tenant = (weight = 1): QueueTenant => ({ weight, flows: [] });

function place(
  q: RouterQueue<string>,
  item: string,
  t: QueueTenant | undefined,
  o: { p?: Priority; tokens?: number; deadline?: number } = {},
) {
  return new QueuePlace<string>(
    NO_OWNER,
    undefined,
    item,
    o.p ?? 1,
    o.deadline ?? 1000,
    o.tokens ?? 10,
    0,
    q.nextSeq(),
    t,
  );
}

/** Serves the queue's head `n` times (as the waiting room's drain does: out, then charged). */
function serve(q: RouterQueue<string>, n: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < n && q.size > 0; i++) {
    const e = q.peek()!;
    q.remove(e);
    q.served(e);
    out.push(e.item);
  }
  return out;
}

test('two backlogged tenants of equal weight alternate, whatever order they queued in', () => {
  const q = new RouterQueue<string>(fixed({ maxRequests: 100, maxTokens: 1e6 }));
  const a = tenant();
  const b = tenant();
  for (let i = 0; i < 10; i++) q.push(place(q, `a${i}`, a, { deadline: i }));
  for (let i = 0; i < 3; i++) q.push(place(q, `b${i}`, b, { deadline: 100 + i }));
  assert.deepEqual(serve(q, 8), ['a0', 'b0', 'a1', 'b1', 'a2', 'b2', 'a3', 'a4']);
});

test('weights share the departures: weight 3 against 1 takes three of every four', () => {
  const q = new RouterQueue<string>(fixed({ maxRequests: 100, maxTokens: 1e6 }));
  const heavy = tenant(3);
  const light = tenant(1);
  for (let i = 0; i < 20; i++) {
    q.push(place(q, 'h', heavy, { deadline: i }));
    q.push(place(q, 'l', light, { deadline: i }));
  }
  const first = serve(q, 16);
  assert.equal(first.filter((x) => x === 'h').length, 12);
});

test('the cost is prompt tokens: a tenant of long prompts leaves less often', () => {
  const q = new RouterQueue<string>(fixed({ maxRequests: 100, maxTokens: 1e6 }));
  const long = tenant();
  const short = tenant();
  for (let i = 0; i < 10; i++) {
    q.push(place(q, 'long', long, { tokens: 400 }));
    q.push(place(q, 'short', short, { tokens: 100 }));
  }
  const first = serve(q, 10);
  assert.equal(first.filter((x) => x === 'long').length, 2);
});

test('a tenant that idled does not save credit: it restarts at the virtual time', () => {
  const q = new RouterQueue<string>(fixed({ maxRequests: 100, maxTokens: 1e6 }));
  const a = tenant();
  const b = tenant();
  for (let i = 0; i < 10; i++) q.push(place(q, `a${i}`, a, { deadline: i }));
  serve(q, 6); // b idle meanwhile
  for (let i = 0; i < 3; i++) q.push(place(q, `b${i}`, b, { deadline: 100 + i }));
  assert.deepEqual(serve(q, 4), ['b0', 'a6', 'b1', 'a7'], "V is a5's start: b starts level with a, not 6 behind");
});

test('classes still come first; within a tenant the earliest deadline leaves first', () => {
  const q = new RouterQueue<string>(fixed({ maxRequests: 100, maxTokens: 1e6 }));
  const a = tenant();
  const b = tenant();
  q.push(place(q, 'a-late', a, { deadline: 50 }));
  q.push(place(q, 'a-early', a, { deadline: 10 }));
  q.push(place(q, 'b-shed', b, { p: 2, deadline: 1 }));
  q.push(place(q, 'b-crit', b, { p: 0, deadline: 99 }));
  assert.deepEqual(serve(q, 4), ['b-crit', 'a-early', 'a-late', 'b-shed']);
});

test('aheadFor: a light tenant counts its own and what the heavy one sends before its turn', () => {
  const q = new RouterQueue<string>(fixed({ maxRequests: 100, maxTokens: 1e6 }));
  const heavy = tenant();
  const light = tenant();
  for (let i = 0; i < 20; i++) q.push(place(q, 'h', heavy));
  q.push(place(q, 'c', tenant(), { p: 0 }));
  assert.equal(q.ahead(1), 21, 'the bound counts everything');
  assert.equal(q.aheadFor(1, light), 1, 'the critical one; the heavy queue starts at the virtual time too');
  assert.equal(q.aheadFor(1, heavy), 21);
  q.push(place(q, 'l', light));
  assert.equal(q.aheadFor(1, light), 1 + 1 + 1, 'its own, and one of the heavy one between');
  // Without tenants the count is the bound's.
  const plain = new RouterQueue<string>(fixed({ maxRequests: 100, maxTokens: 1e6 }));
  for (let i = 0; i < 5; i++) plain.push(place(plain, 'x', undefined));
  assert.equal(plain.aheadFor(1), plain.ahead(1));
});

test('displaceFor: a tenant under its share of a full class takes room from the one furthest over its own', () => {
  const q = new RouterQueue<string>(fixed({ maxRequests: 10, maxTokens: 1e6 }));
  const heavy = tenant();
  const light = tenant();
  for (let i = 0; i < 10; i++) q.push(place(q, `h${i}`, heavy, { deadline: i }));
  const v = q.displaceFor(1, light, 1);
  assert.equal(v?.item.startsWith('h'), true);
  assert.equal(q.displaceFor(1, heavy, 1), undefined, 'the heavy tenant is over its share: no room for it');
  // The light one gets up to its share (5 of 10), no more.
  for (let i = 0; i < 5; i++) {
    q.remove(q.displaceFor(1, light, 1)!);
    q.push(place(q, `l${i}`, light));
  }
  assert.equal(q.displaceFor(1, light, 1), undefined);
  assert.equal(q.countOf(1), 10);
});

test('a tenant under its share is judged by its own place, not by the class overload the heavy tenant makes', () => {
  const mk = (clock: () => number) =>
    [0, 1, 2].map(() => new DrainRate({ clock, windowMs: 1000, buckets: 10, minEvents: 3 }));
  const f = fixture({ maxRequests: 20, maxTokens: 1e6 }, undefined, (clock) => ({ offeredRates: mk(clock) }));
  // Drains 0.1/ms; standard offers 0.2/ms (ρ = 2), nearly all of it the heavy tenant's.
  for (let i = 0; i < 100; i++) {
    f.drainRate.record();
    f.room.offered(1);
    f.room.offered(1);
    f.timers.advance(10);
  }
  const heavy = tenant();
  const light = tenant();
  const offer = (item: string, t: QueueTenant, budget: number, underShare: boolean) =>
    f.room.offer(item, 1, f.timers.now + budget, 10, 0, 0, 0, undefined, t, underShare);
  for (let i = 0; i < 5; i++) assert.equal(typeof offer(`h${i}`, heavy, 1000, false), 'object');
  // The heavy tenant's next waits behind its own 5 (k = 6: 60 ms), judged 2× over: 120 ms.
  assert.equal(offer('h5', heavy, 100, false), 'router_deadline');
  // The light one leaves at the next departure (k = 1: 10 ms), its own overload ≤ 1: 15 ms is enough.
  assert.equal(typeof offer('l0', light, 15, true), 'object');
  // Were it over its share, the class's overload would double its wait past what is left.
  assert.equal(offer('l1', tenant(), 15, false), 'router_deadline');
  f.room.clear();
});
