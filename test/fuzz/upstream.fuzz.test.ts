// Property: whatever an upstream answers (SSE split at any byte, no [DONE], garbage and huge lines, bad usage
// objects, wrong content types, a reset mid-stream, a stall, non-JSON error bodies, odd Retry-After values),
// the gateway stays up, relays what it relays byte for byte, answers its own errors in the OpenAI shape, and
// its accounting returns to zero.
import { after, describe, it } from 'node:test';
import fc from 'fast-check';
import { upstreamScript } from './arbitraries.ts';
import { check, EnvPool, runs, VARIANTS } from './harness.ts';
import { clientRequest, runUpstreamCase } from './upstream-case.ts';

describe('fuzz: upstream answers through a live gateway', () => {
  // Short deadlines so that a stalled upstream costs a fraction of a second.
  const pool = new EnvPool({ timeout: 1, streamTimeout: 0.3 });
  after(() => pool.closeAll());

  it('stays up, relays or answers allowed statuses in the OpenAI error shape, and returns its accounting to zero', async () => {
    const arb = fc.tuple(
      fc.constantFrom(...VARIANTS),
      clientRequest,
      fc.array(upstreamScript, { minLength: 1, maxLength: 3 }),
    );
    await check(
      'upstream answers',
      arb,
      async ([v, r, scripts]) => void (await runUpstreamCase(pool, v, r, scripts)),
      runs(60, 2_500),
    );
  });
});
