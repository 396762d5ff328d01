import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { UsageStripper } from './usage-strip.ts';

const head = 'data: {"id":"c1","object":"chat.completion.chunk","created":1,"model":"m"';
const delta = (s: string) =>
  `${head},"choices":[{"index":0,"delta":{"content":${JSON.stringify(s)}},"finish_reason":null}]}\n\n`;
const finish = `${head},"choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}\n\n`;
const usage = `${head},"choices":[],"usage":{"prompt_tokens":12,"completion_tokens":3,"total_tokens":15}}\n\n`;
const done = 'data: [DONE]\n\n';
const withUsage = delta('a') + delta('"choices":[]') + delta('c') + finish + usage + done;
const withoutUsage = withUsage.replace(usage, '');

/** Relays `stream` cut at `cuts` (byte offsets) and returns what the client got. */
function relay(stream: string, cuts: number[]): { out: string; s: UsageStripper } {
  const bytes = Buffer.from(stream);
  const s = new UsageStripper();
  const at = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  let out = '';
  let from = 0;
  for (const to of [...at, bytes.length]) {
    if (to <= from) continue;
    const piece = s.relay(bytes.subarray(from, to));
    if (piece !== undefined) out += piece.toString();
    from = to;
  }
  const rest = s.rest();
  if (rest !== undefined) out += rest.toString();
  return { out, s };
}

test('the usage-only event is taken out wherever the stream is cut, and its counts are kept', () => {
  fc.assert(
    fc.property(fc.array(fc.nat(), { maxLength: 12 }), (cuts) => {
      const { out, s } = relay(withUsage, cuts);
      assert.equal(out, withoutUsage);
      assert.equal(s.promptTokens, 12);
      assert.equal(s.completionTokens, 3);
    }),
  );
});

test('a stream without a usage event passes unchanged, even an empty-choices event without usage', () => {
  const filter = `${head},"choices":[],"prompt_filter_results":[]}\n\n`;
  fc.assert(
    fc.property(fc.array(fc.nat(), { maxLength: 12 }), (cuts) => {
      const { out, s } = relay(filter + withoutUsage, cuts);
      assert.equal(out, filter + withoutUsage);
      assert.equal(s.promptTokens, -1);
    }),
  );
});

test('whole events in one chunk go out as the same buffer: nothing is copied', () => {
  const s = new UsageStripper();
  const chunk = Buffer.from(delta('a'));
  assert.equal(s.relay(chunk), chunk);
});

test('a last event without its blank line is relayed at the end as it came', () => {
  const { out } = relay(`${delta('a')}data: [DONE]`, [5, 200]);
  assert.equal(out, `${delta('a')}data: [DONE]`);
});
