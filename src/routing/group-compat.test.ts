// LiteLLM's routing keys as a model group applies them: rpm/tpm shuffle weights, order tiers, tags, and the
// health checks' verdicts.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { defaultCooldown } from '../config/cooldown.ts';
import { parseConfig } from '../config/load.ts';
import type { DeploymentConfig } from '../config/types.ts';
import { seededRandom } from '../util/random.ts';
import { Deployment, type DeploymentPermit } from './deployment.ts';
import { type GroupOptions, ModelGroup, type NoRoute } from './group.ts';
import { simpleShuffle } from './strategies/simple-shuffle.ts';
import { testDeploymentConfig } from './test-support.ts';
import type { RouteRequest } from './types.ts';

const request = (body: Record<string, unknown> = {}, tagsHeader?: string): RouteRequest => ({
  group: 'g',
  endpoint: 'chat',
  stream: false,
  body,
  bodyBytes: 0,
  ...(tagsHeader !== undefined && { tagsHeader }),
});

function group(extra: Partial<DeploymentConfig>[], options: GroupOptions = {}, seed = 1) {
  const now = { ms: 1_000_000 };
  const ds = extra.map(
    (e, i) =>
      new Deployment(
        testDeploymentConfig(i, e),
        defaultCooldown({ policy: 'allowed-fails', allowedFails: 0 }),
        () => now.ms,
      ),
  );
  return { ds, group: new ModelGroup('g', ds, simpleShuffle(seededRandom(seed)), options) };
}

const pick = (g: ModelGroup, req = request(), tried?: Deployment[]) => {
  const d = g.select(req, tried);
  return 'reason' in d ? d.reason : d.id;
};

function counts(g: ModelGroup, n: number, req = request()): Record<string, number> {
  const seen: Record<string, number> = {};
  for (let i = 0; i < n; i++) {
    const id = pick(g, req);
    seen[id] = (seen[id] ?? 0) + 1;
  }
  return seen;
}

describe('rpm as simple-shuffle weight', () => {
  it('a LiteLLM group of rpm 6000 and 2000 gets 3:1 traffic (seeded)', () => {
    const yaml = `model_list:
  - { model_name: g, litellm_params: { model: openai/m, api_base: "http://127.0.0.1:1/v1", rpm: 6000 } }
  - { model_name: g, litellm_params: { model: openai/m, api_base: "http://127.0.0.1:2/v1", rpm: 2000 } }
`;
    const weights = parseConfig(yaml, {}).config.deployments.map((d) => d.weight);
    const { group: g } = group(weights.map((weight) => ({ weight })));
    const seen = counts(g, 8000);
    assert.ok(Math.abs(seen.d0 - 6000) < 200, JSON.stringify(seen));
  });
});

describe('order', () => {
  it('only the lowest tier gets requests while it can take them; a deployment without order is last', () => {
    const { ds, group: g } = group([{ order: 2 }, { order: 1 }, {}, { order: 1 }]);
    assert.deepEqual(Object.keys(counts(g, 200)).sort(), ['d1', 'd3']);
    ds[1].recordFailure('500', undefined); // allowed_fails 0: cools down at once
    assert.deepEqual(Object.keys(counts(g, 50)), ['d3']);
    ds[3].recordFailure('500', undefined);
    assert.deepEqual(Object.keys(counts(g, 50)), ['d0']); // tier 1 all cooling: tier 2, never the unordered d2
  });
  it('the next tier takes over when the lower one is cooling, at its limit or already tried', () => {
    const { ds, group: g } = group([{ order: 1, maxParallelRequests: 1 }, { order: 2 }, {}]);
    assert.equal(pick(g), 'd0');
    assert.equal(pick(g, request(), [ds[0]]), 'd1'); // a retry
    const permit: DeploymentPermit = ds[0].hold();
    assert.equal(pick(g), 'd1');
    permit.end('success');
    ds[0].recordFailure('500', undefined);
    assert.equal(pick(g), 'd1');
  });
});

describe('tags', () => {
  const tagged = (matchAny = true) =>
    group([{ tags: ['free'] }, { tags: ['paid', 'eu'] }, { tags: ['default'] }, {}], { tags: { matchAny } });

  it('a request with tags goes to the deployments carrying them: body, metadata or x-litellm-tags', () => {
    const { group: g } = tagged();
    assert.deepEqual(Object.keys(counts(g, 50, request({ tags: ['free'] }))), ['d0']);
    assert.deepEqual(Object.keys(counts(g, 50, request({ metadata: { tags: ['paid'] } }))), ['d1']);
    assert.deepEqual(Object.keys(counts(g, 50, request({}, ' eu , x'))), ['d1']);
    assert.deepEqual(Object.keys(counts(g, 200, request({ tags: ['free', 'paid'] }))).sort(), ['d0', 'd1']);
  });
  it('tag_filtering_match_any false: a deployment must carry every tag of the request', () => {
    const { group: g } = tagged(false);
    assert.deepEqual(Object.keys(counts(g, 50, request({ tags: ['paid', 'eu'] }))), ['d1']);
    assert.deepEqual(Object.keys(counts(g, 50, request({ tags: ['free', 'eu'] }))), ['d2']); // none: default
  });
  it('untagged requests and unmatched tags go to the `default` deployments', () => {
    const { group: g } = tagged();
    assert.deepEqual(Object.keys(counts(g, 50)), ['d2']);
    assert.deepEqual(Object.keys(counts(g, 50, request({ tags: ['gold'] }))), ['d2']);
  });
  it('without a `default` deployment: untagged requests go anywhere, unmatched tags are refused', () => {
    const { group: g } = group([{ tags: ['free'] }, {}], { tags: { matchAny: true } });
    assert.deepEqual(Object.keys(counts(g, 200)).sort(), ['d0', 'd1']);
    const refused = g.select(request({ tags: ['gold'] }), undefined) as NoRoute;
    assert.equal(refused.reason, 'no_tag_match');
  });
  it('tag filtering off: tags are ignored', () => {
    const { group: g } = group([{ tags: ['free'] }, { tags: ['default'] }]);
    assert.deepEqual(Object.keys(counts(g, 200, request({ tags: ['free'] }))).sort(), ['d0', 'd1']);
  });
});

describe('health checks', () => {
  it('unhealthy deployments leave routing while checks are on, and come back when healthy', () => {
    const { ds, group: g } = group([{}, {}, {}], { healthChecked: true });
    ds[0].healthy = false;
    assert.deepEqual(Object.keys(counts(g, 200)).sort(), ['d1', 'd2']);
    ds[0].healthy = true;
    assert.deepEqual(Object.keys(counts(g, 200)).sort(), ['d0', 'd1', 'd2']);
  });
  it('none healthy: every deployment stays a candidate (fail open)', () => {
    const { ds, group: g } = group([{}, {}], { healthChecked: true });
    for (const d of ds) d.healthy = false;
    assert.deepEqual(Object.keys(counts(g, 200)).sort(), ['d0', 'd1']);
  });
  it('with checks off the verdict is not read', () => {
    const { ds, group: g } = group([{}, {}]);
    ds[0].healthy = false;
    assert.deepEqual(Object.keys(counts(g, 200)).sort(), ['d0', 'd1']);
  });
  it('order and health together: the first tier is skipped while unhealthy', () => {
    const { ds, group: g } = group([{ order: 1 }, { order: 2 }], { healthChecked: true });
    ds[0].healthy = false;
    assert.equal(pick(g), 'd1');
  });
});
