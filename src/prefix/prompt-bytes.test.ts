import assert from 'node:assert/strict';
import { test } from 'node:test';
import { blockHashes, promptText } from './prompt-bytes.ts';
import { renderPrompt } from './prompt-shapes.ts';

const SYSTEM = 'You are a careful assistant. '.repeat(20); // 580 bytes: 9 full blocks of 64

function chat(...messages: { role: string; content: unknown }[]): Record<string, unknown> {
  return { model: 'm', messages };
}

function hashesOf(endpoint: 'chat' | 'completions', body: Record<string, unknown>, blockBytes = 64): number[] {
  renderPrompt(endpoint, body);
  return blockHashes(blockBytes);
}

test('chat renders like the shared chat template, so bytes and token counts describe one string', () => {
  const messages = [
    { role: 'system', content: 'be brief' },
    {
      role: 'user',
      content: [
        { type: 'text', text: 'héllo ' },
        { type: 'image_url', image_url: { url: 'x' } },
        { type: 'text', text: 'wörld' },
      ],
    },
  ];
  const bytes = renderPrompt('chat', { messages });
  const expected = 'system\nbe brief\n\nuser\nhéllo wörld\n\n'; // src/tokens/chat.ts's template
  assert.equal(promptText(), expected);
  assert.equal(bytes, Buffer.byteLength(expected));
});

test('prompts sharing a prefix share exactly the hashes of the full blocks inside it', () => {
  const a = hashesOf(
    'chat',
    chat(
      { role: 'system', content: SYSTEM },
      { role: 'user', content: 'question one, rather long to fill a block or two '.repeat(3) },
    ),
  );
  const b = hashesOf(
    'chat',
    chat(
      { role: 'system', content: SYSTEM },
      { role: 'user', content: 'another question entirely, long enough as well '.repeat(3) },
    ),
  );
  // "system\n" + SYSTEM = 587 bytes; the 9 blocks within the first 576 bytes are common, the 10th is not.
  let shared = 0;
  while (shared < Math.min(a.length, b.length) && a[shared] === b[shared]) shared++;
  assert.equal(shared, 9);
  assert.ok(a.length > 10 && b.length > 10);
  // Chained: once they differ, they never agree again even where the bytes realign.
  for (let i = shared; i < Math.min(a.length, b.length); i++) assert.notEqual(a[i], b[i]);
});

test('only full blocks are hashed and hashes are safe integers', () => {
  const h = hashesOf('completions', { prompt: 'x'.repeat(64 * 3 + 63) });
  assert.equal(h.length, 3);
  for (const x of h) assert.ok(Number.isSafeInteger(x) && x >= 0);
  assert.equal(hashesOf('completions', { prompt: 'short' }).length, 0);
});

test('a one-byte difference anywhere in a block changes that block and every later one', () => {
  const base = 'abcdefgh'.repeat(64); // 512 bytes = 8 blocks
  const h0 = hashesOf('completions', { prompt: base });
  const changed = `${base.slice(0, 200)}X${base.slice(201)}`;
  const h1 = hashesOf('completions', { prompt: changed });
  assert.deepEqual(h1.slice(0, 3), h0.slice(0, 3)); // byte 200 is in block 3
  for (let i = 3; i < 8; i++) assert.notEqual(h1[i], h0[i]);
});

test('completions accept strings, string arrays and token-id arrays; identical input, identical hashes', () => {
  const ids = Array.from({ length: 100 }, (_, i) => i * 7);
  assert.equal(renderPrompt('completions', { prompt: ids }), 400);
  const h1 = blockHashes(64);
  renderPrompt('completions', { prompt: [ids] });
  assert.deepEqual(blockHashes(64), h1);
  assert.equal(renderPrompt('completions', { prompt: ['ab', 'cd'] }), 4);
  assert.equal(promptText(), 'abcd');
  assert.equal(renderPrompt('chat', { messages: 'not an array' }), 0);
  assert.equal(renderPrompt('embeddings', { input: 'abc' }), 3);
});

test('a prompt larger than the scratch buffer is rendered whole', () => {
  const big = 'y'.repeat(300_000);
  assert.equal(renderPrompt('completions', { prompt: big }), 300_000);
  assert.equal(blockHashes(64).length, Math.floor(300_000 / 64));
  assert.equal(promptText().length, 300_000);
});

test('after a huge prompt, the next render gives the big buffer back and still works', () => {
  assert.equal(renderPrompt('completions', { prompt: 'z'.repeat(6_000_000) }), 6_000_000);
  assert.equal(renderPrompt('completions', { prompt: 'abcd'.repeat(64) }), 256);
  assert.equal(blockHashes(64).length, 4);
  assert.equal(promptText(), 'abcd'.repeat(64));
});

test('completions prompts nested as the client likes render in order, without recursion', () => {
  renderPrompt('completions', { prompt: ['a', ['b', [[1, 2]], 'c'], [], [['d']]] });
  const text = promptText();
  assert.equal(text.slice(0, 2), 'ab');
  assert.equal(text.length, 2 + 8 + 2); // a b, two token ids of 4 bytes, c d
  assert.equal(text.slice(-2), 'cd');
  let deep: unknown = 'hi';
  for (let i = 0; i < 200_000; i++) deep = [deep];
  assert.equal(renderPrompt('embeddings', { input: deep }), 2);
  assert.equal(promptText(), 'hi');
});
