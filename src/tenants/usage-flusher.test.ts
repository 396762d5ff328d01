import assert from 'node:assert/strict';
import { test } from 'node:test';
import pino from 'pino';
import { Registry } from 'prom-client';
import { TenantLedger } from './ledger.ts';
import { TenantMetrics } from './tenant-metrics.ts';
import { tenant } from './test-support.ts';
import type { UsageDelta } from './types.ts';
import { UsageFlusher } from './usage-flusher.ts';

/** A store that refuses its first batch, then takes the rest. */
class FlakySink {
  readonly taken: UsageDelta[][] = [];
  private refuse = true;
  async recordUsage(batch: readonly UsageDelta[]): Promise<void> {
    if (this.refuse) {
      this.refuse = false;
      throw new Error('store down');
    }
    this.taken.push([...batch]);
  }
}

test('a batch the store refuses is kept and goes with the next, added to what came since; nothing twice', async () => {
  const ledger = new TenantLedger(() => 0, new TenantMetrics(new Registry()));
  const t = tenant({ alias: 'a', maxBudget: 1 });
  const c = ledger.key(t);
  c.pendingRequests = 1;
  c.pendingSpend = 0.25;
  const sink = new FlakySink();
  const flusher = new UsageFlusher(ledger, sink, pino({ level: 'silent' }));
  await flusher.flush();
  assert.equal(sink.taken.length, 0);
  assert.equal(c.spendOnTop(t.key), 0.25); // still counted against the budget
  c.pendingRequests += 1;
  c.pendingSpend += 0.5;
  await flusher.stop();
  assert.equal(sink.taken.length, 1);
  assert.equal(sink.taken[0][0].requests, 2);
  assert.equal(sink.taken[0][0].spend, 0.75);
  assert.equal(c.spendOnTop(t.key), 0.75); // told to the store, not yet read back from it
  await flusher.flush();
  assert.equal(sink.taken.length, 1);
});
