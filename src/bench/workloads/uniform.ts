import { randomInt, words } from './text.ts';
import type { WorkloadDefinition } from './types.ts';
import { chatBody } from './types.ts';

/**
 * One user message of a prompt length and an output length each drawn uniformly from a range, in tokens: the
 * vocabulary's words are one o200k token each (the simulator's tokenizer; the chat template adds 3), so
 * `promptMin..promptMax` words is that many prompt tokens. The knobs make the shapes the fleet matrix needs
 * from one definition; the presets are the shapes it names.
 */
function uniformWorkload(
  name: string,
  summary: string,
  defaults: { promptMin: number; promptMax: number; outMin: number; outMax: number },
): WorkloadDefinition {
  return {
    name,
    summary,
    defaults,
    create(ctx) {
      const { promptMin, promptMax, outMin, outMax } = ctx.params;
      if (promptMin > promptMax || outMin > outMax || promptMin < 1 || outMin < 1) {
        throw new Error(`workload ${name}: expected 1 <= promptMin <= promptMax and 1 <= outMin <= outMax`);
      }
      return {
        next() {
          const content = words(ctx.random, randomInt(ctx.random, promptMin, promptMax));
          return chatBody(ctx, [{ role: 'user', content }], randomInt(ctx.random, outMin, outMax));
        },
      };
    },
  };
}

export const uniform = uniformWorkload(
  'uniform',
  'prompt and output tokens uniform in ranges (default 200-3000 / 32-256)',
  {
    promptMin: 200,
    promptMax: 3000,
    outMin: 32,
    outMax: 256,
  },
);

export const longOutput = uniformWorkload('long-output', 'short prompt (50-300 tokens), long answer (256-768 tokens)', {
  promptMin: 50,
  promptMax: 300,
  outMin: 256,
  outMax: 768,
});

export const rag = uniformWorkload('rag', 'long retrieved context (1500-4000 tokens), short answer (32-160 tokens)', {
  promptMin: 1500,
  promptMax: 4000,
  outMin: 32,
  outMax: 160,
});
