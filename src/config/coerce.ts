/**
 * The coercions every section of the YAML file shares (./schema.ts, ./backpressure.ts, ./cooldown.ts): LiteLLM
 * reads env values as strings and YAML authors quote numbers and booleans, so `"8"` and `"true"` are accepted;
 * and a key with nothing after it (YAML `null`) reads as an empty section, so its defaults apply.
 */
import * as z from 'zod';

export function numeric<T extends z.ZodType>(schema: T) {
  return z.preprocess(
    (v) => (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v)) ? Number(v) : v),
    schema,
  );
}

export function boolean() {
  return z.preprocess((v) => (v === 'true' ? true : v === 'false' ? false : v), z.boolean());
}

export function section<S extends z.core.$ZodLooseShape>(shape: S) {
  return z.preprocess((v) => v ?? {}, z.strictObject(shape));
}
