/**
 * API keys as the gateway runs them: the directory the ingress asks, kept in step with the store by the cache;
 * the management API (src/ops/keys) works on the same store and cache. Started before the gateway listens (a
 * store that cannot be opened then is fatal: KeyStoreUnavailableError), stopped after it closes.
 */
import type { Logger } from 'pino';
import { TenantDirectory } from './directory.ts';
import { KeyCache } from './key-cache.ts';
import type { KeysConfig } from './keys-config.ts';
import type { KeyStore } from './store/key-store.ts';
import { describeStore, KeyStoreUnavailableError, openKeyStore } from './store/open-store.ts';
import type { UsageDelta } from './types.ts';
import type { UsageSink } from './usage-sink.ts';

export class KeyService implements UsageSink {
  readonly directory: TenantDirectory;
  private readonly config: KeysConfig;
  private readonly log: Logger;
  private readonly now: () => number;
  private opened: { store: KeyStore; cache: KeyCache } | undefined;

  /** `now`: wall-clock epoch ms (expiry, budget windows); injected in tests. */
  constructor(config: KeysConfig, log: Logger, now: () => number = Date.now) {
    this.config = config;
    this.log = log;
    this.now = now;
    this.directory = new TenantDirectory(config.masterKey, now);
  }

  async start(): Promise<void> {
    const where = describeStore(this.config.store);
    const store = await openKeyStore(this.config.store, (err) =>
      this.log.warn({ err, store: where }, 'key store connection lost'),
    );
    const cache = new KeyCache({
      store,
      directory: this.directory,
      refreshMs: this.config.refreshMs,
      now: this.now,
      onLost: (err) =>
        this.log.error({ err, store: where }, 'key store unreachable: serving cached keys, management answers 503'),
      onBack: () => this.log.info({ store: where }, 'key store reachable again'),
    });
    try {
      await store.syncStaticKeys(this.config.staticKeys, this.now());
      await cache.load();
    } catch (err) {
      await store.close().catch(() => undefined);
      throw new KeyStoreUnavailableError(`cannot read the key store (${where}): ${(err as Error).message}`, {
        cause: err,
      });
    }
    this.opened = { store, cache };
    this.log.info({ store: where, keys: this.directory.size }, 'API keys loaded');
  }

  /** The store and its cache once started (the management API's). */
  get running(): { readonly store: KeyStore; readonly cache: KeyCache } | undefined {
    return this.opened;
  }

  /** Wall-clock epoch ms, as the service reads it. */
  get clock(): () => number {
    return this.now;
  }

  /** Usage flushed by the tenant gate: added to the keys' and teams' rows (spend, tokens, requests). */
  recordUsage(batch: readonly UsageDelta[]): Promise<void> {
    if (this.opened === undefined) return Promise.reject(new Error('the key store is not open'));
    return this.opened.store.recordUsage(batch);
  }

  async stop(): Promise<void> {
    const o = this.opened;
    this.opened = undefined;
    await o?.cache.stop();
    await o?.store.close();
  }
}
