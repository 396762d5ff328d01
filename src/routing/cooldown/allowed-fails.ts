import { FixedWindowCounter } from '../../util/fixed-window.ts';
import type { CooldownPolicy } from './types.ts';

/**
 * LiteLLM's allowed_fails, for configs that set it: out on the failure after `allowed_fails` failures within a
 * clock minute. The count starts again from zero when a cooldown begins, so a deployment back from one gets
 * allowed_fails failures again instead of going straight back out on its next failure that minute (LiteLLM's
 * count expires cooldown_time after its last increment, so it too is gone when the cooldown ends).
 */
export const allowedFails: CooldownPolicy = {
  name: 'allowed-fails',
  create(config, clock) {
    const allowed = config.allowedFails ?? 0;
    const fails = new FixedWindowCounter(clock);
    return {
      failed() {
        fails.add(1);
        return fails.current() > allowed;
      },
      ejected() {
        fails.reset();
      },
    };
  },
};
