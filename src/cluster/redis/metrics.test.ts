import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { it } from 'node:test';
import { Registry } from 'prom-client';
import { ClusterMetrics } from './metrics.ts';

it('a transition sets the mode gauge and counts it; docs/SCALING.md lists exactly these metrics', async () => {
  const registry = new Registry();
  const m = new ClusterMetrics(registry);
  m.entered('fallback');
  m.entered('shared');
  const state = await m.state.get();
  assert.deepEqual(
    state.values.map((v) => [v.labels.state, v.value]),
    [
      ['shared', 1],
      ['fallback', 0],
    ],
  );
  assert.equal((await m.transitions.get()).values.find((v) => v.labels.to === 'fallback')?.value, 1);
  const doc = await readFile(new URL('../../../docs/SCALING.md', import.meta.url), 'utf8');
  const documented = [...doc.matchAll(/^\| `(spillway_[a-z_]+)(\{[a-z]+\})?` \|/gm)].map((x) => x[1]);
  const registered = (await registry.getMetricsAsJSON()).map((x) => x.name);
  assert.deepEqual(documented.sort(), registered.sort());
});
