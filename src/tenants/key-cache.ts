/**
 * Keeps the directory (./directory.ts) in step with the store: every `refreshMs` it reads what changed since the
 * last change number it saw (./store/key-store.ts), so a change or a revocation made on any instance reaches
 * this one within about refreshMs plus one query. The request path only ever reads the directory. While the
 * store cannot be read, the keys already held keep working and `healthy` is false.
 */
import type { TenantDirectory } from './directory.ts';
import type { KeyStore, StoreChanges } from './store/key-store.ts';

export interface KeyCacheOptions {
  store: KeyStore;
  directory: TenantDirectory;
  refreshMs: number;
  /** Wall-clock epoch ms, for budget windows (injected in tests). */
  now: () => number;
  /** The store could not be read (told once per outage), and could again. */
  onLost(err: unknown): void;
  onBack(): void;
}

export class KeyCache {
  /** The last change number applied. */
  private seq = 0;
  private timer: NodeJS.Timeout | undefined;
  private polling: Promise<void> | undefined;
  /** Earliest budget window end held: the store is swept for budgets once it passes. */
  private nextResetMs = Infinity;
  healthy = true;
  private readonly o: KeyCacheOptions;

  constructor(o: KeyCacheOptions) {
    this.o = o;
  }

  /** The first full read; rejects when the store cannot be read. */
  async load(): Promise<void> {
    await this.refresh();
    this.timer = setInterval(() => void this.poll(), this.o.refreshMs);
    this.timer.unref();
  }

  /** Reads and applies what changed now (the management API calls it after each write, for its own instance). */
  async refresh(): Promise<void> {
    const changes = await this.o.store.changesSince(this.seq);
    this.apply(changes);
  }

  stop(): Promise<void> {
    clearInterval(this.timer);
    return this.polling ?? Promise.resolve();
  }

  private poll(): Promise<void> {
    // One read at a time: a slow store makes the polls wait, not pile up.
    this.polling ??= this.pollOnce().finally(() => {
      this.polling = undefined;
    });
    return this.polling;
  }

  private async pollOnce(): Promise<void> {
    try {
      await this.refresh();
      const now = this.o.now();
      if (this.nextResetMs <= now) {
        await this.o.store.resetBudgets(now);
        await this.refresh();
        this.nextResetMs = this.o.directory.nextBudgetResetMs();
      }
      if (!this.healthy) {
        this.healthy = true;
        this.o.onBack();
      }
    } catch (err) {
      if (this.healthy) this.o.onLost(err);
      this.healthy = false;
    }
  }

  private apply(c: StoreChanges): void {
    if (c.seq === this.seq) return;
    const d = this.o.directory;
    // Teams first, so the keys of a new team are built with it.
    for (const t of c.teams) {
      d.setTeam(t);
      this.nextResetMs = Math.min(this.nextResetMs, t.budgetResetAtMs ?? Infinity);
    }
    for (const id of c.deletedTeams) d.deleteTeam(id);
    for (const k of c.keys) {
      d.setKey(k);
      this.nextResetMs = Math.min(this.nextResetMs, k.budgetResetAtMs ?? Infinity);
    }
    for (const h of c.deletedKeys) d.deleteKey(h);
    this.seq = c.seq;
  }
}
