import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defaultCooldown } from '../../config/cooldown.ts';
import { EngineGate } from '../../engine-admission/engine-gate.ts';
import { createLimit } from '../../engine-admission/limits/registry.ts';
import { perSampleParams } from '../../engine-admission/limits/test-params.ts';
import { EngineLoad } from '../../load/engine-load.ts';
import { deploymentConfig } from '../../load/test-support.ts';
import { Deployment } from '../../routing/deployment.ts';
import { fixed } from '../../util/ref.ts';
import { EnginePermit } from './engine-permit.ts';
import { EngineSlot } from './engines.ts';

function slot(clock: () => number) {
  const limit = createLimit('gradient', perSampleParams(), { clock, random: Math.random });
  const gate = new EngineGate({
    id: 'e0',
    clock,
    limit,
    settings: fixed({ ttftSloMs: 500, itlSloMs: 50, margin: 1, minSamples: 1, normTokens: 1024 }),
    windowMs: 5000,
  });
  return new EngineSlot(
    new Deployment(deploymentConfig('e0'), defaultCooldown(), clock),
    gate,
    new EngineLoad({ id: 'e0', clock }),
    true,
  );
}

test('an engine permit holds the gate slot and the class count from dispatch to its one end; reports timing', () => {
  let now = 1000;
  const s = slot(() => now);
  const permit: EnginePermit = new EnginePermit(s, 2, () => now, now);
  assert.equal(s.gate.inFlight, 1);
  assert.deepEqual(s.inFlightOf, [0, 0, 1]);
  now = 1100;
  permit.firstToken(now, 100);
  now = 1140;
  permit.tokens(now, 4);
  assert.equal(s.gate.ttft.mean(), 100, 'TTFT: dispatch → first chunk');
  assert.equal(s.gate.itl.mean(), 10, 'ITL: 40 ms over 4 tokens');
  permit.end('success');
  assert.equal(s.gate.inFlight, 0);
  assert.deepEqual(s.inFlightOf, [0, 0, 0]);
  assert.equal(s.gate.releaseErrors, 0);
  if (s.gate.inFlight > 0) {
    // @ts-expect-error a second end does not compile: after end the permit is `never`
    permit.end('success');
  }
});

test('an engine permit ended as dropped is a drop for the concurrency limit', () => {
  const now = 0;
  const s = slot(() => now);
  const before = s.gate.limit.limit;
  for (let i = 0; i < 5; i++) {
    const permit: EnginePermit = new EnginePermit(s, 1, () => now, now);
    permit.end('dropped');
  }
  assert.ok(s.gate.limit.limit < before, `gradient halves on a drop (${before} → ${s.gate.limit.limit})`);
  assert.equal(s.gate.inFlight, 0);
});

test('a completed non-streamed attempt gives its time as a bound of its TTFT; the limit sees what it did', () => {
  let now = 1000;
  const s = slot(() => now);
  // What the gate hands its limit algorithm at an attempt's end (a recording limit, the gate is the real one).
  const samples: (number | boolean)[][] = [];
  s.gate.limit = {
    name: 'recording',
    limit: 100,
    update() {},
    completed(_at, elapsedMs, itlMs, sample) {
      samples.push([elapsedMs, itlMs, sample.ttftMs, sample.dropped]);
    },
  };
  const answered: EnginePermit = new EnginePermit(s, 1, () => now, now);
  answered.answered = true;
  now = 1800;
  answered.end('success');
  assert.equal(s.gate.ttft.upperMean(now), 800, 'dispatch → end, as a bound');
  assert.ok(Number.isNaN(s.gate.ttft.mean(now)), 'not a measured TTFT');
  assert.deepEqual(samples, [[800, Number.NaN, Number.NaN, false]], 'a blind sample, as before');
  // An error's time, a failed attempt and a dropped one bound nothing.
  for (const [ok, how] of [
    [false, 'success'],
    [true, 'failure'],
    [true, 'dropped'],
  ] as const) {
    const p: EnginePermit = new EnginePermit(s, 1, () => now, now);
    p.answered = ok;
    now += 5000;
    p.end(how);
  }
  assert.equal(s.gate.ttft.upperMean(now), Number.NaN, 'the first bound aged out, and none came after it');
  assert.equal(s.gate.inFlight, 0);
});
