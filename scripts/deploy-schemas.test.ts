// The schema checks of deploy/ (./deploy-schemas.ts) pass the shipped files and catch what a schema catches.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { composeProblems, kubernetesProblems } from './deploy-schemas.ts';

const deploy = join(import.meta.dirname, '..', 'deploy');
const read = (path: string) => readFileSync(join(deploy, path), 'utf8');

const DEPLOYMENT = `
apiVersion: apps/v1
kind: Deployment
metadata: { name: gw }
spec:
  selector: { matchLabels: { app: gw } }
  template:
    metadata: { labels: { app: gw } }
    spec:
      containers:
        - name: gw
          image: spillway
          ports: [{ containerPort: PORT }]
`;

describe('the Kubernetes schema check', () => {
  it('passes every manifest in deploy/k8s', async () => {
    const files = readdirSync(join(deploy, 'k8s')).filter((f) => f.endsWith('.yaml'));
    assert.ok(files.length >= 5, `${files}`);
    for (const f of files) assert.deepEqual(await kubernetesProblems(f, read(`k8s/${f}`)), [], f);
  });

  it('reports a field of the wrong type, naming the object and the path', async () => {
    assert.deepEqual(await kubernetesProblems('x.yaml', DEPLOYMENT.replace('PORT', '4000')), []);
    const [problem, ...more] = await kubernetesProblems('x.yaml', DEPLOYMENT.replace('PORT', 'http'));
    assert.equal(more.length, 0);
    assert.equal(problem.where, 'x.yaml: Deployment gw');
    assert.match(problem.message, /containers\/0\/ports\/0\/containerPort must be integer/);
  });

  it('reports each bad document of a multi-document file, and a kind it has no schema for', async () => {
    const text = `${DEPLOYMENT.replace('PORT', 'x')}\n---\napiVersion: v1\nkind: Gateway\nmetadata: { name: g }\n`;
    const problems = await kubernetesProblems('x.yaml', text);
    assert.deepEqual(
      problems.map((p) => p.where),
      ['x.yaml: Deployment gw', 'x.yaml: Gateway g'],
    );
    assert.equal(problems[1].message, 'no schema for v1 Gateway');
  });
});

describe('the compose schema check', () => {
  it('passes deploy/compose/compose.yaml', () => {
    assert.deepEqual(composeProblems('compose.yaml', read('compose/compose.yaml')), []);
  });

  it('reports an unknown key of a service and a value of the wrong type', () => {
    const problems = composeProblems('c.yaml', 'services:\n  gw:\n    image: x\n    replica: 2\n    ports: 4000\n');
    assert.deepEqual(
      problems.map((p) => p.where),
      ['c.yaml: /services/gw', 'c.yaml: /services/gw/ports'],
    );
    assert.match(problems[0].message, /additional properties.*replica/);
  });
});
