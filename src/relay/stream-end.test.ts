import assert from 'node:assert/strict';
import { it } from 'node:test';
import { endsWithDone, streamEnds } from './stream-end.ts';

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

it('Responses and Messages streams end with their last event, found in any chunk, split or not', () => {
  const messages = streamEnds.messages!;
  const responses = streamEnds.responses!;
  assert.equal(messages.scans, true);
  assert.equal(streamEnds.chat!.scans, false);
  assert.equal(streamEnds.embeddings, undefined);
  const stop = 'event: message_stop\ndata: {"type":"message_stop"}\n\n';
  assert.equal(messages.marks(b(stop), undefined), true);
  // Split inside the marker, across the boundary of two chunks.
  assert.equal(messages.marks(b('stop"}\n\n'), b('event: message_stop\ndata: {"type":"message_')), true);
  assert.equal(messages.marks(b('message_stop"}\n\n'), b('data: {"type":"')), true);
  // The words inside a text are escaped: not the end.
  assert.equal(messages.marks(b('data: {"delta":{"text":"say \\"message_stop\\""}}\n\n'), undefined), false);
  assert.equal(messages.marks(b('event: message_delta\ndata: {"type":"message_delta"}\n\n'), undefined), false);
  assert.equal(responses.marks(b('data: {"type": "response.completed","response":{}}\n\n'), undefined), true);
  assert.equal(responses.marks(b('data: {"type":"response.output_text.delta"}\n\n'), undefined), false);
  assert.equal(responses.whole(undefined, undefined, true), true);
  assert.equal(responses.whole(b('data: [DONE]\n\n'), undefined, false), false);
});
