// Headless Chromium for the page's tests, driven by playwright-core with the system's browser (Debian's
// `chromium`, which .ci/run installs). Without it the tests fail in CI (CI set) and skip elsewhere, saying why.
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Screenshots go here (gitignored), for a person to look at after a run. */
export const ARTIFACTS = join(import.meta.dirname, '..', '..', 'test-artifacts', 'ui');

/** A reason to skip, or undefined to run: only outside CI may a missing browser skip the tests. */
export function skipWithoutBrowser(): string | undefined {
  if (existsSync(CHROMIUM)) return undefined;
  if (process.env.CI) return undefined; // launching fails, so the test fails: CI installs chromium
  return `no Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH); browser tests skipped`;
}

export function launch(): Promise<Browser> {
  // --no-sandbox: CI runs as root, where Chromium's sandbox refuses to start.
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
}

export interface PageOptions {
  width?: number;
  height?: number;
  /** What the browser answers a Basic challenge with (the master key as password). */
  credentials?: { username: string; password: string };
}

/** A page in its own context that records every console error and uncaught exception, to be asserted empty. */
export interface OpenPage {
  page: Page;
  /** Console errors and uncaught exceptions, in order. */
  errors: string[];
  /** Closes the page's context (and so the page). */
  close(): Promise<void>;
}

export async function openPage(browser: Browser, o: PageOptions = {}): Promise<OpenPage> {
  const context = await browser.newContext({
    viewport: { width: o.width ?? 1280, height: o.height ?? 900 },
    httpCredentials: o.credentials,
  });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  page.on('pageerror', (err) => errors.push(String(err)));
  return { page, errors, close: () => context.close() };
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
}

/** The latest refusals per second the chart draws, and the queued requests of every group in the table. */
export async function refusalsAndQueue(page: Page): Promise<{ refused: number; queued: number }> {
  return page.evaluate(() => {
    const refused = Number(document.querySelector<SVGElement>('#chart-refused')?.dataset.latest ?? Number.NaN);
    let queued = 0;
    for (const cell of document.querySelectorAll('#groups tbody td:nth-child(5)')) {
      // "critical / standard / sheddable (bound)"
      const [c, s, sh] = (cell.textContent ?? '').split(/[ /()]+/).map(Number);
      queued += c + s + sh;
    }
    return { refused, queued };
  });
}
