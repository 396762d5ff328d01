/** /key/generate, /key/update, /key/delete, /key/info, /key/list: LiteLLM's request and response fields. */
import * as z from 'zod';
import { keyFields, keySettingsOf } from '../../tenants/fields.ts';
import { abbreviate, generateKey, hashKey } from '../../tenants/key-hash.ts';
import { DEFAULT_KEY_SETTINGS } from '../../tenants/key-settings.ts';
import { KeyConflictError, type StoredKey } from '../../tenants/store/key-store.ts';
import { type ActionContext, action, ManagementRefusal } from './action.ts';
import { keyView } from './views.ts';

const SHA256_HEX = /^[0-9a-f]{64}$/;
const keyOrToken = z.string({ error: 'expected the key, or its token (sha256 hex)' }).min(1);

/** A key as the caller names it: the key itself, or its `token` (the sha256 the store keeps). */
export function hashOf(keyOrHash: string): string {
  return SHA256_HEX.test(keyOrHash) ? keyOrHash : hashKey(keyOrHash);
}

async function teamMustExist(ctx: ActionContext, teamId: string | undefined): Promise<void> {
  if (teamId !== undefined && (await ctx.store.getTeam(teamId)) === undefined)
    throw new ManagementRefusal(
      'team_not_found',
      `No team has team_id "${teamId}"; create it with /team/new.`,
      'team_id',
    );
}

function taken(err: unknown, what: string): never {
  if (err instanceof KeyConflictError)
    throw new ManagementRefusal('key_conflict', `${what} is taken already.`, 'key_alias');
  throw err;
}

async function found(k: StoredKey | undefined): Promise<StoredKey> {
  if (k === undefined) throw new ManagementRefusal('key_not_found', 'No such key.', 'key');
  return k;
}

export const generate = action(
  z.object({ ...keyFields, key: z.string().min(8, 'expected a key of at least 8 characters').optional() }),
  async (ctx, body) => {
    await teamMustExist(ctx, body.team_id);
    const key = body.key ?? generateKey();
    const now = ctx.now();
    const settings = { ...DEFAULT_KEY_SETTINGS, ...keySettingsOf(body, now) };
    const stored = await ctx.store
      .createKey(hashKey(key), abbreviate(key), settings, now)
      .catch((e) => taken(e, 'key_alias or key'));
    await ctx.cache.refresh();
    // The one time the key is shown.
    return { key, ...keyView(stored) };
  },
);

export const update = action(z.object({ ...keyFields, key: keyOrToken }), async (ctx, body) => {
  await teamMustExist(ctx, body.team_id);
  const now = ctx.now();
  const stored = await ctx.store
    .updateKey(hashOf(body.key), keySettingsOf(body, now), now)
    .catch((e) => taken(e, 'key_alias'))
    .then(found);
  await ctx.cache.refresh();
  return { key: body.key, ...keyView(stored) };
});

export const remove = action(
  z
    .object({
      keys: z.array(keyOrToken).max(1000).optional(),
      key_aliases: z.array(z.string().min(1)).max(1000).optional(),
    })
    .refine((b) => (b.keys?.length ?? 0) + (b.key_aliases?.length ?? 0) > 0, {
      message: 'expected keys or key_aliases',
      path: ['keys'],
    }),
  async (ctx, body) => {
    const deleted = await ctx.store.deleteKeys((body.keys ?? []).map(hashOf), body.key_aliases ?? [], ctx.now());
    await ctx.cache.refresh();
    return { deleted_keys: deleted };
  },
);

export const info = action(z.object({ key: keyOrToken }), async (ctx, q) => {
  const stored = await found(await ctx.store.getKey(hashOf(q.key)));
  return { key: q.key, info: keyView(stored) };
});

const pageNumber = z.coerce.number().int().positive();
export const list = action(
  z.object({
    page: pageNumber.default(1),
    size: pageNumber.max(100, 'expected at most 100').default(10),
    team_id: z.string().min(1).optional(),
    return_full_object: z.enum(['true', 'false']).optional(),
  }),
  async (ctx, q) => {
    const { keys, total } = await ctx.store.listKeys({
      offset: (q.page - 1) * q.size,
      limit: q.size,
      teamId: q.team_id,
    });
    return {
      keys: q.return_full_object === 'true' ? keys.map(keyView) : keys.map((k) => k.hash),
      total_count: total,
      current_page: q.page,
      total_pages: Math.ceil(total / q.size),
    };
  },
);
