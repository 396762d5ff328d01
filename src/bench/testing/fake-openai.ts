/**
 * A tiny OpenAI-shaped server for the bench's own tests: answers chat completions (whole or streamed) with a
 * scripted behaviour per request, so the generator's measurements can be checked against known timings.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeBehaviour {
  status?: number;
  headers?: Record<string, string>;
  /** Delay before the headers (ms). */
  delayMs?: number;
  /** Streamed: this many content chunks, `gapMs` apart. */
  chunks?: number;
  gapMs?: number;
  /** Drop the connection instead of answering. */
  destroy?: boolean;
  usageTokens?: number;
}

export interface FakeServer {
  url: string;
  requests: number;
  maxConcurrent: number;
  close(): Promise<void>;
}

export async function startFakeOpenAI(
  behave: (n: number, body: Record<string, unknown>) => FakeBehaviour,
): Promise<FakeServer> {
  let concurrent = 0;
  const state = { requests: 0, maxConcurrent: 0 };
  const server = http.createServer(async (req, res) => {
    if (req.method !== 'POST') {
      res.writeHead(405).end();
      return;
    }
    concurrent++;
    state.maxConcurrent = Math.max(state.maxConcurrent, concurrent);
    res.on('close', () => concurrent--);
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = JSON.parse(Buffer.concat(chunks).toString()) as Record<string, unknown>;
    const b = behave(state.requests++, body);
    if (b.delayMs) await sleep(b.delayMs);
    if (b.destroy) return void req.socket.destroy();
    const status = b.status ?? 200;
    if (status !== 200) {
      res.writeHead(status, { 'content-type': 'application/json', ...b.headers });
      return void res.end(
        JSON.stringify({ error: { message: `status ${status}`, type: 'x', param: null, code: null } }),
      );
    }
    const usage = { prompt_tokens: 1, completion_tokens: b.usageTokens ?? b.chunks ?? 1, total_tokens: 2 };
    if (!body.stream) {
      res.writeHead(200, { 'content-type': 'application/json' });
      return void res.end(JSON.stringify({ choices: [{ message: { role: 'assistant', content: 'hi' } }], usage }));
    }
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    for (let i = 0; i < (b.chunks ?? 1); i++) {
      if (i > 0 && b.gapMs) await sleep(b.gapMs);
      res.write(`data: {"choices":[{"index":0,"delta":{"content":"t${i}"}}]}\n\n`);
    }
    if (b.usageTokens !== undefined) res.write(`data: {"choices":[],"usage":${JSON.stringify(usage)}}\n\n`);
    res.end('data: [DONE]\n\n');
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    get requests() {
      return state.requests;
    },
    get maxConcurrent() {
      return state.maxConcurrent;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
