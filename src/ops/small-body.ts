import type { IncomingMessage } from 'node:http';

/**
 * Reads an admin-sized request body whole (off the hot path: the admin and operator-page routes), keeping at most
 * `maxBytes`; `done` gets the bytes, or undefined when the body was longer (read to its end, not kept).
 */
export function readSmallBody(req: IncomingMessage, maxBytes: number, done: (body: Buffer | undefined) => void): void {
  const chunks: Buffer[] = [];
  let size = 0;
  req.on('data', (c: Buffer) => {
    size += c.length;
    if (size <= maxBytes) chunks.push(c);
  });
  req.on('end', () => done(size > maxBytes ? undefined : Buffer.concat(chunks)));
}
