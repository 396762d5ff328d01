import assert from 'node:assert/strict';
import OpenAI from 'openai';
import pino from 'pino';
import { parseConfig } from '../../src/config/load.ts';
import { createGateway, type Gateway, type GatewayOptions } from '../../src/gateway.ts';

export interface RunningGateway {
  gateway: Gateway;
  url: string;
  client(opts?: { apiKey?: string }): OpenAI;
  metricsText(): Promise<string>;
  /** Asserts every deployment's in-flight count is back to zero (state, /metrics, and the load model if kept). */
  assertIdle(): Promise<void>;
  close(): Promise<void>;
}

/** Starts a gateway on 127.0.0.1:0 from YAML text, through the real config loader (`extra`: options beside it). */
export async function startGateway(
  yaml: string,
  strategies?: GatewayOptions['strategies'],
  extra: Partial<GatewayOptions> = {},
): Promise<RunningGateway> {
  const { config } = parseConfig(yaml, {});
  const gateway = createGateway({ ...extra, config, logger: pino({ level: 'silent' }), strategies });
  const url = await gateway.listen(0, '127.0.0.1');
  const metricsText = async () => (await fetch(`${url}/metrics`)).text();
  return {
    gateway,
    url,
    metricsText,
    client: (opts) => new OpenAI({ baseURL: `${url}/v1`, apiKey: opts?.apiKey ?? 'unused', maxRetries: 0 }),
    async assertIdle() {
      for (const d of gateway.deployments) {
        assert.equal(d.inFlight, 0, `deployment ${d.id} in-flight`);
        assert.equal(d.accountingErrors, 0, `deployment ${d.id} double releases`);
      }
      const text = await metricsText();
      for (const line of text.split('\n')) {
        if (line.startsWith('spillway_deployment_in_flight{')) assert.match(line, / 0$/, line);
      }
      // With the load model on: predicted in-flight, queued prefill and active KV all back to zero.
      gateway.fleet?.assertDrained();
    },
    async close() {
      await gateway.shutdown(0);
    },
  };
}

/** Polls `cond` on each turn of the event loop until true; for state that changes without an event to await. */
export async function eventually(cond: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for: ${what}`);
    await new Promise((r) => setImmediate(r));
  }
}

/**
 * A gateway's rpm/tpm minutes (the tenant gate's, a deployment's alone) are windows of the monotonic clock from its origin (FixedWindowCounter): a test that needs
 * two requests in one window starts with at least 5 s of it left (minuteWithRoom's rule, on that clock).
 */
export async function windowWithRoom(): Promise<void> {
  const left = 60_000 - (performance.now() % 60_000);
  if (left < 5000) await new Promise((resolve) => setTimeout(resolve, left + 5));
}
