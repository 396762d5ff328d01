/**
 * The mock's request path. Per-request state lives on the request and response objects (custom node:http
 * classes), and the event handlers are module functions bound through `this`, so nothing is allocated per
 * request beyond the response strings.
 */
import { IncomingMessage, ServerResponse } from 'node:http';
import { type MockEndpoint, mockEndpoints } from './endpoints.ts';
import { mockError } from './responses.ts';
import { includesUsage, isStream, modelLiteral } from './scan.ts';
import type { MockState } from './state.ts';

const KIND_CHAT = 1;
const KIND_TEXT = 2;
const KIND_EMBEDDINGS = 3;
const KIND_OTHER = 4;

export class MockRequest extends IncomingMessage {
  parts: Buffer[] = [];
  reply: MockResponse | undefined = undefined;
}

export class MockResponse extends ServerResponse<MockRequest> {
  state!: MockState;
  kind = 0;
  /** KIND_OTHER: the endpoint's answer (./endpoints.ts). */
  other: MockEndpoint | undefined = undefined;
  status = 200;
  /** The JSON body, when not streaming. */
  body = '';
  /** The stream's writes, one per content chunk, when streaming. */
  writes: string[] | undefined = undefined;
  next = 0;
  timer: NodeJS.Timeout | undefined = undefined;
  /** Retry-After of an injected status fault. */
  retryAfter: string | undefined = undefined;
}

const NOT_FOUND = mockError('no such route', 'invalid_request_error', 'not_found');
const NOT_ALLOWED = mockError('method not allowed', 'invalid_request_error', 'method_not_allowed');
const BAD_KEY = mockError('incorrect API key', 'invalid_request_error', 'invalid_api_key');
const BAD_JSON = mockError('the body is not valid JSON', 'invalid_request_error', 'invalid_json');
const FORM_MODEL = /name="model"\r\n\r\n([^\r\n]*)/;
const SSE_HEADERS = { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' };

export function onRequest(state: MockState, req: MockRequest, res: MockResponse): void {
  state.stats.received++;
  state.stats.inFlight++;
  res.state = state;
  res.on('finish', onFinish);
  res.on('close', onClose);

  const url = req.url ?? '/';
  const q = url.indexOf('?');
  let path = q < 0 ? url : url.slice(0, q);
  if (path.startsWith('/v1/')) path = path.slice(3);
  const post = req.method === 'POST';
  if (state.authorization !== undefined && req.headers.authorization !== state.authorization) {
    return sendJson(res, 401, BAD_KEY);
  }
  switch (path) {
    case '/chat/completions':
      res.kind = KIND_CHAT;
      break;
    case '/completions':
      res.kind = KIND_TEXT;
      break;
    case '/embeddings':
      res.kind = KIND_EMBEDDINGS;
      break;
    case '/models':
      if (req.method !== 'GET') return sendJson(res, 405, NOT_ALLOWED);
      state.events.emit('request', req, Buffer.alloc(0));
      return sendJson(res, 200, state.responses.modelsBody);
    case '/health':
      return sendJson(res, 200, '{}');
    default: {
      const other = mockEndpoints.get(path);
      if (other === undefined) return sendJson(res, 404, NOT_FOUND);
      res.kind = KIND_OTHER;
      res.other = other;
    }
  }
  if (!post) return sendJson(res, 405, NOT_ALLOWED);
  req.reply = res;
  req.on('data', onData);
  req.on('end', onEnd);
}

function onData(this: MockRequest, chunk: Buffer): void {
  this.parts.push(chunk);
}

function onEnd(this: MockRequest): void {
  const res = this.reply!;
  const state = res.state;
  const body = this.parts.length === 1 ? this.parts[0] : Buffer.concat(this.parts);
  this.parts = [];
  state.events.emit('request', this, body);
  const fault = state.fault;
  if (fault !== undefined) {
    state.stats.failed++;
    if (fault.kind === 'reset') {
      this.socket.destroy();
      return;
    }
    if (fault.kind === 'stall') {
      res.timer = setTimeout(destroyStalled, fault.ms, res);
      return;
    }
    res.status = fault.status;
    res.body = state.faultBody;
    res.retryAfter = state.faultRetryAfter;
  } else if (state.failRate > 0 && state.random() < state.failRate) {
    state.stats.failed++;
    res.status = state.failStatus;
    res.body = state.failBody;
  } else {
    render(state, res, body);
  }
  if (state.latencyMs > 0) res.timer = setTimeout(startResponse, state.latencyMs, res);
  else startResponse(res);
}

/** Fills res.body or res.writes for a successful answer to `body`. */
function render(state: MockState, res: MockResponse, body: Buffer): void {
  const r = state.responses;
  const promptTokens = Math.max(1, Math.ceil(body.length / 4));
  if (res.kind === KIND_OTHER) return renderOther(state, res, body, promptTokens);
  if (res.kind === KIND_EMBEDDINGS) {
    // Embeddings are parsed: they are not on the benchmark's path, and the count of inputs matters.
    let request: { model?: unknown; input?: unknown; encoding_format?: unknown };
    try {
      request = JSON.parse(body.toString('utf8'));
    } catch {
      res.status = 400;
      res.body = BAD_JSON;
      return;
    }
    const input = request.input;
    const count = Array.isArray(input) && input.length > 0 && typeof input[0] !== 'number' ? input.length : 1;
    const model = typeof request.model === 'string' ? JSON.stringify(request.model) : state.defaultModel;
    res.body = r.embeddings(model, count, request.encoding_format === 'base64', promptTokens);
    return;
  }
  const model = modelLiteral(body) ?? state.defaultModel;
  const created = Math.floor(Date.now() / 1000);
  const chat = res.kind === KIND_CHAT;
  const id = `${chat ? 'chatcmpl' : 'cmpl'}-mock-${++state.seq}`;
  if (isStream(body)) {
    const usage = includesUsage(body);
    res.writes = chat
      ? r.chatStream(id, created, model, promptTokens, usage)
      : r.textStream(id, created, model, promptTokens, usage);
  } else {
    res.body = chat ? r.chat(id, created, model, promptTokens) : r.text(id, created, model, promptTokens);
  }
}

function renderOther(state: MockState, res: MockResponse, body: Buffer, promptTokens: number): void {
  const e = res.other!;
  let request: Record<string, unknown> = {};
  let model: string = state.defaultModel;
  if (e.json) {
    try {
      request = JSON.parse(body.toString('utf8'));
    } catch {
      res.status = 400;
      res.body = BAD_JSON;
      return;
    }
    if (typeof request.model === 'string') model = JSON.stringify(request.model);
  } else {
    const field = FORM_MODEL.exec(body.toString('latin1'));
    if (field !== null) model = JSON.stringify(field[1]);
  }
  const answer = e.render({ request, model, id: ++state.seq, chunks: state.responses.chunks, promptTokens });
  if (answer.writes !== undefined) res.writes = answer.writes;
  else res.body = answer.body!;
}

function startResponse(res: MockResponse): void {
  res.timer = undefined;
  if (res.destroyed) return;
  const writes = res.writes;
  if (writes === undefined) return sendJson(res, res.status, res.body);
  res.writeHead(200, SSE_HEADERS);
  const interval = res.state.chunkIntervalMs;
  if (interval === 0 || writes.length === 1) {
    res.end(writes.length === 1 ? writes[0] : writes.join(''));
    return;
  }
  res.write(writes[0]);
  res.next = 1;
  res.timer = setTimeout(writeNext, interval, res);
}

function writeNext(res: MockResponse): void {
  res.timer = undefined;
  if (res.destroyed) return;
  const writes = res.writes!;
  const i = res.next++;
  if (i === writes.length - 1) {
    res.end(writes[i]);
    return;
  }
  res.write(writes[i]);
  res.timer = setTimeout(writeNext, res.state.chunkIntervalMs, res);
}

function sendJson(res: MockResponse, status: number, body: string): void {
  if (res.retryAfter !== undefined) res.setHeader('retry-after', res.retryAfter);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

function destroyStalled(res: MockResponse): void {
  res.timer = undefined;
  res.socket?.destroy();
}

function onFinish(this: MockResponse): void {
  const { stats, events, closing } = this.state;
  stats.served++;
  stats.inFlight--;
  events.emit('served');
  if (closing && stats.inFlight === 0) events.emit('drained');
}

function onClose(this: MockResponse): void {
  if (this.timer !== undefined) clearTimeout(this.timer);
  if (this.writableFinished) return;
  const { stats, events, closing } = this.state;
  stats.inFlight--;
  if (closing) {
    if (stats.inFlight === 0) events.emit('drained');
    return;
  }
  stats.aborted++;
  events.emit('aborted');
}
