/**
 * The bad requests of the chaos soak: the bodies issue 10's finding 1 crashed the gateway with, and the other
 * malformed requests the fuzzer generates. Each is sent once per bad_requests window over its own connection;
 * what came back (status and error code, or how the connection ended) is recorded, and the monitor tells whether
 * the gateway exited right after.
 */
import net from 'node:net';
import { Client } from 'undici';
import { errorKind } from '../request.ts';
import { errorCode } from './traffic.ts';

export interface BadCase {
  name: string;
  path: string;
  /** The body, built once: some are megabytes. */
  body: () => Buffer;
  /** Sent as `content-length`; absent means exactly the body's length. */
  declaredLength?: number;
}

export interface BadOutcome {
  name: string;
  /** 0 when no response came. */
  status: number;
  code?: string;
  /** Size of the response body (an error that echoes its input shows here). */
  bodyBytes?: number;
  /** How the exchange ended without a response (reset, timeout...). */
  error?: string;
}

const DEPTH = 12_000;
const nested = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);
const chatMessages = '"messages":[{"role":"user","content":"hi"}]';

/** Bad requests against `group`, a group whose upstream model name differs from the group's (so it is rewritten). */
export function badCases(group: string): BadCase[] {
  const g = JSON.stringify(group);
  // "model" with its "o" written as \u006f: the same key to a JSON parser, not to a byte scan.
  const escapedModel = '"m\\u006fdel"';
  const text = (s: string) => () => Buffer.from(s);
  return [
    {
      name: 'prompt nested 12k deep (completions)',
      path: '/v1/completions',
      body: text(`{"model":${g},"prompt":${nested(DEPTH)},"max_tokens":4}`),
    },
    {
      name: 'input nested 12k deep (embeddings)',
      path: '/v1/embeddings',
      body: text(`{"model":${g},"input":${nested(DEPTH)}}`),
    },
    {
      name: 'escaped "model" key, 12k deep non-prompt field',
      path: '/v1/chat/completions',
      body: text(`{${escapedModel}:${g},${chatMessages},"metadata":{"x":${nested(DEPTH)}}}`),
    },
    {
      name: 'duplicated "model" key, 12k deep non-prompt field',
      path: '/v1/chat/completions',
      body: text(`{"model":${g},"model":${g},${chatMessages},"tools":${nested(DEPTH)}}`),
    },
    {
      name: 'messages content nested 12k deep',
      path: '/v1/chat/completions',
      body: text(`{"model":${g},"messages":[{"role":"user","content":${nested(DEPTH)}}]}`),
    },
    { name: 'truncated JSON', path: '/v1/chat/completions', body: text(`{"model":${g},${chatMessages},"max_tok`) },
    {
      name: 'oversized body (11 MB)',
      path: '/v1/chat/completions',
      body: () => Buffer.from(`{"model":${g},"messages":[{"role":"user","content":"${'x'.repeat(11 * 2 ** 20)}"}]}`),
    },
    {
      name: 'huge model name (900 KB)',
      path: '/v1/chat/completions',
      body: text(`{"model":"${'m'.repeat(900 * 1024)}",${chatMessages}}`),
    },
    {
      name: 'wrong types',
      path: '/v1/chat/completions',
      body: text(`{"model":${g},"messages":"hi","stream":"yes","max_tokens":-1,"temperature":"hot"}`),
    },
    { name: 'model a number', path: '/v1/chat/completions', body: text(`{"model":42,${chatMessages}}`) },
    { name: 'body a JSON array', path: '/v1/chat/completions', body: text(`[${g},{"messages":[]}]`) },
    {
      name: 'content-length larger than the body',
      path: '/v1/chat/completions',
      body: text(`{"model":${g},${chatMessages}}`),
      declaredLength: 4096,
    },
  ];
}

/**
 * Sends one bad case on a fresh connection; settles within `timeoutMs` whatever the gateway does. With undici, as
 * the official SDKs' fetch is: an early answer (a 413 while the body is still going out) is read as the answer.
 */
export async function sendBad(url: string, c: BadCase, timeoutMs: number): Promise<BadOutcome> {
  if (c.declaredLength !== undefined) return sendShortBody(url, c, timeoutMs);
  const client = new Client(url);
  try {
    const r = await client.request({
      path: c.path,
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: c.body(),
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
    });
    const { text, bytes } = await readCapped(r.body);
    return { name: c.name, status: r.statusCode, code: errorCode(text), bodyBytes: bytes };
  } catch (err) {
    return { name: c.name, status: 0, error: errorKind(err as Error) };
  } finally {
    await client.destroy();
  }
}

/** The first 64 KB as text (enough for any error code) and the whole size (an error echoing its input shows). */
async function readCapped(body: AsyncIterable<Buffer>): Promise<{ text: string; bytes: number }> {
  const parts: Buffer[] = [];
  let bytes = 0;
  for await (const b of body) {
    if (bytes < 64 * 1024) parts.push(b);
    bytes += b.length;
  }
  return { text: Buffer.concat(parts).toString('utf8'), bytes };
}

/** A head declaring more body than is sent, on a raw socket (no HTTP client sends that): then silence. */
function sendShortBody(url: string, c: BadCase, timeoutMs: number): Promise<BadOutcome> {
  const { port } = new URL(url);
  const body = c.body();
  return new Promise((resolve) => {
    let answer = '';
    const s = net.connect(Number(port), '127.0.0.1');
    // Whatever came back by the time the gateway closed the connection, or the timeout: an answer, or silence.
    const finish = (silence: string) => {
      clearTimeout(timer);
      s.destroy();
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1] ?? 0);
      const at = answer.indexOf('\r\n\r\n');
      const rest = at < 0 ? '' : answer.slice(at + 4);
      resolve(
        status
          ? { name: c.name, status, code: errorCode(rest), bodyBytes: rest.length }
          : { name: c.name, status: 0, error: silence },
      );
    };
    const timer = setTimeout(finish, timeoutMs, 'timeout');
    s.once('connect', () => {
      s.write(
        `POST ${c.path} HTTP/1.1\r\nhost: 127.0.0.1:${port}\r\n` +
          `content-type: application/json\r\ncontent-length: ${c.declaredLength}\r\n\r\n`,
      );
      s.write(body);
    });
    s.on('data', (b: Buffer) => (answer += b.toString('latin1')));
    s.once('close', () => finish('closed'));
    s.once('error', () => {});
  });
}
