// The operator page with a synthetic fleet of 64 engines in 20 groups: every engine and group is shown, nothing
// overflows (element boxes, not pixels), and no console error. Served by the test-only page server.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { launch, openPage, screenshot, skipWithoutBrowser } from './browser.ts';
import { type PageServer, startPageServer } from './page-server.ts';
import { engineId, groupName } from './synthetic.ts';

const skip = skipWithoutBrowser();
const SHAPE = { groups: 20, engines: 64 };
let browser: Browser;
let server: PageServer;

before(async () => {
  if (skip) return;
  [browser, server] = await Promise.all([launch(), startPageServer(SHAPE)]);
});
after(async () => {
  await Promise.all([browser?.close(), server?.close()]);
});

for (const [width, height] of [
  [1280, 900],
  [1920, 1080],
]) {
  test(`64 engines and 20 groups at ${width}×${height}: all shown, nothing overflows`, { skip }, async () => {
    const { page, errors, close } = await openPage(browser, { width, height });
    await page.goto(server.url);
    await page.waitForFunction((n) => document.querySelectorAll('#engines tbody tr').length === n, SHAPE.engines);
    await page.waitForSelector('#chart-throughput path[d^="M"]', { state: 'attached' });
    for (let g = 0; g < SHAPE.groups; g++) {
      assert.equal(await page.locator(`#groups tr[data-group="${groupName(g)}"]`).count(), 1, groupName(g));
    }
    const shown = await page.$$eval('#engines tbody td:first-child', (cells) => cells.map((c) => c.textContent));
    assert.deepEqual(new Set(shown), new Set(Array.from({ length: SHAPE.engines }, (_, e) => engineId(e))));
    const overflow = await page.evaluate(() => {
      const found: string[] = [];
      const root = document.documentElement;
      if (root.scrollWidth > root.clientWidth) found.push(`page ${root.scrollWidth} > ${root.clientWidth}`);
      const describe = (el: Element) => `${el.tagName.toLowerCase()}#${el.id} ${el.textContent?.slice(0, 40)}`;
      for (const el of document.querySelectorAll('main section, table, .chart, header')) {
        const box = el.getBoundingClientRect();
        if (box.left < 0 || box.right > root.clientWidth) found.push(`${describe(el)} spans ${box.left}..${box.right}`);
      }
      // A cell whose content is wider than the cell is clipped: text the reader cannot see.
      for (const cell of document.querySelectorAll('td')) {
        if (cell.scrollWidth > cell.clientWidth)
          found.push(`cell clipped: ${describe(cell)} ${cell.scrollWidth} > ${cell.clientWidth}`);
      }
      return found;
    });
    await screenshot(page, `page-64-engines-${width}`);
    assert.deepEqual(overflow, []);
    assert.deepEqual(errors, []);
    await close();
  });
}
