/** One management route: its input's shape and what it does; the registry is ./actions-table.ts. */
import type * as z from 'zod';
import type { Outcome } from '../../outcome/outcomes.ts';
import type { KeyCache } from '../../tenants/key-cache.ts';
import type { KeyStore } from '../../tenants/store/key-store.ts';

export interface ActionContext {
  readonly store: KeyStore;
  /** Refreshed after every write, so this instance answers with the change applied. */
  readonly cache: KeyCache;
  readonly now: () => number;
}

export interface Action {
  /** A POST's JSON body, or a GET's query parameters, as an object. */
  readonly input: z.ZodType;
  run(ctx: ActionContext, input: never): Promise<unknown>;
}

export function action<S extends z.ZodType>(
  input: S,
  run: (ctx: ActionContext, input: z.output<S>) => Promise<unknown>,
): Action {
  return { input, run: run as Action['run'] };
}

/** A refusal an action decides (not found, taken): answered with the outcome's status and code. */
export class ManagementRefusal extends Error {
  readonly outcome: Exclude<Outcome, 'upstream_response'>;
  readonly param: string | null;

  constructor(outcome: Exclude<Outcome, 'upstream_response'>, message: string, param: string | null = null) {
    super(message);
    this.outcome = outcome;
    this.param = param;
  }
}
