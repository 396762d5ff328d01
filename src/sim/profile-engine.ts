/**
 * The engine settings a profile file declares in its `engine` block (the KV blocks its GPU and model leave, the
 * scheduler limits of its vLLM version), as engine options. `spillway engine --profile X` starts from these and
 * lets its flags override them; a profile without the block (default, half-speed) changes nothing.
 */

import { engineSchema } from './fit/sweep.ts';
import type { EngineOptions } from './options.ts';
import { readProfileJson } from './perf-model.ts';

type ProfileEngineOptions = Pick<EngineOptions, 'numBlocks' | 'blockSize' | 'maxNumSeqs' | 'maxNumBatchedTokens'>;

export function profileEngineOptions(nameOrPath: string): ProfileEngineOptions {
  const block = (readProfileJson(nameOrPath) as { engine?: unknown } | null)?.engine;
  if (block === undefined) return {};
  const parsed = engineSchema.partial().safeParse(block);
  if (!parsed.success) throw new Error(`profile ${nameOrPath}: engine: ${parsed.error.message}`);
  const e = parsed.data;
  return Object.fromEntries(
    Object.entries({
      numBlocks: e.num_blocks,
      blockSize: e.block_size,
      maxNumSeqs: e.max_num_seqs,
      maxNumBatchedTokens: e.max_num_batched_tokens,
    }).filter(([, v]) => v !== undefined),
  );
}
