import { randomInt, words } from './text.ts';
import type { WorkloadDefinition } from './types.ts';
import { chatBody } from './types.ts';

/** One class of request in a mix: how often it comes, how long its prompt is, how many tokens it asks for. */
export interface MixClass {
  weight: number;
  promptWords: readonly [number, number];
  maxTokens: readonly [number, number];
}

/**
 * A workload defined by data: each request draws a class by weight, then a prompt length and max_tokens uniformly
 * within the class's ranges. Adding a workload of this shape is adding a table.
 */
export function mixWorkload(name: string, summary: string, classes: readonly MixClass[]): WorkloadDefinition {
  const total = classes.reduce((s, c) => s + c.weight, 0);
  return {
    name,
    summary,
    defaults: {},
    create(ctx) {
      return {
        next() {
          let pick = ctx.random() * total;
          let c = classes[classes.length - 1];
          for (const k of classes) {
            pick -= k.weight;
            if (pick < 0) {
              c = k;
              break;
            }
          }
          const content = words(ctx.random, randomInt(ctx.random, c.promptWords[0], c.promptWords[1]));
          return chatBody(ctx, [{ role: 'user', content }], randomInt(ctx.random, c.maxTokens[0], c.maxTokens[1]));
        },
      };
    },
  };
}

export const chatShort = mixWorkload('chat-short', 'one short question (8-32 words), 16-64 output tokens', [
  { weight: 1, promptWords: [8, 32], maxTokens: [16, 64] },
]);

export const mixed = mixWorkload('mixed', 'seeded mix: 60% short/short, 20% long prompt, 15% long output, 5% both', [
  { weight: 60, promptWords: [20, 200], maxTokens: [16, 128] },
  { weight: 20, promptWords: [1000, 3000], maxTokens: [16, 128] },
  { weight: 15, promptWords: [20, 200], maxTokens: [256, 1024] },
  { weight: 5, promptWords: [1000, 3000], maxTokens: [256, 1024] },
]);
