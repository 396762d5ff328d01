/**
 * The key store over SQL (./key-store.ts), one text for SQLite and Postgres (./sql-driver.ts). Every write takes
 * the next change number in its own transaction; spend and usage are added in place (`spend = spend + ?`), so
 * concurrent flushes and updates from any number of instances lose nothing, and an update writes only the
 * fields it names.
 */
import type { KeySettings, TeamSettings } from '../key-settings.ts';
import type { UsageDelta } from '../types.ts';
import { KeyConflictError, type KeyStore, type StoreChanges, type StoredKey, type StoredTeam } from './key-store.ts';
import { assignments, columnValues, KEY_COLUMNS, keyOf, TEAM_COLUMNS, teamOf } from './rows.ts';
import { CURRENT_SEQ, MIGRATION, NEXT_SEQ } from './schema.ts';
import type { SqlDriver, SqlParam, SqlQuery } from './sql-driver.ts';

/** Adds one delta; a budget window that has ended starts again with this delta's spend. */
const ADD_USAGE = `SET requests = requests + ?, prompt_tokens = prompt_tokens + ?,
  completion_tokens = completion_tokens + ?,
  spend = CASE WHEN budget_reset_at IS NOT NULL AND budget_reset_at <= ? THEN ? ELSE spend + ? END,
  budget_reset_at = CASE WHEN budget_reset_at IS NOT NULL AND budget_reset_at <= ? THEN ? + budget_duration_ms
    ELSE budget_reset_at END,
  seq = ? WHERE deleted = 0 AND`;
const RESET_BUDGETS = `SET spend = 0, budget_reset_at = ? + budget_duration_ms, seq = ?
  WHERE deleted = 0 AND budget_reset_at IS NOT NULL AND budget_reset_at <= ?`;

const placeholders = (n: number) => Array.from({ length: n }, () => '?').join(', ');

async function nextSeq(q: SqlQuery): Promise<number> {
  return Number((await q.query(NEXT_SEQ))[0].value);
}

/** The budget window a duration set at `nowMs` opens. */
function resetAt(durationMs: number | undefined, nowMs: number): number | null {
  return durationMs === undefined ? null : nowMs + durationMs;
}

export class SqlKeyStore implements KeyStore {
  private readonly db: SqlDriver;
  /** Wall-clock epoch ms: when a usage flush finds a budget window ended (injected in tests). */
  private readonly now: () => number;

  constructor(db: SqlDriver, now: () => number = Date.now) {
    this.db = db;
    this.now = now;
  }

  async migrate(): Promise<void> {
    await this.db.transaction(async (q) => {
      if (this.db.migrationLock !== undefined) await q.query(this.db.migrationLock);
      for (const statement of MIGRATION) await q.query(statement);
    });
  }

  createKey(hash: string, keyName: string, settings: KeySettings, nowMs: number): Promise<StoredKey> {
    return this.conflicts(() =>
      this.db.transaction(async (q) => {
        const seq = await nextSeq(q);
        const set = columnValues(KEY_COLUMNS, settings);
        const rows = await q.query(
          `INSERT INTO spillway_keys (hash, key_name, budget_reset_at, created_at, updated_at, seq,
            ${set.names.join(', ')}) VALUES (${placeholders(6 + set.params.length)}) RETURNING *`,
          [hash, keyName, resetAt(settings.budgetDurationMs, nowMs), nowMs, nowMs, seq, ...set.params],
        );
        return keyOf(rows[0]);
      }),
    );
  }

  async syncStaticKeys(keys: readonly { hash: string; settings: KeySettings }[], nowMs: number): Promise<void> {
    await this.conflicts(() =>
      this.db.transaction(async (q) => {
        const seq = await nextSeq(q);
        for (const { hash, settings } of keys) {
          const set = columnValues(KEY_COLUMNS, settings);
          const columns = set.names;
          await q.query(
            `INSERT INTO spillway_keys (hash, key_name, is_static, budget_reset_at, created_at, updated_at, seq,
              ${columns.join(', ')}) VALUES (${placeholders(7 + set.params.length)})
             ON CONFLICT (hash) DO UPDATE SET deleted = 0, is_static = 1, updated_at = excluded.updated_at,
              seq = excluded.seq, budget_reset_at = COALESCE(spillway_keys.budget_reset_at, excluded.budget_reset_at),
              ${columns.map((c) => `${c} = excluded.${c}`).join(', ')}`,
            [hash, 'static', 1, resetAt(settings.budgetDurationMs, nowMs), nowMs, nowMs, seq, ...set.params],
          );
        }
        // A key taken out of the file is deleted.
        const keep = keys.map((k) => k.hash);
        const kept = keep.length > 0 ? ` AND hash NOT IN (${placeholders(keep.length)})` : '';
        await q.query(
          `UPDATE spillway_keys SET deleted = 1, alias = NULL, seq = ?, updated_at = ?
           WHERE is_static = 1 AND deleted = 0${kept}`,
          [seq, nowMs, ...keep],
        );
      }),
    );
  }

  updateKey(hash: string, patch: Partial<KeySettings>, nowMs: number): Promise<StoredKey | undefined> {
    return this.conflicts(() =>
      this.db.transaction(async (q) => {
        const seq = await nextSeq(q);
        const set = assignments(KEY_COLUMNS, patch);
        if ('budgetDurationMs' in patch) {
          set.sql.push('budget_reset_at = ?');
          set.params.push(resetAt(patch.budgetDurationMs, nowMs));
        }
        const rows = await q.query(
          `UPDATE spillway_keys SET ${[...set.sql, 'updated_at = ?', 'seq = ?'].join(', ')}
           WHERE hash = ? AND deleted = 0 RETURNING *`,
          [...set.params, nowMs, seq, hash],
        );
        return rows.length === 0 ? undefined : keyOf(rows[0]);
      }),
    );
  }

  async deleteKeys(hashes: readonly string[], aliases: readonly string[], nowMs: number): Promise<string[]> {
    const which: string[] = [];
    if (hashes.length > 0) which.push(`hash IN (${placeholders(hashes.length)})`);
    if (aliases.length > 0) which.push(`alias IN (${placeholders(aliases.length)})`);
    if (which.length === 0) return [];
    return this.db.transaction(async (q) => {
      const seq = await nextSeq(q);
      const rows = await q.query(
        `UPDATE spillway_keys SET deleted = 1, alias = NULL, seq = ?, updated_at = ?
         WHERE deleted = 0 AND (${which.join(' OR ')}) RETURNING hash`,
        [seq, nowMs, ...hashes, ...aliases],
      );
      return rows.map((r) => String(r.hash));
    });
  }

  async getKey(hash: string): Promise<StoredKey | undefined> {
    const rows = await this.db.query('SELECT * FROM spillway_keys WHERE hash = ? AND deleted = 0', [hash]);
    return rows.length === 0 ? undefined : keyOf(rows[0]);
  }

  async listKeys(o: { offset: number; limit: number; teamId?: string }): Promise<{ keys: StoredKey[]; total: number }> {
    const where = o.teamId === undefined ? 'deleted = 0' : 'deleted = 0 AND team_id = ?';
    const params: SqlParam[] = o.teamId === undefined ? [] : [o.teamId];
    const total = await this.db.query(`SELECT COUNT(*) AS n FROM spillway_keys WHERE ${where}`, params);
    const rows = await this.db.query(
      `SELECT * FROM spillway_keys WHERE ${where} ORDER BY created_at, hash LIMIT ? OFFSET ?`,
      [...params, o.limit, o.offset],
    );
    return { keys: rows.map(keyOf), total: Number(total[0].n) };
  }

  createTeam(id: string, settings: TeamSettings, nowMs: number): Promise<StoredTeam> {
    return this.conflicts(() =>
      this.db.transaction(async (q) => {
        const seq = await nextSeq(q);
        const set = columnValues(TEAM_COLUMNS, settings);
        const columns = set.names;
        // A deleted team's id may be used again: its row starts afresh.
        const rows = await q.query(
          `INSERT INTO spillway_teams (id, budget_reset_at, created_at, updated_at, seq, ${columns.join(', ')})
           VALUES (${placeholders(5 + set.params.length)})
           ON CONFLICT (id) DO UPDATE SET deleted = 0, spend = 0, requests = 0, prompt_tokens = 0,
            completion_tokens = 0, budget_reset_at = excluded.budget_reset_at, created_at = excluded.created_at,
            updated_at = excluded.updated_at, seq = excluded.seq,
            ${columns.map((c) => `${c} = excluded.${c}`).join(', ')}
           WHERE spillway_teams.deleted = 1 RETURNING *`,
          [id, resetAt(settings.budgetDurationMs, nowMs), nowMs, nowMs, seq, ...set.params],
        );
        if (rows.length === 0) throw new KeyConflictError(`team_id "${id}" exists`);
        return teamOf(rows[0]);
      }),
    );
  }

  updateTeam(id: string, patch: Partial<TeamSettings>, nowMs: number): Promise<StoredTeam | undefined> {
    return this.db.transaction(async (q) => {
      const seq = await nextSeq(q);
      const set = assignments(TEAM_COLUMNS, patch);
      if ('budgetDurationMs' in patch) {
        set.sql.push('budget_reset_at = ?');
        set.params.push(resetAt(patch.budgetDurationMs, nowMs));
      }
      const rows = await q.query(
        `UPDATE spillway_teams SET ${[...set.sql, 'updated_at = ?', 'seq = ?'].join(', ')}
         WHERE id = ? AND deleted = 0 RETURNING *`,
        [...set.params, nowMs, seq, id],
      );
      return rows.length === 0 ? undefined : teamOf(rows[0]);
    });
  }

  async deleteTeams(ids: readonly string[], nowMs: number): Promise<string[]> {
    if (ids.length === 0) return [];
    return this.db.transaction(async (q) => {
      const seq = await nextSeq(q);
      const rows = await q.query(
        `UPDATE spillway_teams SET deleted = 1, seq = ?, updated_at = ?
         WHERE deleted = 0 AND id IN (${placeholders(ids.length)}) RETURNING id`,
        [seq, nowMs, ...ids],
      );
      // A team's keys go with it: left behind they would escape the team's limits.
      await q.query(
        `UPDATE spillway_keys SET deleted = 1, alias = NULL, seq = ?, updated_at = ?
         WHERE deleted = 0 AND team_id IN (${placeholders(ids.length)})`,
        [seq, nowMs, ...ids],
      );
      return rows.map((r) => String(r.id));
    });
  }

  async getTeam(id: string): Promise<StoredTeam | undefined> {
    const rows = await this.db.query('SELECT * FROM spillway_teams WHERE id = ? AND deleted = 0', [id]);
    return rows.length === 0 ? undefined : teamOf(rows[0]);
  }

  async listTeams(): Promise<StoredTeam[]> {
    return (await this.db.query('SELECT * FROM spillway_teams WHERE deleted = 0 ORDER BY created_at, id')).map(teamOf);
  }

  async changesSince(since: number): Promise<StoreChanges> {
    // Read the sequence first: every write numbered up to it has committed (numbers follow commit order).
    const seq = Number((await this.db.query(CURRENT_SEQ))[0].value);
    if (seq === since) return { seq, keys: [], deletedKeys: [], teams: [], deletedTeams: [] };
    const range = 'WHERE seq > ? AND seq <= ?';
    const keyRows = await this.db.query(`SELECT * FROM spillway_keys ${range}`, [since, seq]);
    const teamRows = await this.db.query(`SELECT * FROM spillway_teams ${range}`, [since, seq]);
    const deleted = (r: Record<string, unknown>) => Number(r.deleted) === 1;
    return {
      seq,
      keys: keyRows.filter((r) => !deleted(r)).map(keyOf),
      deletedKeys: keyRows.filter(deleted).map((r) => String(r.hash)),
      teams: teamRows.filter((r) => !deleted(r)).map(teamOf),
      deletedTeams: teamRows.filter(deleted).map((r) => String(r.id)),
    };
  }

  async recordUsage(batch: readonly UsageDelta[]): Promise<void> {
    if (batch.length === 0) return;
    const now = this.now();
    await this.db.transaction(async (q) => {
      const seq = await nextSeq(q);
      for (const d of batch) {
        const add = [d.requests, d.promptTokens, d.completionTokens, now, d.spend, d.spend, now, now, seq];
        await q.query(`UPDATE spillway_keys ${ADD_USAGE} hash = ?`, [...add, d.keyHash]);
        if (d.teamId !== undefined) await q.query(`UPDATE spillway_teams ${ADD_USAGE} id = ?`, [...add, d.teamId]);
      }
    });
  }

  async resetBudgets(nowMs: number): Promise<void> {
    const due = 'WHERE deleted = 0 AND budget_reset_at IS NOT NULL AND budget_reset_at <= ? LIMIT 1';
    const [k, t] = await Promise.all([
      this.db.query(`SELECT 1 AS due FROM spillway_keys ${due}`, [nowMs]),
      this.db.query(`SELECT 1 AS due FROM spillway_teams ${due}`, [nowMs]),
    ]);
    if (k.length === 0 && t.length === 0) return;
    await this.db.transaction(async (q) => {
      const seq = await nextSeq(q);
      await q.query(`UPDATE spillway_keys ${RESET_BUDGETS}`, [nowMs, seq, nowMs]);
      await q.query(`UPDATE spillway_teams ${RESET_BUDGETS}`, [nowMs, seq, nowMs]);
    });
  }

  close(): Promise<void> {
    return this.db.close();
  }

  private async conflicts<T>(write: () => Promise<T>): Promise<T> {
    try {
      return await write();
    } catch (err) {
      if (this.db.isConflict(err)) throw new KeyConflictError('key_alias or team_id is taken');
      throw err;
    }
  }
}
