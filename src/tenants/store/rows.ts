/** Keys and teams to and from the store's rows (./schema.ts): one table of field ↔ column for both directions. */
import type { Priority } from '../../admission/priority.ts';
import type { KeySettings, TeamSettings } from '../key-settings.ts';
import type { StoredKey, StoredTeam, Usage } from './key-store.ts';
import type { Row, SqlParam } from './sql-driver.ts';

type Codec = { encode(v: unknown): SqlParam; decode(v: unknown): unknown };

const optional: Codec = {
  encode: (v) => (v === undefined ? null : (v as string | number)),
  decode: (v) => (v === null || v === undefined ? undefined : typeof v === 'string' ? v : Number(v)),
};
const text: Codec = { encode: optional.encode, decode: (v) => (v === null ? undefined : String(v)) };
const number: Codec = { encode: (v) => v as number, decode: Number };
const flag: Codec = { encode: (v) => (v === true ? 1 : 0), decode: (v) => Number(v) === 1 };
const json: Codec = {
  encode: (v) => (v === undefined ? null : JSON.stringify(v)),
  decode: (v) => (v === null ? undefined : JSON.parse(String(v))),
};

type Column<S> = readonly [keyof S, string, Codec];

const LIMIT_COLUMNS = [
  ['alias', 'alias', text],
  ['models', 'models', json],
  ['rpmLimit', 'rpm_limit', optional],
  ['tpmLimit', 'tpm_limit', optional],
  ['maxParallelRequests', 'max_parallel_requests', optional],
  ['maxBudget', 'max_budget', optional],
  ['budgetDurationMs', 'budget_duration_ms', optional],
  ['weight', 'weight', number],
  ['blocked', 'blocked', flag],
  ['metadata', 'metadata', json],
] as const satisfies readonly Column<TeamSettings>[];

export const KEY_COLUMNS: readonly Column<KeySettings>[] = [
  ...LIMIT_COLUMNS,
  ['teamId', 'team_id', text],
  ['expiresAtMs', 'expires_at', optional],
  ['maxPriority', 'priority', number],
];
export const TEAM_COLUMNS: readonly Column<TeamSettings>[] = LIMIT_COLUMNS;

/** The columns of the fields `patch` sets, and their values in the same order. */
export function columnValues<S>(
  columns: readonly Column<S>[],
  patch: Partial<S>,
): { names: string[]; params: SqlParam[] } {
  const names: string[] = [];
  const params: SqlParam[] = [];
  for (const [field, column, codec] of columns) {
    if (!(field in patch)) continue;
    names.push(column);
    params.push(codec.encode(patch[field]));
  }
  return { names, params };
}

/** `col = ?` for each field `patch` sets, with the values in the same order. */
export function assignments<S>(
  columns: readonly Column<S>[],
  patch: Partial<S>,
): { sql: string[]; params: SqlParam[] } {
  const { names, params } = columnValues(columns, patch);
  return { sql: names.map((c) => `${c} = ?`), params };
}

function settingsOf<S>(columns: readonly Column<S>[], r: Row): S {
  const out: Record<string, unknown> = {};
  for (const [field, column, codec] of columns) out[field as string] = codec.decode(r[column]);
  return out as S;
}

function usageOf(r: Row): Usage {
  return {
    requests: Number(r.requests),
    promptTokens: Number(r.prompt_tokens),
    completionTokens: Number(r.completion_tokens),
  };
}

export function keyOf(r: Row): StoredKey {
  return {
    ...settingsOf<KeySettings>(KEY_COLUMNS, r),
    maxPriority: Number(r.priority) as Priority,
    hash: String(r.hash),
    keyName: String(r.key_name),
    spend: Number(r.spend),
    budgetResetAtMs: optional.decode(r.budget_reset_at) as number | undefined,
    usage: usageOf(r),
    createdAtMs: Number(r.created_at),
    isStatic: Number(r.is_static) === 1,
  };
}

export function teamOf(r: Row): StoredTeam {
  return {
    ...settingsOf<TeamSettings>(TEAM_COLUMNS, r),
    id: String(r.id),
    spend: Number(r.spend),
    budgetResetAtMs: optional.decode(r.budget_reset_at) as number | undefined,
    usage: usageOf(r),
    createdAtMs: Number(r.created_at),
  };
}
