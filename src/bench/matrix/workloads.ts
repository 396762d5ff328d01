/**
 * The workloads the fleet matrix draws from: for each, the `spillway bench --workload` spec it runs and the shape
 * the virtual-time estimate samples (estimate.ts). Token counts: the bench's words are one token each and the
 * chat template adds 3 per message (src/tokens); the shared-prefix system prompt adds ~6 ("You are assistant k.").
 */
import type { Random } from '../../util/random.ts';
import type { Sampler } from './estimate.ts';

export type WorkloadKind = 'chat-short' | 'long-output' | 'mixed' | 'rag' | 'shared-prefix';

export interface MatrixWorkload {
  kind: WorkloadKind;
  label: string;
  /** `--workload` value. */
  spec: string;
  sample: Sampler;
  /** The most prompt + output tokens one request holds (the engine's KV pool must fit several). */
  maxTokens: number;
  meanOutput: number;
}

const between = (random: Random, lo: number, hi: number) => lo + Math.floor(random() * (hi - lo + 1));

function uniform(
  kind: WorkloadKind,
  label: string,
  preset: string,
  p: [number, number],
  o: [number, number],
): MatrixWorkload {
  return {
    kind,
    label,
    spec: preset,
    sample: (r) => ({ promptTokens: between(r, p[0], p[1]) + 3, outputTokens: between(r, o[0], o[1]) }),
    maxTokens: p[1] + 3 + o[1],
    meanOutput: (o[0] + o[1]) / 2,
  };
}

/** The fixed-shape workloads; their ranges are the presets' defaults (src/bench/workloads). */
export const WORKLOADS: Record<Exclude<WorkloadKind, 'shared-prefix'>, MatrixWorkload> = {
  'chat-short': uniform('chat-short', 'short chat', 'chat-short', [8, 32], [16, 64]),
  'long-output': uniform('long-output', 'long outputs', 'long-output', [50, 300], [256, 768]),
  mixed: uniform(
    'mixed',
    'mixed 200–3000-token prompts',
    'uniform:promptMin=200,promptMax=3000,outMin=32,outMax=256',
    [200, 3000],
    [32, 256],
  ),
  rag: uniform('rag', 'long-prompt RAG', 'rag', [1500, 4000], [32, 160]),
};

export interface SharedPrefixKnobs {
  prefixes: number;
  systemWords: number;
  maxTokens: number;
}

const USER_WORDS = 40;
const REPLY_WORDS = 80;
const TURNS = 4;
/** Users per system prompt: enough that every prompt is always in use, few enough that histories recur. */
const USERS_PER_PREFIX = 8;

/** K system prompts × users, multi-turn; the sampler counts each turn's history as uncached prompt. */
export function sharedPrefix(k: SharedPrefixKnobs): MatrixWorkload {
  const system = k.systemWords + 6 + 3;
  const turn = USER_WORDS + 3 + REPLY_WORDS + 3;
  return {
    kind: 'shared-prefix',
    label: `shared prefix (${k.prefixes} × ${k.systemWords} tokens)`,
    spec:
      `shared-prefix:prefixes=${k.prefixes},users=${k.prefixes * USERS_PER_PREFIX},systemWords=${k.systemWords},` +
      `turns=${TURNS},userWords=${USER_WORDS},replyWords=${REPLY_WORDS},maxTokens=${k.maxTokens}`,
    sample: (r) => {
      const prefix = Math.floor(r() * k.prefixes);
      const history = Math.floor(r() * TURNS) * turn;
      return {
        promptTokens: system + history + between(r, USER_WORDS / 2, USER_WORDS * 1.5) + 3,
        outputTokens: k.maxTokens,
        prefix,
        prefixTokens: system,
      };
    },
    maxTokens: system + (TURNS - 1) * turn + USER_WORDS * 1.5 + 3 + k.maxTokens,
    meanOutput: k.maxTokens,
  };
}
