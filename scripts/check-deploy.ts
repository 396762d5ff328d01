/**
 * CI check of deploy/: the Kubernetes manifests and the compose file against their schemas
 * (./deploy-schemas.ts). Prints every problem and exits 1 if there is any.
 *
 *   node scripts/check-deploy.ts
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { composeProblems, kubernetesProblems, type SchemaProblem } from './deploy-schemas.ts';

const deploy = join(import.meta.dirname, '..', 'deploy');
const read = (path: string) => readFileSync(join(deploy, path), 'utf8');

const manifests = readdirSync(join(deploy, 'k8s')).filter((f) => f.endsWith('.yaml'));
const problems: SchemaProblem[] = [];
for (const f of manifests) problems.push(...(await kubernetesProblems(`k8s/${f}`, read(`k8s/${f}`))));
problems.push(...composeProblems('compose/compose.yaml', read('compose/compose.yaml')));

for (const p of problems) console.log(`deploy/${p.where}: ${p.message}`);
console.log(
  problems.length === 0
    ? `deploy/: ${manifests.length} Kubernetes manifests and the compose file match their schemas`
    : `deploy/: ${problems.length} problems`,
);
process.exitCode = problems.length === 0 ? 0 : 1;
