import type { CooldownConfig } from '../../config/types.ts';
import { allowedFails } from './allowed-fails.ts';
import { failureRate } from './failure-rate.ts';
import type { CooldownPolicy } from './types.ts';

/** Cooldown policies by name. The config picks one: `allowed-fails` when router_settings.allowed_fails is set. */
export const COOLDOWN_POLICIES: Record<CooldownConfig['policy'], CooldownPolicy> = {
  'failure-rate': failureRate,
  'allowed-fails': allowedFails,
};
