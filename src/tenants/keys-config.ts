/** The normalised `spillway.keys` (../config/keys.ts reads the YAML into it; the gateway runs from it). */
import type { KeySettings } from './key-settings.ts';

export type KeyStoreConfig =
  | { readonly kind: 'postgres'; readonly url: string }
  | { readonly kind: 'sqlite'; readonly path: string };

export interface StaticKeyConfig {
  readonly hash: string;
  readonly settings: KeySettings;
}

/** Present exactly when keys are on. */
export interface KeysConfig {
  readonly masterKey: string;
  /** Postgres, or SQLite on a file; `:memory:` when only static keys are declared. */
  readonly store: KeyStoreConfig;
  /** How often every instance reads the store's changes. */
  readonly refreshMs: number;
  readonly staticKeys: readonly StaticKeyConfig[];
}
