import type { KeyDirectory, Tenant } from './types.ts';

/** The tenant of an `Authorization: Bearer <key>` header, when the directory knows the key as a tenant's. */
export function tenantOf(keys: KeyDirectory, authorization: string | undefined): Tenant | undefined {
  if (authorization === undefined || !authorization.startsWith('Bearer ')) return undefined;
  const found = keys.lookup(authorization.slice(7).trim());
  return found.kind === 'tenant' ? found.tenant : undefined;
}
