import assert from 'node:assert/strict';
import { it } from 'node:test';
import { promptText } from './prompt-bytes.ts';
import { fixedPromptTokens, renderPrompt, TRANSCRIPTION_TOKENS } from './prompt-shapes.ts';

const rendered = (endpoint: Parameters<typeof renderPrompt>[0], body: Record<string, unknown>) => {
  const bytes = renderPrompt(endpoint, body);
  const text = promptText();
  assert.equal(Buffer.byteLength(text), bytes);
  return text;
};

it('Responses: instructions as a system message, then the input string or its items', () => {
  assert.equal(rendered('responses', { instructions: 'Be brief.', input: 'hi' }), 'system\nBe brief.\n\nuser\nhi\n\n');
  const items = [
    { role: 'user', content: [{ type: 'input_text', text: 'a' }] },
    { type: 'function_call', arguments: '{"x":1}' },
    { type: 'function_call_output', output: 'done' },
  ];
  assert.equal(rendered('responses', { input: items, max_output_tokens: 99 }), 'user\na\n\n{"x":1}done');
});

it('Messages: system (string or text blocks), then the messages like chat', () => {
  const messages = [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }];
  assert.equal(rendered('messages', { system: 'S', messages, max_tokens: 9 }), 'system\nS\n\nuser\nhi\n\n');
  assert.equal(rendered('messages', { system: [{ type: 'text', text: 'S' }], messages }), 'system\nS\n\nuser\nhi\n\n');
  // The same conversation as chat renders the same bytes: prefixes are shared across the two APIs.
  assert.equal(rendered('chat', { messages }), rendered('messages', { messages }));
});

it('rerank, score, tokenize, detokenize: the texts (or ids) the engine reads', () => {
  assert.equal(rendered('rerank', { query: 'q', documents: ['a', { text: 'b' }] }), 'qab');
  assert.equal(rendered('score', { text_1: 'q', text_2: ['a', 'b'] }), 'qab');
  assert.equal(rendered('score', { queries: 'q', documents: ['a'] }), 'qa');
  assert.equal(rendered('tokenize', { prompt: 'p' }), 'p');
  assert.equal(rendered('tokenize', { messages: [{ role: 'user', content: 'm' }] }), 'user\nm\n\n');
  assert.equal(renderPrompt('detokenize', { tokens: [1, 2, 3] }), 12);
});

it('a transcription has no text: a fixed estimate', () => {
  assert.equal(renderPrompt('transcriptions', { model: 'w' }), 0);
  assert.equal(fixedPromptTokens('transcriptions'), TRANSCRIPTION_TOKENS);
  assert.equal(fixedPromptTokens('chat'), 0);
});
