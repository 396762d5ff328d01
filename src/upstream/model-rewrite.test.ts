import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { rewriteModel } from './model-rewrite.ts';

function rewrite(text: string, to: string): string {
  return rewriteModel(Buffer.from(text), JSON.parse(text), to).toString();
}

describe('rewriteModel', () => {
  it('replaces the top-level model and leaves every other byte as sent', () => {
    const text = '{ "messages": [{"role":"user","content":"say \\"model\\": 1"}],\n  "model" :  "demo", "x": 1.50 }';
    assert.equal(rewrite(text, 'meta-llama/Llama-3.1-8B'), text.replace('"demo"', '"meta-llama/Llama-3.1-8B"'));
  });
  it("rewrites each endpoint's JSON shape, where `model` may also name things nested in it", () => {
    const shapes = [
      // Responses: a tool's schema with a property called model, an item that says "model".
      '{"input":[{"role":"user","content":"model"}],' +
        '"tools":[{"type":"function","parameters":{"properties":{"model":{}}}}],"model":"g"}',
      // Messages: a tool_use block with a model field.
      '{"model":"g","max_tokens":8,' +
        '"messages":[{"role":"assistant","content":[{"type":"tool_use","input":{"model":"x"}}]}]}',
      '{"query":"q","documents":["model"],"model":"g"}',
      '{"model":"g","tokens":[1,2]}',
    ];
    for (const text of shapes) {
      const out = JSON.parse(rewrite(text, 'up/m'));
      assert.deepEqual(out, { ...JSON.parse(text), model: 'up/m' }, text);
    }
  });
  it('escapes the new name', () => {
    assert.deepEqual(JSON.parse(rewrite('{"model":"a"}', 'we"ird\\')), { model: 'we"ird\\' });
  });
  it('returns the client buffer itself when the name is unchanged and said once', () => {
    const raw = Buffer.from('{"model":"demo","n":1}');
    assert.equal(rewriteModel(raw, JSON.parse(raw.toString()), 'demo'), raw);
  });
  it('replaces only the top-level key when "model" also appears nested, keeping the nested bytes', () => {
    const text = '{"metadata":{"model":"demo"},"model":"demo","n":1.0}';
    assert.equal(rewrite(text, 'up'), '{"metadata":{"model":"demo"},"model":"up","n":1.0}');
  });
  it('finds the key spelled with escapes, and a value spelled with escapes', () => {
    assert.equal(rewrite('{"mod\\u0065l":"demo","x":[[1]]}', 'up'), '{"mod\\u0065l":"up","x":[[1]]}');
    assert.equal(rewrite('{"model":"d\\u0065mo"}', 'up'), '{"model":"up"}');
    // The one plain "model" is nested; the top-level key is escaped: only the top level changes.
    assert.equal(
      rewrite('{"m\\u006Fdel":"demo","meta":{"model":"demo"}}', 'up'),
      '{"m\\u006Fdel":"up","meta":{"model":"demo"}}',
    );
  });
  it('replaces every duplicate top-level model, also when the routed name is unchanged', () => {
    // JSON.parse keeps the last: the gateway routed on "demo"; an upstream keeping the first must not see "other".
    assert.equal(
      rewrite('{"model":"other","x":"model","model":"demo"}', 'up'),
      '{"model":"up","x":"model","model":"up"}',
    );
    assert.equal(rewrite('{"model":"other","model":"demo"}', 'demo'), '{"model":"demo","model":"demo"}');
  });
  it('handles non-ASCII names and content', () => {
    const text = '{"content":"héllo ✓","model":"démo"}';
    assert.deepEqual(JSON.parse(rewrite(text, 'ü')), { content: 'héllo ✓', model: 'ü' });
  });
  it('never throws and never recurses, however deep the rest of the body', () => {
    const deep = '['.repeat(100_000) + ']'.repeat(100_000);
    assert.equal(rewrite(`{"model":"d\\u0065mo","x":${deep}}`, 'up'), `{"model":"up","x":${deep}}`);
  });
  it('property: every top-level model value is replaced, every other byte is kept', () => {
    // Members are generated as [key text, value text, is a model key]; the expected bytes follow from them.
    const key = fc.constantFrom('"model"', '"m\\u006fdel"', '"\\u006D\\u006F\\u0064\\u0065\\u006C"', '"mode\\u006c"');
    const other = fc
      .tuple(
        fc.string().filter((k) => k !== 'model'),
        fc.json(),
      )
      .map(([k, v]) => [JSON.stringify(k), v, false] as const);
    const model = fc.tuple(key, fc.string()).map(([k, v]) => [k, JSON.stringify(v), true] as const);
    const members = fc
      .tuple(fc.array(fc.oneof(other, model), { maxLength: 6 }), model, fc.array(other, { maxLength: 3 }), fc.boolean())
      .map(([a, m, b, first]) => (first ? [m, ...a, ...b] : [...a, m, ...b]));
    const join = (ms: readonly (readonly [string, string, boolean])[], to?: string) => {
      const pairs = ms.map(([k, v, isModel]) => `${k} : ${isModel && to !== undefined ? JSON.stringify(to) : v}`);
      return `{ ${pairs.join(' ,\n')} }`;
    };
    fc.assert(
      fc.property(members, fc.string(), (ms, to) => {
        const text = join(ms);
        const out = rewrite(text, to);
        assert.equal(out, join(ms, to));
        assert.deepEqual(JSON.parse(out), { ...JSON.parse(text), model: to });
      }),
      { numRuns: 500 },
    );
  });
});
