/** Where usage counted on the request path goes, in batches (the key store implements it: ./store/sql-key-store.ts). */
import type { UsageDelta } from './types.ts';

export interface UsageSink {
  /** Adds every delta to its key and team atomically; concurrent callers (instances, workers) lose nothing. */
  recordUsage(batch: readonly UsageDelta[]): Promise<void>;
}
