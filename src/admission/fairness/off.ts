/**
 * off: every request counts as one tenant, so no one goes past a full limit and each class of the router queue
 * is one flow, ordered by deadline then arrival: back pressure as it was before tenants.
 */
import type { FairIdentity, FairnessPolicy } from './types.ts';

export const off: FairnessPolicy = {
  name: 'off',
  identity(): FairIdentity | undefined {
    return undefined;
  },
  underShare(): boolean {
    return false;
  },
};
