import assert from 'node:assert/strict';
import { ACCOUNTING_AT_ZERO } from '../../src/pipeline/test-support.ts';
import type { RunningGateway } from './gateway.ts';

/** Deployment in-flight and the load model at zero; with back pressure on, also admission, queue and engine slots. */
export async function assertZero(gw: RunningGateway): Promise<void> {
  await gw.assertIdle();
  const bp = gw.gateway.backpressure;
  if (bp !== undefined) assert.deepEqual(bp.accounting(), ACCOUNTING_AT_ZERO);
}
