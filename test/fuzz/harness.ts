// The fuzz suite's live parts: gateways in every configuration the properties cover (master key, back pressure,
// each routing strategy) in front of one stub upstream each, a raw HTTP client that can lie, a watch for
// uncaught exceptions, and the checks every property shares (answer shape, accounting back to zero).

import assert from 'node:assert/strict';
import { once } from 'node:events';
import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  request,
  type Server,
  type ServerResponse,
  validateHeaderValue,
} from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import fc from 'fast-check';
import { outcomes } from '../../src/outcome/outcomes.ts';
import { ACCOUNTING_AT_ZERO } from '../../src/pipeline/test-support.ts';
import { strategyNames } from '../../src/routing/strategies/registry.ts';
import { type RunningGateway, startGateway } from '../helpers/gateway.ts';

// ---------------------------------------------------------------- run size and seed

/**
 * Cases per property: small in `npm test`; `npm run fuzz` (FUZZ_CAMPAIGN=1) runs the campaign's count, sized so
 * that the properties together make over 20,000 cases; FUZZ_RUNS overrides both.
 */
export function runs(ci: number, campaign: number): number {
  const n = Number(process.env.FUZZ_RUNS);
  if (Number.isInteger(n) && n > 0) return n;
  return process.env.FUZZ_CAMPAIGN === '1' ? campaign : ci;
}

/** One seed per process, printed, so a failing run can be replayed with FUZZ_SEED (and FUZZ_PATH). */
export const seed =
  process.env.FUZZ_SEED !== undefined ? Number(process.env.FUZZ_SEED) : (Date.now() ^ (Math.random() * 0x7fffffff)) | 0;

/**
 * Runs `predicate` on `numRuns` generated cases with the run's seed, and prints what ran. On failure
 * fast-check's message carries the seed, the shrink path and the smallest counterexample; FUZZ_SEED +
 * FUZZ_PATH replay exactly that case. FUZZ_TALLY=1 (exploration) runs every case without stopping and prints
 * each distinct failure once, with how often it happened.
 */
export async function check<T>(
  name: string,
  arb: fc.Arbitrary<T>,
  predicate: (t: T) => Promise<void>,
  numRuns: number,
): Promise<void> {
  const started = performance.now();
  const path = process.env.FUZZ_PATH;
  const tally = process.env.FUZZ_TALLY === '1' ? new Map<string, { n: number; example: string }>() : undefined;
  const run =
    tally === undefined
      ? predicate
      : async (t: T) => {
          try {
            await predicate(t);
          } catch (err) {
            const first = String((err as Error).message)
              .split('\n')[0]
              .slice(0, 160);
            const seen = tally.get(first);
            if (seen) seen.n++;
            else tally.set(first, { n: 1, example: fc.stringify(t).slice(0, 2000) });
          }
        };
  crashes.start();
  try {
    await fc.assert(fc.asyncProperty(arb, run), {
      numRuns,
      seed,
      ...(path !== undefined && { path }),
      ...(process.env.FUZZ_NO_SHRINK === '1' && { endOnFailure: true }),
    });
  } finally {
    crashes.stop();
    const ms = Math.round(performance.now() - started);
    console.log(`fuzz ${name}: ${numRuns} cases, seed ${seed}${path === undefined ? '' : ` path ${path}`}, ${ms} ms`);
    for (const [msg, { n, example }] of tally ?? []) console.log(`  ${n}x ${msg}\n     e.g. ${example}`);
  }
  if (tally !== undefined && tally.size > 0) assert.fail(`${tally.size} distinct failures`);
}

/** A compact, readable form of long generated text for counterexamples: a unit repeated 16+ times is folded. */
export function fold(s: string): string {
  return s.replace(
    /(.{1,40}?)\1{15,}/gs,
    (run, unit: string) => `‹${JSON.stringify(unit)}×${run.length / unit.length}›`,
  );
}

// ---------------------------------------------------------------- crash watch

type CrashEvent = 'uncaughtException' | 'unhandledRejection';
const CRASH_EVENTS: CrashEvent[] = ['uncaughtException', 'unhandledRejection'];

/**
 * Uncaught exceptions and unhandled rejections in this process while a property runs: the gateway runs
 * in-process, so one of these is what would have killed a real gateway. While `check` runs a property, this
 * watch is the only listener (the test runner's own would end the test at once, while fast-check still runs
 * and before it could shrink and print the case), so the property fails on the case that caused it.
 */
class CrashWatch {
  crash: Error | undefined;
  private waiters: ((e: Error) => void)[] = [];
  private saved: Map<CrashEvent, ((...args: unknown[]) => void)[]> | undefined;
  private readonly onCrash = (err: unknown) => {
    const e = err instanceof Error ? err : new Error(String(err));
    this.crash ??= e;
    for (const w of this.waiters.splice(0)) w(e);
  };
  /** From now until `stop`, crashes come here instead of to the test runner. */
  start(): void {
    this.saved = new Map(
      CRASH_EVENTS.map((ev) => [ev, process.listeners(ev as 'uncaughtException') as ((...args: unknown[]) => void)[]]),
    );
    for (const ev of CRASH_EVENTS) {
      process.removeAllListeners(ev);
      process.on(ev, this.onCrash);
    }
  }
  stop(): void {
    for (const ev of CRASH_EVENTS) {
      process.removeListener(ev, this.onCrash);
      for (const l of this.saved?.get(ev) ?? []) process.on(ev, l);
    }
    this.saved = undefined;
  }
  /** Calls `fn` when a crash is recorded (to stop waiting for an answer that will never come); returns an undo. */
  onNext(fn: (e: Error) => void): () => void {
    this.waiters.push(fn);
    return () => {
      const i = this.waiters.indexOf(fn);
      if (i >= 0) this.waiters.splice(i, 1);
    };
  }
  /** Rejects when a crash is recorded. */
  next(): Promise<never> {
    return new Promise((_, reject) => this.onNext(reject));
  }
  take(): Error | undefined {
    const e = this.crash;
    this.crash = undefined;
    return e;
  }
}
export const crashes = new CrashWatch();

// ---------------------------------------------------------------- stub upstream

/** What the stub upstream does with one request: status, headers, body chunks, then how it ends. */
export interface UpstreamScript {
  status: number;
  headers: Record<string, string>;
  chunks: Buffer[];
  /** end: a complete response; reset: the socket is destroyed after the chunks; hang: never ends. */
  ending: 'end' | 'reset' | 'hang';
}

const okChat = Buffer.from(
  JSON.stringify({
    id: 'c',
    object: 'chat.completion',
    created: 0,
    model: 'x',
    choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }],
    usage: { prompt_tokens: 3, completion_tokens: 1, total_tokens: 4 },
  }),
);
export const OK_SCRIPT: UpstreamScript = {
  status: 200,
  headers: { 'content-type': 'application/json' },
  chunks: [okChat],
  ending: 'end',
};

/** A real HTTP server that plays the script of the current case (one script per attempt, the last repeating). */
export class StubUpstream {
  url = '';
  scripts: UpstreamScript[] = [OK_SCRIPT];
  /** The raw bodies received since the last reset. */
  bodies: Buffer[] = [];
  private readonly server: Server = createServer((req, res) => this.onRequest(req, res));
  private readonly hung = new Set<ServerResponse>();

  async start(): Promise<void> {
    this.server.listen(0, '127.0.0.1');
    await once(this.server, 'listening');
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/v1`;
  }

  reset(scripts: UpstreamScript[] = [OK_SCRIPT]): void {
    this.scripts = scripts;
    this.bodies = [];
  }

  private onRequest(req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const n = this.bodies.push(Buffer.concat(chunks));
      void this.play(res, this.scripts[Math.min(n - 1, this.scripts.length - 1)]);
    });
  }

  private async play(res: ServerResponse, s: UpstreamScript): Promise<void> {
    res.on('error', () => {});
    res.writeHead(s.status, s.headers);
    for (const c of s.chunks) {
      if (res.destroyed) return;
      // Each chunk's write callback before the next, so chunks tend to arrive as separate reads.
      await new Promise<void>((resolve) => res.write(c, () => resolve()));
    }
    if (s.ending === 'end') res.end();
    else if (s.ending === 'reset') res.socket?.destroy();
    else {
      this.hung.add(res);
      res.on('close', () => this.hung.delete(res));
    }
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    this.server.close();
  }
}

// ---------------------------------------------------------------- gateway configurations

export const MASTER_KEY = 'sk-fuzz';
/** Group `m` is served as upstream model `x` (the body's model is rewritten); group `e` keeps its name. */
export const GROUPS = ['m', 'e'] as const;

export interface Variant {
  name: string;
  masterKey: boolean;
  backpressure: boolean;
  strategy: string;
}

export const VARIANTS: Variant[] = strategyNames().flatMap((strategy) =>
  [false, true].flatMap((masterKey) =>
    [false, true].map((backpressure) => ({
      name: `${strategy}${masterKey ? '+key' : ''}${backpressure ? '+bp' : ''}`,
      masterKey,
      backpressure,
      strategy,
    })),
  ),
);

export interface EnvOptions {
  /** Seconds: the upstream's total and first-byte deadlines. */
  timeout?: number;
  streamTimeout?: number;
  /** MiB. */
  maxRequestSizeMb?: number;
}

export function variantYaml(v: Variant, upstreamUrl: string, o: EnvOptions): string {
  const params = `api_base: "${upstreamUrl}"${o.timeout ? `, timeout: ${o.timeout}` : ''}${o.streamTimeout ? `, stream_timeout: ${o.streamTimeout}` : ''}`;
  return `
model_list:
  - { model_name: m, litellm_params: { model: openai/x, ${params} }, model_info: { id: m1 } }
  - { model_name: m, litellm_params: { model: openai/x, ${params} }, model_info: { id: m2 } }
  - { model_name: e, litellm_params: { model: openai/e, ${params} }, model_info: { id: e1 } }
router_settings: { routing_strategy: ${v.strategy}, num_retries: 1, allowed_fails: 3, cooldown_time: 0.05 }
general_settings: { max_request_size_mb: ${o.maxRequestSizeMb ?? 1}${v.masterKey ? `, master_key: ${MASTER_KEY}` : ''} }
spillway: { log_level: silent${v.backpressure ? ', backpressure: { enabled: true }' : ''} }
`;
}

export interface Env {
  variant: Variant;
  gw: RunningGateway;
  upstream: StubUpstream;
  /**
   * Requests the gateway has to end with an outcome (each adds one to spillway_requests_total): those it
   * answered, and those whose body it got in full even if the client left right after. A request whose client
   * left mid-body has no outcome. Lets the idle check wait for the gateway to be done with a case, not just
   * for an in-flight count that is zero because the body has not been handled yet.
   */
  decided: { n: number };
  /** Client ports of the connections the gateway accepted, and of those still open on its side. */
  seen: Set<number>;
  open: Set<number>;
}

function track(gw: RunningGateway): Pick<Env, 'decided' | 'seen' | 'open'> {
  const t = { decided: { n: 0 }, seen: new Set<number>(), open: new Set<number>() };
  gw.gateway.server.on('connection', (socket: Socket) => {
    const port = socket.remotePort!;
    t.seen.add(port);
    t.open.add(port);
    socket.on('close', () => t.open.delete(port));
  });
  gw.gateway.server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    // The checks' own liveness and metrics requests have no outcome.
    if (req.url === '/health/liveness' || req.url === '/metrics') return;
    res.on('close', () => {
      if (req.complete || res.headersSent) t.decided.n++;
    });
  });
  return t;
}

async function requestsTotal(gw: RunningGateway): Promise<number> {
  return (await gw.gateway.metrics.requests.get()).values.reduce((sum, v) => sum + v.value, 0);
}

/** One live gateway per variant, started on first use and restarted after a crash or a long cooldown. */
export class EnvPool {
  private readonly envs = new Map<string, Env>();
  private readonly o: EnvOptions;
  constructor(o: EnvOptions = {}) {
    this.o = o;
  }

  async get(v: Variant): Promise<Env> {
    let env = this.envs.get(v.name);
    // A deployment cooling for longer than the config's 50 ms was sent there by an upstream Retry-After: start
    // afresh, or every later case on this variant would only see 503s.
    if (env?.gw.gateway.deployments.some((d) => d.cooldownRemainingMs() > 1000)) {
      await this.discard(v);
      env = undefined;
    }
    if (env === undefined) {
      const upstream = new StubUpstream();
      await upstream.start();
      const gw = await startGateway(variantYaml(v, upstream.url, this.o));
      env = { variant: v, gw, upstream, ...track(gw) };
      this.envs.set(v.name, env);
    }
    return env;
  }

  /** After a crash the gateway's accounting may be broken for good: the next case gets a fresh one. */
  async discard(v: Variant): Promise<void> {
    const env = this.envs.get(v.name);
    if (env === undefined) return;
    this.envs.delete(v.name);
    // The upstream first: its connections' end also ends any exchange the case left behind.
    await env.upstream.close();
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<string>((resolve) => (timer = setTimeout(resolve, 5000, 'late')));
    const how = await Promise.race([
      env.gw.close().then(
        () => 'closed',
        (e: Error) => `failed: ${e.message}`,
      ),
      late,
    ]);
    clearTimeout(timer);
    if (how !== 'closed') console.log(`fuzz: gateway ${v.name} shutdown ${how}`);
  }

  async closeAll(): Promise<void> {
    for (const v of VARIANTS) await this.discard(v);
  }
}

// ---------------------------------------------------------------- raw client

export interface RawRequest {
  method: string;
  path: string;
  /** Header name → value; values are ones Node's client accepts (others never reach the gateway's code). */
  headers: [string, string][];
  /** The body, written in these pieces (chunked transfer unless a content-length header is given). */
  pieces: Buffer[];
  /** none: wait for the answer; midBody: the client disconnects before the body ends; afterBody: after it. */
  abort: 'none' | 'midBody' | 'afterBody';
}

export interface Answer {
  /** undefined when there was no answer (the client went away on purpose). */
  status?: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
  /** The connection ended before the response was complete. */
  cut: boolean;
  /** The client side's port: how the gateway's side of the connection is recognised. */
  port: number;
}

/** Sends one request on its own connection; resolves with what came back, or rejects if the gateway crashed. */
export function send(url: string, r: RawRequest, timeoutMs = 15_000): Promise<Answer> {
  const { hostname, port } = new URL(url);
  const answer = new Promise<Answer>((resolve, reject) => {
    const headers: Record<string, string | string[]> = {};
    for (const [k, v] of r.headers) {
      const had = headers[k];
      headers[k] = had === undefined ? v : [had, v].flat();
    }
    const req = request({ host: hostname, port, method: r.method, path: r.path, agent: false, headers });
    let local = 0;
    req.on('socket', (s) => s.once('connect', () => (local = s.localPort!)));
    const timer = setTimeout(() => {
      req.destroy();
      reject(new Error(`no answer within ${timeoutMs} ms`));
    }, timeoutMs);
    // The gateway crashed: no answer will come.
    const unwatch = crashes.onNext((e) => {
      clearTimeout(timer);
      req.destroy();
      reject(e);
    });
    const done = (a: Omit<Answer, 'port'>) => {
      clearTimeout(timer);
      unwatch();
      resolve({ ...a, port: local });
    };
    req.on('error', (err) => {
      if (r.abort !== 'none') done({ headers: {}, body: Buffer.alloc(0), cut: false });
      else {
        clearTimeout(timer);
        unwatch();
        reject(new Error(`request failed before an answer: ${err.message}`));
      }
    });
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        done({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks), cut: false }),
      );
      res.on('aborted', () =>
        done({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks), cut: true }),
      );
      res.on('error', () =>
        done({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks), cut: true }),
      );
    });
    const pieces = r.abort === 'midBody' ? r.pieces.slice(0, Math.max(0, r.pieces.length - 1)) : r.pieces;
    for (const p of pieces) req.write(p);
    if (r.abort === 'midBody') {
      // Once what was written has left, the client goes away with the body incomplete.
      req.write('', () => setImmediate(() => req.destroy()));
      return;
    }
    req.end();
    if (r.abort === 'afterBody') req.on('finish', () => setImmediate(() => req.destroy()));
  });
  return answer;
}

/** Header values Node's client refuses never reach the server; such generated values are replaced. */
export function sendableHeaderValue(v: string): boolean {
  try {
    validateHeaderValue('x', v);
    return true;
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------- shared checks

const byCode = new Map<string, { status: number; type: string }>(
  Object.values(outcomes)
    .filter((o) => o.code !== '')
    .map((o) => [o.code, o]),
);

/** Largest gateway error body: a message never echoes unbounded client input. */
export const MAX_ERROR_BYTES = 8192;

/**
 * An answer the gateway wrote itself (no `x-spillway-deployment`): an OpenAI-shaped error whose code is in the
 * closed outcome set with that outcome's status and type, overload and quota answers with Retry-After.
 * Returns the error code.
 */
export function checkGatewayError(a: Answer, rejectStatus = 503): string {
  assert.ok(a.status !== undefined && a.status >= 400, `gateway answered ${a.status} without an upstream`);
  assert.ok(
    a.body.length <= MAX_ERROR_BYTES,
    `error body of ${a.body.length} bytes (over ${MAX_ERROR_BYTES}): ${a.body.subarray(0, 200).toString()}...`,
  );
  assert.match(String(a.headers['content-type']), /^application\/json/);
  const json = JSON.parse(a.body.toString('utf8')) as { error?: Record<string, unknown> };
  const e = json.error;
  assert.ok(e !== null && typeof e === 'object', `no error object: ${a.body.toString()}`);
  assert.equal(typeof e.message, 'string', 'error.message');
  assert.equal(typeof e.type, 'string', 'error.type');
  assert.ok(e.param === null || typeof e.param === 'string', 'error.param');
  assert.ok(e.code === null || typeof e.code === 'string', 'error.code');
  assert.deepEqual(Object.keys(json), ['error']);
  const code = e.code as string;
  const o = byCode.get(code);
  assert.ok(o !== undefined, `unknown error code ${code}`);
  assert.equal(e.type, o.type, `type of ${code}`);
  assert.equal(a.status, o.type === 'overloaded' && o.status === 503 ? rejectStatus : o.status, `status of ${code}`);
  if (a.status === 429 || a.status === 503) {
    assert.match(String(a.headers['retry-after']), /^[1-9]\d*$/, `retry-after of ${code}`);
    assert.match(String(a.headers['retry-after-ms']), /^\d+$/, `retry-after-ms of ${code}`);
  }
  return code;
}

/** The x-request-id the gateway answers with: the client's when usable (1..128 chars), else a fresh one. */
export function checkRequestId(a: Answer, sent: string | undefined): void {
  const got = a.headers['x-request-id'];
  assert.equal(typeof got, 'string', 'x-request-id missing');
  if (sent !== undefined && sent.length > 0 && sent.length <= 128) assert.equal(got, sent);
  else assert.match(got as string, /^[0-9a-f-]{36}$/);
}

/**
 * Accounting back to zero once the case's requests are over: deployment in-flight and double releases, the
 * load model's prediction, and with back pressure its admission, queue and engine slots. Aborted requests
 * release on events that may come a moment after the client's side ended, hence the bounded wait.
 */
export async function checkIdle(env: Env, ports: number[] = []): Promise<void> {
  const g = env.gw.gateway;
  const idle = () =>
    g.deployments.every((d) => d.inFlight === 0) &&
    (g.backpressure === undefined ||
      (({ inFlight, queued, engineInFlight }) => inFlight + queued + engineInFlight === 0)(
        g.backpressure.accounting(),
      ));
  // Every request the gateway took in has its outcome and its response closed, then accounting is idle.
  const deadline = Date.now() + 5000;
  while (Date.now() < deadline) {
    if (ports.every((p) => p === 0 || (env.seen.has(p) && !env.open.has(p)))) {
      if ((await requestsTotal(env.gw)) >= env.decided.n && idle()) break;
    }
    await new Promise((r) => setImmediate(r));
  }
  await env.gw.assertIdle();
  if (g.backpressure !== undefined) {
    assert.deepEqual(g.backpressure.accounting(), ACCOUNTING_AT_ZERO);
  }
  assert.equal(
    await requestsTotal(env.gw),
    env.decided.n,
    'requests with an outcome (spillway_requests_total) vs requests the gateway had to decide',
  );
}

/** The process still serves: liveness answers 200. */
export async function checkAlive(env: Env): Promise<void> {
  const res = await fetch(`${env.gw.url}/health/liveness`, { signal: AbortSignal.timeout(10_000) });
  assert.equal(res.status, 200, 'liveness');
  await res.arrayBuffer();
}

/**
 * Runs one case against `env` and fails it if the gateway crashed meanwhile. After any failure the env is
 * discarded, so that later cases (shrinking included) start from a clean gateway, not from a leak.
 */
export async function withCrashCheck(pool: EnvPool, env: Env, run: () => Promise<void>): Promise<void> {
  crashes.take();
  let failure: unknown;
  try {
    await run();
  } catch (err) {
    failure = err;
  }
  const crash = crashes.take();
  if (crash !== undefined) failure = new Error(`the gateway crashed: ${crash.stack ?? crash.message}`);
  if (failure !== undefined) {
    await pool.discard(env.variant);
    throw failure;
  }
}
