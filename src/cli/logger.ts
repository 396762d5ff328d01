import pino, { type Logger } from 'pino';

/**
 * The CLI's logger: JSON lines on stdout, written asynchronously in batches so a log line per request stays
 * off the request's critical path. Call `flush` before exiting.
 */
export function cliLogger(level: string): Logger {
  return pino({ level }, pino.destination({ dest: 1, sync: false, minLength: 4096 }));
}

/**
 * A worker thread's logger (`serve --workers`): every worker writes to the same stdout, so each write(2) is
 * kept to whole lines within PIPE_BUF (4 KB), which the kernel writes to a pipe without interleaving.
 */
export function workerLogger(level: string, worker: number): Logger {
  return pino({ level }, pino.destination({ dest: 1, sync: false, minLength: 2048, maxWrite: 4096 })).child({
    worker,
  });
}
