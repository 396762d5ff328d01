/**
 * The /ui routes behind the ingress (which has checked the path, method and master key): the page and its
 * assets, one snapshot as JSON, the event stream (./feed.ts), and POST /ui/load, which drives the attached load
 * generator (the demo's; 409 without one). Off the request path: closures and a buffered body are fine here.
 */

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { UiView } from '../../ingress/ingress-options.ts';
import { sendError } from '../../outcome/openai-error.ts';
import { outcomes } from '../../outcome/outcomes.ts';
import { readSmallBody } from '../small-body.ts';
import type { Feed } from './feed.ts';
import type { PageFile, PageFiles } from './page-files.ts';
import type { LoadControl } from './types.ts';

const MAX_BODY = 4096;
export const LOAD_MULTIPLES: readonly number[] = [0, 0.5, 1, 2, 4];
export const BURST_MULTIPLE = 10;
const ASSETS_PREFIX = '/ui/assets/';

export interface UiRoutesOptions {
  feed: Feed;
  /** Undefined until the gateway starts listening (the files are read then). */
  files(): PageFiles | undefined;
  load(): LoadControl | undefined;
}

function sendBody(res: ServerResponse, status: number, type: string, body: string | Buffer): void {
  res.writeHead(status, {
    'content-type': type,
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
  });
  res.end(body);
}

function fail(
  res: ServerResponse,
  outcome: 'bad_request' | 'path_not_found' | 'no_load_generator' | 'ui_clients_full',
  message: string,
): void {
  const o = outcomes[outcome];
  sendError(res, o.status, { message, type: o.type, param: null, code: o.code });
}

function sendFile(res: ServerResponse, f: PageFile | undefined, name: string): void {
  if (f === undefined) return fail(res, 'path_not_found', `No page asset "${name.slice(0, 100)}".`);
  sendBody(res, 200, f.type, f.body);
}

export function uiRoutes(o: UiRoutesOptions): (req: IncomingMessage, res: ServerResponse, view: UiView) => void {
  return (req, res, view) => {
    switch (view) {
      case 'page':
        return sendFile(res, o.files()?.page, 'index.html');
      case 'asset': {
        const url = req.url ?? '';
        const q = url.indexOf('?');
        const name = url.slice(ASSETS_PREFIX.length, q === -1 ? undefined : q);
        return sendFile(res, o.files()?.assets.get(name), name);
      }
      case 'snapshot':
        return sendBody(res, 200, 'application/json', o.feed.snapshotJson());
      case 'events':
        if (!o.feed.subscribe(res)) fail(res, 'ui_clients_full', 'Too many operator pages are connected; close one.');
        return;
      case 'load':
        return readLoadBody(req, res, o.load());
    }
  };
}

function readLoadBody(req: IncomingMessage, res: ServerResponse, load: LoadControl | undefined): void {
  readSmallBody(req, MAX_BODY, (bytes) => {
    if (load === undefined)
      return fail(res, 'no_load_generator', 'No load generator is attached (it comes with `spillway demo`).');
    let body: unknown;
    try {
      body = bytes === undefined ? undefined : JSON.parse(bytes.toString('utf8'));
    } catch {
      body = undefined;
    }
    const b = (body ?? {}) as { multiple?: unknown; burst?: unknown };
    if (typeof b.multiple === 'number' && b.burst === undefined && LOAD_MULTIPLES.includes(b.multiple))
      return sendBody(res, 200, 'application/json', JSON.stringify(load.setMultiple(b.multiple)));
    if (b.burst === BURST_MULTIPLE && b.multiple === undefined)
      return sendBody(res, 200, 'application/json', JSON.stringify(load.burst(BURST_MULTIPLE)));
    fail(res, 'bad_request', `Expected {"multiple": ${LOAD_MULTIPLES.join(' | ')}} or {"burst": ${BURST_MULTIPLE}}.`);
  });
}
