/** Keys and teams as the management API shows them: LiteLLM's field names, plus `priority`, `weight`, `usage`. */
import { PRIORITY_NAMES } from '../../admission/priority.ts';
import type { StoredKey, StoredTeam, Usage } from '../../tenants/store/key-store.ts';

const iso = (ms: number | undefined) => (ms === undefined ? null : new Date(ms).toISOString());

/** LiteLLM's duration back as a string: whole days, hours, minutes or seconds. */
function duration(ms: number | undefined): string | null {
  if (ms === undefined) return null;
  for (const [unit, size] of [
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
  ] as const)
    if (ms % size === 0) return `${ms / size}${unit}`;
  return `${ms / 1000}s`;
}

function usage(u: Usage) {
  return { requests: u.requests, prompt_tokens: u.promptTokens, completion_tokens: u.completionTokens };
}

/** Never the key: `token` is its sha256, `key_name` its last four characters. */
export function keyView(k: StoredKey) {
  return {
    token: k.hash,
    key_name: k.keyName,
    key_alias: k.alias ?? null,
    team_id: k.teamId ?? null,
    models: k.models ?? [],
    rpm_limit: k.rpmLimit ?? null,
    tpm_limit: k.tpmLimit ?? null,
    max_parallel_requests: k.maxParallelRequests ?? null,
    max_budget: k.maxBudget ?? null,
    budget_duration: duration(k.budgetDurationMs),
    budget_reset_at: iso(k.budgetResetAtMs),
    spend: k.spend,
    expires: iso(k.expiresAtMs),
    priority: PRIORITY_NAMES[k.maxPriority],
    weight: k.weight,
    blocked: k.blocked,
    metadata: k.metadata,
    static: k.isStatic,
    created_at: iso(k.createdAtMs),
    usage: usage(k.usage),
  };
}

export function teamView(t: StoredTeam) {
  return {
    team_id: t.id,
    team_alias: t.alias ?? null,
    models: t.models ?? [],
    rpm_limit: t.rpmLimit ?? null,
    tpm_limit: t.tpmLimit ?? null,
    max_parallel_requests: t.maxParallelRequests ?? null,
    max_budget: t.maxBudget ?? null,
    budget_duration: duration(t.budgetDurationMs),
    budget_reset_at: iso(t.budgetResetAtMs),
    spend: t.spend,
    weight: t.weight,
    blocked: t.blocked,
    metadata: t.metadata,
    created_at: iso(t.createdAtMs),
    usage: usage(t.usage),
  };
}
