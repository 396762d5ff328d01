import assert from 'node:assert/strict';
import { test } from 'node:test';
import { seededRandom } from '../util/random.ts';
import { fixed } from '../util/ref.ts';
import { weighted } from './fairness/weighted.ts';
import {
  type AdmissionPermit,
  GroupAdmission,
  groupInFlightCap,
  IngressAdmission,
  type IngressSettings,
} from './ingress-admission.ts';
import type { KvBudgetSource } from './kv-budget.ts';
import { CRITICAL, SHEDDABLE, STANDARD } from './priority.ts';
import { createShedRule } from './shedding/registry.ts';

function fixture(o: Partial<IngressSettings> = {}, capacity = 0, groupCap = Infinity, drain = 0) {
  const settings: IngressSettings = {
    maxInFlight: 10,
    kvOvercommit: 1.25,
    fractions: [1, 0.8, 0.5],
    shed: createShedRule('cliff', { start: 1 }),
    fairness: weighted,
    ...o,
  };
  const g = new GroupAdmission('g', fixed({ maxInFlight: groupCap }));
  const kv: KvBudgetSource = {
    name: 'ledger',
    inFlightBlocks: () => g.kvBlocks,
    capacityBlocks: () => capacity,
    drainBlocks: () => drain,
  };
  const a = new IngressAdmission({ settings: fixed(settings), kv, random: seededRandom(7) });
  return { a, g };
}

test('each class hits the global cap at its fraction of it', () => {
  const { a, g } = fixture();
  for (let i = 0; i < 5; i++) assert.equal(a.admit(g, SHEDDABLE, 0), 'ok');
  assert.equal(a.admit(g, SHEDDABLE, 0), 'ingress_inflight');
  assert.equal(a.precheck(SHEDDABLE), 'ingress_inflight');
  for (let i = 0; i < 3; i++) assert.equal(a.admit(g, STANDARD, 0), 'ok');
  assert.equal(a.admit(g, STANDARD, 0), 'ingress_inflight');
  assert.equal(a.precheck(STANDARD), 'ingress_inflight');
  assert.equal(a.precheck(CRITICAL), 'ok');
  assert.equal(a.admit(g, CRITICAL, 0), 'ok');
  assert.equal(a.admit(g, CRITICAL, 0), 'ok');
  assert.equal(a.admit(g, CRITICAL, 0), 'ingress_inflight');
  assert.deepEqual(a.byPriority, [2, 3, 5]);
  assert.equal(a.excess(g, STANDARD), 3);
});

test('the group cap applies beside the global one', () => {
  const { a, g } = fixture({ maxInFlight: Infinity }, 0, 2);
  assert.equal(a.admit(g, CRITICAL, 0), 'ok');
  assert.equal(a.admit(g, CRITICAL, 0), 'ok');
  assert.equal(a.admit(g, CRITICAL, 0), 'ingress_inflight');
  assert.equal(a.precheck(CRITICAL), 'ok'); // the precheck cannot see the group
});

test('KV budget: in flight + this one over f · overcommit · capacity is refused; an idle group admits anything', () => {
  const { a, g } = fixture({ maxInFlight: Infinity }, 100); // budget 125 blocks for critical, 100 for standard
  assert.equal(a.admit(g, STANDARD, 500), 'ok'); // idle: an oversized request still goes
  a.release(g, STANDARD, 500);
  assert.equal(a.admit(g, STANDARD, 60), 'ok');
  assert.equal(a.admit(g, STANDARD, 40), 'ok'); // 100 ≤ 0.8 · 1.25 · 100
  assert.equal(a.admit(g, STANDARD, 1), 'ingress_kv_budget');
  assert.equal(a.admit(g, CRITICAL, 25), 'ok'); // 125 ≤ 125
  assert.equal(a.admit(g, CRITICAL, 1), 'ingress_kv_budget');
  assert.equal(g.kvBlocks, 125);
});

test('KV budget: a class given all of it (no class above active) may use f = 1 of the budget', () => {
  const { a, g } = fixture({ maxInFlight: Infinity }, 100);
  assert.equal(a.admit(g, STANDARD, 60), 'ok');
  assert.equal(a.admit(g, STANDARD, 50, 1), 'ok'); // 110 ≤ 1 · 1.25 · 100, over standard's own 100
  assert.equal(a.admit(g, STANDARD, 20, 1), 'ingress_kv_budget'); // 130 > 125
});

test('KV budget: what the group frees within its TTFT budget may wait beyond capacity, when it is more', () => {
  // Drains 80 blocks within the budget on 100: overcommit 1.8 instead of the configured 1.25.
  const { a, g } = fixture({ maxInFlight: Infinity }, 100, Infinity, 80);
  assert.equal(a.admit(g, STANDARD, 170, 1), 'ok');
  assert.equal(a.admit(g, STANDARD, 10, 1), 'ok'); // 180 ≤ 1.8 · 100
  assert.equal(a.admit(g, STANDARD, 1, 1), 'ingress_kv_budget');
  // A slow drain leaves the configured overcommit in force.
  const slow = fixture({ maxInFlight: Infinity }, 100, Infinity, 10);
  assert.equal(slow.a.admit(slow.g, STANDARD, 125, 1), 'ok');
  assert.equal(slow.a.admit(slow.g, STANDARD, 1, 1), 'ingress_kv_budget');
});

test('unknown capacity leaves the KV gate open', () => {
  const { a, g } = fixture({ maxInFlight: Infinity }, 0);
  for (let i = 0; i < 100; i++) assert.equal(a.admit(g, SHEDDABLE, 1e6), 'ok');
});

test('linear shedding refuses a growing share of sheddable requests as load nears their limit', () => {
  const { a, g } = fixture({ maxInFlight: 100, fractions: [1, 1, 1], shed: createShedRule('linear', { start: 0.5 }) });
  const shareRefused = (load: number) => {
    while (a.inFlight < load) a.admit(g, CRITICAL, 0);
    let refused = 0;
    for (let i = 0; i < 2000; i++) if (a.precheck(SHEDDABLE) === 'ingress_priority_shed') refused++;
    return refused / 2000;
  };
  assert.equal(shareRefused(40), 0);
  const at70 = shareRefused(70); // p = (0.7 − 0.5) / 0.5 = 0.4
  assert.ok(Math.abs(at70 - 0.4) < 0.05, `at 70%: ${at70}`);
  const at90 = shareRefused(90); // p = 0.8
  assert.ok(Math.abs(at90 - 0.8) < 0.05, `at 90%: ${at90}`);
  assert.equal(a.precheck(STANDARD), 'ok'); // only sheddable is shed
});

test('release gives back exactly what admit took; a release without admission is counted', () => {
  const { a, g } = fixture({}, 100);
  assert.equal(a.admit(g, STANDARD, 10.5), 'ok');
  assert.equal(a.admit(g, CRITICAL, 3.25), 'ok');
  a.release(g, STANDARD, 10.5);
  a.release(g, CRITICAL, 3.25);
  assert.deepEqual([a.inFlight, g.inFlight, g.kvBlocks, a.releaseErrors], [0, 0, 0, 0]);
  assert.deepEqual(a.byPriority, [0, 0, 0]);
  a.release(g, CRITICAL, 3.25);
  assert.equal(a.releaseErrors, 1);
  assert.equal(a.inFlight, 0);
});

test("a group's cap: its own, else per engine × engines when set, else none (only the gateway's cap)", () => {
  assert.equal(groupInFlightCap(40, 512, 3), 40);
  assert.equal(groupInFlightCap(undefined, 512, 3), 1536);
  assert.equal(groupInFlightCap(undefined, undefined, 3), Infinity);
  const { a, g } = fixture({ maxInFlight: 8 }, 0, groupInFlightCap(undefined, undefined, 1));
  for (let i = 0; i < 8; i++) assert.equal(a.admit(g, CRITICAL, 0), 'ok');
  assert.equal(a.admit(g, CRITICAL, 0), 'ingress_inflight'); // the gateway's cap, not the group's
  assert.equal(a.excess(g, CRITICAL), 1);
});

test('hold admits into a permit whose one end gives back what it counted', () => {
  const { a, g } = fixture();
  const held = a.hold(g, STANDARD, 12);
  if (typeof held === 'string') throw new Error(held);
  const permit: AdmissionPermit = held;
  assert.equal(a.inFlight, 1);
  assert.equal(g.kvBlocks, 12);
  permit.end('success');
  assert.equal(a.inFlight, 0);
  assert.equal(g.inFlight, 0);
  assert.equal(a.releaseErrors, 0);
  if (a.inFlight > 0) {
    // @ts-expect-error a second end does not compile
    permit.end('success');
  }
});
