// The page's load control driving the real generator through a real gateway (the demo's fleet, small): after the
// page starts 4× the fleet's capacity, the refusals chart and the queue depth move within 2 s; after it stops
// they return to zero, and so does the gateway's accounting.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { DEMO_WORKLOAD, estimatedCapacity } from '../../src/cli/demo-fleet.ts';
import { ChildLoad } from '../../src/ops/ui/load-control.ts';
import { type EngineHandle, startEngine } from '../../src/sim/server.ts';
import { assertZero } from '../helpers/accounting.ts';
import { eventually, type RunningGateway, startGateway } from '../helpers/gateway.ts';
import { simFleetYaml } from '../helpers/sim-fleet.ts';
import { launch, openPage, refusalsAndQueue, screenshot, skipWithoutBrowser } from './browser.ts';

const skip = skipWithoutBrowser();
const KEY = 'sk-ui-overload-test';
const SPEEDUP = 4;
let browser: Browser;
let engines: EngineHandle[];
let gw: RunningGateway;
let load: ChildLoad;

/** The demo's fleet (examples/demo-fleet.yaml) on ports the engines got, with a master key. */
function yaml(urls: string[]): string {
  return simFleetYaml({ urls, key: KEY, model: 'demo', scrapeMs: 100, ttftBudgetMs: 500, itlSloMs: 10 });
}

before(async () => {
  if (skip) return;
  const engine = { port: 0, speedup: SPEEDUP, numBlocks: 256, maxNumSeqs: 8, maxNumBatchedTokens: 1024 };
  const started = [0, 1, 2].map((seed) => startEngine({ ...engine, seed, model: 'sim-llama' }));
  [browser, ...engines] = await Promise.all([launch(), ...started]);
  gw = await startGateway(yaml(engines.map((e) => e.url)));
  // The simulator's estimate of C, not the demo's measurement: the test needs an overload, not a precise C.
  const capacityPerS = estimatedCapacity(engines.length, SPEEDUP);
  load = new ChildLoad({
    url: gw.url,
    model: 'demo',
    workload: DEMO_WORKLOAD,
    apiKey: KEY,
    capacityPerS,
    capacitySource: 'test: the simulator estimate',
  });
  gw.gateway.ui.attachLoad(load);
});
after(async () => {
  await load?.close();
  await gw?.close();
  await Promise.all([browser?.close(), ...(engines ?? []).map((e) => e.close())]);
});

test('4× from the page: refusals and queue depth move within 2 s, and return to zero after stop', {
  skip,
}, async (t) => {
  const { page, errors, close } = await openPage(browser, { credentials: { username: 'operator', password: KEY } });
  await page.goto(`${gw.url}/ui`);
  await page.waitForSelector('#load:not([hidden])');
  await page.waitForFunction(() => document.querySelector<SVGElement>('#chart-refused')?.dataset.latest === '0');

  // Watch every snapshot the page draws from the click on: when the refusals and the queue first moved.
  await page.evaluate(() => {
    const w = window as unknown as { moved: Record<string, number> };
    const start = performance.now();
    w.moved = {};
    const watch = () => {
      for (const name of ['refused', 'queue']) {
        const latest = Number(document.querySelector<SVGElement>(`#chart-${name}`)?.dataset.latest);
        if (latest > 0) w.moved[name] ??= Math.round(performance.now() - start);
      }
      requestAnimationFrame(watch);
    };
    requestAnimationFrame(watch);
  });
  await page.click('#load button[data-multiple="4"]');
  const seen = () => page.evaluate(() => (window as unknown as { moved: Record<string, number> }).moved);
  await page
    .waitForFunction(
      () => {
        const moved = (window as unknown as { moved: Record<string, number> }).moved;
        return moved.refused !== undefined && moved.queue !== undefined;
      },
      undefined,
      { timeout: 2000 },
    )
    .catch(async (err) => assert.fail(`${err.message}; moved after (ms): ${JSON.stringify(await seen())}`));
  t.diagnostic(`moved after (ms from the click): ${JSON.stringify(await seen())}`);
  await screenshot(page, 'gateway-4x');

  await page.click('#load button[data-multiple="0"]');
  // Back to zero: the refusals of the last second and every queue (not a timed claim: the queue drains first).
  await page.waitForFunction(
    () => {
      const refused = Number(document.querySelector<SVGElement>('#chart-refused')?.dataset.latest);
      const queued = Number(document.querySelector<SVGElement>('#chart-queue')?.dataset.latest);
      return refused === 0 && queued === 0;
    },
    undefined,
    { timeout: 20_000 },
  );
  assert.deepEqual(await refusalsAndQueue(page), { refused: 0, queued: 0 });
  assert.deepEqual(errors, []);
  await close();
  // The generator's last requests end (stopping ends arrivals, not the requests in flight).
  await eventually(() => gw.gateway.backpressure?.accounting().inFlight === 0, 'admitted requests to end', 30_000);
  await assertZero(gw);
});
