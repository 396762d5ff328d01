/**
 * The floor of the overhead benchmark: the least a Node proxy can do. node:http server → undici Pool → upstream,
 * bodies streamed both ways, no parsing, no routing, no metrics. With --parse it also JSON-parses and
 * re-serialises the request body (the reference "parse + re-serialise" proxy of issue 2).
 *
 *   node bench/bare-proxy.ts --port 4300 --upstream http://127.0.0.1:4101 [--parse] [--connections 256]
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { Pool } from 'undici';

export interface BareProxyOptions {
  port?: number;
  upstream: string;
  parse?: boolean;
  connections?: number;
}

// Headers that belong to one hop (RFC 9110 §7.6.1); undici refuses some of them on a request.
const HOP = new Set([
  'connection',
  'keep-alive',
  'transfer-encoding',
  'upgrade',
  'te',
  'trailer',
  'proxy-connection',
  'host',
]);

function forwardable(headers: http.IncomingHttpHeaders | Record<string, string | string[] | undefined>) {
  const out: Record<string, string | string[]> = {};
  for (const k in headers) {
    const v = headers[k];
    if (v !== undefined && !HOP.has(k)) out[k] = v;
  }
  return out;
}

export async function startBareProxy(o: BareProxyOptions): Promise<{ url: string; close(): Promise<void> }> {
  const pool = new Pool(o.upstream, { connections: o.connections ?? 256, keepAliveTimeout: 30_000 });
  const server = http.createServer((req, res) => {
    const fail = (err: Error) => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { message: err.message, type: 'bad_gateway', param: null, code: null } }));
    };
    const forward = (body: http.IncomingMessage | string) => {
      const headers = forwardable(req.headers);
      if (typeof body === 'string') headers['content-length'] = String(Buffer.byteLength(body));
      pool.stream(
        { path: req.url ?? '/', method: req.method as 'POST', headers, body },
        ({ statusCode, headers: up }) => {
          res.writeHead(statusCode, forwardable(up));
          return res;
        },
        (err) => err && fail(err),
      );
    };
    if (!o.parse) return forward(req);
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => {
      try {
        forward(JSON.stringify(JSON.parse(Buffer.concat(parts).toString('utf8'))));
      } catch (err) {
        fail(err as Error);
      }
    });
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(o.port ?? 0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    async close() {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
      await pool.close();
    },
  };
}

if (import.meta.main) {
  const { values } = parseArgs({
    options: {
      port: { type: 'string' },
      upstream: { type: 'string' },
      parse: { type: 'boolean' },
      connections: { type: 'string' },
    },
  });
  if (!values.upstream) throw new Error('bare-proxy: --upstream URL is required');
  const proxy = await startBareProxy({
    upstream: values.upstream,
    port: Number(values.port ?? 0),
    parse: values.parse ?? false,
    connections: Number(values.connections ?? 256),
  });
  console.log(`bare proxy${values.parse ? ' (parse)' : ''} ${proxy.url} → ${values.upstream}`);
  const stop = () => void proxy.close().then(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}
