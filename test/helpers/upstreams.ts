import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A scripted upstream for the failure cases the mock cannot play (a given status with given headers, a stream
 * that dies half-way, a stall). A real HTTP server on 127.0.0.1; `requests` counts what reached it.
 */
export interface ScriptedUpstream {
  url: string;
  requests: number;
  bodies: unknown[];
  close(): Promise<void>;
}

export async function scriptedUpstream(
  respond: (req: IncomingMessage, res: ServerResponse, body: Record<string, unknown>) => void,
): Promise<ScriptedUpstream> {
  const state = { requests: 0, bodies: [] as unknown[] };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      state.requests++;
      const body = JSON.parse(Buffer.concat(chunks).toString()) as Record<string, unknown>;
      state.bodies.push(body);
      respond(req, res, body);
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    get requests() {
      return state.requests;
    },
    bodies: state.bodies,
    async close() {
      server.closeAllConnections();
      server.close();
    },
  };
}

/** An upstream that answers every request with the same OpenAI-shaped error (`retryAfter`: its Retry-After header). */
export function errorUpstream(
  status: number,
  message: string,
  type: string,
  retryAfter?: string,
): Promise<ScriptedUpstream> {
  const body = JSON.stringify({ error: { message, type, param: null, code: null } });
  const headers = {
    'content-type': 'application/json',
    ...(retryAfter !== undefined && { 'retry-after': retryAfter }),
  };
  return scriptedUpstream((_q, res) => {
    res.writeHead(status, headers);
    res.end(body);
  });
}

/** A port that refuses connections: bound, then closed. */
export async function deadPort(): Promise<number> {
  const s = createServer();
  s.listen(0, '127.0.0.1');
  await once(s, 'listening');
  const port = (s.address() as AddressInfo).port;
  s.close();
  await once(s, 'close');
  return port;
}
