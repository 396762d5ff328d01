/**
 * The page's files, read from disk once when the gateway starts listening, never per request: ./page/index.html
 * (GET /ui) and every file of ./page/assets/ (GET /ui/assets/<name>). Without the page (a checkout whose page is
 * not there) a placeholder says so, and the JSON and event routes work the same.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';

const PAGE_DIR = path.join(import.meta.dirname, 'page');

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
};

export interface PageFile {
  type: string;
  body: Buffer;
}

export interface PageFiles {
  page: PageFile;
  assets: Map<string, PageFile>;
}

const PLACEHOLDER = `<!doctype html><meta charset="utf-8"><title>Spillway</title>
<p>The operator page is not in this checkout (src/ops/ui/page/index.html).
Its data: <a href="/ui/snapshot">/ui/snapshot</a> (JSON) and /ui/events (server-sent events).</p>`;

export async function loadPageFiles(dir = PAGE_DIR): Promise<PageFiles> {
  const page = await readFile(path.join(dir, 'index.html')).catch(() => Buffer.from(PLACEHOLDER));
  const assets = new Map<string, PageFile>();
  const names = await readdir(path.join(dir, 'assets')).catch(() => [] as string[]);
  for (const name of names) {
    const type = TYPES[path.extname(name)];
    if (type !== undefined) assets.set(name, { type, body: await readFile(path.join(dir, 'assets', name)) });
  }
  return { page: { type: TYPES['.html'], body: page }, assets };
}
