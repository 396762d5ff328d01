import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { FleetSpec } from './draw.ts';
import { summaryLine } from './report.ts';
import { type FleetResult, fleetPasses, judge, type RunFigures } from './verdict.ts';

const fleet = (index: number, kind = 'mixed'): FleetSpec => ({
  index,
  regime: 'ttft',
  engines: 3,
  engine: { numBlocks: 4096, maxNumSeqs: 16, maxNumBatchedTokens: 1024, speedup: 1, profile: 'default' },
  workload: { kind: kind as FleetSpec['workload']['kind'], label: kind, spec: kind, maxTokens: 1000, meanOutput: 100 },
  sla: { ttftMs: 1000, itlMs: 60 },
  guess: { capacity: 20, binds: 'slots (TTFT)' },
});

const runOf = (m: number, over: Partial<RunFigures> = {}): RunFigures => ({
  multiplier: m,
  rate: 20 * m,
  requests: 400 * m,
  offeredRps: 20 * m,
  admitted: 400,
  goodputRps: 20,
  slaAttainment: 1,
  classes:
    m === 1
      ? []
      : [
          { priority: 'critical', requests: 180, admitted: 180, good: 180 },
          { priority: 'standard', requests: 600, admitted: 150, good: 150 },
          { priority: 'sheddable', requests: 420, admitted: 70, good: 70 },
        ],
  refusals: m === 1 ? {} : { router_deadline: 800 },
  gatewayRefusalP99Ms: m === 1 ? null : 2,
  clientRefusalP99Ms: m === 1 ? null : 4,
  accounting: { ok: true, text: '0' },
  generatorLagP99Ms: 1,
  warnings: [],
  ...over,
});

const result = (runs: RunFigures[], extra: Partial<FleetResult> = {}, kind?: string): FleetResult => ({
  fleet: fleet(0, kind),
  capacity: { rps: 20, source: 'measured', probes: [] },
  runs,
  ...extra,
});

const byId = (f: FleetResult) => Object.fromEntries(judge(f).map((v) => [v.id, v]));

test('a fleet that meets every threshold passes; prefix criteria are n/a without shared prefixes', () => {
  const v = byId(result([runOf(1), runOf(3)]));
  for (const id of [
    'admitted-1x',
    'goodput-1x',
    'attainment-3x',
    'goodput-3x',
    'critical-3x',
    'refusal-p99-3x',
    'queue-timeouts-3x',
    'accounting',
  ])
    assert.equal(v[id].pass, true, id);
  assert.equal(v['prefix-hit'].pass, null);
  assert.equal(v['prefix-estimate'].pass, null);
  assert.ok(fleetPasses(judge(result([runOf(1), runOf(3)]))));
});

test('each threshold fails on its own figure', () => {
  const v = byId(
    result([
      runOf(1, { admitted: 370, goodputRps: 17 }),
      runOf(3, {
        slaAttainment: 0.98,
        goodputRps: 17.9,
        gatewayRefusalP99Ms: 12,
        refusals: { router_deadline: 998, router_queue_timeout: 2 },
        classes: [{ priority: 'critical', requests: 1000, admitted: 998, good: 998 }],
        accounting: { ok: false, text: 'queued 1' },
      }),
    ]),
  );
  assert.equal(v['admitted-1x'].value, 370 / 400);
  for (const id of [
    'admitted-1x',
    'goodput-1x',
    'attainment-3x',
    'goodput-3x',
    'critical-3x',
    'refusal-p99-3x',
    'queue-timeouts-3x',
    'accounting',
  ])
    assert.equal(v[id].pass, false, id);
  assert.equal(v['queue-timeouts-3x'].value, 0.002);
  assert.equal(v.accounting.value, 1);
});

test('1× goodput is judged against what the Poisson draw offered if short of C; no refusal at all passes', () => {
  const v = byId(
    result([runOf(1, { offeredRps: 18.5, goodputRps: 17 }), runOf(3, { refusals: {}, gatewayRefusalP99Ms: null })]),
  );
  assert.equal(v['goodput-1x'].pass, true, '17 of 18.5 offered');
  assert.equal(v['refusal-p99-3x'].pass, true);
  assert.equal(v['queue-timeouts-3x'].value, 0);
});

test('shared prefix: hit rate against perfect affinity, the estimate within ±10 points; a run not made is n/a', () => {
  const good = byId(
    result(
      [runOf(1, { prefix: { engines: 0.85, gatewayEstimate: 0.9 } })],
      { perfectAffinityHitRate: 0.92 },
      'shared-prefix',
    ),
  );
  assert.equal(good['prefix-hit'].pass, true);
  assert.ok(Math.abs(good['prefix-estimate'].value! - 5) < 1e-9);
  assert.equal(good['attainment-3x'].pass, null, 'no 3× run');
  const bad = byId(
    result(
      [runOf(1, { prefix: { engines: 0.58, gatewayEstimate: 0.908 } })],
      { perfectAffinityHitRate: 0.93 },
      'shared-prefix',
    ),
  );
  assert.equal(bad['prefix-hit'].pass, false);
  assert.equal(bad['prefix-estimate'].pass, false);
});

test('the summary line counts passing fleets and names the failing ones per criterion', () => {
  const a = result([runOf(1), runOf(3)]);
  const b = { ...result([runOf(1, { admitted: 300 }), runOf(3)]), fleet: fleet(4) };
  assert.equal(
    summaryLine([a, b], [judge(a), judge(b)]),
    '1 of 2 fleets meet every criterion; 1×: admitted ≥ 95 % failed on #4.',
  );
});
