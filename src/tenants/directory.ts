/**
 * The in-memory key directory the ingress asks (KeyDirectory, ./types.ts): sha256 of the token, one Map get.
 * Each key's answers are built when the key is set, so a lookup allocates only the digest string. The cache
 * (./key-cache.ts) keeps it in step with the store; a Tenant is replaced, never changed, when its key or
 * team changes.
 */
import { hashKey } from './key-hash.ts';
import { buildTenant } from './tenant.ts';
import type { KeyDirectory, KeyInfo, KeyLookup, TeamInfo } from './types.ts';

interface Entry {
  readonly key: KeyInfo;
  readonly ok: KeyLookup;
  readonly expired: KeyLookup;
  /** A blocked key, or a key of a blocked team: refused like an unknown one. */
  readonly refused: boolean;
}

const MASTER: KeyLookup = { kind: 'master' };
const UNKNOWN: KeyLookup = { kind: 'unknown' };

export class TenantDirectory implements KeyDirectory {
  private readonly masterHash: string;
  private readonly entries = new Map<string, Entry>();
  private readonly teams = new Map<string, TeamInfo>();
  /** Key hashes by team id, so a team's change rebuilds its keys' tenants. */
  private readonly members = new Map<string, Set<string>>();
  private readonly now: () => number;

  /** `now`: wall-clock epoch ms, for expiry (injected in tests). */
  constructor(masterKey: string, now: () => number = Date.now) {
    this.masterHash = hashKey(masterKey);
    this.now = now;
  }

  lookup(token: string): KeyLookup {
    // Comparing digests, not keys: how long the comparison takes says nothing about the master key itself.
    const h = hashKey(token);
    if (h === this.masterHash) return MASTER;
    const e = this.entries.get(h);
    if (e === undefined || e.refused) return UNKNOWN;
    const expires = e.key.expiresAtMs;
    return expires !== undefined && expires <= this.now() ? e.expired : e.ok;
  }

  get size(): number {
    return this.entries.size;
  }

  /** The earliest budget window end among the keys and teams held (Infinity: none): when to sweep the store. */
  nextBudgetResetMs(): number {
    let next = Infinity;
    for (const e of this.entries.values()) next = Math.min(next, e.key.budgetResetAtMs ?? Infinity);
    for (const t of this.teams.values()) next = Math.min(next, t.budgetResetAtMs ?? Infinity);
    return next;
  }

  setKey(key: KeyInfo): void {
    const old = this.entries.get(key.hash);
    if (old?.key.teamId !== undefined && old.key.teamId !== key.teamId)
      this.members.get(old.key.teamId)?.delete(key.hash);
    if (key.teamId !== undefined) {
      let set = this.members.get(key.teamId);
      if (set === undefined) this.members.set(key.teamId, (set = new Set()));
      set.add(key.hash);
    }
    this.entries.set(key.hash, this.entry(key));
  }

  deleteKey(hash: string): void {
    const old = this.entries.get(hash);
    if (old === undefined) return;
    if (old.key.teamId !== undefined) this.members.get(old.key.teamId)?.delete(hash);
    this.entries.delete(hash);
  }

  setTeam(team: TeamInfo): void {
    this.teams.set(team.id, team);
    this.rebuildMembers(team.id);
  }

  deleteTeam(id: string): void {
    this.teams.delete(id);
    this.rebuildMembers(id);
  }

  private rebuildMembers(teamId: string): void {
    for (const h of this.members.get(teamId) ?? []) {
      const e = this.entries.get(h);
      if (e !== undefined) this.entries.set(h, this.entry(e.key));
    }
  }

  private entry(key: KeyInfo): Entry {
    const team = key.teamId === undefined ? undefined : this.teams.get(key.teamId);
    const tenant = buildTenant(key, team);
    return {
      key,
      ok: { kind: 'tenant', tenant },
      expired: { kind: 'expired', tenant },
      refused: key.blocked || team?.blocked === true,
    };
  }
}
