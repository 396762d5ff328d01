/**
 * How long one engine step takes. The scheduler asks once per step; a profile is data (a JSON file under
 * ./profiles or any path), so adding an engine measured elsewhere needs no code.
 *
 * Polynomial profile (the Dynamo mocker's model):
 *   step_ms = [T > 0] · P(T) + [D > 0] · max(min, Q(u))
 * where T is the number of prefill tokens computed in the step (prompt chunks, cache hits excluded), D the
 * number of requests decoding one token, u the fraction of KV blocks in use, P and Q polynomials with
 * coefficients in ascending powers. A step that finishes a prefill emits that request's first token without
 * adding decode time.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { z } from 'zod';

export interface StepShape {
  prefillTokens: number;
  decodeRequests: number;
  kvUsage: number;
}

export interface PerfModel {
  readonly name: string;
  stepMs(step: StepShape): number;
}

const polynomial = z.array(z.number()).min(1);
const profileSchema = z.object({
  name: z.string().min(1),
  description: z.string().optional(),
  source: z.string().optional(),
  prefill_ms: z.object({ polynomial }),
  decode_ms: z.object({ polynomial, min: z.number().nonnegative().default(1) }),
});
export type ProfileData = z.input<typeof profileSchema>;

/** Horner evaluation; coefficients in ascending powers. */
export function evalPolynomial(c: readonly number[], x: number): number {
  let y = 0;
  for (let i = c.length - 1; i >= 0; i--) y = y * x + c[i];
  return y;
}

export function polynomialModel(data: ProfileData): PerfModel {
  const p = profileSchema.parse(data);
  const prefill = p.prefill_ms.polynomial;
  const decode = p.decode_ms.polynomial;
  const decodeMin = p.decode_ms.min;
  return {
    name: p.name,
    stepMs({ prefillTokens, decodeRequests, kvUsage }) {
      let ms = 0;
      if (prefillTokens > 0) ms += Math.max(0, evalPolynomial(prefill, prefillTokens));
      if (decodeRequests > 0) ms += Math.max(decodeMin, evalPolynomial(decode, kvUsage));
      return ms;
    },
  };
}

const PROFILE_DIR = join(import.meta.dirname, 'profiles');

/** Names of the bundled profiles (files in src/sim/profiles). */
export function bundledProfiles(): string[] {
  return readdirSync(PROFILE_DIR)
    .filter((f) => f.endsWith('.json'))
    .map((f) => f.slice(0, -5))
    .sort();
}

/** Loads a bundled profile by name, or a profile file by path (anything containing "/" or ending in .json). */
export function loadProfile(nameOrPath: string): PerfModel {
  const isPath = nameOrPath.includes('/') || nameOrPath.endsWith('.json');
  if (!isPath && !bundledProfiles().includes(nameOrPath)) {
    throw new Error(`unknown profile "${nameOrPath}" (bundled: ${bundledProfiles().join(', ')}; or give a path)`);
  }
  const file = isPath
    ? isAbsolute(nameOrPath)
      ? nameOrPath
      : resolve(nameOrPath)
    : join(PROFILE_DIR, `${nameOrPath}.json`);
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`profile ${file}: ${(err as Error).message}`);
  }
  const parsed = profileSchema.safeParse(data);
  if (!parsed.success) throw new Error(`profile ${file}: ${z.prettifyError(parsed.error)}`);
  return polynomialModel(parsed.data);
}
