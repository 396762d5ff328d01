import assert from 'node:assert/strict';
import { test } from 'node:test';
import { deploymentConfig } from '../../load/test-support.ts';
import { rendezvous, rendezvousScorer } from './rendezvous.ts';

test('rendezvous: a key keeps its owner among the same engines, and keys spread over them', () => {
  const ids = ['a', 'b', 'c', 'd'];
  const owner = (key: number, among: string[]) =>
    among.reduce((best, id) => (rendezvous(key, id) > rendezvous(key, best) ? id : best));
  const owners = new Map<string, number>();
  for (let k = 1; k <= 4000; k++) {
    const key = k * 2654435761 * 1024; // above 32 bits, as block hashes are
    const o = owner(key, ids);
    assert.equal(owner(key, ids), o);
    owners.set(o, (owners.get(o) ?? 0) + 1);
    if (o !== 'd') assert.equal(owner(key, ['a', 'b', 'c']), o, 'removing d moves only its keys');
  }
  for (const n of owners.values()) assert.ok(n > 800 && n < 1200, String([...owners]));
});

test('the scorer is the weight over 2³², in [0, 1)', () => {
  const views = ['a', 'b'].map((id) => ({ id, inFlight: 0, config: deploymentConfig(id) }));
  const out = new Float64Array(2);
  rendezvousScorer('k', () => 12345).score(
    views,
    { group: 'g', endpoint: 'chat', stream: false, body: {}, bodyBytes: 0 },
    out,
  );
  for (let i = 0; i < 2; i++) {
    assert.equal(out[i], rendezvous(12345, views[i].id) / 2 ** 32);
    assert.ok(out[i] >= 0 && out[i] < 1);
  }
});
