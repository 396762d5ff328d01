/** Shared by the tenant tests: tenants built by hand (the key directory builds them in production), a directory. */
import { CRITICAL } from '../admission/priority.ts';
import { DEFAULT_KEY_SETTINGS, DEFAULT_TEAM_SETTINGS } from './key-settings.ts';
import type { KeyDirectory, KeyInfo, KeyLookup, TeamInfo, Tenant } from './types.ts';

export function keyInfo(o: Partial<KeyInfo> = {}): KeyInfo {
  // Test tenants may use every class unless a test says otherwise.
  return {
    ...DEFAULT_KEY_SETTINGS,
    hash: 'a'.repeat(64),
    budgetResetAtMs: undefined,
    spend: 0,
    maxPriority: CRITICAL,
    ...o,
  };
}

export function teamInfo(o: Partial<TeamInfo> & { id: string }): TeamInfo {
  const { metadata: _, ...team } = DEFAULT_TEAM_SETTINGS;
  return { ...team, budgetResetAtMs: undefined, spend: 0, ...o };
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
