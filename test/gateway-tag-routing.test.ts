// Tag-based routing and order tiers through the whole gateway: the tags of the body, its metadata or the
// x-litellm-tags header pick the deployments; unmatched tags without a `default` deployment are a 400.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type MockHandle, startMock } from '../src/mock/server.ts';
import { type RunningGateway, startGateway } from './helpers/gateway.ts';

describe('tag-based routing through the gateway', () => {
  let free: MockHandle;
  let paid: MockHandle;
  let gw: RunningGateway;
  before(async () => {
    [free, paid] = await Promise.all([startMock(), startMock()]);
    gw = await startGateway(`model_list:
  - model_name: g
    litellm_params: { model: openai/m, api_base: "${free.apiBase}", tags: [free] }
    model_info: { id: free }
  - model_name: g
    litellm_params: { model: openai/m, api_base: "${paid.apiBase}", tags: [paid] }
    model_info: { id: paid }
router_settings: { enable_tag_filtering: true }
`);
  });
  after(async () => {
    await gw.close();
    await Promise.all([free.close(), paid.close()]);
  });

  async function send(body: Record<string, unknown>, headers: Record<string, string> = {}) {
    const res = await fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ model: 'g', messages: [{ role: 'user', content: 'hi' }], ...body }),
    });
    const json = (await res.json()) as { error?: { code: string } };
    return { status: res.status, deployment: res.headers.get('x-spillway-deployment'), code: json.error?.code };
  }

  it('routes by the body, metadata and header tags', async () => {
    for (let i = 0; i < 10; i++) {
      assert.equal((await send({ tags: ['paid'] })).deployment, 'paid');
      assert.equal((await send({ metadata: { tags: ['free'] } })).deployment, 'free');
      assert.equal((await send({}, { 'x-litellm-tags': 'paid' })).deployment, 'paid');
    }
  });

  it('refuses tags no deployment serves with 400 no_deployment_for_tags', async () => {
    assert.deepEqual(await send({ tags: ['gold'] }), { status: 400, deployment: null, code: 'no_deployment_for_tags' });
    await gw.assertIdle();
  });
});
