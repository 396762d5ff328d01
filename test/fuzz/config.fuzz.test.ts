// Property: any config text, valid or mutated, either loads (and the gateway can be built from it) or is
// refused with a ConfigError listing its issues — never any other exception.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import pino from 'pino';
import { stringify } from 'yaml';
import { ConfigError, parseConfig } from '../../src/config/load.ts';
import { createGateway } from '../../src/gateway.ts';
import { strategyName } from './arbitraries.ts';
import { check, fold, runs } from './harness.ts';

const anyValue = fc.oneof(
  fc.constantFrom(
    null,
    true,
    false,
    0,
    -1,
    1.5,
    Infinity,
    -0,
    '',
    'x',
    '10',
    'os.environ/NOPE',
    'os.environ/',
    'http://127.0.0.1:1/v1',
    '~',
    'yes',
    [],
    {},
  ),
  fc.string({ maxLength: 20 }),
  fc.integer(),
  fc.double(),
);

/** A config that loads, in LiteLLM's shape with Spillway's keys, with randomly chosen values. */
const validConfig = fc
  .record({
    deployments: fc.array(
      fc.record({
        group: fc.constantFrom('m', 'e', 'chat-large'),
        model: fc.constantFrom('openai/x', 'hosted_vllm/y', 'openai/e'),
        id: fc.option(fc.constantFrom('a', 'b', 'c', 7), { nil: undefined }),
        rpm: fc.option(fc.integer({ min: 1, max: 1000 }), { nil: undefined }),
        timeout: fc.option(fc.constantFrom(0.5, 30, '10'), { nil: undefined }),
        load: fc.option(fc.constantFrom({ kind: 'none' }, { kind: 'vllm', interval_ms: 100 }, { kind: 'push' }), {
          nil: undefined,
        }),
      }),
      { minLength: 1, maxLength: 4 },
    ),
    strategy: strategyName,
    numRetries: fc.integer({ min: 0, max: 5 }),
    masterKey: fc.option(fc.constantFrom('sk-1', 'os.environ/KEY'), { nil: undefined }),
    backpressure: fc.option(
      fc.record({ enabled: fc.boolean(), router: fc.record({ ttft_budget_ms: fc.constantFrom(500, 2000) }) }),
      { nil: undefined },
    ),
  })
  .map((c) => ({
    model_list: c.deployments.map((d) => ({
      model_name: d.group,
      litellm_params: {
        model: d.model,
        api_base: 'http://127.0.0.1:9/v1',
        ...(d.rpm && { rpm: d.rpm }),
        ...(d.timeout && { timeout: d.timeout }),
      },
      ...(d.id !== undefined && { model_info: { id: d.id } }),
      ...(d.load && { spillway: { load: d.load } }),
    })),
    router_settings: { routing_strategy: c.strategy, num_retries: c.numRetries },
    ...(c.masterKey && { general_settings: { master_key: c.masterKey } }),
    ...(c.backpressure && { spillway: { backpressure: c.backpressure } }),
  }));

type Mutation =
  | { kind: 'set'; path: number[]; value: unknown }
  | { kind: 'delete'; path: number[] }
  | { kind: 'add'; path: number[]; key: string; value: unknown };

/** Changes to the parsed value: a key removed, a value replaced by anything, an unknown key added. */
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({
    kind: fc.constant('set' as const),
    path: fc.array(fc.nat(8), { minLength: 1, maxLength: 5 }),
    value: anyValue,
  }),
  fc.record({ kind: fc.constant('delete' as const), path: fc.array(fc.nat(8), { minLength: 1, maxLength: 5 }) }),
  fc.record({
    kind: fc.constant('add' as const),
    path: fc.array(fc.nat(8), { maxLength: 4 }),
    key: fc.string({ maxLength: 12 }),
    value: anyValue,
  }),
);

function mutate(root: unknown, m: Mutation): void {
  let node = root;
  const steps = m.kind === 'add' ? m.path : m.path.slice(0, -1);
  for (const i of steps) {
    if (node === null || typeof node !== 'object') return;
    const keys = Object.keys(node);
    if (keys.length === 0) return;
    node = (node as Record<string, unknown>)[keys[i % keys.length]];
  }
  if (node === null || typeof node !== 'object') return;
  const obj = node as Record<string, unknown>;
  const keys = Object.keys(obj);
  if (m.kind === 'add') obj[m.key] = m.value;
  else if (keys.length > 0) {
    const k = keys[m.path.at(-1)! % keys.length];
    if (m.kind === 'set') obj[k] = m.value;
    else if (Array.isArray(obj)) obj.splice(Number(k), 1);
    else delete obj[k];
  }
}

/** Changes to the text: cut at any byte, random bytes in, a line doubled, anchors and aliases, deep nesting. */
const textDamage = fc.oneof(
  { weight: 6, arbitrary: fc.constant((t: string) => t) },
  {
    weight: 2,
    arbitrary: fc
      .double({ min: 0, max: 1, noNaN: true })
      .map((f) => (t: string) => t.slice(0, Math.floor(f * t.length))),
  },
  {
    weight: 1,
    arbitrary: fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.string({ unit: 'binary', maxLength: 6 })).map(
      ([f, ins]) =>
        (t: string) =>
          t.slice(0, Math.floor(f * t.length)) + ins + t.slice(Math.floor(f * t.length)),
    ),
  },
  {
    weight: 1,
    arbitrary: fc.nat().map((n) => (t: string) => {
      const lines = t.split('\n');
      const i = n % lines.length;
      lines.splice(i, 0, lines[i]);
      return lines.join('\n');
    }),
  },
  {
    weight: 1,
    arbitrary: fc.constant(
      (t: string) =>
        `x: &a [1, 2]\ny: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\nz: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nw: [*c, *c, *c, *c, *c, *c, *c, *c, *c]\n${t}`,
    ),
  },
  {
    weight: 1,
    arbitrary: fc
      .integer({ min: 100, max: 20_000 })
      .map((d) => (t: string) => `${t}\nextra: ${'['.repeat(d)}1${']'.repeat(d)}\n`),
  },
  {
    weight: 1,
    arbitrary: fc
      .integer({ min: 100, max: 5_000 })
      .map(
        (d) => (t: string) =>
          `${t}\nnested:\n${Array.from({ length: d }, (_, i) => `${' '.repeat(i + 1)}k:`).join('\n')} 1\n`,
      ),
  },
  { weight: 1, arbitrary: fc.constant((t: string) => t.replace(/: /g, ':\t')) },
);

describe('fuzz: config files', () => {
  it('loads a config or throws a ConfigError with its issues, never anything else', async () => {
    const arb = fc
      .tuple(validConfig, fc.array(mutation, { maxLength: 3 }), textDamage)
      .map(([config, mutations, damage]) => {
        for (const m of mutations) mutate(config, m);
        const text = damage(stringify(config));
        return Object.assign(Object.create({ [fc.toStringMethod]: () => fold(JSON.stringify(text)) }), { text }) as {
          text: string;
        };
      });
    await check(
      'config files',
      arb,
      async ({ text }) => {
        let loaded: ReturnType<typeof parseConfig> | undefined;
        try {
          loaded = parseConfig(text, { KEY: 'sk-env' });
        } catch (err) {
          assert.ok(err instanceof ConfigError, `parseConfig threw ${(err as Error)?.stack ?? String(err)}`);
          assert.ok(
            err.issues.length > 0 && err.issues.every((i) => typeof i === 'string' && i.length > 0),
            'a ConfigError without issues',
          );
          assert.equal(err.message, err.issues.join('\n'));
          return;
        }
        assert.ok(Array.isArray(loaded.warnings));
        // A loaded config builds a gateway. The one refusal left to createGateway: a strategy name that no
        // registered strategy has (the registry can grow at run time, so the schema does not list them).
        let gateway: ReturnType<typeof createGateway>;
        try {
          gateway = createGateway({ config: loaded.config, logger: pino({ level: 'silent' }) });
        } catch (err) {
          assert.match(
            String((err as Error).message),
            /^router_settings\.routing_strategy: unknown strategy/,
            (err as Error).stack,
          );
          return;
        }
        await gateway.shutdown(0);
      },
      runs(300, 4_000),
    );
  });
});
