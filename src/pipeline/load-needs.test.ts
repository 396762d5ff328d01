import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defaultBackpressure } from '../config/backpressure.ts';
import { DEFAULT_LOAD_SOURCE } from '../config/load-source.ts';
import { loadNeeds } from './load-needs.ts';

const deployment = (load?: Partial<typeof DEFAULT_LOAD_SOURCE>) =>
  ({ load: load && { ...DEFAULT_LOAD_SOURCE, ...load } }) as never;
const bp = (patch: (c: ReturnType<typeof defaultBackpressure>) => void = () => {}) => {
  const c = defaultBackpressure(['m']);
  patch(c);
  return c;
};

test('nothing reads the load: no load model at all', () => {
  assert.deepEqual(loadNeeds({ deployments: [deployment()], backpressure: undefined }, false), {
    fleet: false,
    prefixes: false,
  });
});

test('a load-aware strategy reads prefixes and load, with or without back pressure', () => {
  assert.deepEqual(loadNeeds({ deployments: [deployment()], backpressure: undefined }, true), {
    fleet: true,
    prefixes: true,
  });
  assert.deepEqual(loadNeeds({ deployments: [deployment()], backpressure: bp() }, true), {
    fleet: true,
    prefixes: true,
  });
});

test('back pressure over upstreams of unknown KV capacity: load model, no prefix hashing', () => {
  assert.deepEqual(
    loadNeeds({ deployments: [deployment(), deployment({ kind: 'none' })], backpressure: bp() }, false),
    { fleet: true, prefixes: false },
  );
});

test('back pressure with a KV capacity or an absolute prefill threshold to judge predicted KV by: prefixes', () => {
  const c = (d: never[], b = bp()) => loadNeeds({ deployments: d, backpressure: b }, false);
  assert.equal(c([deployment({ totalBlocks: 4096 })]).prefixes, true);
  assert.equal(
    c(
      [deployment()],
      bp((x) => (x.ingress.kvCapacityBlocks = 100)),
    ).prefixes,
    true,
  );
  assert.equal(
    c(
      [deployment()],
      bp((x) => (x.router.prefillBusyTokens = 8000)),
    ).prefixes,
    true,
  );
});

test('an engine that reports its load: prefixes (reconciliation and the hit estimate beside the engine figure)', () => {
  assert.deepEqual(loadNeeds({ deployments: [deployment({ kind: 'vllm' })], backpressure: undefined }, false), {
    fleet: true,
    prefixes: true,
  });
  assert.deepEqual(loadNeeds({ deployments: [deployment({ kind: 'vllm' })], backpressure: bp() }, false), {
    fleet: true,
    prefixes: true,
  });
});
