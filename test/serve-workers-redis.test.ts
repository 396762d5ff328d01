// `spillway serve --workers 2` with `spillway.cluster` set: each worker is one instance of the Redis cluster,
// so Redis holds the deployment's rpm for both workers (never over; under by an allowance left unused), and
// /metrics counts both instances as shared.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { minuteWithRoom } from '../src/bench/cluster/drive.ts';
import { REDIS_SKIP, RedisServer } from '../src/bench/harness/redis-server.ts';
import { type MockHandle, startMock } from '../src/mock/server.ts';
import { type ServedGateway, serveGateway } from './helpers/serve.ts';

describe('serve --workers 2 with spillway.cluster', { skip: REDIS_SKIP }, () => {
  let redis: RedisServer;
  let mock: MockHandle;
  let gw: ServedGateway;

  before(async () => {
    redis = await RedisServer.start();
    mock = await startMock({ port: 0 });
    gw = await serveGateway(
      'model_list:\n' +
        `  - { model_name: r, litellm_params: { model: openai/x, api_base: "${mock.url}/v1", rpm: 20 } }\n` +
        `spillway: { ops_port: 0, drain_delay_ms: 0, cluster: { redis_url: "${redis.url}" } }\n`,
      ['--workers', '2'],
    );
  });

  after(async () => {
    await gw.kill();
    await mock.close();
    await redis.stop();
  });

  it('both workers join the cluster, and rpm holds for the whole gateway: of 40, 18-20 succeed (never more), the rest 429', async () => {
    // Polled: joining is each worker's first Redis round, which nothing outside the process announces.
    let text = '';
    for (let i = 0; i < 200; i++) {
      text = await (await fetch(`${gw.opsUrl}/metrics`)).text();
      if (text.includes('spillway_cluster_state{state="shared"} 2') && text.includes('spillway_cluster_instances 2'))
        break;
      await sleep(50);
    }
    assert.match(text, /spillway_cluster_state\{state="shared"\} 2/);
    assert.match(text, /spillway_cluster_instances 2/);
    await minuteWithRoom(5);
    const statuses: number[] = [];
    for (let i = 0; i < 40; i++) {
      const res = await fetch(`${gw.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'r', messages: [{ role: 'user', content: 'x' }] }),
      });
      await res.arrayBuffer();
      statuses.push(res.status);
      if (res.status === 429) assert.ok(res.headers.get('retry-after'), 'a 429 says when to retry');
    }
    // Never over: Redis grants allowances that never sum past rpm. Under by what the other worker still holds
    // unused when the requests stop (a keep-alive connection may keep them all on one worker): near the limit an
    // allowance is 1 (docs/SCALING.md, "Why leased allowances for rpm").
    const ok = statuses.filter((s) => s === 200).length;
    assert.ok(ok <= 20 && ok >= 18, `${ok} succeeded: ${statuses.join(',')}`);
    assert.equal(statuses.filter((s) => s === 429).length, 40 - ok);
  });
});
