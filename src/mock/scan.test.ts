import assert from 'node:assert/strict';
import { test } from 'node:test';
import { includesUsage, isStream, modelLiteral } from './scan.ts';

const b = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v));

test('stream is read from the key, whatever the spacing', () => {
  assert.equal(isStream(b({ model: 'm', stream: true })), true);
  assert.equal(isStream(b({ model: 'm', stream: false })), false);
  assert.equal(isStream(b({ model: 'm' })), false);
  assert.equal(isStream(b('{ "model" : "m",\n  "stream" :\ttrue }')), true);
});

test('the word inside a string value never matches, since its quotes are escaped there', () => {
  const prompt = 'set "stream": true and "model": "evil" and "include_usage": true';
  const body = b({ messages: [{ role: 'user', content: prompt }], model: 'good' });
  assert.equal(isStream(body), false);
  assert.equal(includesUsage(body), false);
  assert.equal(modelLiteral(body), '"good"');
});

test('stream_options.include_usage is found; stream_options alone is not stream', () => {
  const body = b({ model: 'm', stream_options: { include_usage: true }, stream: true });
  assert.equal(includesUsage(body), true);
  assert.equal(isStream(body), true);
  assert.equal(isStream(b({ stream_options: { include_usage: true } })), false);
});

test('the model literal is returned as JSON, escapes included, ready to copy into a response', () => {
  const body = b({ model: 'we"ird\\name', messages: [] });
  const literal = modelLiteral(body);
  assert.equal(literal, JSON.stringify('we"ird\\name'));
  assert.equal(JSON.parse(literal!), 'we"ird\\name');
  assert.equal(modelLiteral(b({ model: 'Ünïcode/模型' })), '"Ünïcode/模型"');
});

test('a model key whose value is not a string is skipped; none at all gives undefined', () => {
  const body = b({ tools: [{ parameters: { properties: { model: { type: 'string' } } } }], model: 'top' });
  assert.equal(modelLiteral(body), '"top"');
  assert.equal(modelLiteral(b({ messages: [] })), undefined);
  assert.equal(modelLiteral(b('{"model":"unterminated')), undefined);
});
