// Cost of substituting the upstream model name in the seed's ~13 KB chat body: splice vs re-serialise.
// Run: node bench/micro/model-rewrite.ts
import { randomUUID } from 'node:crypto';
import { rewriteModel } from '../../src/upstream/model-rewrite.ts';

const content = randomUUID() + ' What is the meaning of life?'.repeat(450);
const raw = Buffer.from(JSON.stringify({ model: 'demo', messages: [{ role: 'user', content }] }));
const body = JSON.parse(raw.toString()) as Record<string, unknown>;

const cases: [string, () => unknown][] = [
  ['JSON.parse (ingress, for reference)', () => JSON.parse(raw.toString('utf8'))],
  ['splice (rewriteModel)', () => rewriteModel(raw, body, 'mock')],
  ['JSON.stringify', () => Buffer.from(JSON.stringify({ ...body, model: 'mock' }))],
];
console.log(`body: ${raw.length} bytes, node ${process.version}`);
for (const [name, f] of cases) {
  for (let i = 0; i < 20_000; i++) f();
  const n = 100_000;
  const t = performance.now();
  for (let i = 0; i < n; i++) f();
  console.log(`${name.padEnd(38)} ${(((performance.now() - t) / n) * 1000).toFixed(2)} µs/op`);
}
