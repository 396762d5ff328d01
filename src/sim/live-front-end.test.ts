import assert from 'node:assert/strict';
import { type TestContext, test } from 'node:test';
import { LiveFrontEnd } from './live-front-end.ts';
import { Sequence } from './sequence.ts';

function harness(t: TestContext) {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  let now = 0;
  const entered: number[] = [];
  const chunks: [number, number, boolean][] = [];
  const sink = { onTokens: (seq: Sequence, upTo: number, last: boolean) => chunks.push([seq.id, upTo, last]) };
  const fe = new LiveFrontEnd({
    costs: { request_ms: 10, output_token_ms: 0, chunk_ms: 5 },
    now: () => now,
    wallMs: (ms) => ms,
    enter: (seq) => entered.push(seq.id),
  });
  const seq = (id: number) =>
    new Sequence({ id, promptTokens: 4, blockHashes: [], maxOutput: 2, finishReason: 'length', arrival: 0 });
  const advance = (ms: number) => {
    now += ms;
    t.mock.timers.tick(ms);
  };
  return { fe, entered, chunks, sink, seq, advance };
}

test('requests reach the scheduler and chunks their streams when the turns that did them end, on timers', (t) => {
  const h = harness(t);
  const a = h.seq(1);
  h.fe.offerRequest(a, h.sink);
  assert.deepEqual(h.entered, []);
  h.advance(10);
  assert.deepEqual(h.entered, [1]);
  a.numOutput = 1;
  a.state = 'running';
  h.fe.offerStep([a], 10);
  h.advance(5);
  assert.deepEqual(h.chunks, [[1, 1, false]]);
  a.numOutput = 2;
  a.state = 'finished';
  h.fe.offerStep([a], 15);
  h.advance(5);
  assert.deepEqual(h.chunks, [
    [1, 1, false],
    [1, 2, true],
  ]);
  h.fe.close();
});

test('a request whose client leaves during intake never reaches the scheduler', (t) => {
  const h = harness(t);
  const a = h.seq(1);
  const b = h.seq(2);
  h.fe.offerRequest(a, h.sink);
  h.fe.offerRequest(b, h.sink);
  h.advance(10);
  assert.deepEqual(h.entered, [1]);
  assert.equal(h.fe.forget(b), true, 'still being taken in');
  assert.equal(h.fe.forget(a), false, 'already with the scheduler');
  h.advance(20);
  assert.deepEqual(h.entered, [1]);
  h.fe.close();
});
