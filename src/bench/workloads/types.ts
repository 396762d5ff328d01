import type { Random } from '../../util/random.ts';

/** What a workload knows when it builds bodies. `random` is the run's seeded source, so bodies are reproducible. */
export interface WorkloadContext {
  model: string;
  stream: boolean;
  random: Random;
  /** Overrides the workload's own max_tokens when set. */
  maxTokens?: number;
  /** Numeric knobs from `--workload name:key=value,...`, merged over the definition's defaults. */
  params: Readonly<Record<string, number>>;
}

export interface Workload {
  /**
   * The JSON body of the next request. `user` is the closed-loop user index (multi-turn workloads keep a
   * conversation per user); undefined in open loop, where the workload picks a user itself.
   */
  next(user: number | undefined): string;
  /**
   * Workloads whose bodies share prefixes: which shared prefix the body last built by next() starts with (0..K-1).
   * `spillway bench --affinity` sends each prefix to one URL, the perfect-affinity baseline of prefix routing.
   */
  prefixKey?(): number;
}

export interface WorkloadDefinition {
  name: string;
  summary: string;
  /** Every knob the workload accepts, with its default. */
  defaults: Readonly<Record<string, number>>;
  create(ctx: WorkloadContext): Workload;
}

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

/** The fields every chat body shares; streams ask for usage so token counts are exact when the server gives them. */
export function chatBody(
  ctx: WorkloadContext,
  messages: ChatMessage[],
  maxTokens: number | undefined,
  extra?: object,
): string {
  const body: Record<string, unknown> = { model: ctx.model, messages };
  const max = ctx.maxTokens ?? maxTokens;
  if (max !== undefined) body.max_tokens = max;
  if (ctx.stream) {
    body.stream = true;
    body.stream_options = { include_usage: true };
  }
  if (extra) Object.assign(body, extra);
  return JSON.stringify(body);
}
