// The seed's burst, end to end: 4× the fleet's concurrent capacity (max_num_seqs × engines) arrives at once at
// a gateway in front of four simulated engines that it scrapes every 100 ms. kv-aware routes on the predicted
// load reconciled with the scrapes and spreads the burst evenly; a router that trusts only the last scrape
// (passed to the gateway below as an extra strategy) sees the same fleet for the whole burst and sends
// it to the engine that looked least loaded. Either way the accounting returns to zero.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { Pool } from 'undici';
import type { StrategyEntry } from '../src/routing/strategies/registry.ts';
import type { EngineView, RoutingStrategy } from '../src/routing/types.ts';
import { type EngineHandle, startEngine } from '../src/sim/server.ts';
import { eventually, type RunningGateway, startGateway } from './helpers/gateway.ts';

const ENGINES = 4;
const MAX_NUM_SEQS = 8;
const BURST = 4 * ENGINES * MAX_NUM_SEQS;
const SHARE = BURST / ENGINES;
// Another client's requests, straight to the engines, so the last scrape before the burst shows a fleet that
// is not idle and engine-2 looks the least loaded (as in src/load/burst.test.ts).
const OTHER_CLIENT_REQUESTS = [2, 2, 1, 2];
const MODEL = 'sim-llama';

// least-kv on the last scrape alone: all a router that only reads the engines' metrics knows.
const scrapedLeastKv: StrategyEntry = {
  loadAware: true,
  create: ({ random }) => {
    const strategy: RoutingStrategy<EngineView> = {
      name: 'scraped-least-kv',
      pick<D extends EngineView>(candidates: readonly D[]) {
        let best: D | undefined;
        let bestU = Infinity;
        let ties = 0;
        for (const e of candidates) {
          const r = e.load.lastReport;
          const u = r?.kvBlocksUsed !== undefined && r.kvBlocksTotal ? r.kvBlocksUsed / r.kvBlocksTotal : 0;
          if (u < bestU) [best, bestU, ties] = [e, u, 1];
          else if (u === bestU && random() * ++ties < 1) best = e;
        }
        return best;
      },
    };
    return strategy;
  },
};

function gatewayYaml(engines: EngineHandle[], strategy: string): string {
  return `
model_list:
${engines
  .map(
    (e, i) => `  - model_name: ${MODEL}
    litellm_params: { model: hosted_vllm/${MODEL}, api_base: "${e.url}/v1" }
    model_info: { id: engine-${i} }
    spillway: { load: { kind: vllm, interval_ms: 100 } }`,
  )
  .join('\n')}
router_settings: { routing_strategy: ${strategy}, num_retries: 0 }
`;
}

/** ~450 tokens, distinct from the first bytes on (a uuid first, as in the seed's load test): no shared prefix. */
function burstBody(): string {
  const content = `${randomUUID()} ${'What is the meaning of life? '.repeat(70)}`;
  return JSON.stringify({ model: MODEL, max_tokens: 4, messages: [{ role: 'user', content }] });
}

interface BurstResult {
  perEngine: number[];
  statuses: Set<number>;
  /** Requests the gateway had routed and not finished, at most, while the burst was in flight. */
  peakInFlight: number;
  /** How long the client took to issue the whole burst. */
  sendMs: number;
}

/**
 * Starts the other client's requests and waits until every engine's last scrape shows them; then fires the
 * burst over connections opened beforehand, in one synchronous loop, and counts x-spillway-engine.
 */
async function runBurst(engines: EngineHandle[], gw: RunningGateway): Promise<BurstResult> {
  const fleet = gw.gateway.fleet!;
  const stop = new AbortController();
  const others = engines.flatMap((e, i) =>
    Array.from(
      { length: OTHER_CLIENT_REQUESTS[i] },
      () =>
        fetch(`${e.url}/v1/chat/completions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({
            model: MODEL,
            max_tokens: 4000,
            messages: [{ role: 'user', content: 'Keep talking.' }],
          }),
          signal: stop.signal,
        }).catch(() => undefined), // aborted when the burst is over
    ),
  );
  const client = new Pool(gw.url, { connections: BURST });
  try {
    // Open the burst's connections first, so the burst itself is only requests on the wire.
    await Promise.all(
      Array.from({ length: BURST }, () =>
        client.request({ path: '/health/liveness', method: 'GET' }).then((r) => r.body.dump()),
      ),
    );
    await eventually(
      () => engines.every((_, i) => fleet.engine(`engine-${i}`).lastReport?.running === OTHER_CLIENT_REQUESTS[i]),
      "every engine's scrape shows the other client's requests",
    );
    let peakInFlight = 0;
    const inFlight = () => gw.gateway.deployments.reduce((n, d) => n + d.inFlight, 0);
    const watch = setInterval(() => (peakInFlight = Math.max(peakInFlight, inFlight())), 1);
    const headers = { 'content-type': 'application/json' };
    const t0 = performance.now();
    const sent = Array.from({ length: BURST }, () =>
      client.request({ path: '/v1/chat/completions', method: 'POST', headers, body: burstBody() }).then(async (r) => {
        peakInFlight = Math.max(peakInFlight, inFlight());
        await r.body.dump();
        return { status: r.statusCode, engine: r.headers['x-spillway-engine'] };
      }),
    );
    const sendMs = performance.now() - t0;
    const responses = await Promise.all(sent);
    clearInterval(watch);
    const perEngine = new Array<number>(ENGINES).fill(0);
    for (const r of responses) if (typeof r.engine === 'string') perEngine[Number(r.engine.slice('engine-'.length))]++;
    return { perEngine, statuses: new Set(responses.map((r) => r.status)), peakInFlight, sendMs };
  } finally {
    stop.abort();
    await Promise.all(others);
    await client.close();
  }
}

async function assertDrained(engines: EngineHandle[], gw: RunningGateway): Promise<void> {
  assert.ok(gw.gateway.fleet, 'the load model is kept');
  await gw.assertIdle(); // deployments' in-flight, /metrics and the load model
  // The other client's aborted requests leave the engines too, so the next test starts on an idle fleet.
  await eventually(() => engines.every((e) => e.load().running + e.load().waiting === 0), 'engines idle');
}

describe(`a burst of ${BURST} requests (4× the fleet's ${ENGINES} × ${MAX_NUM_SEQS} sequences) at once, scrapes every 100 ms`, () => {
  let engines: EngineHandle[];
  before(async () => {
    engines = await Promise.all(
      Array.from({ length: ENGINES }, (_, i) =>
        startEngine({ port: 0, speedup: 4, maxNumSeqs: MAX_NUM_SEQS, seed: i, model: MODEL }),
      ),
    );
  });
  after(async () => {
    await Promise.all(engines.map((e) => e.close()));
  });

  for (const strategy of ['kv-aware', 'least-kv']) {
    it(`${strategy}: the predicted load spreads it evenly (no engine above 1.5× its share); accounting returns to zero`, async (t) => {
      const gw = await startGateway(gatewayYaml(engines, strategy));
      try {
        const r = await runBurst(engines, gw);
        t.diagnostic(
          `per engine: ${r.perEngine} (share ${SHARE}); sent in ${r.sendMs.toFixed(1)} ms; peak in flight at the gateway ${r.peakInFlight}`,
        );
        assert.deepEqual(r.statuses, new Set([200]));
        assert.equal(
          r.perEngine.reduce((a, b) => a + b),
          BURST,
        );
        assert.ok(Math.max(...r.perEngine) <= 1.5 * SHARE, `per engine ${r.perEngine}, share ${SHARE}`);
        await assertDrained(engines, gw);
      } finally {
        await gw.close();
      }
    });
  }

  it('a router that trusts only the scrapes sends most of it to the engine that looked least loaded', async (t) => {
    const gw = await startGateway(gatewayYaml(engines, 'scraped-least-kv'), { 'scraped-least-kv': scrapedLeastKv });
    try {
      const r = await runBurst(engines, gw);
      t.diagnostic(
        `per engine: ${r.perEngine} (share ${SHARE}); sent in ${r.sendMs.toFixed(1)} ms; peak in flight at the gateway ${r.peakInFlight}`,
      );
      assert.deepEqual(r.statuses, new Set([200]));
      assert.equal(
        r.perEngine.reduce((a, b) => a + b),
        BURST,
      );
      assert.ok(Math.max(...r.perEngine) > 1.5 * SHARE, `per engine ${r.perEngine}, share ${SHARE}`);
      await assertDrained(engines, gw);
    } finally {
      await gw.close();
    }
  });
});
