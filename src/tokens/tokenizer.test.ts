import assert from 'node:assert/strict';
import { test } from 'node:test';
import { countChatTokens, countTokens, decode, encode, encodeChat, renderChatPrompt } from './index.ts';

test('count and encode agree and round-trip', () => {
  const text = 'Spillway keeps a fleet of inference engines inside its SLA.';
  const ids = encode(text);
  assert.equal(countTokens(text), ids.length);
  assert.equal(decode(ids), text);
  assert.equal(countTokens(''), 0);
});

test('special-token text in a prompt is counted as plain text, not rejected', () => {
  assert.ok(countTokens('before <|endoftext|> after') > 3);
});

test('chat messages render in one template; a shared system prompt gives a shared token prefix', () => {
  const system = { role: 'system', content: 'You are helpful. '.repeat(20) };
  const a = encodeChat([system, { role: 'user', content: 'first question' }]);
  const b = encodeChat([system, { role: 'user', content: 'another one' }]);
  let common = 0;
  while (a[common] === b[common]) common++;
  assert.ok(common >= encode(renderChatPrompt([system])).length - 1);
  assert.equal(countChatTokens([system]), encodeChat([system]).length);
  assert.equal(
    renderChatPrompt([
      { role: 'user', content: [{ type: 'text', text: 'a' }, { type: 'image_url' }, { type: 'text', text: 'b' }] },
    ]),
    'user\nab\n\n',
  );
});
