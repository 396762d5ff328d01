/**
 * The key and team fields of LiteLLM's management API (`key_alias`, `rpm_limit`, `budget_duration`...) plus
 * Spillway's `priority` and `weight`, as zod shapes shared by the API (./management/) and the YAML's static
 * keys (../config/keys.ts). Each parses to a partial KeySettings/TeamSettings; null reads as absent, as in
 * LiteLLM.
 */
import * as z from 'zod';
import { PRIORITY_NAMES } from '../admission/priority.ts';
import { DURATION_HINT, type KeySettings, parseDuration, priorityOf, type TeamSettings } from './key-settings.ts';

const opt = <T extends z.ZodType>(t: T) => t.nullish().transform((v) => v ?? undefined);
const count = () => opt(z.int().positive());
const id = () => z.string().min(1, 'expected a non-empty string').max(256, 'expected at most 256 characters');
const duration = () =>
  opt(
    z.string().transform((s, ctx) => {
      const ms = parseDuration(s);
      if (ms === undefined) ctx.addIssue({ code: 'custom', message: DURATION_HINT });
      return ms ?? 0;
    }),
  );

/** Fields keys and teams share. */
export const limitFields = {
  models: opt(z.array(z.string().min(1)).max(1000)),
  rpm_limit: count(),
  tpm_limit: count(),
  max_parallel_requests: count(),
  max_budget: opt(z.number().nonnegative()),
  budget_duration: duration(),
  weight: opt(z.number().positive().max(1_000_000)),
  blocked: opt(z.boolean()),
  metadata: opt(z.record(z.string(), z.unknown())),
};

export const keyFields = {
  ...limitFields,
  key_alias: opt(id()),
  team_id: opt(id()),
  priority: opt(z.enum(PRIORITY_NAMES)),
  /** LiteLLM's relative expiry (`30d`), from now. */
  duration: duration(),
  /** An absolute expiry: ISO 8601 date-time (Spillway's; LiteLLM answers `expires` in this form). */
  expires: opt(z.iso.datetime({ offset: true }).transform((s) => Date.parse(s))),
};

export const teamFields = { ...limitFields, team_alias: opt(id()) };

type Parsed<S extends z.core.$ZodLooseShape> = z.output<z.ZodObject<S>>;

/** The KeySettings a parsed body sets (fields absent from it are absent here). */
export function keySettingsOf(f: Partial<Parsed<typeof keyFields>>, nowMs: number): Partial<KeySettings> {
  const out: { -readonly [K in keyof KeySettings]?: KeySettings[K] } = limitSettingsOf(f);
  if (f.key_alias !== undefined) out.alias = f.key_alias;
  if (f.team_id !== undefined) out.teamId = f.team_id;
  if (f.priority !== undefined) out.maxPriority = priorityOf(f.priority);
  if (f.expires !== undefined) out.expiresAtMs = f.expires;
  if (f.duration !== undefined) out.expiresAtMs = nowMs + f.duration;
  return out;
}

export function teamSettingsOf(f: Partial<Parsed<typeof teamFields>>): Partial<TeamSettings> {
  const out: { -readonly [K in keyof TeamSettings]?: TeamSettings[K] } = limitSettingsOf(f);
  if (f.team_alias !== undefined) out.alias = f.team_alias;
  return out;
}

function limitSettingsOf(f: Partial<Parsed<typeof limitFields>>) {
  const out: { -readonly [K in keyof TeamSettings]?: TeamSettings[K] } = {};
  if (f.models !== undefined) out.models = f.models;
  if (f.rpm_limit !== undefined) out.rpmLimit = f.rpm_limit;
  if (f.tpm_limit !== undefined) out.tpmLimit = f.tpm_limit;
  if (f.max_parallel_requests !== undefined) out.maxParallelRequests = f.max_parallel_requests;
  if (f.max_budget !== undefined) out.maxBudget = f.max_budget;
  if (f.budget_duration !== undefined) out.budgetDurationMs = f.budget_duration;
  if (f.weight !== undefined) out.weight = f.weight;
  if (f.blocked !== undefined) out.blocked = f.blocked;
  if (f.metadata !== undefined) out.metadata = f.metadata;
  return out;
}
