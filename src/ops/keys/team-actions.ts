/** /team/new, /team/update, /team/delete, /team/info, /team/list: LiteLLM's fields, plus `weight`. */
import { randomUUID } from 'node:crypto';
import * as z from 'zod';
import { teamFields, teamSettingsOf } from '../../tenants/fields.ts';
import { DEFAULT_TEAM_SETTINGS } from '../../tenants/key-settings.ts';
import { KeyConflictError, type StoredTeam } from '../../tenants/store/key-store.ts';
import { action, ManagementRefusal } from './action.ts';
import { keyView, teamView } from './views.ts';

const teamId = z.string({ error: 'expected a team_id' }).min(1).max(256);

function found(t: StoredTeam | undefined, id: string): StoredTeam {
  if (t === undefined) throw new ManagementRefusal('team_not_found', `No team has team_id "${id}".`, 'team_id');
  return t;
}

export const create = action(z.object({ ...teamFields, team_id: teamId.optional() }), async (ctx, body) => {
  const id = body.team_id ?? randomUUID();
  const settings = { ...DEFAULT_TEAM_SETTINGS, ...teamSettingsOf(body) };
  const team = await ctx.store.createTeam(id, settings, ctx.now()).catch((err) => {
    if (err instanceof KeyConflictError)
      throw new ManagementRefusal('key_conflict', `team_id "${id}" is taken already.`, 'team_id');
    throw err;
  });
  await ctx.cache.refresh();
  return teamView(team);
});

export const update = action(z.object({ ...teamFields, team_id: teamId }), async (ctx, body) => {
  const team = found(await ctx.store.updateTeam(body.team_id, teamSettingsOf(body), ctx.now()), body.team_id);
  await ctx.cache.refresh();
  return teamView(team);
});

export const remove = action(z.object({ team_ids: z.array(teamId).min(1).max(1000) }), async (ctx, body) => {
  const deleted = await ctx.store.deleteTeams(body.team_ids, ctx.now());
  await ctx.cache.refresh();
  return { deleted_teams: deleted };
});

export const info = action(z.object({ team_id: teamId }), async (ctx, q) => {
  const team = found(await ctx.store.getTeam(q.team_id), q.team_id);
  const { keys } = await ctx.store.listKeys({ offset: 0, limit: 1000, teamId: q.team_id });
  return { team_id: team.id, team_info: teamView(team), keys: keys.map(keyView) };
});

export const list = action(z.object({}), async (ctx) => (await ctx.store.listTeams()).map(teamView));
