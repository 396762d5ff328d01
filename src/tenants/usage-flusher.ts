/**
 * Tells the store what tenants used: the ledger's pending usage as one batch of UsageDelta about every second, and
 * once more at shutdown; never on a request's path. A batch the store refuses is put back and goes with the next.
 * One flush at a time, so a slow store never has two batches of the same usage in flight.
 */
import type { Logger } from 'pino';
import type { TenantLedger } from './ledger.ts';
import type { UsageSink } from './usage-sink.ts';

export const USAGE_FLUSH_MS = 1000;

export class UsageFlusher {
  private readonly ledger: TenantLedger;
  private readonly sink: UsageSink;
  private readonly log: Logger;
  private timer: NodeJS.Timeout | undefined = undefined;
  private running: Promise<void> | undefined = undefined;

  constructor(ledger: TenantLedger, sink: UsageSink, log: Logger) {
    this.ledger = ledger;
    this.sink = sink;
    this.log = log;
  }

  start(everyMs = USAGE_FLUSH_MS): void {
    this.timer ??= setInterval(() => void this.flush(), everyMs).unref();
  }

  /** Stops the timer and flushes what is left (after any flush under way). */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
    await this.flush();
  }

  flush(): Promise<void> {
    if (this.running !== undefined) return this.running;
    const batch = this.ledger.drainUsage();
    if (batch.length === 0) return Promise.resolve();
    this.running = this.sink
      .recordUsage(batch)
      .catch((err: unknown) => {
        this.ledger.restoreUsage(batch);
        this.log.warn({ err, keys: batch.length }, 'usage flush failed; kept for the next one');
      })
      .finally(() => {
        this.running = undefined;
      });
    return this.running;
  }
}
