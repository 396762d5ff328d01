// The operator page served by a real gateway (back pressure on, three simulated engines, a master key): without
// the key the browser is refused; with it (the Basic prompt answered) the page shows every engine and group,
// live, with no console error.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { type EngineHandle, startEngine } from '../../src/sim/server.ts';
import { type RunningGateway, startGateway } from '../helpers/gateway.ts';
import { simFleetYaml } from '../helpers/sim-fleet.ts';
import { launch, openPage, screenshot, skipWithoutBrowser } from './browser.ts';

const skip = skipWithoutBrowser();
const KEY = 'sk-ui-page-test';
let browser: Browser;
let engines: EngineHandle[];
let gw: RunningGateway;

const yaml = (urls: string[]) => simFleetYaml({ urls, key: KEY });

before(async () => {
  if (skip) return;
  const started = [0, 1, 2].map((seed) => startEngine({ port: 0, speedup: 20, seed, maxNumSeqs: 8 }));
  [browser, ...engines] = await Promise.all([launch(), ...started]);
  gw = await startGateway(yaml(engines.map((e) => e.url)));
});
after(async () => {
  await gw?.close();
  await Promise.all([browser?.close(), ...(engines ?? []).map((e) => e.close())]);
});

test('with the master key set, the page refuses a browser with no key', { skip }, async () => {
  const { page, close } = await openPage(browser);
  const statuses: number[] = [];
  page.on('response', (r) => statuses.push(r.status()));
  // The gateway's Basic challenge makes the browser ask; with no one to answer it gives up.
  await assert.rejects(page.goto(`${gw.url}/ui`), /ERR_INVALID_AUTH_CREDENTIALS/);
  assert.deepEqual(statuses, [401]);
  assert.equal(await page.locator('#engines').count(), 0);
  await close();
});

test('with the master key set, the page refuses a browser with a wrong key', { skip }, async () => {
  const { page, close } = await openPage(browser, { credentials: { username: 'operator', password: 'sk-wrong' } });
  const answer = (await page.goto(`${gw.url}/ui`))!;
  assert.equal(answer.status(), 401);
  assert.equal((await answer.json()).error.code, 'invalid_api_key');
  assert.equal(await page.locator('#engines').count(), 0);
  await close();
});

test('with the key the page shows every engine and group, live, with no console error', { skip }, async () => {
  const { page, errors, close } = await openPage(browser, { credentials: { username: 'operator', password: KEY } });
  const answer = await page.goto(`${gw.url}/ui`);
  assert.equal(answer?.status(), 200);
  await page.waitForFunction(() => document.querySelectorAll('#engines tbody tr').length === 3);
  const shown = await page.$$eval('#engines tbody td:first-child', (cells) => cells.map((c) => c.textContent));
  assert.deepEqual(shown.sort(), ['engine-0', 'engine-1', 'engine-2']);
  assert.equal(await page.locator('#groups tr[data-group="sim"]').count(), 1);
  assert.equal(await page.textContent('#link'), 'live');
  assert.equal(await page.textContent('#backpressure'), 'back pressure on');
  await screenshot(page, 'gateway-idle');
  assert.deepEqual(errors, []);
  await close();
});
