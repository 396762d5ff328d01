/**
 * The seed's burst: 4× the fleet's concurrent capacity arrives within 10 ms, between two scrapes. A router
 * that trusts only the last scrape sees the same fleet for every request of the burst and sends it all to the
 * engine that looked least loaded; the predicted load counts each dispatch at once and spreads it.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { kvAware } from '../routing/strategies/kv-aware.ts';
import { leastKv } from '../routing/strategies/least-kv.ts';
import type { EngineView, RouteRequest, RoutingStrategy } from '../routing/types.ts';
import { seededRandom } from '../util/random.ts';
import { EngineLoad } from './engine-load.ts';
import type { LoadPermit } from './permit.ts';
import { testFleet } from './test-support.ts';

const ENGINES = 4;
const SLOTS_PER_ENGINE = 16; // concurrent requests an engine runs at full speed
const BURST = 4 * ENGINES * SLOTS_PER_ENGINE;
const SHARE = BURST / ENGINES;
const PROMPT_BYTES = 4000; // ~1000 tokens each, no shared prefix (a uuid first, as in the seed's load test)
// The last scrape before the burst: e2 looked a little less loaded than the others.
const SCRAPED_RUNNING = [4, 4, 3, 4];

function burst(strategy: RoutingStrategy<EngineView>, trustScrapesOnly: boolean): number[] {
  const t = testFleet(ENGINES, { totalBlocks: 8192, blockSize: 16 });
  // Scraped-only: engines that are never told of dispatches, so their view is the last report alone.
  const views: EngineView[] = trustScrapesOnly
    ? t.views.map((v) => ({ ...v, load: new EngineLoad({ id: v.id, clock: t.now }) }))
    : t.views;
  views.forEach((v, i) => {
    const running = SCRAPED_RUNNING[i];
    v.load.report(
      { running, waiting: 0, kvBlocksUsed: running * 70, kvBlocksTotal: 8192, blockSize: 16 },
      v.load.markSample(),
    );
  });
  const counts = new Array<number>(ENGINES).fill(0);
  const permits: LoadPermit[] = [];
  for (let i = 0; i < BURST; i++) {
    t.advance(10 / BURST); // the whole burst lands within 10 ms: no scrape in between
    const body = { prompt: `${String(i).padStart(8, '0')}-uuid `.repeat(Math.ceil(PROMPT_BYTES / 14)) };
    const req: RouteRequest = {
      group: 'g',
      endpoint: 'completions',
      stream: true,
      body,
      bodyBytes: 0,
      prompt: t.fleet.analyze('g', 'completions', body),
    };
    const picked = strategy.pick(views, req)!;
    counts[Number(picked.id.slice(1))]++;
    permits.push(t.fleet.engine(picked.id).reserve(req.prompt));
  }
  for (const p of permits) p.release();
  t.fleet.assertDrained();
  return counts;
}

for (const [name, make] of [
  ['kv-aware', () => kvAware({ random: seededRandom(11) })],
  ['least-kv', () => leastKv(seededRandom(12))],
] as const) {
  test(`${name}: the predicted load spreads a burst of 4× capacity evenly; scraped metrics alone do not`, (t) => {
    const predicted = burst(make(), false);
    const scrapedOnly = burst(make(), true);
    t.diagnostic(`per engine, predicted: ${predicted}; scraped only: ${scrapedOnly}`);
    assert.equal(
      predicted.reduce((a, b) => a + b),
      BURST,
    );
    assert.ok(Math.max(...predicted) <= 1.5 * SHARE, `predicted: ${predicted} (share ${SHARE})`);
    assert.ok(Math.max(...scrapedOnly) > 1.5 * SHARE, `scraped only: ${scrapedOnly}`);
    assert.equal(scrapedOnly[2], BURST, 'everything goes to the engine that looked least loaded');
  });
}
