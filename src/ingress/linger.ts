import type { IncomingMessage } from 'node:http';

/** How much of a refused request's body is still read, and for how long, after the answer (`spillway.linger_ms`). */
export interface LingerLimits {
  ms: number;
  bytes: number;
}

const kLinger = Symbol('spillway.linger');
interface LingerState {
  bytesLeft: number;
  timer: NodeJS.Timeout;
}
type Tagged = IncomingMessage & { [kLinger]?: LingerState };

/**
 * A lingering read, as nginx's lingering close does it: when the gateway answers a request whose body is still
 * arriving, it keeps reading and discarding the rest, so the client's kernel never gets a reset while its
 * request is in flight — a reset that would discard the answer unread (the official SDKs then report a
 * connection error, and retry it, instead of the 413). The answer keeps its keep-alive: once the rest has
 * arrived the connection serves the next request. A body still arriving after `limits.ms`, or more than
 * `limits.bytes` of it, is cut. Chunks are dropped as they come; nothing is buffered.
 *
 * Call it when answering early; returns true when it is lingering, false when there is nothing left to read.
 */
export function lingerOn(req: IncomingMessage, limits: LingerLimits): boolean {
  if (!stillSending(req)) return false;
  const t = req as Tagged;
  if (t[kLinger] !== undefined) return true;
  const timer = setTimeout(cut, limits.ms, req);
  timer.unref();
  t[kLinger] = { bytesLeft: limits.bytes, timer };
  req.on('data', onData);
  req.once('end', onDone);
  req.once('close', onDone);
  req.resume();
  return true;
}

/** True while a request's body is still arriving. */
export function stillSending(req: IncomingMessage): boolean {
  return !req.complete && hasBody(req);
}

/** A request without Content-Length or Transfer-Encoding has no body (RFC 9112 §6.3). */
function hasBody(req: IncomingMessage): boolean {
  const length = req.headers['content-length'];
  return (length !== undefined && length !== '0') || req.headers['transfer-encoding'] !== undefined;
}

function onData(this: Tagged, chunk: Buffer): void {
  const s = this[kLinger]!;
  s.bytesLeft -= chunk.length;
  if (s.bytesLeft < 0) cut(this);
}

// The body's end, or the connection's loss: the linger is over either way.
function onDone(this: Tagged): void {
  clearTimeout(this[kLinger]!.timer);
}

function cut(req: IncomingMessage): void {
  clearTimeout((req as Tagged)[kLinger]!.timer);
  // The socket may already carry the next request once this body has ended.
  if (!req.complete) req.socket.destroy();
}
