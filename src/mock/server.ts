/**
 * A fast, deterministic OpenAI-compatible upstream: chat completions, completions, embeddings and models,
 * on paths with and without /v1, streaming or not. It stands in for LiteLLM's fake OpenAI endpoint in load
 * tests and for real engines in the gateway's integration tests, and it is the floor of the overhead
 * benchmark, so the request path does little: bodies are scanned, not parsed (./scan.ts), responses are
 * precomputed strings (./responses.ts), and per-request state lives on the request and response objects
 * (custom node:http classes) so no closures are allocated per request.
 *
 * Timing: `latencyMs` passes before the first response byte. A stream is then sent in one write, or with
 * `chunkIntervalMs` > 0 one content chunk per interval (the first with the role chunk, the last with the
 * finish chunk, the usage chunk and [DONE]).
 * Failures: with `failRate` > 0, each inference request (not /models) fails with `failStatus` and an
 * OpenAI-shaped error with that probability, drawn from a PRNG seeded with `seed`, in arrival order.
 * Run-time faults (`setFault`: stall, reset, status with Retry-After) switch every inference request arriving
 * while set to that fault, for chaos runs (bench/chaos.ts).
 * The mock does not validate requests: it answers any model it is asked for.
 */
import { type EventEmitter, once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MockRequest, MockResponse, onRequest } from './handler.ts';
import { createState, type MockFault, type MockOptions, type MockStats, setFault } from './state.ts';

export type { MockFault, MockOptions, MockStats } from './state.ts';

export interface MockHandle {
  /** `http://host:port`. */
  url: string;
  /** `http://host:port/v1`: what a config's api_base or the openai client's baseURL should be. */
  apiBase: string;
  port: number;
  stats: MockStats;
  /**
   * 'request' (req, body: Buffer) once a request's body has been read; 'served' and 'aborted' as the
   * counters move, so tests can wait for an event instead of sleeping ('drained' is close()'s own).
   */
  events: EventEmitter;
  /** Sets or (undefined) clears a fault for the inference requests that arrive from now on; see MockFault. */
  setFault(fault: MockFault | undefined): void;
  /** Stops listening and destroys open connections (in-flight requests are not counted as aborted). */
  close(): Promise<void>;
}

export async function startMock(options: MockOptions = {}): Promise<MockHandle> {
  const state = createState(options);
  const server = createServer<typeof MockRequest, typeof MockResponse>(
    { IncomingMessage: MockRequest, ServerResponse: MockResponse },
    (req, res) => onRequest(state, req, res),
  );
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  return {
    url,
    apiBase: `${url}/v1`,
    port,
    stats: state.stats,
    events: state.events,
    setFault: (fault) => setFault(state, fault),
    async close() {
      state.closing = true;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
      // Destroyed responses emit 'close' a tick later; resolve once every one is accounted for.
      if (state.stats.inFlight > 0) await once(state.events, 'drained');
    },
  };
}
