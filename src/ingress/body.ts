import type { IncomingMessage } from 'node:http';

/** Receives the outcome of reading one request body. */
export interface BodyTarget {
  onBody(req: IncomingMessage, body: Buffer): void;
  onBodyTooLarge(req: IncomingMessage): void;
}

const kState = Symbol('spillway.body');
interface BodyState {
  target: BodyTarget;
  limit: number;
  size: number;
  first: Buffer | undefined;
  more: Buffer[] | undefined;
  done: boolean;
}
type Tagged = IncomingMessage & { [kState]?: BodyState };

/**
 * Collects a request body up to `limit` bytes. A body that arrives in one chunk (the common case for
 * chat requests) is used without copying. Listeners are module functions, not per-request closures. A client
 * that disconnects mid-body simply never gets an answer: there is nobody left to answer.
 */
export function readBody(req: IncomingMessage, limit: number, target: BodyTarget): void {
  (req as Tagged)[kState] = { target, limit, size: 0, first: undefined, more: undefined, done: false };
  req.on('data', onData);
  req.on('end', onEnd);
}

function onData(this: Tagged, chunk: Buffer): void {
  const s = this[kState]!;
  if (s.done) return;
  s.size += chunk.length;
  if (s.size > s.limit) {
    s.done = true;
    s.first = s.more = undefined;
    s.target.onBodyTooLarge(this);
    return;
  }
  if (s.first === undefined) s.first = chunk;
  else (s.more ??= [s.first]).push(chunk);
}

function onEnd(this: Tagged): void {
  const s = this[kState]!;
  if (s.done) return;
  s.done = true;
  const body = s.more !== undefined ? Buffer.concat(s.more, s.size) : (s.first ?? Buffer.alloc(0));
  s.first = s.more = undefined;
  s.target.onBody(this, body);
}
