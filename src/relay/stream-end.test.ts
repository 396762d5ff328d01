import assert from 'node:assert/strict';
import { it } from 'node:test';
import { endsWithDone } from './stream-end.ts';

const b = (s: string) => Buffer.from(s);

it('a stream ends properly only with data: [DONE], wherever the last chunks split it', () => {
  assert.equal(endsWithDone(b('data: {"x":1}\n\ndata: [DONE]\n\n'), undefined), true);
  assert.equal(endsWithDone(b('data: [DONE]'), b('data: {}\n\n')), true);
  assert.equal(endsWithDone(b('NE]\n\n'), b('data: {}\n\ndata: [DO')), true);
  assert.equal(endsWithDone(b('\n\n'), b('data: {}\n\ndata: [DONE]')), true);
  assert.equal(endsWithDone(b('data: {"x":1}\n\n'), b('data: {"x":0}\n\n')), false);
  assert.equal(endsWithDone(b('data: {"content":"data: [DONE]"}\n\n'), undefined), false);
  assert.equal(endsWithDone(b(''), undefined), false);
  assert.equal(endsWithDone(undefined, undefined), false);
});
