/**
 * The client's response as everything below the ingress sees it: the few members of node:http's
 * ServerResponse the pipeline, the relay and the outcome writers use. The ingress hands the real response
 * over; in-process drivers (bench/micro, unit tests) pass any object with these members.
 */
export type HeaderValue = string | number | string[];

export interface ClientResponse {
  readonly headersSent: boolean;
  readonly writableEnded: boolean;
  readonly writableFinished: boolean;
  statusCode: number;
  /** The connection, for a cut after what was written has gone out; null once detached. */
  readonly socket: { end(cb: () => void): unknown; destroy(): unknown } | null;
  setHeader(name: string, value: HeaderValue): unknown;
  writeHead(status: number, headers?: Record<string, HeaderValue | undefined>): unknown;
  write(chunk: string | Uint8Array): boolean;
  end(chunk?: string | Uint8Array): unknown;
  destroy(): unknown;
  on(event: 'close', listener: () => void): unknown;
  once(event: 'drain', listener: () => void): unknown;
}
