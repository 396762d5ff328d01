// A test-only server for the page: it serves the page's files with the gateway's loader and an SSE stream of synthetic
// snapshots per the /ui contract, and takes the load control's posts. The page's layout test runs against it,
// since a 64-engine, 20-group fleet is too big to simulate in a test.
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadPageFiles } from '../../src/ops/ui/page-files.ts';
import type { LoadState } from '../../src/ops/ui/types.ts';
import { type FleetShape, history, snapshot } from './synthetic.ts';

export interface PageServer {
  url: string;
  close(): Promise<void>;
}

const CAPACITY_PER_S = 100;

export async function startPageServer(shape: FleetShape, periodMs = 250): Promise<PageServer> {
  const files = await loadPageFiles();
  const load: LoadState = {
    multiple: 1,
    ratePerS: CAPACITY_PER_S,
    capacityPerS: CAPACITY_PER_S,
    capacitySource: 'synthetic',
    burstUntil: null,
  };
  const clients = new Set<ServerResponse>();
  const send = (res: ServerResponse, event: string, data: unknown) =>
    res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  const timer = setInterval(() => {
    const snap = snapshot(shape, Date.now(), { ...load });
    for (const res of clients) send(res, 'snapshot', snap);
  }, periodMs);
  const server = createServer((req, res) => {
    const path = req.url ?? '/';
    if (path === '/ui') return reply(res, 200, files.page.type, files.page.body);
    const asset = path.startsWith('/ui/assets/') ? files.assets.get(path.slice('/ui/assets/'.length)) : undefined;
    if (asset) return reply(res, 200, asset.type, asset.body);
    if (path === '/ui/events') {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store' });
      send(res, 'history', history(shape, Date.now(), 60, { ...load }));
      clients.add(res);
      res.on('close', () => clients.delete(res));
      return;
    }
    if (path === '/ui/load' && req.method === 'POST') {
      let body = '';
      req.on('data', (chunk) => (body += chunk));
      req.on('end', () => {
        const { multiple } = JSON.parse(body) as { multiple?: number };
        if (multiple !== undefined) {
          load.multiple = multiple;
          load.ratePerS = multiple * CAPACITY_PER_S;
        }
        reply(res, 200, 'application/json', JSON.stringify(load));
      });
      return;
    }
    reply(res, 404, 'application/json', '{"error":{"message":"not found"}}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/ui`,
    async close() {
      clearInterval(timer);
      for (const res of clients) res.end();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function reply(res: ServerResponse, status: number, contentType: string, body: string | Buffer): void {
  res.writeHead(status, { 'content-type': contentType });
  res.end(body);
}
