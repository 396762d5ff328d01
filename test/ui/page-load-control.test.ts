// The page's load control and live charts, against the test-only page server (whose refusals and queues follow
// the multiple the page posts): after 4× the refusals chart and the queue depth move within 2 s, and after stop
// they return to zero. The same against a real gateway and its load generator is in page-gateway.test.ts.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { launch, openPage, refusalsAndQueue, screenshot, skipWithoutBrowser } from './browser.ts';
import { type PageServer, startPageServer } from './page-server.ts';

const skip = skipWithoutBrowser();
let browser: Browser;
let server: PageServer;

before(async () => {
  if (skip) return;
  [browser, server] = await Promise.all([launch(), startPageServer({ groups: 2, engines: 6 })]);
});
after(async () => {
  await Promise.all([browser?.close(), server?.close()]);
});

test('4× from the load control moves refusals and queue depth within 2 s; stop returns them to zero', {
  skip,
}, async () => {
  const { page, errors, close } = await openPage(browser);
  await page.goto(server.url);
  await page.waitForSelector('#load:not([hidden])');
  await page.waitForFunction(() => document.querySelector<SVGElement>('#chart-refused')?.dataset.latest === '0');
  assert.deepEqual(await refusalsAndQueue(page), { refused: 0, queued: 0 });

  await page.click('#load button[data-multiple="4"]');
  await page.waitForFunction(
    () => Number(document.querySelector<SVGElement>('#chart-refused')?.dataset.latest) > 0,
    undefined,
    { timeout: 2000 },
  );
  const loaded = await refusalsAndQueue(page);
  assert.ok(loaded.queued > 0, `queue depth at 4×: ${loaded.queued}`);
  assert.match((await page.textContent('#load-state')) ?? '', /^4×/);
  assert.equal(await page.getAttribute('#load button[data-multiple="4"]', 'class'), 'on');
  await screenshot(page, 'load-control-4x');

  await page.click('#load button[data-multiple="0"]');
  await page.waitForFunction(
    () => document.querySelector<SVGElement>('#chart-refused')?.dataset.latest === '0',
    undefined,
    { timeout: 2000 },
  );
  assert.deepEqual(await refusalsAndQueue(page), { refused: 0, queued: 0 });
  assert.deepEqual(errors, []);
  await close();
});
