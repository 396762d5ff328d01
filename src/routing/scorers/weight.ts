/**
 * weight: the deployment's simple-shuffle weight (`weight`, else rpm, else tpm, else 1: DeploymentConfig.weight)
 * over the largest among the candidates,
 *   score(d) = weight(d) / max weight
 * so equal weights all score 1; with weighted-random it picks d with P(d) = weight(d) / Σ weight.
 */
import type { Scorer } from '../profile/types.ts';
import type { DeploymentView } from '../types.ts';

export const weight: Scorer<DeploymentView> = {
  name: 'weight',
  score(candidates, _req, out) {
    let max = 0;
    for (let i = 0; i < candidates.length; i++)
      if (candidates[i].config.weight > max) max = candidates[i].config.weight;
    for (let i = 0; i < candidates.length; i++) out[i] = max > 0 ? candidates[i].config.weight / max : 0;
  },
};
