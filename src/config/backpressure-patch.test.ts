import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as z from 'zod';
import { BACKPRESSURE_SHAPES, BackpressureSchema, defaultBackpressure, normalizeBackpressure } from './backpressure.ts';
import {
  BackpressurePatch,
  backpressureSection,
  patchBackpressure,
  patchSchema,
  RESTART_ONLY,
} from './backpressure-patch.ts';

/** Every leaf key of the section, as a path, with its value in `section`. */
function leaves(section: Record<string, unknown>, path = ''): [string, unknown][] {
  const out: [string, unknown][] = [];
  for (const key of Object.keys(BACKPRESSURE_SHAPES[path])) {
    const at = path === '' ? key : `${path}.${key}`;
    const value = section[key];
    if (BACKPRESSURE_SHAPES[at] !== undefined) out.push(...leaves(value as Record<string, unknown>, at));
    else if (BACKPRESSURE_SHAPES[`${at}.*`] === undefined) out.push([at, value]);
  }
  return out;
}

/** `{ a: { b: value } }` for path 'a.b'. */
function nest(path: string, value: unknown): Record<string, unknown> {
  return path.split('.').reduceRight<unknown>((v, k) => ({ [k]: v }), value) as Record<string, unknown>;
}

const restartOnly = (path: string) => Object.keys(RESTART_ONLY).some((k) => path === k || path.startsWith(`${k}.`));

test('every key of the section is live-settable through the patch, or listed as restart-only with a reason', () => {
  const config = defaultBackpressure(['g']);
  const all = leaves(backpressureSection(config));
  assert.ok(all.length > 40, 'the walk reached the nested sections');
  for (const [path, value] of all) {
    const patch = nest(path, value === undefined ? null : value);
    const parsed = BackpressurePatch.safeParse(patch);
    if (restartOnly(path)) {
      assert.equal(parsed.success, false, `${path} is restart-only, yet the patch takes it`);
    } else {
      assert.ok(parsed.success, `${path}: the patch refuses its own current value`);
      assert.deepEqual(
        patchBackpressure(config, patch, ['g']),
        { config },
        `${path}: applying the current value changes something`,
      );
    }
  }
  for (const [key, why] of Object.entries(RESTART_ONLY)) {
    assert.ok(
      all.some(([path]) => path === key || path.startsWith(`${key}.`)),
      `RESTART_ONLY names "${key}", which the section does not have`,
    );
    assert.ok(why.length > 10, `${key}: say why`);
  }
});

test('a key added to the section is accepted by the patch, without its default, and a restart-only one is not', () => {
  const shapes = {
    ...BACKPRESSURE_SHAPES,
    router: { ...BACKPRESSURE_SHAPES.router, new_threshold: z.number().positive().default(3) },
    'groups.*': { ...BACKPRESSURE_SHAPES['groups.*'], new_cap: z.int().positive().optional() },
  };
  const patch = patchSchema(shapes, RESTART_ONLY);
  assert.deepEqual(patch.parse({ router: { new_threshold: 5 } }), { router: { new_threshold: 5 } });
  assert.deepEqual(patch.parse({ router: {} }), { router: {} }, 'no default fills in what the patch leaves out');
  assert.equal(patch.safeParse({ router: { new_threshold: -1 } }).success, false, 'the range is the section’s');
  assert.deepEqual(
    patch.parse({ groups: { g: { new_cap: null } } }),
    { groups: { g: { new_cap: null } } },
    'an optional key takes null: unset',
  );
  assert.equal(
    patchSchema(shapes, { ...RESTART_ONLY, 'router.new_threshold': 'built at start' }).safeParse({
      router: { new_threshold: 5 },
    }).success,
    false,
  );
});

test('the section written back from a configuration normalises to the same configuration', () => {
  const raw = BackpressureSchema.parse({
    enabled: true,
    reject_status: 429,
    ingress: {
      max_in_flight_per_engine: 7,
      kv_capacity_blocks: 100,
      priorities: { standard: 0.8 },
      shedding: { rule: 'cliff' },
    },
    router: { prefill_busy_tokens: 5000, ttft_budget_ms: 900 },
    engine: { itl_slo_ms: 0, limit: { algorithm: 'gradient2', tolerance: 2, queue_size: 3 } },
    groups: { g: { max_in_flight: 4 }, h: { ttft_slo_ms: 300 } },
  });
  const config = normalizeBackpressure(raw, ['g', 'h'], [])!;
  assert.deepEqual(
    normalizeBackpressure(BackpressureSchema.parse(backpressureSection(config)), ['g', 'h'], []),
    config,
  );
});

test('a patch changes what it names and nothing else; null unsets; problems change nothing', () => {
  const config = defaultBackpressure(['g']);
  const r = patchBackpressure(
    config,
    {
      router: { ttft_budget_ms: 500, max_queue: 0 },
      ingress: { max_in_flight_per_engine: 3 },
      groups: { g: { max_in_flight: 9 } },
    },
    ['g'],
  );
  assert.ok('config' in r);
  assert.equal(r.config.router.maxQueue, 0);
  assert.equal(r.config.defaults.ttftBudgetMs, 500);
  assert.equal(r.config.defaults.ttftSloMs, 2000, 'the SLO stays what it was, as before the patch was derived');
  assert.deepEqual(r.config.groups.g, { ttftBudgetMs: 500, ttftSloMs: 2000, itlSloMs: 200, maxInFlight: 9 });
  assert.equal(r.config.ingress.maxInFlightPerEngine, 3);
  const unset = patchBackpressure(r.config, { ingress: { max_in_flight_per_engine: null } }, ['g']);
  assert.ok('config' in unset);
  assert.equal(unset.config.ingress.maxInFlightPerEngine, undefined);
  assert.equal(config.router.maxQueue, 1024, 'the current configuration is not written into');
  const coerced = patchBackpressure(config, { router: { max_queue: '8' } }, ['g']);
  assert.ok('config' in coerced);
  assert.equal(coerced.config.router.maxQueue, 8, 'the YAML coercions apply');

  assert.deepEqual(patchBackpressure(config, { router: { retry_after_min_ms: 50_000 }, groups: { x: {} } }, ['g']), {
    issues: [
      'router.retry_after_min_ms: exceeds retry_after_max_ms',
      'groups.x: no model group of that name (known: g)',
    ],
  });
  const bad = patchBackpressure(config, { router: { max_queue: -1, drain_window_ms: 5 } }, ['g']);
  assert.ok('issues' in bad);
  assert.match(bad.issues.join('; '), /router\.max_queue/);
  assert.match(bad.issues.join('; '), /drain_window_ms/);
});
