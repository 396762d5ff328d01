import pino, { type Logger } from 'pino';

/**
 * The CLI's logger: JSON lines on stdout, written asynchronously in batches so a log line per request stays
 * off the request's critical path. Call `flush` before exiting.
 */
export function cliLogger(level: string): Logger {
  return pino({ level }, pino.destination({ dest: 1, sync: false, minLength: 4096 }));
}
