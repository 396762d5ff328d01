/**
 * The key store's tables, the same text for SQLite and Postgres: numbers are DOUBLE PRECISION (epoch ms, money)
 * or BIGINT (counts), booleans INTEGER 0/1, lists and metadata JSON text. `seq` is the change sequence
 * (./key-store.ts); `spillway_seq` holds its last value in one row, whose lock orders the writers.
 */
const LIMIT_COLUMNS = `
  alias TEXT,
  models TEXT,
  rpm_limit DOUBLE PRECISION,
  tpm_limit DOUBLE PRECISION,
  max_parallel_requests DOUBLE PRECISION,
  max_budget DOUBLE PRECISION,
  budget_duration_ms DOUBLE PRECISION,
  budget_reset_at DOUBLE PRECISION,
  spend DOUBLE PRECISION NOT NULL DEFAULT 0,
  weight DOUBLE PRECISION NOT NULL,
  blocked INTEGER NOT NULL,
  metadata TEXT NOT NULL,
  requests BIGINT NOT NULL DEFAULT 0,
  prompt_tokens BIGINT NOT NULL DEFAULT 0,
  completion_tokens BIGINT NOT NULL DEFAULT 0,
  created_at DOUBLE PRECISION NOT NULL,
  updated_at DOUBLE PRECISION NOT NULL,
  deleted INTEGER NOT NULL DEFAULT 0,
  seq BIGINT NOT NULL`;

export const MIGRATION = [
  'CREATE TABLE IF NOT EXISTS spillway_seq (id INTEGER PRIMARY KEY, value BIGINT NOT NULL)',
  'INSERT INTO spillway_seq (id, value) VALUES (1, 0) ON CONFLICT (id) DO NOTHING',
  `CREATE TABLE IF NOT EXISTS spillway_keys (
  hash TEXT PRIMARY KEY,
  key_name TEXT NOT NULL,
  team_id TEXT,
  priority INTEGER NOT NULL,
  expires_at DOUBLE PRECISION,
  is_static INTEGER NOT NULL DEFAULT 0,${LIMIT_COLUMNS})`,
  'CREATE UNIQUE INDEX IF NOT EXISTS spillway_keys_alias ON spillway_keys (alias)',
  'CREATE INDEX IF NOT EXISTS spillway_keys_seq ON spillway_keys (seq)',
  'CREATE INDEX IF NOT EXISTS spillway_keys_team ON spillway_keys (team_id)',
  `CREATE TABLE IF NOT EXISTS spillway_teams (
  id TEXT PRIMARY KEY,${LIMIT_COLUMNS})`,
  'CREATE INDEX IF NOT EXISTS spillway_teams_seq ON spillway_teams (seq)',
];

/** The next change number; the row stays locked until the transaction ends, so numbers follow commit order. */
export const NEXT_SEQ = 'UPDATE spillway_seq SET value = value + 1 WHERE id = 1 RETURNING value';
export const CURRENT_SEQ = 'SELECT value FROM spillway_seq WHERE id = 1';
