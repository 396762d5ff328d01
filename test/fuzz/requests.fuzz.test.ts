// Property: whatever a client sends (body, headers, a lying content-length, a disconnect), a live gateway in
// every configuration (master key set and unset, back pressure on and off, each routing strategy) stays up,
// answers with an allowed status — its own errors OpenAI-shaped — and its accounting returns to zero.
import { after, describe, it } from 'node:test';
import fc from 'fast-check';
import { requestCase } from './arbitraries.ts';
import { check, EnvPool, runs, VARIANTS } from './harness.ts';
import { runRequestCase } from './request-case.ts';

describe('fuzz: client requests against a live gateway', () => {
  const pool = new EnvPool();
  after(() => pool.closeAll());

  it('stays up, answers allowed statuses in the OpenAI error shape, and returns its accounting to zero', async () => {
    await check(
      'client requests',
      fc.tuple(fc.constantFrom(...VARIANTS), requestCase),
      async ([v, c]) => void (await runRequestCase(pool, v, c)),
      runs(150, 14_000),
    );
  });
});
