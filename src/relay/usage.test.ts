import assert from 'node:assert/strict';
import { test } from 'node:test';
import { responseTail, usageTokens } from './usage.ts';

const b = (s: string) => Buffer.from(s);

test("usage tokens are the upstream's total_tokens from the response's tail, else the body's bytes ÷ 4", () => {
  assert.equal(usageTokens(b('{"usage":{"prompt_tokens":3,"total_tokens":12}}'), 400), 12);
  assert.equal(usageTokens(b('data: [DONE]\n\n'), 401), 101);
  assert.equal(usageTokens(undefined, 8), 2);
});

test('the tail is the last two chunks joined, where a usage object split across them is whole again', () => {
  const tail = responseTail(b('tal_tokens": 9}}'), b('{"usage":{"to'));
  assert.equal(tail!.toString(), '{"usage":{"total_tokens": 9}}');
  assert.equal(usageTokens(tail, 0), 9);
  assert.equal(responseTail(b('x'), undefined)!.toString(), 'x');
});
