import assert from 'node:assert/strict';
import { test } from 'node:test';
import { deploymentConfig } from '../../load/test-support.ts';
import { seededRandom } from '../../util/random.ts';
import { maxScore } from '../pickers/max-score.ts';
import type { DeploymentView, RouteRequest } from '../types.ts';
import { profileStrategy } from './profile.ts';
import type { Filter, Scorer } from './types.ts';

const REQ: RouteRequest = { group: 'g', endpoint: 'chat', stream: false, body: {}, bodyBytes: 0 };
const views: DeploymentView[] = ['a', 'b', 'c'].map((id) => ({ id, inFlight: 0, config: deploymentConfig(id) }));
const fixed = (name: string, by: Record<string, number>): Scorer<DeploymentView> => ({
  name,
  score: (cs, _req, out) => {
    for (let i = 0; i < cs.length; i++) out[i] = by[cs[i].id];
  },
});
const only = (ids: string[]): Filter<DeploymentView> => ({
  name: 'only',
  filter(cs, _req, out) {
    let k = 0;
    for (const d of cs) if (ids.includes(d.id)) out[k++] = d;
    return k;
  },
});

test('scores are clamped to [0, 1] and weighted before they are summed', () => {
  // Unclamped, b would win (5·1 + 0 = 5 against a's 0 + 2·1 = 2); clamped it scores 1 against a's 2.
  const s = profileStrategy(
    {
      name: 't',
      filters: [],
      stages: [
        {
          scorers: [
            { scorer: fixed('x', { a: 0, b: 5, c: -3 }), weight: 1 },
            { scorer: fixed('y', { a: 1, b: 0, c: 1 }), weight: 2 },
          ],
          picker: maxScore,
        },
      ],
    },
    seededRandom(1),
  );
  assert.equal(s.pick(views, REQ)?.id, 'a');
});

test('filters run in order; the first stage that picks decides; nothing left is no pick', () => {
  const stage = { scorers: [{ scorer: fixed('x', { a: 1, b: 0.5, c: 0 }), weight: 1 }], picker: maxScore };
  const s = profileStrategy(
    { name: 't', filters: [only(['b', 'c'])], stages: [{ ...stage, filters: [only(['a'])] }, stage] },
    seededRandom(1),
  );
  assert.equal(s.pick(views, REQ)?.id, 'b');
  assert.equal(s.pick([views[0]], REQ), undefined);
  assert.equal(s.pick([], REQ), undefined);
});
