/** The simulated engine's plain HTTP plumbing: reading a JSON body, answering JSON, refusing a method. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendError } from '../../outcome/openai-error.ts';

/** Reads a JSON body of at most `maxBytes`, answering 413 or 400 itself when it cannot. */
export function readJson(
  req: IncomingMessage,
  res: ServerResponse,
  maxBytes: number,
  then: (body: unknown) => void,
): void {
  const chunks: Buffer[] = [];
  let size = 0;
  req.on('data', (c: Buffer) => {
    size += c.length;
    if (size <= maxBytes) chunks.push(c);
  });
  req.on('end', () => {
    if (size > maxBytes) {
      return sendError(res, 413, {
        message: `The request body exceeds ${maxBytes} bytes.`,
        type: 'invalid_request_error',
        param: null,
        code: 'request_too_large',
      });
    }
    let body: unknown;
    try {
      body = JSON.parse(Buffer.concat(chunks, size).toString('utf8'));
    } catch {
      return sendError(res, 400, {
        message: 'The body is not valid JSON.',
        type: 'invalid_request_error',
        param: null,
        code: 'invalid_json',
      });
    }
    then(body);
  });
}

export function json(res: ServerResponse, value: unknown): void {
  const body = JSON.stringify(value);
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

export function methodNotAllowed(res: ServerResponse, allow: string): void {
  sendError(
    res,
    405,
    { message: `Use ${allow} here.`, type: 'invalid_request_error', param: null, code: 'method_not_allowed' },
    undefined,
    { allow },
  );
}
