import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { FaultResult } from './faults.ts';
import { buildReport, type ChaosInputs, formatReport, leastSquaresSlope } from './report.ts';
import { buildSchedule } from './schedule.ts';
import type { GoodRecord } from './traffic.ts';

const ok = (startMs: number, endMs: number, extra: Partial<GoodRecord> = {}): GoodRecord => ({
  startMs,
  endMs,
  group: 'chaos-sim',
  stream: true,
  status: 200,
  ok: true,
  ttftMs: 50,
  tpotMs: 10,
  ...extra,
});
const failed = (startMs: number, endMs: number, error: string, extra: Partial<GoodRecord> = {}) =>
  ok(startMs, endMs, { ok: false, error, ...extra });

function inputs(records: GoodRecord[], faults: FaultResult[], over: Partial<ChaosInputs> = {}): ChaosInputs {
  return {
    command: 'node bench/chaos.ts',
    machine: 'test',
    options: {
      durationS: 100,
      rate: 1,
      arrival: 'poisson',
      seed: 1,
      smoke: false,
      backpressure: true,
      sla: { ttftMs: 1000, itlMs: 100 },
    },
    schedule: buildSchedule({ durationMs: 100_000, smoke: true, engines: 1, mocks: 1 }),
    records,
    faults,
    graceMs: 1000,
    crashes: [],
    downtimes: [],
    finalExit: { code: 0, signal: null },
    rss: [],
    rssPids: [],
    probes: [
      [0, 1],
      [100, 3],
      [200, NaN],
    ],
    lag: [],
    accounting: { settled: true, waitedMs: 0, values: { spillway_deployment_in_flight: 0 } },
    ...over,
  };
}

const kill: FaultResult = {
  id: 1,
  kind: 'engine_kill',
  startMs: 10_000,
  endMs: 11_000,
  target: 'engine-0',
  killedAtMs: 10_000,
  restartedAtMs: 10_500,
  crashes: 0,
  detail: undefined,
};
const burst: FaultResult = {
  id: 2,
  kind: 'upstream_5xx',
  startMs: 20_000,
  endMs: 21_000,
  target: 'mock-0',
  crashes: 0,
  detail: undefined,
};

test('losses are attributed to the fault they overlap; streams cut on a killed engine are counted apart', () => {
  const records = [
    ok(0, 100),
    failed(9_900, 10_050, 'incomplete_stream', { deployment: 'engine-0' }), // on the killed engine: excluded
    failed(9_900, 10_050, 'incomplete_stream', { deployment: 'engine-1' }), // another engine: the kill's loss
    failed(21_500, 21_600, 'http_500:mock_injected_fault'), // inside the grace after the burst
    ok(20_100, 20_900, { ttftMs: 2000 }), // succeeded outside the SLA during the burst
    failed(40_000, 40_100, 'connection_reset'), // no fault near
    failed(50_000, 52_000, 'connection_refused'), // the gateway was down
    failed(50_000, 50_900, 'connection_reset'), // cut by the exit the harness heard of 100 ms later
  ];
  const r = buildReport(
    inputs(records, [kill, burst], {
      downtimes: [{ fromMs: 51_000, toMs: 51_500 }],
      crashes: [
        { atMs: 51_000, code: 1, signal: null, output: 'x\nRangeError: Maximum call stack size exceeded\n    at f' },
      ],
    }),
  );
  assert.equal(r.goodTraffic.requests, 8);
  assert.equal(r.goodTraffic.killedInFlight, 1);
  assert.equal(r.goodTraffic.succeeded, 2);
  assert.equal(r.goodTraffic.successRatio, Math.round((2 / 7) * 1e6) / 1e6);
  assert.equal(r.goodTraffic.slaAttainment, Math.round((1 / 7) * 1e6) / 1e6);
  assert.deepEqual(r.losses.engine_kill, { windows: 1, failed: 1, slaMissed: 0, errors: { incomplete_stream: 1 } });
  assert.deepEqual(r.losses.upstream_5xx, {
    windows: 1,
    failed: 1,
    slaMissed: 1,
    errors: { 'http_500:mock_injected_fault': 1 },
  });
  assert.equal(r.losses.none.failed, 1);
  assert.deepEqual(r.losses.gateway_crash.errors, { connection_refused: 1, connection_reset: 1 });
  assert.equal(r.losses.killed_in_flight.failed, 1);
  assert.deepEqual(
    r.faults.map((f) => [f.id, f.failed, f.slaMissed]),
    [
      [1, 1, 0],
      [2, 1, 1],
    ],
  );
  assert.equal(r.gateway.eventLoop.livenessProbe.failed, 1);
  assert.equal(r.gateway.eventLoop.livenessProbe.count, 2);
  const text = formatReport(r);
  assert.match(text, /gateway crashes: 1/);
  assert.match(text, /at 51 s: exit code 1, signal null: RangeError: Maximum call stack size exceeded/);
});

test('RSS slope: least squares over the last process after warm-up, in MB per 10 minutes', () => {
  // 2 MB per 10 minutes = 2048 kB per 600,000 ms, on top of noise that a two-point slope would mistake for a trend.
  const kbPerMs = 2048 / 600_000;
  const rss: Array<[number, number]> = [];
  for (let t = 0; t <= 100_000; t += 1000) rss.push([t, 100_000 + kbPerMs * t + (t % 2000 === 0 ? 50 : -50)]);
  const early: Array<[number, number]> = [
    [0, 1],
    [500, 500_000],
  ]; // an earlier process, and warm-up samples: both left out
  const schedule = { ...buildSchedule({ durationMs: 100_000, smoke: true, engines: 1, mocks: 1 }), rssWarmupMs: 1000 };
  const r = buildReport(
    inputs([ok(0, 1)], [], {
      schedule,
      rss: [...early, ...rss],
      rssPids: [...early.map(() => 1), ...rss.map(() => 2)],
    }),
  );
  assert.ok(Math.abs(r.gateway.rss.slopeMbPer10Min! - 2) < 0.1, `slope ${r.gateway.rss.slopeMbPer10Min}`);
  assert.equal(
    leastSquaresSlope([
      [0, 1],
      [1, 2],
    ]),
    null,
  );
  assert.equal(
    leastSquaresSlope([
      [0, 1],
      [1, 2],
      [2, 3],
    ]),
    1,
  );
});
