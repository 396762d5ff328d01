import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sseDataEvents, usagePromptTokens } from './stream-tokens.ts';

test('counts SSE data events with a JSON payload, not [DONE] nor comments', () => {
  const chunk = Buffer.from(
    'data: {"choices":[{"delta":{"content":"a"}}]}\n\n' +
      ': keep-alive\n\n' +
      'data: {"choices":[{"delta":{"content":"data: {"}}]}\n\n' + // the marker inside content counts too: an estimate
      'data: [DONE]\n\n',
  );
  assert.equal(sseDataEvents(chunk), 3);
  assert.equal(sseDataEvents(Buffer.from('')), 0);
});

test('reads usage.prompt_tokens from a response tail', () => {
  assert.equal(
    usagePromptTokens(Buffer.from('..."usage":{"prompt_tokens": 3175,"completion_tokens":20}}\n\ndata: [DONE]\n\n')),
    3175,
  );
  assert.equal(usagePromptTokens(Buffer.from('{"choices":[]}')), undefined);
  assert.equal(usagePromptTokens(undefined), undefined);
});
