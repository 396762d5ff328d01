import assert from 'node:assert/strict';
import { test } from 'node:test';
import { completionTokens, hasText, SseTokenScanner } from './sse.ts';

const chunk = (content: string | null) =>
  `data: {"id":"c1","object":"chat.completion.chunk",` +
  `"choices":[{"index":0,"delta":{"content":${JSON.stringify(content)}}}]}\n\n`;

test('counts content events across arbitrary chunk boundaries', () => {
  const stream =
    `data: {"choices":[{"delta":{"role":"assistant","content":""}}]}\n\n` +
    chunk('Hello') +
    chunk(' wörld') +
    chunk(null) +
    `data: {"choices":[],"usage":{"prompt_tokens":5,"completion_tokens":7,"total_tokens":12}}\n\n` +
    'data: [DONE]\n\n';
  const bytes = Buffer.from(stream);
  for (const size of [1, 3, 17, bytes.length]) {
    const s = new SseTokenScanner();
    let tokens = 0;
    for (let i = 0; i < bytes.length; i += size) tokens += s.push(bytes.subarray(i, i + size));
    assert.equal(tokens, 2, `chunk size ${size}`);
    assert.equal(s.usageTokens, 7);
    assert.ok(s.done);
  }
});

test('reasoning_content, null and empty strings are not content; CRLF lines work; errors are kept', () => {
  assert.equal(hasText('{"delta":{"reasoning_content":"x"}}', '"content":'), false);
  assert.equal(hasText('{"delta":{"content": "x"}}', '"content":'), true);
  const s = new SseTokenScanner();
  assert.equal(
    s.push(Buffer.from('data: {"delta":{"content":"a"}}\r\n\r\ndata: {"error":{"message":"boom"}}\r\n\r\n')),
    1,
  );
  assert.match(s.errorPayload ?? '', /boom/);
  assert.equal(s.done, false);
});

test('completion tokens from a whole response body', () => {
  assert.equal(completionTokens('{"usage":{"prompt_tokens":3,"completion_tokens": 42}}'), 42);
  assert.equal(completionTokens('{}'), -1);
});
