/**
 * Postgres (the `pg` client) under the key store, for many instances on many machines. A small pool: the store
 * is read by a poll every refresh_ms and written by usage flushes and the management API, never per request.
 */
import pg from 'pg';
import type { Row, SqlDriver, SqlParam, SqlQuery } from './sql-driver.ts';

const UNIQUE_VIOLATION = '23505';
const POOL_SIZE = 4;
const CONNECT_TIMEOUT_MS = 5_000;

/** The store's `?` placeholders as Postgres's `$1, $2...` (the store's SQL has no `?` inside a literal). */
function numbered(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}

export class PgDriver implements SqlDriver {
  private readonly pool: pg.Pool;
  private readonly sqlCache = new Map<string, string>();
  // Any fixed number: instances migrating at once wait for each other here.
  readonly migrationLock = 'SELECT pg_advisory_xact_lock(7415926535)';

  /** `onIdleError`: a pooled connection broke while idle (the database went away); without it pg would throw. */
  constructor(url: string, onIdleError: (err: Error) => void) {
    this.pool = new pg.Pool({ connectionString: url, max: POOL_SIZE, connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
    this.pool.on('error', onIdleError);
  }

  async query(sql: string, params: readonly SqlParam[] = []): Promise<Row[]> {
    return (await this.pool.query(this.text(sql), params as SqlParam[])).rows;
  }

  async transaction<T>(fn: (q: SqlQuery) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const out = await fn({
        query: async (sql, params = []) => (await client.query(this.text(sql), params as SqlParam[])).rows,
      });
      await client.query('COMMIT');
      return out;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }

  isConflict(err: unknown): boolean {
    return (err as { code?: string }).code === UNIQUE_VIOLATION;
  }

  async close(): Promise<void> {
    await this.pool.end();
  }

  private text(sql: string): string {
    let t = this.sqlCache.get(sql);
    if (t === undefined) this.sqlCache.set(sql, (t = numbered(sql)));
    return t;
  }
}
