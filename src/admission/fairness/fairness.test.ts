import assert from 'node:assert/strict';
import { test } from 'node:test';
import { seededRandom } from '../../util/random.ts';
import { fixed } from '../../util/ref.ts';
import { type AdmissionPermit, GroupAdmission, IngressAdmission, type IngressSettings } from '../ingress-admission.ts';
import type { KvBudgetSource } from '../kv-budget.ts';
import { STANDARD } from '../priority.ts';
import { createShedRule } from '../shedding/registry.ts';
import { off } from './off.ts';
import { fairnessPolicy, fairnessPolicyNames } from './registry.ts';
import { TenantShares } from './tenant-shares.ts';
import { weighted } from './weighted.ts';

const A = { id: 'key:a', weight: 1 };
const B = { id: 'key:b', weight: 1 };

function fixture(fairness = weighted, capacity = 0, groupCap = 10) {
  const settings: IngressSettings = {
    maxInFlight: 1000,
    kvOvercommit: 1,
    fractions: [1, 1, 1],
    shed: createShedRule('cliff', { start: 1 }),
    fairness,
  };
  const g = new GroupAdmission('g', fixed({ maxInFlight: groupCap }));
  const kv: KvBudgetSource = {
    name: 'ledger',
    inFlightBlocks: () => g.kvBlocks,
    capacityBlocks: () => capacity,
    drainBlocks: () => 0,
  };
  const a = new IngressAdmission({ settings: fixed(settings), kv, random: seededRandom(1) });
  const admit = (who: typeof A | undefined, blocks = 0) =>
    a.hold(g, STANDARD, blocks, 1, g.tenants.loadOf(settings.fairness.identity(who)));
  return { a, g, admit };
}

test('weighted: past a full limit only while under the weighted share', () => {
  assert.equal(weighted.underShare(4, 1, 1, 2, 10), true);
  assert.equal(weighted.underShare(5, 1, 1, 2, 10), false);
  assert.equal(weighted.underShare(6, 1, 3, 4, 10), true, 'weight 3 of 4: 7.5 of 10');
  assert.equal(off.underShare(0, 1, 1, 2, 10), false);
  assert.deepEqual(fairnessPolicyNames().sort(), ['off', 'weighted']);
  assert.throws(() => fairnessPolicy('drr'), /unknown policy "drr"/);
});

test('a tenant under its share of the full group cap is admitted; the heavy one absorbs the refusals', () => {
  const { a, g, admit } = fixture();
  const held: AdmissionPermit[] = [];
  const take = (who: typeof A) => {
    const p = admit(who);
    if (typeof p === 'object') held.push(p);
    return typeof p === 'object' ? 'ok' : p;
  };
  for (let i = 0; i < 10; i++) take(A);
  assert.equal(admit(A), 'ingress_inflight');
  // B holds nothing and the cap is full: its share is 5 of 10.
  for (let i = 0; i < 5; i++) assert.equal(take(B), 'ok', `B #${i + 1}`);
  assert.equal(admit(B), 'ingress_inflight', 'past its share B is refused too');
  assert.equal(admit(A), 'ingress_inflight');
  assert.equal(g.inFlight, 15);
  // A's finishes free room that A does not get back until the group is under its cap.
  for (const p of held.splice(0, 5)) {
    const permit: AdmissionPermit = p;
    permit.end('success');
  }
  assert.equal(admit(A), 'ingress_inflight', 'back at the cap (5 + 5): A at its share gets no more');
  assert.equal(g.tenants.activeCount, 2);
  for (const p of held) {
    const permit: AdmissionPermit = p;
    permit.end('success');
  }
  assert.deepEqual([a.releaseErrors, g.inFlight, g.tenants.activeCount, g.tenants.size], [0, 0, 0, 0]);
});

test('one tenant alone, or fairness off: the cap refuses as without tenants', () => {
  for (const policy of [weighted, off]) {
    const { admit } = fixture(policy);
    for (let i = 0; i < 10; i++) assert.equal(typeof admit(A), 'object');
    assert.equal(admit(A), 'ingress_inflight', `${policy.name}: alone`);
    assert.equal(typeof admit(B) === 'object', policy === weighted, `${policy.name}: a second tenant`);
  }
  const { admit } = fixture();
  for (let i = 0; i < 10; i++) admit(undefined);
  assert.equal(admit(undefined), 'ingress_inflight', 'anonymous requests are one tenant');
});

test("the KV budget is shared the same way, by each tenant's admitted blocks", () => {
  const { admit, g } = fixture(weighted, 100, Infinity);
  for (let i = 0; i < 10; i++) assert.equal(typeof admit(A, 10), 'object');
  assert.equal(admit(A, 10), 'ingress_kv_budget');
  for (let i = 0; i < 5; i++) assert.equal(typeof admit(B, 10), 'object', `B #${i + 1}: under 50 of 100 blocks`);
  assert.equal(admit(B, 10), 'ingress_kv_budget');
  assert.equal(g.kvBlocks, 150);
});

test('tenant shares: counted while holding, forgotten when idle, double release detected', () => {
  const s = new TenantShares();
  const a = s.loadOf({ id: 'a', weight: 2 });
  assert.equal(s.weightWith(a), 2);
  s.admitted(a, 3);
  s.admitted(a, 4);
  assert.equal(s.loadOf({ id: 'a', weight: 2 }), a, 'the same load while active');
  assert.equal(s.activeWeight, 2);
  s.admitted(s.anonymous, 1);
  assert.equal(s.activeWeight, 3);
  assert.equal(s.othersActive(a), true);
  assert.equal(s.released(a, 3), true);
  assert.equal(s.released(a, 4), true);
  assert.equal(s.released(a, 1), false);
  assert.equal(s.size, 0);
  assert.notEqual(s.loadOf({ id: 'a', weight: 2 }), a, 'forgotten when idle');
  s.released(s.anonymous, 1);
  assert.deepEqual([s.activeWeight, s.activeCount], [0, 0]);
});
