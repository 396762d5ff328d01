/**
 * `startEngine`: the simulated engine as an OpenAI-compatible HTTP server (node:http).
 *
 *   POST /v1/chat/completions, /v1/completions   stream or not, usage with cached_tokens
 *   GET  /v1/models, /health, /metrics (vLLM names)
 *   GET  /load (one snapshot), /load/stream (SSE: a snapshot per change, throttled)
 *
 * A request becomes a Sequence (prompt tokenised, block hashes computed once), passes engine-level admission,
 * and its writer receives the tokens of every step. Errors are OpenAI-shaped; overload is 503 + Retry-After.
 */
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { sendError } from '../outcome/openai-error.ts';
import { seededRandom } from '../util/random.ts';
import { blockHashes } from './block-hash.ts';
import { EngineLoop } from './engine-loop.ts';
import { frontEndOf } from './front-end.ts';
import { json, methodNotAllowed, readJson } from './http/json-io.ts';
import { type ApiKind, type ParsedRequest, parseRequest, RequestError } from './http/parse.ts';
import { JsonWriter, StreamWriter, type WriterContext } from './http/writers.ts';
import { LiveFrontEnd } from './live-front-end.ts';
import { LoadFeed, type LoadListener, type LoadMessage } from './load-feed.ts';
import { EngineMetrics } from './metrics.ts';
import { DEFAULTS, definedOnly, type EngineOptions, validateOptions } from './options.ts';
import { sampleOutputTokens } from './output-length.ts';
import { loadProfile, readProfileJson } from './perf-model.ts';
import { Scheduler } from './scheduler.ts';
import type { LoadSnapshot } from './scheduler-output.ts';
import { Sequence } from './sequence.ts';

export type { LoadMessage } from './load-feed.ts';
export type { EngineOptions } from './options.ts';
export type { LoadSnapshot } from './scheduler-output.ts';

export interface EngineHandle {
  url: string;
  port: number;
  model: string;
  /** The engine's ground truth now (not throttled). */
  load(): LoadSnapshot;
  /** The load feed in-process: same messages as GET /load/stream. Returns the unsubscribe function. */
  subscribe(listener: LoadListener): () => void;
  /** The scheduler itself, for tests and tools that need more than the snapshot (totals, KV pool). */
  scheduler: Scheduler;
  metricsText(): Promise<string>;
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 16 * 1024 * 1024;
// Retry-After for engine-level rejections, in simulated ms (divided by the speedup like every duration).
const RETRY_AFTER_SIM_MS = 1000;

export async function startEngine(options: EngineOptions = {}): Promise<EngineHandle> {
  validateOptions(options);
  const o = { ...DEFAULTS, ...definedOnly(options) };
  const perf = typeof o.profile === 'string' ? loadProfile(o.profile) : o.profile;
  const scheduler = new Scheduler({
    numBlocks: o.numBlocks,
    blockSize: o.blockSize,
    maxNumSeqs: o.maxNumSeqs,
    maxNumBatchedTokens: o.maxNumBatchedTokens,
    maxNumQueuedReqs: o.maxNumQueuedReqs,
    maxNumQueuedTokens: o.maxNumQueuedTokens,
    maxQueueMs: o.maxQueueMs,
    perf,
  });
  const maxModelLen = Math.min(o.maxModelLen ?? Infinity, scheduler.capacityTokens);
  const random = seededRandom(o.seed);
  const metrics = new EngineMetrics({ modelName: o.model, scheduler, speedup: o.speedup });
  const feed = new LoadFeed(() => scheduler.load(), o.loadIntervalMs);
  const retryAfterMs = RETRY_AFTER_SIM_MS / o.speedup;
  const loop = new EngineLoop({
    scheduler,
    speedup: o.speedup,
    onStep(plan, outcome) {
      metrics.recordStep(plan, outcome);
      const end = plan.end;
      if (frontEnd !== null) return frontEnd.offerStep(outcome.emitted, end);
      for (const seq of outcome.emitted) seq.sink?.onToken(seq, end, seq.state === 'finished');
    },
    onExpired(seqs, now) {
      for (const seq of seqs) {
        frontEnd?.forget(seq);
        metrics.recordReject('queue_timeout');
        seq.sink?.onReject(seq, now);
      }
    },
    onChange: () => feed.changed(),
  });
  // The profile's API server, if it declares one: requests reach the scheduler and tokens their clients through it.
  const frontEndCosts =
    o.frontEnd ?? (typeof o.profile === 'string' ? frontEndOf(readProfileJson(o.profile)) : undefined);
  const frontEnd =
    frontEndCosts === undefined
      ? null
      : new LiveFrontEnd({
          costs: frontEndCosts,
          now: () => loop.now(),
          wallMs: (ms) => loop.wallMs(ms),
          enter: (seq) => admit(seq, seq.sink as StreamWriter | JsonWriter),
        });
  const createdAt = Math.floor(Date.now() / 1000);
  let nextId = 1;

  const onClientGone = (seq: Sequence): void => {
    // Still being taken in by the API server: the scheduler never saw it.
    if (frontEnd?.forget(seq) || !seq.isLive) return;
    scheduler.abort(seq);
    metrics.recordAbort(seq, loop.now());
    feed.changed();
  };

  function complete(kind: ApiKind, body: unknown, res: ServerResponse): void {
    let req: ParsedRequest;
    try {
      req = parseRequest(kind, body);
    } catch (err) {
      if (!(err instanceof RequestError)) throw err;
      return sendError(res, 400, {
        message: err.message,
        type: 'invalid_request_error',
        param: err.param,
        code: 'invalid_request',
      });
    }
    if (req.model !== undefined && req.model !== o.model) {
      return sendError(res, 404, {
        message: `The model \`${req.model}\` does not exist.`,
        type: 'invalid_request_error',
        param: 'model',
        code: 'model_not_found',
      });
    }
    const promptTokens = req.promptIds.length;
    const room = maxModelLen - promptTokens;
    if (room < (req.maxTokens ?? 1)) {
      return sendError(res, 400, {
        message:
          `This model's maximum context length is ${maxModelLen} tokens. However, you requested ` +
          `${promptTokens + (req.maxTokens ?? 1)} tokens ` +
          `(${promptTokens} in the prompt, ${req.maxTokens ?? 1} for the completion).`,
        type: 'invalid_request_error',
        param: req.maxTokens === undefined ? (kind === 'chat' ? 'messages' : 'prompt') : 'max_tokens',
        code: 'context_length_exceeded',
      });
    }
    const id = nextId++;
    const seq = new Sequence({
      id,
      promptTokens,
      blockHashes: blockHashes(req.promptIds, o.blockSize),
      maxOutput: req.maxTokens ?? sampleOutputTokens(random, room),
      finishReason: req.maxTokens === undefined ? 'stop' : 'length',
      arrival: loop.now(),
    });
    const ctx: WriterContext = {
      res,
      kind,
      id: `${kind === 'chat' ? 'chatcmpl' : 'cmpl'}-sim${id}`,
      created: Math.floor(Date.now() / 1000),
      model: o.model,
      onClientGone,
      retryAfterMs,
    };
    const writer = req.stream ? new StreamWriter(ctx, req.includeUsage) : new JsonWriter(ctx);
    seq.sink = writer;
    writer.bind(seq);
    if (frontEnd === null) admit(seq, writer);
    else frontEnd.offerRequest(seq, writer);
  }

  /** Engine-level admission: into the waiting queue, or a 503 now. */
  function admit(seq: Sequence, writer: StreamWriter | JsonWriter): void {
    const admitted = scheduler.add(seq);
    if (admitted === 'admitted') {
      loop.wake();
      feed.changed();
      return;
    }
    frontEnd?.forget(seq);
    metrics.recordReject(admitted);
    const message =
      admitted === 'queue_full'
        ? `The engine queue is full (${scheduler.waitingCount} requests waiting, ` +
          `--max-num-queued-reqs ${o.maxNumQueuedReqs}).`
        : `The engine queue holds too many prompt tokens (${scheduler.queuedPrefillTokens} queued, ` +
          `--max-num-queued-tokens ${o.maxNumQueuedTokens}).`;
    writer.overloaded(message, `engine_${admitted}`);
  }

  const server = createServer((req, res) => {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q < 0 ? url : url.slice(0, q);
    const method = req.method ?? 'GET';
    const kind: ApiKind | null =
      path === '/v1/chat/completions' ? 'chat' : path === '/v1/completions' ? 'completion' : null;
    if (kind !== null) {
      if (method !== 'POST') return methodNotAllowed(res, 'POST');
      return readJson(req, res, MAX_BODY_BYTES, (body) => complete(kind, body, res));
    }
    if (method !== 'GET' && method !== 'HEAD') return methodNotAllowed(res, 'GET');
    switch (path) {
      case '/health':
        res.statusCode = 200;
        return res.end();
      case '/v1/models':
        return json(res, {
          object: 'list',
          data: [
            {
              id: o.model,
              object: 'model',
              created: createdAt,
              owned_by: 'spillway-sim',
              root: o.model,
              max_model_len: maxModelLen,
            },
          ],
        });
      case '/metrics':
        metrics.render().then(
          (text) => {
            res.writeHead(200, { 'content-type': metrics.contentType });
            res.end(text);
          },
          (err: Error) => sendError(res, 500, { message: err.message, type: 'server_error', param: null, code: null }),
        );
        return;
      case '/load':
        return json(res, { ...scheduler.load(), seq: feed.latest.seq, ts: Date.now() } satisfies LoadMessage);
      case '/load/stream':
        return feed.attach(res);
      default:
        return sendError(res, 404, {
          message: `No route for ${method} ${path}.`,
          type: 'invalid_request_error',
          param: null,
          code: 'not_found',
        });
    }
  });
  server.keepAliveTimeout = 65_000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const host = o.host.includes(':') ? `[${o.host}]` : o.host;

  return {
    url: `http://${host}:${port}`,
    port,
    model: o.model,
    scheduler,
    load: () => scheduler.load(),
    subscribe: (listener) => feed.subscribe(listener),
    metricsText: () => metrics.render(),
    close() {
      loop.close();
      frontEnd?.close();
      feed.close();
      return new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
