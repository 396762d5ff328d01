/**
 * The key management API (master key only; src/ingress/ops-routes.ts checks it) over the key service's store:
 * reads a POST's JSON body or a GET's query, validates it (400 naming the field), runs the action
 * (./key-actions.ts, ./team-actions.ts) and answers JSON. While the store cannot be reached every route answers
 * 503 key_store_unavailable; the keys already cached keep serving requests. Off the request path: closures and
 * buffered bodies are fine here.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type * as z from 'zod';
import { sendError } from '../../outcome/openai-error.ts';
import { type Outcome, outcomes } from '../../outcome/outcomes.ts';
import type { KeyService } from '../../tenants/key-service.ts';
import type { ManagementAction } from '../../tenants/management-routes.ts';
import { sendJson } from '../json-response.ts';
import { readSmallBody } from '../small-body.ts';
import { type Action, type ActionContext, ManagementRefusal } from './action.ts';
import * as keys from './key-actions.ts';
import * as teams from './team-actions.ts';

const MAX_BODY = 1024 * 1024;

const ACTIONS: Record<ManagementAction, Action> = {
  key_generate: keys.generate,
  key_update: keys.update,
  key_delete: keys.remove,
  key_info: keys.info,
  key_list: keys.list,
  team_new: teams.create,
  team_update: teams.update,
  team_delete: teams.remove,
  team_info: teams.info,
  team_list: teams.list,
};

export interface ManagementApiOptions {
  keys: KeyService;
  log: Logger;
}

function refuse(
  res: ServerResponse,
  outcome: Exclude<Outcome, 'upstream_response'>,
  message: string,
  param: string | null = null,
): void {
  const o = outcomes[outcome];
  sendError(res, o.status, { message, type: o.type, param, code: o.code });
}

/** `messages[0].role`-style path of the first issue, and every issue as `path: message`. */
function describe(error: z.ZodError): { param: string | null; message: string } {
  const path = (p: readonly PropertyKey[]) => p.map((k) => (typeof k === 'number' ? `[${k}]` : String(k))).join('.');
  const first = error.issues[0];
  return {
    param: first.path.length > 0 ? path(first.path) : null,
    message: error.issues.map((i) => (i.path.length > 0 ? `${path(i.path)}: ${i.message}` : i.message)).join('; '),
  };
}

export class ManagementApi {
  private readonly o: ManagementApiOptions;

  constructor(o: ManagementApiOptions) {
    this.o = o;
  }

  readonly handle = (req: IncomingMessage, res: ServerResponse, name: ManagementAction): void => {
    if (req.method === 'GET')
      return void this.run(res, name, Object.fromEntries(new URL(req.url ?? '/', 'http://x').searchParams));
    readSmallBody(req, MAX_BODY, (bytes) => {
      if (bytes === undefined) return refuse(res, 'payload_too_large', `The body exceeds ${MAX_BODY} bytes.`);
      let body: unknown;
      try {
        body = bytes.length === 0 ? {} : JSON.parse(bytes.toString('utf8'));
      } catch (err) {
        return refuse(res, 'invalid_json', `The body is not valid JSON: ${(err as Error).message}.`);
      }
      void this.run(res, name, body);
    });
  };

  private async run(res: ServerResponse, name: ManagementAction, input: unknown): Promise<void> {
    const action = ACTIONS[name];
    const parsed = action.input.safeParse(input);
    if (!parsed.success) {
      const { param, message } = describe(parsed.error);
      return refuse(res, 'bad_request', message, param);
    }
    const running = this.o.keys.running;
    if (running === undefined || !running.cache.healthy) return this.unavailable(res, undefined);
    const ctx: ActionContext = { store: running.store, cache: running.cache, now: this.o.keys.clock };
    try {
      sendJson(res, 200, await action.run(ctx, parsed.data as never));
    } catch (err) {
      if (err instanceof ManagementRefusal) return refuse(res, err.outcome, err.message, err.param);
      this.unavailable(res, err);
    }
  }

  /** Whatever else failed is the store (a bug in a query would show here too, logged with its error). */
  private unavailable(res: ServerResponse, err: unknown): void {
    if (err !== undefined) this.o.log.error({ err }, 'key management: the store failed');
    refuse(res, 'key_store_unavailable', 'The key database cannot be reached; cached keys keep working. Retry later.');
  }
}
