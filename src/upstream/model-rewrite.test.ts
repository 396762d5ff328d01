import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { rewriteModel } from './model-rewrite.ts';

function rewrite(text: string, to: string): string {
  return rewriteModel(Buffer.from(text), JSON.parse(text), to).toString();
}

describe('rewriteModel', () => {
  it('replaces the top-level model and leaves every other byte as sent', () => {
    const text = '{ "messages": [{"role":"user","content":"say \\"model\\": 1"}],\n  "model" :  "demo", "x": 1.50 }';
    assert.equal(rewrite(text, 'meta-llama/Llama-3.1-8B'), text.replace('"demo"', '"meta-llama/Llama-3.1-8B"'));
  });
  it('escapes the new name', () => {
    assert.deepEqual(JSON.parse(rewrite('{"model":"a"}', 'we"ird\\')), { model: 'we"ird\\' });
  });
  it('falls back to re-serialising when "model" also appears elsewhere', () => {
    const text = '{"metadata":{"model":"demo"},"model":"demo","n":1}';
    assert.deepEqual(JSON.parse(rewrite(text, 'up')), { metadata: { model: 'demo' }, model: 'up', n: 1 });
  });
  it('falls back when the name is spelled with escapes', () => {
    const text = '{"mod\\u0065l":"demo"}';
    assert.deepEqual(JSON.parse(rewrite(text, 'up')), { model: 'up' });
  });
  it('handles non-ASCII names and content', () => {
    const text = '{"content":"héllo ✓","model":"démo"}';
    assert.deepEqual(JSON.parse(rewrite(text, 'ü')), { content: 'héllo ✓', model: 'ü' });
  });
});
