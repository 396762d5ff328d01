import type { UsageDelta } from './types.ts';

/**
 * Where the tenant gate tells what requests used (src/tenants/usage-ledger.ts flushes a batch about every second
 * and at shutdown); the key store implements it. Never called on a request's path.
 */
export interface UsageSink {
  recordUsage(batch: readonly UsageDelta[]): Promise<void>;
}
