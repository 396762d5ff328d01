/**
 * The operator page's files, read once when the server starts (never per request): `page` is what `GET /ui`
 * answers, `assets` what `GET /ui/assets/<name>` answers. The chart style is the bench report's own file.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface PageAsset {
  contentType: string;
  body: Buffer;
}

export interface PageFiles {
  page: PageAsset;
  assets: ReadonlyMap<string, PageAsset>;
}

const HERE = import.meta.dirname;
const HTML = 'text/html; charset=utf-8';
const JS = 'text/javascript; charset=utf-8';
const CSS = 'text/css; charset=utf-8';

/** Asset name → [file, content type]. */
const FILES: ReadonlyArray<readonly [string, string, string]> = [
  ['app.js', join(HERE, 'app.js'), JS],
  ['chart.js', join(HERE, 'chart.js'), JS],
  ['tables.js', join(HERE, 'tables.js'), JS],
  ['timeline.js', join(HERE, 'timeline.js'), JS],
  ['style.css', join(HERE, 'style.css'), CSS],
  ['chart-style.js', join(HERE, '..', '..', '..', 'bench', 'report', 'chart-style.js'), JS],
];

export async function loadPageFiles(): Promise<PageFiles> {
  const [page, ...bodies] = await Promise.all([
    readFile(join(HERE, 'index.html')),
    ...FILES.map(([, file]) => readFile(file)),
  ]);
  const assets = new Map(FILES.map(([name, , contentType], i) => [name, { contentType, body: bodies[i] }]));
  return { page: { contentType: HTML, body: page }, assets };
}
