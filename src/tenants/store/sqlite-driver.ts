/**
 * node:sqlite (built into Node 24) under the key store. WAL, so readers never wait for the writer; a busy
 * timeout, so `--workers` threads and other processes on the same file wait for the write lock instead of
 * failing. Calls are synchronous, so they run only off the request path: the cache's poll, usage flushes and
 * the management API. Transactions on one file are queued per thread: a connection waiting synchronously for
 * the lock would block the event loop that has to finish the transaction holding it.
 */
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import type { Row, SqlDriver, SqlParam, SqlQuery } from './sql-driver.ts';

const BUSY_TIMEOUT_MS = 5_000;
// SQLITE_CONSTRAINT_UNIQUE and SQLITE_CONSTRAINT_PRIMARYKEY (sqlite.org/rescode.html).
const CONFLICT_CODES = new Set([2067, 1555]);
/** The last transaction queued on each file by this thread. */
const queues = new Map<unknown, Promise<unknown>>();

export class SqliteDriver implements SqlDriver {
  private readonly db: DatabaseSync;
  private readonly statements = new Map<string, StatementSync>();
  /** The file's path; a :memory: connection is a database of its own, queued on itself. */
  private readonly queueKey: unknown;
  // BEGIN IMMEDIATE already holds the file's one write lock.
  readonly migrationLock = undefined;

  constructor(path: string) {
    this.queueKey = path === ':memory:' ? this : path;
    this.db = new DatabaseSync(path);
    this.db.exec(`PRAGMA busy_timeout = ${BUSY_TIMEOUT_MS}`);
    if (path !== ':memory:') this.db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL');
  }

  async query(sql: string, params: readonly SqlParam[] = []): Promise<Row[]> {
    return this.run(sql, params);
  }

  transaction<T>(fn: (q: SqlQuery) => Promise<T>): Promise<T> {
    const key = this.queueKey;
    const next = (queues.get(key) ?? Promise.resolve()).then(async () => {
      this.db.exec('BEGIN IMMEDIATE');
      try {
        const out = await fn({ query: async (sql, params = []) => this.run(sql, params) });
        this.db.exec('COMMIT');
        return out;
      } catch (err) {
        this.db.exec('ROLLBACK');
        throw err;
      }
    });
    const settled = next.catch(() => undefined);
    queues.set(key, settled);
    void settled.then(() => {
      if (queues.get(key) === settled) queues.delete(key);
    });
    return next;
  }

  isConflict(err: unknown): boolean {
    return CONFLICT_CODES.has((err as { errcode?: number }).errcode ?? -1);
  }

  async close(): Promise<void> {
    await queues.get(this.queueKey);
    this.db.close();
  }

  private run(sql: string, params: readonly SqlParam[]): Row[] {
    let st = this.statements.get(sql);
    if (st === undefined) this.statements.set(sql, (st = this.db.prepare(sql)));
    return st.all(...params) as Row[];
  }
}
