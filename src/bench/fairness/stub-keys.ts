/**
 * A key directory of a few fixed keys, each its own tenant: what the fairness test and bench identify tenants
 * by until the gateway's own keys (`spillway.keys.static`, issue 15) are merged. Every tenant-identification
 * choice of the bench goes through ./tenants.ts, so switching to real keys is a change there.
 */
import { createHash } from 'node:crypto';
import { STANDARD } from '../../admission/priority.ts';
import type { KeyDirectory, KeyLookup, Tenant } from '../../tenants/types.ts';

export interface StubKey {
  /** The bearer token. */
  readonly key: string;
  readonly alias: string;
  readonly weight: number;
}

export function stubTenant(k: StubKey): Tenant {
  const hash = createHash('sha256').update(k.key).digest('hex');
  return {
    id: `key:${hash.slice(0, 16)}`,
    label: k.alias,
    key: {
      hash,
      alias: k.alias,
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
      maxPriority: STANDARD,
      weight: k.weight,
      blocked: false,
      metadata: {},
    },
    team: undefined,
    maxPriority: STANDARD,
    weight: k.weight,
  };
}

const UNKNOWN: KeyLookup = { kind: 'unknown' };

export function stubKeys(keys: readonly StubKey[]): KeyDirectory {
  const byToken = new Map<string, KeyLookup>(keys.map((k) => [k.key, { kind: 'tenant', tenant: stubTenant(k) }]));
  return { lookup: (token) => byToken.get(token) ?? UNKNOWN };
}
