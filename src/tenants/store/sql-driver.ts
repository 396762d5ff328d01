/** What the SQL key store (./sql-key-store.ts) needs of a database: `?` placeholders, rows as plain objects. */
export type Row = Record<string, unknown>;
export type SqlParam = string | number | null;

export interface SqlQuery {
  query(sql: string, params?: readonly SqlParam[]): Promise<Row[]>;
}

export interface SqlDriver extends SqlQuery {
  /** Runs `fn` in one transaction that holds the write lock from its first statement; rolls back if it throws. */
  transaction<T>(fn: (q: SqlQuery) => Promise<T>): Promise<T>;
  /** A unique-constraint violation (a taken alias or id). */
  isConflict(err: unknown): boolean;
  /** Run first in the migration's transaction so instances starting together create the tables once. */
  readonly migrationLock: string | undefined;
  close(): Promise<void>;
}
