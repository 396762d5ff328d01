/**
 * Tenants (issue 15): who sends a request, resolved from its API key by the ingress before the body is read.
 * This file is the contract between the parts that build tenants: the key directory (storage, cache,
 * management API) produces `Tenant`s; the tenant gate (models, limits, budgets, expiry) and fair queueing
 * read them. A request with no tenant (keys off, or the master key) is judged as today.
 */
import type { Priority } from '../admission/priority.ts';

/** One API key as the gateway caches it: never the key itself, only its hash. Fields follow LiteLLM's names. */
export interface KeyInfo {
  /** sha256 of the key, hex: what the store and the cache are keyed on. */
  readonly hash: string;
  /** `key_alias`: what metrics and logs show; undefined when none was given. */
  readonly alias: string | undefined;
  readonly teamId: string | undefined;
  /** `models`: the model groups the key may use; undefined or empty: every group. */
  readonly models: readonly string[] | undefined;
  readonly rpmLimit: number | undefined;
  readonly tpmLimit: number | undefined;
  readonly maxParallelRequests: number | undefined;
  /** `max_budget`, in the currency of `model_info` costs; undefined: no budget. */
  readonly maxBudget: number | undefined;
  /** `budget_duration` in ms (`30d`, `1h`...); undefined: the budget never resets. */
  readonly budgetDurationMs: number | undefined;
  /** Epoch ms at which the budget window resets; undefined without a duration. */
  readonly budgetResetAtMs: number | undefined;
  /** Spend in the current budget window, as last read from the store. */
  readonly spend: number;
  /** Epoch ms; undefined: never expires. */
  readonly expiresAtMs: number | undefined;
  /** `priority`: the highest class the key may use (the header may lower it, never raise it). */
  readonly maxPriority: Priority;
  /** `weight`: the key's share within its class (default 1). */
  readonly weight: number;
  readonly blocked: boolean;
  readonly metadata: Readonly<Record<string, unknown>>;
}

/** A team: limits and a budget its keys share. */
export interface TeamInfo {
  readonly id: string;
  readonly alias: string | undefined;
  readonly models: readonly string[] | undefined;
  readonly rpmLimit: number | undefined;
  readonly tpmLimit: number | undefined;
  readonly maxParallelRequests: number | undefined;
  readonly maxBudget: number | undefined;
  readonly budgetDurationMs: number | undefined;
  readonly budgetResetAtMs: number | undefined;
  readonly spend: number;
  /** The team's share within a class when its keys are queued as one tenant (default 1). */
  readonly weight: number;
  readonly blocked: boolean;
}

/**
 * What a request carries once its key is resolved. One object per key, replaced (not mutated) when the key or
 * its team changes, so a request keeps the view it was admitted with; per-key counters live in the gate,
 * keyed on `id`, so they survive a replacement.
 */
export interface Tenant {
  /** Fairness identity: `team:<team id>` when the key has a team, else `key:<first 16 hex of the hash>`. */
  readonly id: string;
  /** For metrics and logs: the key alias, else the team alias or id, else `key:<first 8 hex>`; never the key. */
  readonly label: string;
  readonly key: KeyInfo;
  readonly team: TeamInfo | undefined;
  /** The class cap: the key's, lowered by the team's if the team has one. */
  readonly maxPriority: Priority;
  /** Share within its class: the team's weight when it has a team, else the key's. */
  readonly weight: number;
}

/** How the ingress resolves an Authorization header. */
export type KeyLookup =
  | { readonly kind: 'master' }
  | { readonly kind: 'tenant'; readonly tenant: Tenant }
  | { readonly kind: 'expired'; readonly tenant: Tenant }
  | { readonly kind: 'unknown' };

/** The key cache the ingress reads: synchronous, in memory, never waits for the database. */
export interface KeyDirectory {
  /** `token` is what follows `Bearer `; hashing it is the directory's job. */
  lookup(token: string): KeyLookup;
}

/** Usage one request adds to its key (and team), told to the store in batches, never on the request path. */
export interface UsageDelta {
  readonly keyHash: string;
  readonly teamId: string | undefined;
  readonly requests: number;
  readonly promptTokens: number;
  readonly completionTokens: number;
  readonly spend: number;
}
