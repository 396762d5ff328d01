import type { UsageDelta } from './types.ts';

/**
 * Where the tenant gate tells what requests used (./usage-flusher.ts flushes a batch about every second and at
 * shutdown); the key store implements it (./store/sql-key-store.ts). Never called on a request's path.
 */
export interface UsageSink {
  /** Adds every delta to its key and team atomically; concurrent callers (instances, workers) lose nothing. */
  recordUsage(batch: readonly UsageDelta[]): Promise<void>;
}
