/**
 * What an operator sets on a key or a team (the management API, the YAML's static keys); the store adds spend,
 * usage and the budget window. Durations and priorities are parsed here, once, for both.
 */
import { PRIORITY_NAMES, type Priority, type PriorityName, STANDARD } from '../admission/priority.ts';
import type { KeyInfo, TeamInfo } from './types.ts';

/** The fields of a key an operator sets: KeyInfo without what the store keeps. */
export type KeySettings = Omit<KeyInfo, 'hash' | 'spend' | 'budgetResetAtMs'>;
/** The fields of a team an operator sets. */
export type TeamSettings = Omit<TeamInfo, 'id' | 'spend' | 'budgetResetAtMs'> & {
  readonly metadata: Readonly<Record<string, unknown>>;
};

export const DEFAULT_KEY_SETTINGS: KeySettings = {
  alias: undefined,
  teamId: undefined,
  models: undefined,
  rpmLimit: undefined,
  tpmLimit: undefined,
  maxParallelRequests: undefined,
  maxBudget: undefined,
  budgetDurationMs: undefined,
  expiresAtMs: undefined,
  // A key without a priority may use standard and below: critical has to be granted.
  maxPriority: STANDARD,
  weight: 1,
  blocked: false,
  metadata: {},
};

export const DEFAULT_TEAM_SETTINGS: TeamSettings = {
  alias: undefined,
  models: undefined,
  rpmLimit: undefined,
  tpmLimit: undefined,
  maxParallelRequests: undefined,
  maxBudget: undefined,
  budgetDurationMs: undefined,
  weight: 1,
  blocked: false,
  metadata: {},
};

const UNIT_MS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, mo: 30 * 86_400_000 };

/** LiteLLM's duration strings (`30s`, `30m`, `30h`, `30d`, `1mo`) in ms; undefined when not one. */
export function parseDuration(s: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)(s|m|h|d|mo)$/.exec(s.trim());
  return m === null ? undefined : Number(m[1]) * UNIT_MS[m[2]];
}

export const DURATION_HINT = 'expected a duration such as 30s, 30m, 30h, 30d or 1mo';

export function priorityOf(name: PriorityName): Priority {
  return PRIORITY_NAMES.indexOf(name) as Priority;
}
