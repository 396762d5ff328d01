// Cost of reading model / stream / include_usage from the seed's ~16 KB chat body: byte scan vs JSON.parse.
// The mock is the floor of the overhead benchmark, so its per-request work should stay small.
// Run: node src/mock/scan.bench.ts
import { randomUUID } from 'node:crypto';
import { includesUsage, isStream, modelLiteral } from './scan.ts';

const content = `${randomUUID()} This is a test there will be no cache hits and we'll fill up the context`.repeat(150);
// stream last: the scan's worst case, it reads the whole body for each key.
const raw = Buffer.from(
  JSON.stringify({ model: 'fake', messages: [{ role: 'user', content }], user: 'u', stream: true }),
);

const cases: [string, () => unknown][] = [
  ['scan (isStream, includesUsage, modelLiteral)', () => [isStream(raw), includesUsage(raw), modelLiteral(raw)]],
  ['JSON.parse', () => JSON.parse(raw.toString('utf8'))],
];
console.log(`body: ${raw.length} bytes, node ${process.version}`);
for (const [name, f] of cases) {
  for (let i = 0; i < 20_000; i++) f();
  const n = 100_000;
  const t = performance.now();
  for (let i = 0; i < n; i++) f();
  console.log(`${name.padEnd(46)} ${(((performance.now() - t) / n) * 1000).toFixed(2)} µs/op`);
}
