// Non-streamed responses feed the engine's TTFT windows as upper bounds (their end-to-end time), over real
// sockets: the gateway in front of the engine simulator. A bound moves the upper window, never the measured
// one, and never trips the SLO breaker however far over the SLO it is.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startEngine } from '../src/sim/server.ts';
import { metric, startBpGateway } from './helpers/backpressure.ts';

const messages = [{ role: 'user' as const, content: 'Tell me something.' }];
const window = (signal: string) => `signal="${signal}"`;

describe('non-streamed responses and the engine latency windows', () => {
  it('a non-streamed response moves the TTFT upper window, not the measured one, and is never judged a miss', async () => {
    const engine = await startEngine({ speedup: 10, model: 'sim' });
    // A 1 ms TTFT SLO: every response's end-to-end time is far over it, so a bound counted as a miss would trip.
    const gw = await startBpGateway(`
model_list:
  - { model_name: m, litellm_params: { model: openai/sim, api_base: "${engine.url}/v1" }, model_info: { id: e0 } }
general_settings: { master_key: sk-admin }
spillway:
  backpressure:
    enabled: true
    engine: { ttft_slo_ms: 1, slo_min_samples: 3, slo_window_ms: 60000, limit: { algorithm: fixed, initial: 8 } }
`);
    try {
      const client = gw.client({ apiKey: 'sk-admin' });
      for (let i = 0; i < 5; i++) {
        const r = await client.chat.completions.create({ model: 'm', max_tokens: 8, messages });
        assert.ok(r.choices[0].message.content, 'served');
      }
      let text = await gw.metricsText();
      const upper = metric(text, 'spillway_engine_latency_window_seconds', window('ttft_upper'));
      assert.ok(upper > 0, `the upper window moved (${upper} s)`);
      assert.equal(metric(text, 'spillway_engine_latency_window_seconds', window('ttft')), 0, 'no measured TTFT');
      assert.equal(metric(text, 'spillway_engine_backpressure_state', 'deployment="e0"'), 0, 'not slow');
      const state = (await (
        await fetch(`${gw.url}/admin/backpressure`, { headers: { authorization: 'Bearer sk-admin' } })
      ).json()) as any;
      const admin = state.state.groups.m.engines[0];
      assert.equal(admin.ttft_ms, null);
      assert.ok(admin.ttft_upper_ms > 0);
      // A streamed response is measured: both windows have it.
      const stream = await client.chat.completions.create({ model: 'm', stream: true, max_tokens: 8, messages });
      for await (const _ of stream);
      text = await gw.metricsText();
      assert.ok(metric(text, 'spillway_engine_latency_window_seconds', window('ttft')) > 0);
      await gw.assertDrained();
    } finally {
      await gw.close();
      await engine.close();
    }
  });
});
