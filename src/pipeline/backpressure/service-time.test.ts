import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TtftFit } from '../../engine-admission/ttft-fit.ts';
import { serviceTime } from './service-time.ts';

const engine = (fit: TtftFit, cooling = false) => ({
  deployment: { isCoolingDown: () => cooling },
  gate: { ttftFit: fit },
});

/** A fit with `n` first tokens of `ms` each, for prompts of 100 tokens, and `outliers` more. */
function fitOf(n: number, ms: number, ...outliers: number[]): TtftFit {
  const fit = new TtftFit(10_000);
  for (let i = 0; i < n; i++) fit.add(0, ms + (i % 2 === 0 ? 5 : -5), 100);
  for (const o of outliers) fit.add(0, o, 100);
  return fit;
}

test("one engine's outlier weighs by that engine's share, not as the whole group's spread", () => {
  const worst = fitOf(39, 70, 1300);
  const engines = [engine(worst), ...Array.from({ length: 7 }, () => engine(fitOf(40, 70)))];
  const out = { mean: 0, sd: 0 };
  serviceTime({ engines }, 0, 100, out);
  assert.ok(worst.sd(0) > 180, `the engine's own spread: ${worst.sd(0)}`);
  // Mixture over 320 samples, one of them 1,230 ms over: sd ≈ 1230 / √320 ≈ 69 ms; mean 70 + 1230 / 320.
  assert.ok(Math.abs(out.mean - (70 + 1230 / 320)) < 0.5, String(out.mean));
  assert.ok(out.sd > 60 && out.sd < 75, String(out.sd));
});

test('engines that differ add their between-engine spread; cooling engines and empty windows do not count', () => {
  const out = { mean: 0, sd: 0 };
  serviceTime({ engines: [engine(fitOf(10, 100)), engine(fitOf(10, 200)), engine(fitOf(10, 900), true)] }, 0, 100, out);
  assert.equal(out.mean, 150);
  assert.ok(Math.abs(out.sd - Math.sqrt(25 + 2500)) < 1e-6, String(out.sd));
  serviceTime({ engines: [engine(new TtftFit(10_000))] }, 0, 100, out);
  assert.deepEqual(out, { mean: 0, sd: 0 });
});
