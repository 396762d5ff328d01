import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type RequestListener, type Server } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { errorJson } from '../outcome/openai-error.ts';
import { outcomes } from '../outcome/outcomes.ts';

/** How long a client connection may take or sit idle, and how many there may be (`spillway.*`, README). */
export interface ConnectionLimits {
  /** From accept until the first request's head is complete; also the bound on every later head. */
  headerTimeoutMs: number;
  /** From a request's first byte until its whole body has arrived; answered 408 request_timeout. */
  requestTimeoutMs: number;
  /** Idle time between requests on a keep-alive connection. */
  keepAliveTimeoutMs: number;
  /** Connections beyond this are closed as soon as they are accepted (node's server.maxConnections). */
  maxConnections: number;
}

/** What a listener has done with its connections, read by the metrics at scrape time. */
export class ConnectionStats {
  /** Accepted and not yet closed. */
  open = 0;
  /** Closed at accept because `maxConnections` were open (node's 'drop'). */
  refused = 0;
  /** Closed because no complete request head arrived in time (answered 408). */
  headTimeouts = 0;
  /** Closed because a body stalled short of its length (answered 408). */
  requestTimeouts = 0;
  /** Closed after Node's HTTP parser refused what the client sent (answered 400 or 431). */
  clientErrors = 0;
}

const kStats = Symbol('spillway.connectionStats');
type Tracked = Socket & { [kStats]?: ConnectionStats };

/**
 * An HTTP/1.1 listener with connection hygiene, on node's own deadlines: `headersTimeout` counts from accept
 * for a connection's first head (measured on Node 24.21: a socket that never sends a byte gets node's 408
 * after it, once the checking interval comes round) and from the first byte for later ones; `requestTimeout`
 * until the body has arrived; `keepAliveTimeout` between requests. None of them runs while a request is being
 * answered, so a long stream or a request waiting in the router queue is never cut. Node checks the first two
 * every `connectionsCheckingInterval` (default 30 s), so it is kept at 1 s at most: a deadline is met within it.
 */
export function createListener(
  handler: RequestListener,
  limits: ConnectionLimits,
  stats = new ConnectionStats(),
): Server {
  // Node requires requestTimeout >= headersTimeout.
  const requestTimeout = Math.max(limits.requestTimeoutMs, limits.headerTimeoutMs);
  const server = createServer(
    {
      keepAliveTimeout: limits.keepAliveTimeoutMs,
      headersTimeout: limits.headerTimeoutMs,
      requestTimeout,
      connectionsCheckingInterval: Math.min(1000, limits.headerTimeoutMs, requestTimeout),
    },
    handler,
  );
  server.maxConnections = limits.maxConnections;
  server.on('connection', (socket: Tracked) => {
    stats.open++;
    socket[kStats] = stats;
    socket.once('close', onSocketClose);
  });
  server.on('drop', () => stats.refused++);
  server.on('clientError', answerClientError);
  return server;
}

/** What a parser error is told: Node would send a bare status line; clients get the OpenAI error shape instead. */
function clientErrorOutcome(code: string | undefined): 'invalid_http' | 'request_timeout' | 'header_too_large' {
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') return 'request_timeout';
  if (code === 'HPE_HEADER_OVERFLOW') return 'header_too_large';
  return 'invalid_http';
}

const REASONS = { 400: 'Bad Request', 408: 'Request Timeout', 431: 'Request Header Fields Too Large' } as const;
const CLIENT_ERROR_MESSAGES: Record<string, string> = {
  request_timeout:
    'The request did not arrive in time (spillway.header_timeout_ms for its head, request_timeout_ms for its body).',
  request_header_too_large: 'The request head is too large (at most 16 KiB and 1,000 header lines).',
};

/**
 * Node's HTTP parser refused the connection's input before any request reached the ingress. There is no
 * response object: the answer is written to the socket, which then closes (the parser cannot resync). Nothing
 * is written where the client is gone or a response is already under way on this connection.
 */
function answerClientError(err: NodeJS.ErrnoException, socket: Duplex): void {
  const s = socket as Tracked & { _httpMessage?: { headersSent?: boolean } | null };
  const stats = s[kStats];
  // A request object exists once its head was read: then a timeout is the body's, else the head's.
  if (stats !== undefined) {
    if (err.code !== 'ERR_HTTP_REQUEST_TIMEOUT') stats.clientErrors++;
    else if (s._httpMessage != null) stats.requestTimeouts++;
    else stats.headTimeouts++;
  }
  if (err.code === 'ECONNRESET' || !socket.writable || s._httpMessage?.headersSent === true)
    return void socket.destroy();
  const o = outcomes[clientErrorOutcome(err.code)];
  const body = errorJson({
    message:
      CLIENT_ERROR_MESSAGES[o.code] ?? `The request could not be read as HTTP/1.1 (${err.code ?? 'parse error'}).`,
    type: o.type,
    param: null,
    code: o.code,
  });
  socket.write(
    `HTTP/1.1 ${o.status} ${REASONS[o.status]}\r\n` +
      `content-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n` +
      `x-request-id: ${randomUUID()}\r\nconnection: close\r\n\r\n${body}`,
  );
  // Closed once the answer is with the kernel, whether or not the client reads it or ever closes its side.
  (socket as Socket).destroySoon();
}

function onSocketClose(this: Tracked): void {
  this[kStats]!.open--;
}

/** Connections the ops listener (`spillway.ops_port`) accepts: probes and scrapes are few. */
export const OPS_MAX_CONNECTIONS = 64;

/** Descriptors kept back from the client-connection cap for logs, config, DNS and the like. */
const FD_SLACK = 64;
/** Used when the process's descriptor limit cannot be read (not Linux). */
const FALLBACK_MAX_CONNECTIONS = 10_000;

/**
 * The default client-connection cap: the open-file soft limit (read once, at start-up, from
 * /proc/self/limits) minus the descriptors the gateway needs for itself — `reserved` (upstream pool sockets,
 * the ops listener's budget) and a fixed slack — so that a flood of clients cannot starve them.
 */
export function defaultMaxConnections(reserved: number, limitsFile = '/proc/self/limits'): number {
  const soft = openFileLimit(limitsFile);
  if (soft === undefined) return FALLBACK_MAX_CONNECTIONS;
  return Math.max(1, soft - reserved - FD_SLACK);
}

/** The soft "Max open files" limit, or undefined when unknown or unlimited. */
export function openFileLimit(limitsFile = '/proc/self/limits'): number | undefined {
  let text: string;
  try {
    text = readFileSync(limitsFile, 'utf8');
  } catch {
    return undefined;
  }
  const m = /^Max open files\s+(\d+)/m.exec(text);
  return m === null ? undefined : Number(m[1]);
}
