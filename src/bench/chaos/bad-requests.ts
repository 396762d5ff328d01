/**
 * The bad requests of the chaos soak: the bodies issue 10's finding 1 crashed the gateway with, and the other
 * malformed requests the fuzzer generates. Each is sent once per bad_requests window over its own connection;
 * what came back (status and error code, or how the connection ended) is recorded, and the monitor tells whether
 * the gateway exited right after.
 */
import { request as httpRequest } from 'node:http';
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
    { name: 'prompt nested 12k deep (completions)', path: '/v1/completions', body: text(`{"model":${g},"prompt":${nested(DEPTH)},"max_tokens":4}`) },
    { name: 'input nested 12k deep (embeddings)', path: '/v1/embeddings', body: text(`{"model":${g},"input":${nested(DEPTH)}}`) },
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
    { name: 'messages content nested 12k deep', path: '/v1/chat/completions', body: text(`{"model":${g},"messages":[{"role":"user","content":${nested(DEPTH)}}]}`) },
    { name: 'truncated JSON', path: '/v1/chat/completions', body: text(`{"model":${g},${chatMessages},"max_tok`) },
    {
      name: 'oversized body (11 MB)',
      path: '/v1/chat/completions',
      body: () => Buffer.from(`{"model":${g},"messages":[{"role":"user","content":"${'x'.repeat(11 * 2 ** 20)}"}]}`),
    },
    { name: 'huge model name (900 KB)', path: '/v1/chat/completions', body: text(`{"model":"${'m'.repeat(900 * 1024)}",${chatMessages}}`) },
    { name: 'wrong types', path: '/v1/chat/completions', body: text(`{"model":${g},"messages":"hi","stream":"yes","max_tokens":-1,"temperature":"hot"}`) },
    { name: 'model a number', path: '/v1/chat/completions', body: text(`{"model":42,${chatMessages}}`) },
    { name: 'body a JSON array', path: '/v1/chat/completions', body: text(`[${g},{"messages":[]}]`) },
    { name: 'content-length larger than the body', path: '/v1/chat/completions', body: text(`{"model":${g},${chatMessages}}`), declaredLength: 4096 },
  ];
}

/** Sends one bad case on a fresh connection; settles within `timeoutMs` whatever the gateway does. */
export function sendBad(url: string, c: BadCase, timeoutMs: number): Promise<BadOutcome> {
  const body = c.body();
  return new Promise((resolve) => {
    let settled = false;
    const done = (o: Omit<BadOutcome, 'name'>) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.destroy();
      resolve({ name: c.name, ...o });
    };
    const req = httpRequest(`${url}${c.path}`, {
      method: 'POST',
      agent: false,
      headers: { 'content-type': 'application/json', 'content-length': c.declaredLength ?? body.length, connection: 'close' },
    });
    const timer = setTimeout(() => done({ status: 0, error: 'timeout' }), timeoutMs);
    req.on('response', (res) => {
      // The first 64 KB are kept: enough for any error code; an error that echoes a huge input shows in bodyBytes.
      const parts: Buffer[] = [];
      let size = 0;
      res.on('data', (b: Buffer) => {
        if (size < 64 * 1024) parts.push(b);
        size += b.length;
      });
      res.on('end', () => done({ status: res.statusCode ?? 0, code: errorCode(Buffer.concat(parts).toString('utf8')), bodyBytes: size }));
      res.on('error', () => done({ status: res.statusCode ?? 0, error: 'response_cut' }));
    });
    // An early answer (413) may come while the body is still being written; the response wins when it does.
    req.on('error', (err: NodeJS.ErrnoException) => setImmediate(() => done({ status: 0, error: err.code ?? err.message })));
    req.end(body);
  });
}
