/**
 * How long one engine step takes. The scheduler asks once per step; a profile is data (a JSON file under
 * ./profiles or any path), so adding an engine measured elsewhere needs no code. A profile's `model` field names
 * its step-time model, one per file under ./perf:
 *  - `polynomial` (the default when absent): the Dynamo mocker's curves, prefill and decode time added;
 *  - `roofline`: a mixed step bound by the larger of weight + KV reading and token compute.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { z } from 'zod';
import { polynomialModel, polynomialSchema } from './perf/polynomial.ts';
import { rooflineModel, rooflineSchema } from './perf/roofline.ts';
import type { PerfModel } from './perf/types.ts';

export { evalPolynomial, type PolynomialData as ProfileData, polynomialModel } from './perf/polynomial.ts';
export type { PerfModel, StepShape } from './perf/types.ts';

/** Step-time models by the name a profile gives in `model`. */
const MODELS = {
  polynomial: (data: unknown) => polynomialModel(polynomialSchema.parse(data)),
  roofline: (data: unknown) => rooflineModel(rooflineSchema.parse(data)),
} as const satisfies Record<string, (data: unknown) => PerfModel>;

const profileSchema = z.union([rooflineSchema, polynomialSchema]);

const PROFILE_DIR = join(import.meta.dirname, 'profiles');

/** Names of the bundled profiles (files in src/sim/profiles). */
export function bundledProfiles(): string[] {
  return readdirSync(PROFILE_DIR)
    .filter((f) => f.endsWith('.json'))
    .map((f) => f.slice(0, -5))
    .sort();
}

/** The file a profile name or path stands for. */
export function profileFile(nameOrPath: string): string {
  const isPath = nameOrPath.includes('/') || nameOrPath.endsWith('.json');
  if (!isPath && !bundledProfiles().includes(nameOrPath)) {
    throw new Error(`unknown profile "${nameOrPath}" (bundled: ${bundledProfiles().join(', ')}; or give a path)`);
  }
  if (!isPath) return join(PROFILE_DIR, `${nameOrPath}.json`);
  return isAbsolute(nameOrPath) ? nameOrPath : resolve(nameOrPath);
}

/** The raw JSON of a profile (its facts beyond the step-time model are read by bench/fidelity.ts). */
export function readProfileJson(nameOrPath: string): unknown {
  const file = profileFile(nameOrPath);
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`profile ${file}: ${(err as Error).message}`);
  }
}

/** A step-time model from profile data (already parsed JSON). */
export function perfModelFrom(data: unknown, where = 'profile'): PerfModel {
  const parsed = profileSchema.safeParse(data);
  if (!parsed.success) throw new Error(`${where}: ${z.prettifyError(parsed.error)}`);
  return MODELS[parsed.data.model ?? 'polynomial'](parsed.data);
}

/** Loads a bundled profile by name, or a profile file by path (anything containing "/" or ending in .json). */
export function loadProfile(nameOrPath: string): PerfModel {
  return perfModelFrom(readProfileJson(nameOrPath), `profile ${profileFile(nameOrPath)}`);
}
