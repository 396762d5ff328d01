/**
 * Misbehaving clients for the chaos soak, each running for one fault window and reporting what the gateway did:
 *   slow readers   long streams read a few hundred bytes per tick, so the gateway's socket fills and its relay
 *                  must hold back the upstream; dropped at the window's end;
 *   aborting       streams cut by the client at a seeded random moment (before or after the first byte);
 *   idle flood     sockets that connect and never send a byte, held for the window.
 * Raw sockets and node:http, not the benchmark's undici pool: these clients must be able to misbehave.
 */
import { request as httpRequest } from 'node:http';
import net from 'node:net';
import type { Random } from '../../util/random.ts';

export interface SlowResult {
  started: number;
  /** Streams whose response head said 200. */
  answered200: number;
  /** Other statuses seen, by status. */
  statuses: Record<string, number>;
  bytesRead: number;
  /** Sockets the gateway closed before the window ended. */
  closedByGateway: number;
}

export interface AbortResult {
  started: number;
  abortedBeforeHead: number;
  abortedAfterHead: number;
  /** Ended before the client could abort it. */
  finishedFirst: number;
  /** Connection errors that were not the client's own abort. */
  errors: number;
}

export interface FloodResult {
  opened: number;
  /** Connects that failed (refused, fd limit). */
  failed: number;
  /** Sockets the gateway closed before the window ended (a header timeout would). */
  closedByGateway: number;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function rawRequest(path: string, body: string, port: number): string {
  return (
    `POST ${path} HTTP/1.1\r\nhost: 127.0.0.1:${port}\r\n` +
    `content-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`
  );
}

export async function slowReaders(port: number, group: string, count: number, windowMs: number): Promise<SlowResult> {
  const r: SlowResult = { started: 0, answered200: 0, statuses: {}, bytesRead: 0, closedByGateway: 0 };
  const body = JSON.stringify({
    model: group,
    messages: [{ role: 'user', content: 'Tell a very long story.' }],
    max_tokens: 2048,
    stream: true,
  });
  const sockets: net.Socket[] = [];
  let over = false;
  for (let i = 0; i < count; i++) {
    const s = net.connect(port, '127.0.0.1');
    r.started++;
    let head = true;
    s.on('error', () => {});
    s.on('close', () => {
      if (!over) r.closedByGateway++;
    });
    s.once('connect', () => s.write(rawRequest('/v1/chat/completions', body, port)));
    // No 'data' listener: the socket stays paused, its buffer fills, and TCP pushes back on the gateway.
    sockets.push(s);
    const tick = setInterval(() => {
      if (s.destroyed) return clearInterval(tick);
      const chunk = s.read(Math.min(256, s.readableLength)) as Buffer | null;
      if (chunk === null) return;
      if (head) {
        head = false;
        const status = /^HTTP\/1\.1 (\d{3})/.exec(chunk.toString('latin1'))?.[1] ?? 'none';
        if (status === '200') r.answered200++;
        else r.statuses[status] = (r.statuses[status] ?? 0) + 1;
      }
      r.bytesRead += chunk.length;
    }, 100);
    s.once('close', () => clearInterval(tick));
  }
  await sleep(windowMs);
  over = true;
  for (const s of sockets) s.destroy();
  return r;
}

export async function abortingClients(
  url: string,
  groups: readonly string[],
  perS: number,
  windowMs: number,
  random: Random,
): Promise<AbortResult> {
  const r: AbortResult = { started: 0, abortedBeforeHead: 0, abortedAfterHead: 0, finishedFirst: 0, errors: 0 };
  const pending: Promise<void>[] = [];
  const total = Math.max(1, Math.round((perS * windowMs) / 1000));
  for (let i = 0; i < total; i++) {
    const group = groups[i % groups.length];
    const afterMs = 20 + random() * 400;
    r.started++;
    pending.push(
      new Promise<void>((resolve) => {
        let headSeen = false;
        let aborted = false;
        const req = httpRequest(`${url}/v1/chat/completions`, {
          method: 'POST',
          agent: false,
          headers: { 'content-type': 'application/json' },
        });
        const timer = setTimeout(() => {
          aborted = true;
          if (headSeen) r.abortedAfterHead++;
          else r.abortedBeforeHead++;
          req.destroy();
          resolve();
        }, afterMs);
        req.on('response', (res) => {
          headSeen = true;
          res.resume();
          res.on('end', () => {
            if (aborted) return;
            clearTimeout(timer);
            r.finishedFirst++;
            resolve();
          });
          res.on('error', () => {});
        });
        req.on('error', () => {
          if (aborted) return;
          clearTimeout(timer);
          r.errors++;
          resolve();
        });
        req.end(
          JSON.stringify({
            model: group,
            messages: [{ role: 'user', content: `abort me ${i}` }],
            max_tokens: 256,
            stream: true,
          }),
        );
      }),
    );
    await sleep(windowMs / total);
  }
  await Promise.all(pending);
  return r;
}

export async function idleFlood(port: number, count: number, windowMs: number): Promise<FloodResult> {
  const r: FloodResult = { opened: 0, failed: 0, closedByGateway: 0 };
  let over = false;
  const sockets = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<net.Socket>((resolve) => {
          const s = net.connect(port, '127.0.0.1');
          let connected = false;
          s.once('connect', () => {
            connected = true;
            r.opened++;
            resolve(s);
          });
          s.once('error', () => {
            if (connected) return;
            r.failed++;
            resolve(s);
          });
          s.once('close', () => {
            if (!over && connected) r.closedByGateway++;
          });
          s.on('error', () => {});
        }),
    ),
  );
  await sleep(windowMs);
  over = true;
  for (const s of sockets) s.destroy();
  return r;
}
