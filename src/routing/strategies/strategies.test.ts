import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { seededRandom } from '../../util/random.ts';
import type { DeploymentView, RouteRequest } from '../types.ts';
import { leastBusy } from './least-busy.ts';
import { strategyEntry, strategyNames, strategyRegistry } from './registry.ts';
import { simpleShuffle } from './simple-shuffle.ts';

const req: RouteRequest = { group: 'g', endpoint: 'chat', stream: false, body: {}, bodyBytes: 0 };
const view = (id: string, weight: number, inFlight = 0) =>
  ({ id, inFlight, config: { weight } }) as unknown as DeploymentView;

describe('simple-shuffle', () => {
  it('picks in proportion to weight', () => {
    const s = simpleShuffle(seededRandom(7));
    const ds = [view('a', 1), view('b', 3)];
    let b = 0;
    for (let i = 0; i < 10_000; i++) if (s.pick(ds, req)!.id === 'b') b++;
    assert.ok(b > 7200 && b < 7800, `b picked ${b} of 10000, expected ~7500`);
  });
  it('returns the only candidate, and nothing from none', () => {
    const s = simpleShuffle(seededRandom(1));
    assert.equal(s.pick([view('a', 1)], req)!.id, 'a');
    assert.equal(s.pick([], req), undefined);
  });
});

describe('least-busy', () => {
  it('picks the fewest in flight', () => {
    const s = leastBusy(seededRandom(1));
    assert.equal(s.pick([view('a', 1, 3), view('b', 1, 1), view('c', 1, 2)], req)!.id, 'b');
  });
  it('breaks ties uniformly', () => {
    const s = leastBusy(seededRandom(3));
    const ds = [view('a', 1, 1), view('b', 1, 0), view('c', 1, 0), view('d', 1, 0)];
    const counts = new Map<string, number>();
    for (let i = 0; i < 9000; i++) {
      const id = s.pick(ds, req)!.id;
      counts.set(id, (counts.get(id) ?? 0) + 1);
    }
    assert.equal(counts.get('a'), undefined);
    for (const id of ['b', 'c', 'd']) assert.ok(Math.abs(counts.get(id)! - 3000) < 250, `${id}: ${counts.get(id)}`);
  });
});

describe('strategy registry', () => {
  it('creates strategies by name and names the known ones on a typo', () => {
    assert.ok(strategyNames().includes('simple-shuffle'));
    const registry = strategyRegistry();
    assert.equal(strategyEntry(registry, 'least-busy').create({ random: Math.random }).name, 'least-busy');
    assert.throws(
      () => strategyEntry(registry, 'fastest').create({ random: Math.random }),
      /unknown strategy "fastest" \(known: .*least-busy/,
    );
  });
});
