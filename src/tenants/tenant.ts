/** A key and its team as one Tenant (./types.ts): the identity fair queueing uses and the caps the ingress applies. */
import type { Priority } from '../admission/priority.ts';
import type { KeyInfo, TeamInfo, Tenant } from './types.ts';

/** A key that names a team shares the team's identity even before the team exists in the store. */
export function buildTenant(key: KeyInfo, team: TeamInfo | undefined): Tenant {
  return {
    id: key.teamId !== undefined ? `team:${key.teamId}` : `key:${key.hash.slice(0, 16)}`,
    label: key.alias ?? team?.alias ?? key.teamId ?? `key:${key.hash.slice(0, 8)}`,
    key,
    team,
    maxPriority: key.maxPriority,
    weight: team?.weight ?? key.weight,
  };
}

/** The class a request runs in: the header's, lowered to the key's cap (a larger number is a lower class). */
export function cappedPriority(requested: Priority, cap: Priority): Priority {
  return requested > cap ? requested : cap;
}
