import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ProxyRequest } from './proxy-request.ts';
import { readResponseUsage } from './response-usage.ts';

const USAGE = '"usage":{"prompt_tokens":12,"completion_tokens":34,"total_tokens":46}';

/** What readResponseUsage reads of a request: no stripper, the last two chunks, the body's size. */
function read(tail: string, prevTail?: string) {
  const pr = {
    stripper: undefined,
    tail: Buffer.from(tail),
    prevTail: prevTail === undefined ? undefined : Buffer.from(prevTail),
    ctx: { bodyBytes: 400 },
  } as unknown as ProxyRequest;
  return readResponseUsage(pr, { prompt: 0, completion: 0, reported: false });
}

test("a response's usage at its end is read however long its last chunk", () => {
  const content = `data: {"choices":[{"delta":{"content":"${'x'.repeat(20_000)}"}}]}\n\n`;
  assert.deepEqual(read(`${content}data: {"choices":[],${USAGE}}\n\ndata: [DONE]\n\n`), {
    prompt: 12,
    completion: 34,
    reported: true,
  });
  // The usage event in the chunk before a last chunk of `data: [DONE]`.
  assert.deepEqual(read('data: [DONE]\n\n', `${content}data: {"choices":[],${USAGE}}\n\n`).completion, 34);
});

test('without usage near the end the prompt is estimated and the output not counted', () => {
  const early = `{${USAGE},"choices":[{"message":{"content":"${'y'.repeat(10_000)}"}}]}`;
  assert.deepEqual(read(early), { prompt: 100, completion: 0, reported: false });
  assert.deepEqual(read('data: [DONE]\n\n'), { prompt: 100, completion: 0, reported: false });
});
