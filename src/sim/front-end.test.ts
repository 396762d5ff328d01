import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FrontEnd, type TurnEffect } from './front-end.ts';

/** Runs turns until the loop is idle; returns every effect as "kind stream@at tokens" strings. */
function drain(fe: FrontEnd, until = Number.POSITIVE_INFINITY): string[] {
  const effects: TurnEffect[] = [];
  for (let at = fe.nextTurnAt(); at !== undefined && at <= until; at = fe.nextTurnAt()) fe.turn(at, effects);
  return effects.map((e) => `${e.kind} ${e.stream}@${e.at}${e.kind === 'write' ? ` ${e.tokens}` : ''}`);
}

const tok = (stream: number, first = false, last = false) => ({ stream, first, last });

test('a free front end passes everything through at the instant it is offered', () => {
  const fe = new FrontEnd();
  fe.offerRequest(1, 5);
  fe.offerOutput([tok(1, true), tok(2)], 7);
  assert.deepEqual(drain(fe), ['enter 1@5', 'write 1@7 1', 'write 2@7 1']);
  assert.equal(fe.nextTurnAt(), undefined);
});

test('a turn costs its work; what arrives during a turn waits for the next one', () => {
  const fe = new FrontEnd({ request_ms: 2, output_token_ms: 1, chunk_ms: 3 });
  fe.offerRequest(1, 0);
  fe.offerRequest(2, 0);
  fe.offerOutput([tok(9, true)], 1); // arrives while the two intakes run (0..4)
  assert.deepEqual(drain(fe), ['enter 1@2', 'enter 2@4', 'write 9@8 1']);
});

test("a writer that falls behind writes one chunk of every token its stream got (vLLM's collector merges them)", () => {
  const fe = new FrontEnd({ request_ms: 0, output_token_ms: 0, chunk_ms: 10 });
  fe.offerOutput([tok(1, true), tok(2, true)], 0);
  const effects: TurnEffect[] = [];
  fe.turn(0, effects); // detokenises; both writers wake
  fe.turn(0, effects); // both write (0..20)
  for (let t = 1; t <= 19; t++) fe.offerOutput([tok(1), tok(2, false, t === 19)], t);
  for (let at = fe.nextTurnAt(); at !== undefined; at = fe.nextTurnAt()) fe.turn(at, effects);
  const writes = effects.map((e) => [e.stream, e.at, e.tokens, e.first, e.last]);
  assert.deepEqual(writes, [
    [1, 10, 1, true, false],
    [2, 20, 1, true, false],
    [1, 30, 19, false, false],
    [2, 40, 19, false, true],
  ]);
});
