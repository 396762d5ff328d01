import { setTimeout as sleep } from 'node:timers/promises';

/**
 * rpm windows across workers and instances are wall-clock minutes: a test that counts one minute's successes
 * starts more than `marginMs` before the next boundary, so its requests cannot straddle two windows.
 */
export async function awayFromMinuteEdge(marginMs = 5000): Promise<void> {
  const left = 60_000 - (Date.now() % 60_000);
  if (left < marginMs) await sleep(left + 50);
}
