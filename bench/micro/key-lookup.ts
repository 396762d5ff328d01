// Cost of resolving a request's API key (issue 15: ≤ 2 µs p50 with 100,000 keys cached): sha256 of the token and
// one Map get in TenantDirectory, beside the master-key check every request paid before (MasterKeyAuth).
// Per-call figures are the median and p99 over batches of 1,000 calls (a single call is below the timer's grain).
// Run: node bench/micro/key-lookup.ts
import os from 'node:os';
import { MasterKeyAuth } from '../../src/ingress/auth.ts';
import { TenantDirectory } from '../../src/tenants/directory.ts';
import { generateKey, hashKey } from '../../src/tenants/key-hash.ts';
import { DEFAULT_KEY_SETTINGS } from '../../src/tenants/key-settings.ts';

const KEYS = 100_000;
const directory = new TenantDirectory('sk-master-key-of-the-bench');
const tokens: string[] = [];
for (let i = 0; i < KEYS; i++) {
  const key = generateKey();
  tokens.push(key);
  directory.setKey({
    ...DEFAULT_KEY_SETTINGS,
    hash: hashKey(key),
    spend: 0,
    budgetResetAtMs: undefined,
    teamId: `t${i % 100}`,
  });
}
const master = new MasterKeyAuth('sk-master-key-of-the-bench');
const header = `Bearer ${tokens[0]}`;
let i = 0;
let sink = 0;

const cases: [string, () => void][] = [
  ['lookup, a cached key (100k held)', () => (sink += directory.lookup(tokens[i++ % KEYS]).kind.length)],
  ['lookup, an unknown key', () => (sink += directory.lookup('sk-not-a-key-of-this-directory').kind.length)],
  ['lookup, the master key', () => (sink += directory.lookup('sk-master-key-of-the-bench').kind.length)],
  ['MasterKeyAuth.allows (before: every request)', () => (sink += master.allows(header) ? 1 : 0)],
];

console.log(`${KEYS} keys, node ${process.version}, ${os.cpus()[0]?.model} × ${os.cpus().length}`);
for (const [name, f] of cases) {
  for (let k = 0; k < 200_000; k++) f();
  const batches: number[] = [];
  for (let b = 0; b < 500; b++) {
    const t = performance.now();
    for (let k = 0; k < 1000; k++) f();
    batches.push(performance.now() - t); // ms per 1,000 calls = µs per call
  }
  batches.sort((x, y) => x - y);
  const before = process.memoryUsage().heapUsed;
  for (let k = 0; k < 100_000; k++) f();
  const grown = (process.memoryUsage().heapUsed - before) / 100_000;
  console.log(
    `${name.padEnd(46)} p50 ${batches[250].toFixed(3)} µs  p99 ${batches[495].toFixed(3)} µs  ` +
      `heap ~${Math.max(0, grown).toFixed(0)} B/call before GC`,
  );
}
if (sink === 42) console.log('');
