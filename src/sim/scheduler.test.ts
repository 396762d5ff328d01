import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runToIdle, scheduler, seq } from './test-helpers.ts';

const prefillMs = (t: number) => 10 + 0.01 * t;

test('one request: prefill emits the first token, then one token per decode step', () => {
  const s = scheduler();
  const r = seq({ n: 20, output: 3 });
  assert.equal(s.add(r), 'admitted');
  const p1 = s.planStep(0)!;
  assert.equal(p1.prefillTokens, 20);
  assert.equal(p1.decodeRequests, 0);
  assert.equal(p1.duration, prefillMs(20));
  assert.equal(s.completeStep(p1).emitted.length, 1);
  assert.equal(r.firstToken, p1.end);
  const p2 = s.planStep(p1.end)!;
  assert.deepEqual([p2.prefillTokens, p2.decodeRequests, p2.duration], [0, 1, 5]);
  s.completeStep(p2);
  s.completeStep(s.planStep(p2.end)!);
  assert.equal(r.state, 'finished');
  assert.equal(r.numOutput, 3);
  assert.equal(s.planStep(100), null);
  assert.equal(s.kv.usedBlocks, 0);
  assert.deepEqual(s.load(), { running: 0, waiting: 0, kvBlocksUsed: 0, kvBlocksTotal: 64, queuedPrefillTokens: 0 });
});

test('a long prompt is prefilled in chunks of the token budget', () => {
  const s = scheduler({ maxNumBatchedTokens: 16, numBlocks: 64 });
  const r = seq({ n: 40, output: 1 });
  s.add(r);
  const { plans } = runToIdle(s);
  assert.deepEqual(
    plans.map((p) => p.prefillTokens),
    [16, 16, 8],
  );
  assert.equal(r.firstToken, plans[2].end);
});

test('decodes take the budget first; the waiting prompt gets the rest', () => {
  const s = scheduler({ maxNumBatchedTokens: 10 });
  const a = seq({ n: 4, output: 10 });
  const b = seq({ n: 4, output: 10 });
  s.add(a);
  s.add(b);
  const first = s.planStep(0)!;
  s.completeStep(first);
  const c = seq({ n: 30, output: 2 });
  s.add(c);
  // a and b decode (1 token each); c gets the 8 left.
  const p = s.planStep(first.end)!;
  assert.equal(p.decodeRequests, 2);
  assert.equal(p.prefillTokens, 8);
  assert.equal(p.duration, prefillMs(8) + 5);
  assert.equal(s.queuedPrefillTokens, 30);
  s.completeStep(p);
  assert.equal(s.queuedPrefillTokens, 22);
});

test('at most maxNumSeqs run; the rest wait in order', () => {
  const s = scheduler({ maxNumSeqs: 2 });
  const rs = [seq({ n: 4, output: 5 }), seq({ n: 4, output: 5 }), seq({ n: 4, output: 5 })];
  for (const r of rs) s.add(r);
  const p = s.planStep(0)!;
  assert.deepEqual(
    p.seqs.map((x) => x.id),
    [rs[0].id, rs[1].id],
  );
  assert.equal(s.runningCount, 2);
  assert.equal(s.waitingCount, 1);
  runToIdle(s, p.end - p.duration);
  assert.ok(rs.every((r) => r.state === 'finished'));
  assert.ok(rs[2].firstScheduled > 0);
});

test('a shared prefix is served from the cache after the first request finishes', () => {
  const s = scheduler();
  const system = Array.from({ length: 16 }, (_, i) => 500 + i);
  const first = seq({ tokens: [...system, 1, 2, 3], output: 2 });
  s.add(first);
  const { t } = runToIdle(s);
  const second = seq({ tokens: [...system, 9, 9, 9], output: 2, arrival: t });
  s.add(second);
  const p = s.planStep(t)!;
  assert.equal(p.prefixQueries, 19);
  assert.equal(p.prefixHits, 16);
  assert.equal(p.prefillTokens, 3);
  assert.equal(second.cachedTokens, 16);
  assert.equal(s.totals.prefixHits, 16);
  assert.equal(s.totals.prefixQueries, 19 + 19);
});

test('a fully cached prompt still recomputes its last block', () => {
  const s = scheduler();
  const tokens = Array.from({ length: 16 }, (_, i) => i);
  s.add(seq({ tokens, output: 1 }));
  const { t } = runToIdle(s);
  s.add(seq({ tokens, output: 1, arrival: t }));
  const p = s.planStep(t)!;
  assert.equal(p.prefixHits, 12);
  assert.equal(p.prefillTokens, 4);
});

test('cached blocks are evicted LRU when a new request needs the space', () => {
  const s = scheduler({ numBlocks: 8, blockSize: 4 });
  const old = Array.from({ length: 16 }, (_, i) => 900 + i);
  s.add(seq({ tokens: old, output: 1 }));
  let { t } = runToIdle(s);
  assert.equal(s.kv.cachedBlocks, 4);
  s.add(seq({ n: 30, output: 1, arrival: t })); // needs all 8 blocks
  ({ t } = runToIdle(s, t));
  s.add(seq({ tokens: old, output: 1, arrival: t }));
  assert.equal(s.planStep(t)!.prefixHits, 0);
});

test('when KV runs out the newest running request is preempted, recomputed later, and everything completes', () => {
  // 8 blocks of 4 tokens = 32 tokens; three requests needing 8 + 12 tokens each cannot all fit.
  const s = scheduler({ numBlocks: 8, blockSize: 4, maxNumBatchedTokens: 64 });
  const rs = [0, 1, 2].map(() => seq({ n: 8, output: 12 }));
  for (const r of rs) s.add(r);
  const { plans } = runToIdle(s);
  assert.ok(s.totals.preemptions > 0);
  assert.ok(rs.every((r) => r.state === 'finished' && r.numOutput === 12));
  assert.equal(s.totals.generationTokens, 36);
  assert.ok(rs[2].preemptions > 0, 'the newest request is the victim');
  assert.equal(rs[0].preemptions, 0, 'the oldest is never preempted');
  assert.ok(plans.reduce((n, p) => n + p.preemptions, 0) === s.totals.preemptions);
  assert.equal(s.kv.usedBlocks, 0);
  assert.equal(s.queuedPrefillTokens, 0);
  // The recompute is prefill work: more prompt tokens were processed than the prompts hold.
  assert.ok(s.totals.promptTokens > 24);
});

test('max_num_queued_reqs and max_num_queued_tokens reject on arrival and change nothing else', () => {
  const s = scheduler({ maxNumQueuedReqs: 2 });
  assert.equal(s.add(seq({ n: 4, output: 1 })), 'admitted');
  assert.equal(s.add(seq({ n: 4, output: 1 })), 'admitted');
  const rejected = seq({ n: 4, output: 1 });
  assert.equal(s.add(rejected), 'queue_full');
  assert.equal(rejected.state, 'rejected');
  assert.equal(s.waitingCount, 2);
  assert.equal(s.queuedPrefillTokens, 8);
  assert.equal(s.totals.rejectedQueueFull, 1);

  const t = scheduler({ maxNumQueuedTokens: 10 });
  assert.equal(t.add(seq({ n: 8, output: 1 })), 'admitted');
  assert.equal(t.add(seq({ n: 4, output: 1 })), 'queued_tokens_full');
  assert.equal(t.add(seq({ n: 2, output: 1 })), 'admitted');
});

test('max_queue_ms rejects requests that never started, and only those', () => {
  const s = scheduler({ maxNumSeqs: 1, maxQueueMs: 50 });
  const a = seq({ n: 4, output: 20, arrival: 0 });
  const b = seq({ n: 4, output: 1, arrival: 0 });
  const c = seq({ n: 4, output: 1, arrival: 40 });
  s.add(a);
  s.add(b);
  s.add(c);
  let t = 0;
  const expired = [];
  while (a.state !== 'finished') {
    const p = s.planStep(t)!;
    expired.push(...p.expired);
    s.completeStep(p);
    t = p.end;
  }
  assert.deepEqual(
    expired.map((x) => x.id),
    [b.id, c.id],
  );
  assert.equal(b.state, 'rejected');
  assert.equal(s.totals.rejectedQueueTimeout, 2);
  assert.equal(s.hasWork, false);
  assert.equal(s.queuedPrefillTokens, 0);
});

test('abort frees the slot and the blocks at once, mid-step included', () => {
  const s = scheduler();
  const a = seq({ n: 12, output: 10 });
  const w = seq({ n: 12, output: 10 });
  s.add(a);
  const p = s.planStep(0)!;
  s.add(w);
  assert.equal(s.kv.usedBlocks, 3);
  s.abort(a);
  s.abort(w);
  assert.equal(s.kv.usedBlocks, 0);
  assert.deepEqual(s.load(), { running: 0, waiting: 0, kvBlocksUsed: 0, kvBlocksTotal: 64, queuedPrefillTokens: 0 });
  assert.equal(s.completeStep(p).emitted.length, 0, 'the aborted request gets nothing from its step');
  assert.equal(s.planStep(p.end), null);
  assert.equal(s.totals.aborted, 2);
  s.abort(a); // idempotent
  assert.equal(s.totals.aborted, 2);
});

test('a request arriving after the step start is not admitted into that step', () => {
  const s = scheduler();
  s.add(seq({ n: 4, output: 1, arrival: 10 }));
  assert.equal(s.planStep(5), null);
  assert.equal(s.nextArrival(), 10);
  assert.ok(s.planStep(10));
});

test('the same workload gives the same trace', () => {
  const trace = () => {
    const s = scheduler({ numBlocks: 12, maxNumSeqs: 3, maxNumBatchedTokens: 20 });
    for (let i = 0; i < 10; i++) s.add(seq({ n: 5 + i, base: i * 7, output: 3 + (i % 4), arrival: i * 3 }));
    return runToIdle(s).plans.map((p) => [p.start, p.duration, p.seqs.map((x) => x.promptTokens), p.preemptions]);
  };
  assert.deepEqual(trace(), trace());
});
