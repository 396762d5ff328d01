// Helpers for the back-pressure integration tests: a gateway whose accounting can be checked at zero, and an
// upstream that holds each request until the test lets it go.

import assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import type { GatewayOptions } from '../../src/gateway.ts';
import { ACCOUNTING_AT_ZERO } from '../../src/pipeline/test-support.ts';
import { eventually, type RunningGateway, startGateway } from './gateway.ts';
import { type ScriptedUpstream, scriptedUpstream } from './upstreams.ts';

export interface BpGateway extends RunningGateway {
  /** Asserts admission, queue, engine slots and predicted KV are all back to zero, with no double release. */
  assertDrained(): Promise<void>;
}

export async function startBpGateway(yaml: string, more: Partial<GatewayOptions> = {}): Promise<BpGateway> {
  const gw = await startGateway(yaml, undefined, more);
  return {
    ...gw,
    async assertDrained() {
      await gw.assertIdle();
      const bp = gw.gateway.backpressure!;
      assert.deepEqual(bp.accounting(), ACCOUNTING_AT_ZERO);
    },
  };
}

export const chunk = (content: string) =>
  `data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 0, model: 'x', choices: [{ index: 0, delta: { content }, finish_reason: null }] })}\n\n`;

/** An upstream that answers each request only when released; streams two chunks then [DONE]. */
export interface HeldUpstream extends ScriptedUpstream {
  held: number;
  /** Resolves once `n` requests are being held. */
  waitHeld(n: number): Promise<void>;
  releaseAll(): void;
  /** Answers the oldest held request. */
  releaseOne(): void;
}

export async function heldUpstream(): Promise<HeldUpstream> {
  const waiting: ServerResponse[] = [];
  const watchers: { n: number; resolve: () => void }[] = [];
  const up = await scriptedUpstream((_req, res) => {
    waiting.push(res);
    for (const w of watchers.splice(0))
      if (waiting.length >= w.n) w.resolve();
      else watchers.push(w);
  });
  const answer = (res: ServerResponse) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.end(`${chunk('a') + chunk('b')}data: [DONE]\n\n`);
  };
  Object.defineProperty(up, 'held', { get: () => waiting.length });
  return Object.assign(up as ScriptedUpstream & { held: number }, {
    waitHeld(n: number) {
      return waiting.length >= n ? Promise.resolve() : new Promise<void>((resolve) => watchers.push({ n, resolve }));
    },
    releaseAll() {
      for (const res of waiting.splice(0)) answer(res);
    },
    releaseOne() {
      const res = waiting.shift();
      if (res !== undefined) answer(res);
    },
  });
}

/** Posts a streaming chat request with `headers`; resolves with status, headers and the raw body text. */
export async function post(
  url: string,
  headers: Record<string, string> = {},
  body: object = {},
): Promise<{ status: number; headers: Headers; text: string; json: any }> {
  const res = await fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ model: 'm', stream: true, messages: [{ role: 'user', content: 'hello' }], ...body }),
  });
  const text = await res.text();
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json };
}

export function metric(text: string, name: string, labels: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && labels.split(',').every((p) => l.includes(p)));
  return line === undefined ? 0 : Number(line.slice(line.lastIndexOf(' ') + 1));
}

/**
 * Runs `body` against a back-pressure gateway from `yaml(upstream url)` in front of a held upstream, then asserts
 * the gateway's accounting is back to zero; everything is released and closed whatever happens.
 */
export async function withHeld(
  yaml: (api: string) => string,
  body: (gw: BpGateway, up: HeldUpstream) => Promise<void>,
): Promise<void> {
  const up = await heldUpstream();
  const gw = await startBpGateway(yaml(up.url));
  try {
    await body(gw, up);
    await gw.assertDrained();
  } finally {
    up.releaseAll();
    await gw.close();
    await up.close();
  }
}

/** What the held upstream was sent: each request's first message, in arrival order. */
export const said = (up: HeldUpstream) =>
  up.bodies.map((b) => (b as { messages: { content: string }[] }).messages[0].content);

/** Resolves once exactly `n` requests wait in the gateway's router queues. */
export const queued = (gw: BpGateway, n: number) =>
  eventually(() => gw.gateway.backpressure!.accounting().queued === n, `${n} queued`);
