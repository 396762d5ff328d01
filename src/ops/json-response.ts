import type { ServerResponse } from 'node:http';

/** An answer already serialised (bodies built once, or relayed from the workers). */
export function sendJsonText(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

export function sendJson(res: ServerResponse, status: number, value: unknown): void {
  sendJsonText(res, status, JSON.stringify(value));
}
