import assert from 'node:assert/strict';
import { test } from 'node:test';
import { withIncludeUsage } from './include-usage.ts';

test('include_usage is asked as the first key; every other byte is the client’s', () => {
  const raw = Buffer.from(' {"model":"m","stream":true,"messages":[{"role":"user","content":"{hi}"}]}');
  const out = withIncludeUsage(raw);
  assert.deepEqual(JSON.parse(out.toString()), {
    stream_options: { include_usage: true },
    model: 'm',
    stream: true,
    messages: [{ role: 'user', content: '{hi}' }],
  });
  assert.ok(out.toString().endsWith(raw.toString().slice(2)));
});
