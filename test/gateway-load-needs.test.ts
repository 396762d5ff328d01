// The prefix work is done exactly where something reads it (src/pipeline/load-needs.ts): kv-aware keeps
// finding a repeated prompt's prefix on the engine that had it; back pressure over a plain upstream still
// estimates every prompt's tokens but hashes nothing; given a KV capacity to judge against, it hashes again.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startMock } from '../src/mock/server.ts';
import { startGateway } from './helpers/gateway.ts';

const prompt = 'A long shared system prompt that engines cache. '.repeat(60);
const cfg = (bases: string[], strategy: string, spillway = '') => `
model_list:
${bases.map((b, i) => `  - { model_name: m, litellm_params: { model: openai/x, api_base: "${b}" }, model_info: { id: e${i} } }`).join('\n')}
router_settings: { routing_strategy: ${strategy} }
${spillway}
`;
const bpOn = (extra = '') => `spillway:\n  backpressure:\n    enabled: true\n${extra}`;

async function run(yaml: string, n: number) {
  const mock = await startMock({ port: 0 });
  const gw = await startGateway(yaml.replaceAll('MOCK', mock.apiBase));
  try {
    const engines: string[] = [];
    for (let i = 0; i < n; i++) {
      const { response } = await gw
        .client()
        .chat.completions.create({ model: 'm', messages: [{ role: 'user', content: prompt + i }] })
        .withResponse();
      engines.push(response.headers.get('x-spillway-engine')!);
    }
    const fleet = gw.gateway.fleet!;
    const e = [...fleet.all()];
    const result = {
      engines,
      indexBlocks: fleet.index.size,
      promptTokens: e.reduce((s, x) => s + x.promptTokensTotal, 0),
      cachedTokens: e.reduce((s, x) => s + x.cachedTokensTotal, 0),
    };
    await gw.assertIdle();
    return result;
  } finally {
    await gw.close();
    await mock.close();
  }
}

describe('prefix work only where it is read', () => {
  it('kv-aware: prompts are hashed and a repeated prefix is found cached on the engine that had it', async () => {
    const r = await run(cfg(['MOCK', 'MOCK'], 'kv-aware', bpOn()), 6);
    assert.ok(r.indexBlocks > 0, 'the prefix index holds the dispatched chains');
    assert.equal(new Set(r.engines.slice(1)).size, 1, `affinity: ${r.engines.join(',')}`);
    assert.ok(
      r.cachedTokens > 0.5 * (r.promptTokens - r.promptTokens / 6),
      `cached ${r.cachedTokens} of ${r.promptTokens}`,
    );
  });

  it('simple-shuffle with back pressure and no KV capacity known: tokens estimated, nothing hashed', async () => {
    const r = await run(cfg(['MOCK'], 'simple-shuffle', bpOn()), 4);
    assert.equal(r.indexBlocks, 0);
    assert.equal(r.cachedTokens, 0);
    assert.ok(r.promptTokens > 4 * 500, `prompt tokens estimated: ${r.promptTokens}`);
  });

  it('simple-shuffle with back pressure and a KV capacity: the prediction is net of cached prefixes again', async () => {
    const r = await run(cfg(['MOCK'], 'simple-shuffle', bpOn('    ingress: { kv_capacity_blocks: 100000 }\n')), 4);
    assert.ok(r.indexBlocks > 0);
    assert.ok(r.cachedTokens > 0);
  });
});
