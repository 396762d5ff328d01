/**
 * API keys as the gateway runs them: the directory the ingress asks, kept in step with the store by the cache,
 * and the management API over the same store. Started before the gateway listens (a store that cannot be
 * reached then is fatal: KeyStoreUnavailableError), stopped after it closes.
 */

import { TenantDirectory } from './directory.ts';
import type { KeysConfig } from './keys-config.ts';
import type { KeyInfo } from './types.ts';

export class KeyService {
  readonly directory: TenantDirectory;
  private readonly config: KeysConfig;

  constructor(config: KeysConfig) {
    this.config = config;
    this.directory = new TenantDirectory(config.masterKey);
  }

  async start(): Promise<void> {
    for (const k of this.config.staticKeys) this.directory.setKey(staticKeyInfo(k.hash, k.settings));
  }

  async stop(): Promise<void> {}
}

function staticKeyInfo(hash: string, settings: KeysConfig['staticKeys'][number]['settings']): KeyInfo {
  return { ...settings, hash, spend: 0, budgetResetAtMs: undefined };
}
