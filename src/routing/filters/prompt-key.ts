/**
 * prompt-key: keeps every candidate when the request's prompt has at least one full block to key on, none
 * otherwise:
 *   admits(e) ⇔ |block hashes of the prompt| > 0
 * Used to skip a stage that routes by the prompt's key for prompts shorter than one block.
 */
import type { Filter } from '../profile/types.ts';
import type { DeploymentView } from '../types.ts';

export const hasPromptKey: Filter<DeploymentView> = {
  name: 'prompt-key',
  filter(candidates, req, out) {
    if ((req.prompt?.hashes.length ?? 0) === 0) return 0;
    for (let i = 0; i < candidates.length; i++) out[i] = candidates[i];
    return candidates.length;
  },
};
