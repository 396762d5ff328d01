import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TtftFit } from './ttft-fit.ts';

test('TTFT by prompt length: the line through mixed prompts, and only the noise around it as spread', () => {
  const f = new TtftFit(2000);
  // 50 ms fixed + 0.1 ms per prompt token, ±10 ms of queueing noise, prompts 200..3000 tokens.
  for (let i = 0; i < 48; i++) {
    const tokens = 200 + (i % 8) * 400;
    f.add(i, 50 + 0.1 * tokens + (Math.floor(i / 8) % 2 === 0 ? 10 : -10), tokens);
  }
  assert.ok(Math.abs(f.slope(48) - 0.1) < 1e-9);
  assert.ok(Math.abs(f.expected(48, 200) - 70) < 1e-6, 'a short prompt expects a short TTFT');
  assert.ok(Math.abs(f.expected(48, 3000) - 350) < 1e-6);
  assert.ok(Math.abs(f.sd(48) - 10) < 1e-6, 'the spread is the noise (10 ms), not the prompts (~90 ms)');
});

test('one prompt length, or a falling slope, is the plain mean with its whole spread; the window forgets', () => {
  const f = new TtftFit(1000);
  assert.ok(Number.isNaN(f.expected(0, 100)));
  f.add(0, 100, 500);
  f.add(0, 300, 500);
  assert.equal(f.slope(0), 0);
  assert.equal(f.expected(0, 3000), 200);
  assert.equal(f.sd(0), 100);
  f.add(10, 100, 1000); // longer prompt, faster: noise, not a negative cost per token
  assert.equal(f.slope(10), 0);
  assert.equal(f.expected(10, 5000), 500 / 3);
  assert.equal(f.count(5000), 0);
});
