import { seededUuid } from './text.ts';
import type { WorkloadDefinition } from './types.ts';
import { chatBody } from './types.ts';

/**
 * LiteLLM's 1K RPS locust test: one user message made of a fresh uuid and a fixed sentence, the pair repeated
 * 150 times (the uuid comes first, so no two prompts share a prefix and no cache can hit), as end user
 * "my-new-end-user-1". About 16 KB of prompt.
 */
export const SEED_SENTENCE = " This is a test there will be no cache hits and we'll fill up the context";

export const seedLocust: WorkloadDefinition = {
  name: 'seed-locust',
  summary: 'uuid + the LiteLLM locust sentence, the pair repeated 150 times (~16 KB), no shared prefix',
  defaults: { repeat: 150 },
  create(ctx) {
    const repeat = ctx.params.repeat;
    return {
      next() {
        const content = (seededUuid(ctx.random) + SEED_SENTENCE).repeat(repeat);
        return chatBody(ctx, [{ role: 'user', content }], undefined, { user: 'my-new-end-user-1' });
      },
    };
  },
};
