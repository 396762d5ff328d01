/** Shared by the tenant tests: tenants built by hand (the key directory builds them in production), a directory. */
import { CRITICAL } from '../admission/priority.ts';
import type { KeyDirectory, KeyInfo, KeyLookup, TeamInfo, Tenant } from './types.ts';

export function keyInfo(o: Partial<KeyInfo> = {}): KeyInfo {
  return {
    hash: 'a'.repeat(64),
    alias: undefined,
    teamId: undefined,
    models: undefined,
    rpmLimit: undefined,
    tpmLimit: undefined,
    maxParallelRequests: undefined,
    maxBudget: undefined,
    budgetDurationMs: undefined,
    budgetResetAtMs: undefined,
    spend: 0,
    expiresAtMs: undefined,
    maxPriority: CRITICAL,
    weight: 1,
    blocked: false,
    metadata: {},
    ...o,
  };
}

export function teamInfo(o: Partial<TeamInfo> & { id: string }): TeamInfo {
  return {
    alias: undefined,
    models: undefined,
    rpmLimit: undefined,
    tpmLimit: undefined,
    maxParallelRequests: undefined,
    maxBudget: undefined,
    budgetDurationMs: undefined,
    budgetResetAtMs: undefined,
    spend: 0,
    weight: 1,
    blocked: false,
    ...o,
  };
}

/** A Tenant as the contract (./types.ts) describes it: id and label from the key and its team. */
export function tenant(key: Partial<KeyInfo> = {}, team?: TeamInfo): Tenant {
  const k = keyInfo({ ...key, teamId: team?.id ?? key.teamId });
  return {
    id: team === undefined ? `key:${k.hash.slice(0, 16)}` : `team:${team.id}`,
    label: k.alias ?? team?.alias ?? team?.id ?? `key:${k.hash.slice(0, 8)}`,
    key: k,
    team,
    maxPriority: k.maxPriority,
    weight: team?.weight ?? k.weight,
  };
}

/** Tokens → tenants, replaced by `set` as a key update replaces its Tenant. */
export class TestKeys implements KeyDirectory {
  private readonly tenants = new Map<string, Tenant>();

  set(token: string, t: Tenant): void {
    this.tenants.set(token, t);
  }

  lookup(token: string): KeyLookup {
    const t = this.tenants.get(token);
    return t === undefined ? { kind: 'unknown' } : { kind: 'tenant', tenant: t };
  }
}
