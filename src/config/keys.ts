/**
 * API keys (issue 15, docs/KEYS.md): `spillway.keys` and LiteLLM's `general_settings.database_url`. Absent
 * both, keys are off and only the master key is checked, as before. The store is Postgres when a database URL
 * is given (the file's, else the DATABASE_URL variable), else the SQLite file `sqlite_path`, else memory
 * (static keys only need no database at all). ./schema.ts mounts the shape; ./normalize.ts calls normalizeKeys.
 */
import * as z from 'zod';
import { keyFields, keySettingsOf } from '../tenants/fields.ts';
import { hashKey } from '../tenants/key-hash.ts';
import { DEFAULT_KEY_SETTINGS } from '../tenants/key-settings.ts';
import type { KeyStoreConfig, KeysConfig, StaticKeyConfig } from '../tenants/keys-config.ts';
import { numeric } from './coerce.ts';

const POSTGRES_URL = 'expected a postgres:// or postgresql:// URL';
export const databaseUrl = z
  .string({ error: POSTGRES_URL })
  .refine((s) => URL.canParse(s) && /^postgres(ql)?:$/.test(new URL(s).protocol), POSTGRES_URL);

/** A key declared in the file (GitOps): LiteLLM's field names; `key` is usually `os.environ/NAME`. */
const { duration: _relative, ...absoluteKeyFields } = keyFields;
export const staticKeyShape = {
  key: z.string({ error: 'expected a string (quote it in YAML)' }).min(8, 'expected a key of at least 8 characters'),
  ...absoluteKeyFields,
};

export const keysShape = {
  /** The embedded store's file (node:sqlite); shared by every worker and process that names it. */
  sqlite_path: z.string().min(1).optional(),
  /** How often every instance reads the store's changes: a change reaches all of them within about this long. */
  refresh_ms: numeric(z.int().min(10).max(1_000)).default(250),
  static: z.array(z.strictObject(staticKeyShape, { error: 'expected a mapping with key' })).default([]),
};

export const KeysSchema = z.strictObject(keysShape).optional();

export function normalizeKeys(
  file: z.output<typeof KeysSchema>,
  fileDatabaseUrl: string | undefined,
  masterKey: string | undefined,
  env: NodeJS.ProcessEnv,
  issues: string[],
): KeysConfig | undefined {
  if (file === undefined && fileDatabaseUrl === undefined) return undefined;
  if (masterKey === undefined) {
    issues.push('general_settings.master_key: API keys (spillway.keys, database_url) need a master key to manage them');
    return undefined;
  }
  const envUrl = env.DATABASE_URL;
  if (fileDatabaseUrl === undefined && file?.sqlite_path === undefined && envUrl !== undefined && envUrl !== '') {
    const parsed = databaseUrl.safeParse(envUrl);
    if (!parsed.success) issues.push(`DATABASE_URL (environment): ${POSTGRES_URL}`);
  }
  const url = fileDatabaseUrl ?? (file?.sqlite_path === undefined && envUrl ? envUrl : undefined);
  const store: KeyStoreConfig =
    url !== undefined ? { kind: 'postgres', url } : { kind: 'sqlite', path: file?.sqlite_path ?? ':memory:' };
  return {
    masterKey,
    store,
    refreshMs: file?.refresh_ms ?? 250,
    staticKeys: staticKeys(file?.static ?? [], masterKey, issues),
  };
}

function staticKeys(
  list: NonNullable<z.output<typeof KeysSchema>>['static'],
  masterKey: string,
  issues: string[],
): StaticKeyConfig[] {
  const seen = new Set<string>();
  const aliases = new Set<string>();
  return list.flatMap((k, i) => {
    const hash = hashKey(k.key);
    const problem =
      k.key === masterKey
        ? '.key: is the master key'
        : seen.has(hash)
          ? '.key: declared twice'
          : k.key_alias !== undefined && aliases.has(k.key_alias)
            ? `.key_alias: "${k.key_alias}" is used twice`
            : undefined;
    if (problem !== undefined) {
      issues.push(`spillway.keys.static[${i}]${problem}`);
      return [];
    }
    seen.add(hash);
    if (k.key_alias !== undefined) aliases.add(k.key_alias);
    return [{ hash, settings: { ...DEFAULT_KEY_SETTINGS, ...keySettingsOf(k, 0) } }];
  });
}
