import type { KeyDirectory, Tenant } from '../tenants/types.ts';

/**
 * The tenant of a live key the directory knows as `authorization`'s bearer token; undefined for anything else
 * (no directory, the master key, an unknown or expired key), which the master-key check then judges.
 */
export function tenantOf(keys: KeyDirectory | undefined, authorization: string | undefined): Tenant | undefined {
  if (keys === undefined || authorization === undefined || !authorization.startsWith('Bearer ')) return undefined;
  const found = keys.lookup(authorization.slice(7).trim());
  return found.kind === 'tenant' ? found.tenant : undefined;
}
