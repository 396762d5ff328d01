import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildSchedule, FAULT_KINDS, formatSchedule, parseDuration } from './schedule.ts';

test('smoke: every fault kind once, in order, inside the run, after the warm-up and before the tail', () => {
  const s = buildSchedule({ durationMs: 11_000, smoke: true, engines: 3, mocks: 2 });
  assert.deepEqual(
    s.windows.map((w) => w.kind),
    [...FAULT_KINDS],
  );
  assert.deepEqual(
    s.windows.map((w) => w.id),
    FAULT_KINDS.map((_, i) => i + 1),
  );
  for (const w of s.windows) {
    assert.ok(w.atMs >= s.warmupMs && w.atMs + w.durationMs <= s.durationMs - s.tailMs, `window #${w.id} fits`);
  }
  for (let i = 1; i < s.windows.length; i++)
    assert.ok(s.windows[i].atMs >= s.windows[i - 1].atMs + s.windows[i - 1].durationMs, 'no overlap');
});

test('full: ten minutes rotate through the kinds about twice; kills and upstream faults go to the next target', () => {
  const s = buildSchedule({ durationMs: 600_000, smoke: false, engines: 3, mocks: 2 });
  assert.ok(s.windows.length >= 2 * FAULT_KINDS.length - 1);
  for (const k of FAULT_KINDS)
    assert.ok(
      s.windows.some((w) => w.kind === k),
      k,
    );
  const kills = s.windows.filter((w) => w.kind === 'engine_kill').map((w) => w.target);
  assert.deepEqual(kills, [0, 1, 2]);
  const upstream = s.windows.filter((w) => w.kind.startsWith('upstream_')).map((w) => w.target);
  assert.deepEqual(upstream, [0, 1, 0, 1, 1, 0, 1, 0], 'alternating, and each kind on the other mock the second time');
  // A quiet gap longer than the default 5 s cooldown follows every window.
  for (let i = 1; i < s.windows.length; i++)
    assert.ok(s.windows[i].atMs - (s.windows[i - 1].atMs + s.windows[i - 1].durationMs) > 5000);
  assert.match(formatSchedule(s), /#1 +30\.0 s \+10\.0 s +engine_kill +target 0/);
});

test('a run shorter than a rotation shrinks its windows so that every kind still runs; a tiny one has none', () => {
  const s = buildSchedule({ durationMs: 120_000, smoke: false, engines: 3, mocks: 2 });
  assert.deepEqual(
    s.windows.map((w) => w.kind),
    [...FAULT_KINDS],
  );
  assert.ok(s.windows.at(-1)!.atMs + s.windows.at(-1)!.durationMs <= 120_000 - s.tailMs);
  assert.deepEqual(buildSchedule({ durationMs: 40_000, smoke: false, engines: 1, mocks: 1 }).windows, []);
});

test('--duration accepts m, s, ms and bare seconds', () => {
  assert.equal(parseDuration('10m'), 600_000);
  assert.equal(parseDuration('90s'), 90_000);
  assert.equal(parseDuration('1500ms'), 1500);
  assert.equal(parseDuration('2.5'), 2500);
  assert.throws(() => parseDuration('ten minutes'), /--duration/);
});
