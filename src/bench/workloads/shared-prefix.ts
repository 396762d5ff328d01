import { randomInt, words } from './text.ts';
import type { ChatMessage, WorkloadDefinition } from './types.ts';
import { chatBody } from './types.ts';

/**
 * K long system prompts shared by many users, each user holding a multi-turn conversation: turn t resends the
 * system prompt and the t-1 earlier exchanges, so both the system prompt and the user's own history are cacheable
 * prefixes. The assistant's earlier replies are synthetic (fixed per user and turn), so bodies do not depend on
 * what the server answered and a run is reproducible from its seed. A conversation restarts after `turns` turns.
 */
export const sharedPrefix: WorkloadDefinition = {
  name: 'shared-prefix',
  summary: 'K long system prompts x many users, multi-turn (prefix caching matters)',
  defaults: { prefixes: 4, users: 64, systemWords: 1500, turns: 6, userWords: 40, replyWords: 80, maxTokens: 64 },
  create(ctx) {
    const p = ctx.params;
    const systems = Array.from(
      { length: p.prefixes },
      (_, k) => `You are assistant ${k}. ${words(ctx.random, p.systemWords)}`,
    );
    const users = Array.from({ length: p.users }, (_, u): ChatMessage[] => [
      { role: 'system', content: systems[u % p.prefixes] },
    ]);
    let last = 0;
    return {
      next(user) {
        const u = user === undefined ? Math.floor(ctx.random() * p.users) : user % p.users;
        last = u % p.prefixes;
        let history = users[u];
        if (history.length >= 1 + 2 * p.turns) history = users[u] = history.slice(0, 1);
        const messages = history.concat({
          role: 'user',
          content: words(ctx.random, randomInt(ctx.random, p.userWords / 2, p.userWords * 1.5)),
        });
        history.push(messages[messages.length - 1], { role: 'assistant', content: words(ctx.random, p.replyWords) });
        return chatBody(ctx, messages, p.maxTokens);
      },
      prefixKey: () => last,
    };
  },
};
