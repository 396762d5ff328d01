/** The key store a config names (../keys-config.ts), migrated and ready; KeyStoreUnavailableError when it is not. */
import type { KeyStoreConfig } from '../keys-config.ts';
import type { KeyStore } from './key-store.ts';
import { PgDriver } from './pg-driver.ts';
import { SqlKeyStore } from './sql-key-store.ts';
import { SqliteDriver } from './sqlite-driver.ts';

/** The key database could not be opened at start-up: `serve` exits with its own code (README "Commands"). */
export class KeyStoreUnavailableError extends Error {}

/** Where the store is, for messages: a Postgres URL without its password. */
export function describeStore(c: KeyStoreConfig): string {
  if (c.kind === 'sqlite') return c.path === ':memory:' ? 'memory' : `SQLite ${c.path}`;
  const u = new URL(c.url);
  return `PostgreSQL ${u.hostname}${u.port ? `:${u.port}` : ''}${u.pathname}`;
}

export async function openKeyStore(c: KeyStoreConfig, onIdleError: (err: Error) => void): Promise<KeyStore> {
  let store: KeyStore | undefined;
  try {
    store = new SqlKeyStore(c.kind === 'sqlite' ? new SqliteDriver(c.path) : new PgDriver(c.url, onIdleError));
    await store.migrate();
    return store;
  } catch (err) {
    await store?.close().catch(() => undefined);
    throw new KeyStoreUnavailableError(
      `cannot open the key store (${describeStore(c)}): ${(err as Error).message || String(err)}`,
      { cause: err },
    );
  }
}
