// Cost of one routing decision on the seed's prompt, 8 engines: render + hash the prompt, estimate its tokens,
// look its blocks up in the prefix index, score every engine (kv-aware). Beside it: the same with a real
// tokenizer (o200k via gpt-tokenizer) instead of the estimate, the other strategies, and the dispatch
// bookkeeping (reserve: record the chain in the index; release), at 256-byte blocks (the default) and 64; and a
// model group's whole selection (its own filters, then least-kv) over the same 8 engines.
// Run: node bench/micro/routing-decision.ts [name filter], e.g. `pick|select` for the picks and the selection only.
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import { defaultCooldown } from '../../src/config/cooldown.ts';
import { DEFAULT_LOAD_SOURCE } from '../../src/config/load-source.ts';
import { FleetLoad } from '../../src/load/fleet.ts';
import { deploymentConfig } from '../../src/load/test-support.ts';
import { blockHashes } from '../../src/prefix/prompt-bytes.ts';
import { PromptAnalyzer } from '../../src/prefix/prompt-info.ts';
import { renderPrompt } from '../../src/prefix/prompt-shapes.ts';
import { Deployment } from '../../src/routing/deployment.ts';
import { ModelGroup } from '../../src/routing/group.ts';
import { kvAware } from '../../src/routing/strategies/kv-aware.ts';
import { leastKv } from '../../src/routing/strategies/least-kv.ts';
import { prefixHash } from '../../src/routing/strategies/prefix-hash.ts';
import type { EngineView, RouteRequest } from '../../src/routing/types.ts';
import { TokenEstimator } from '../../src/tokens/estimate.ts';
import { countTokens } from '../../src/tokens/tokenizer.ts';
import { loadTokenizerJson } from '../../src/tokens/tokenizer-json.ts';
import { seededRandom } from '../../src/util/random.ts';

const ENGINES = 8;
const VARIANTS = 256;
// The team's 13 KB seed prompt (as in bench/micro/model-rewrite.ts) and the locust file's exact payload (a uuid
// and the sentence, repeated 150 times as one f-string: 16 KB).
const seed13k = () => randomUUID() + ' What is the meaning of life?'.repeat(450);
const locust16k = () =>
  `${randomUUID()} This is a test there will be no cache hits and we'll fill up the context`.repeat(150);
const SYSTEM = 'You are a support agent for a large retailer. Follow the policy below. '.repeat(170); // 12 KB, shared
const body = (content: string, system?: string) => ({
  model: 'g',
  messages: system
    ? [
        { role: 'system', content: system },
        { role: 'user', content },
      ]
    : [{ role: 'user', content }],
});
const chat = (b: Record<string, unknown>): RouteRequest => ({
  group: 'g',
  endpoint: 'chat',
  stream: true,
  body: b,
  bodyBytes: 0,
});

/** A busy fleet: the index full of other prompts' chains, 12 requests in flight per engine, fresh reports. */
function busyFleet(blockBytes: number) {
  const deployments = Array.from({ length: ENGINES }, (_, i) => ({
    ...deploymentConfig(`e${i}`),
    load: { ...DEFAULT_LOAD_SOURCE, totalBlocks: 4096 },
  }));
  const fleet = new FleetLoad({ clock: () => performance.now(), deployments, prefix: { blockBytes } });
  const views: EngineView[] = deployments.map((d) => ({ id: d.id, config: d, inFlight: 0, load: fleet.engine(d.id) }));
  for (let i = 0; fleet.index.size < fleet.index.maxBlocks; i++) {
    fleet
      .engine(`e${i % ENGINES}`)
      .reserve(fleet.analyze('g', 'chat', body(seed13k())))
      .release();
  }
  for (let i = 0; i < ENGINES * 12; i++)
    fleet.engine(`e${i % ENGINES}`).reserve(fleet.analyze('g', 'chat', body(locust16k())));
  for (const v of views)
    v.load.report(
      { running: 8, waiting: 4, kvBlocksUsed: 1500, kvBlocksTotal: 4096, blockSize: 16 },
      v.load.markSample(),
    );
  for (let i = 0; i < ENGINES / 2; i++)
    fleet
      .engine(`e${i}`)
      .reserve(fleet.analyze('g', 'chat', body('warm-up', SYSTEM)))
      .release();
  return { fleet, views };
}

const { fleet, views } = busyFleet(256);
const small = busyFleet(64);
const tokenizerAnalyzer = new PromptAnalyzer({ index: fleet.index, estimator: fleet.estimator, countTokens });
// A tokenizer.json through @huggingface/tokenizers; no real model's file is on this machine, so the test fixture
// (a 90-token BPE: most words split into letters, so more tokens per byte than a real vocabulary).
const fixtureCount = loadTokenizerJson(
  new URL('../../test/fixtures/tiny-bpe-tokenizer.json', import.meta.url).pathname,
);
if (typeof fixtureCount === 'string') throw new Error(fixtureCount);
const jsonAnalyzer = new PromptAnalyzer({
  index: fleet.index,
  estimator: fleet.estimator,
  groupCounters: new Map([['g', fixtureCount]]),
});
const kv = kvAware({ random: seededRandom(1) });
const lkv = leastKv(seededRandom(2));
const ph = prefixHash({ random: seededRandom(3) });

const bodies = (make: () => Record<string, unknown>) => Array.from({ length: VARIANTS }, make);
const seedBodies = bodies(() => body(seed13k()));
const locustBodies = bodies(() => body(locust16k()));
const sharedBodies = bodies(() => body(`${randomUUID()} Where is my order? It has been two weeks.`, SYSTEM));
const preAnalyzed = seedBodies.map((b) => ({ ...chat(b), prompt: fleet.analyze('g', 'chat', b) }));
// Dispatches of new prompts (each a fresh uuid, as in the seed's load test): index inserts and evictions.
const DISPATCHES = 25_000;
const freshPrompts = (f: FleetLoad) =>
  Array.from({ length: DISPATCHES }, () => f.analyze('g', 'chat', body(seed13k())));
const fresh256 = freshPrompts(fleet);
const fresh64 = freshPrompts(small.fleet);
// The same engines as deployments of one group (a clock that never moves: no cooldown, no rpm window turns).
const group = new ModelGroup(
  'g',
  views.map((v) => Object.assign(new Deployment(v.config, defaultCooldown(), () => 0), { load: v.load })),
  leastKv(seededRandom(4)),
);
let i = 0;
const decide = (b: Record<string, unknown>) => kv.pick(views, { ...chat(b), prompt: fleet.analyze('g', 'chat', b) });

interface Case {
  name: string;
  bodies: Record<string, unknown>[];
  run: (b: Record<string, unknown>) => unknown;
  /** Ops per timed sample, for operations too short to time one by one. */
  batch?: number;
  samples?: number;
}
const cases: Case[] = [
  {
    name: 'render + hash blocks',
    bodies: seedBodies,
    run: (b) => {
      renderPrompt('chat', b);
      return blockHashes(256);
    },
  },
  {
    name: 'analyze: render, hash, estimate, index lookup',
    bodies: seedBodies,
    run: (b) => fleet.analyze('g', 'chat', b),
  },
  {
    name: 'kv-aware pick, 8 engines (analyzed)',
    bodies: seedBodies,
    run: () => kv.pick(views, preAnalyzed[i++ % VARIANTS]),
    batch: 100,
  },
  {
    name: 'least-kv pick, 8 engines',
    bodies: seedBodies,
    run: () => lkv.pick(views, preAnalyzed[i++ % VARIANTS]),
    batch: 100,
  },
  {
    name: 'prefix-hash pick, 8 engines',
    bodies: seedBodies,
    run: () => ph.pick(views, preAnalyzed[i++ % VARIANTS]),
    batch: 100,
  },
  {
    name: 'select: group filters + least-kv, 8 engines',
    bodies: seedBodies,
    run: () => group.select(preAnalyzed[i++ % VARIANTS], undefined),
    batch: 100,
  },
  { name: 'DECISION (estimate), 13 KB seed prompt', bodies: seedBodies, run: decide },
  { name: 'DECISION (estimate), 16 KB locust payload', bodies: locustBodies, run: decide },
  { name: 'DECISION (estimate), 12 KB shared prefix hit', bodies: sharedBodies, run: decide },
  {
    name: 'DECISION (o200k tokenizer), 13 KB seed prompt',
    bodies: seedBodies,
    run: (b) => kv.pick(views, { ...chat(b), prompt: tokenizerAnalyzer.analyze('g', 'chat', b) }),
    samples: 2000,
  },
  {
    name: 'DECISION (tokenizer.json fixture), 13 KB seed',
    bodies: seedBodies,
    run: (b) => kv.pick(views, { ...chat(b), prompt: jsonAnalyzer.analyze('g', 'chat', b) }),
    samples: 2000,
  },
  {
    name: 'dispatch: reserve + release, 256 B blocks',
    bodies: seedBodies,
    run: () => views[i % ENGINES].load.reserve(fresh256[i++ % DISPATCHES]).release(),
  },
  {
    name: 'dispatch: reserve + release, 64 B blocks',
    bodies: seedBodies,
    run: () => small.views[i % ENGINES].load.reserve(fresh64[i++ % DISPATCHES]).release(),
  },
];

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
}

const cpu = os.cpus();
console.log(
  `node ${process.version}, ${cpu[0]?.model ?? 'cpu'} × ${cpu.length}; ${ENGINES} engines; prefix index full (${fleet.index.size} blocks of 256 B)`,
);
console.log(`${'case'.padEnd(48)} ${'p50 µs'.padStart(8)} ${'p90 µs'.padStart(8)} ${'p99 µs'.padStart(8)}`);
const only = process.argv[2] === undefined ? undefined : new RegExp(process.argv[2]);
for (const c of cases) {
  if (only !== undefined && !only.test(c.name)) continue;
  const batch = c.batch ?? 1;
  const samples = c.samples ?? 20_000;
  for (let k = 0; k < Math.min(samples, 5000); k++) c.run(c.bodies[k % VARIANTS]);
  const us: number[] = [];
  for (let k = 0; k < samples; k++) {
    const b = c.bodies[k % VARIANTS];
    const start = performance.now();
    for (let j = 0; j < batch; j++) c.run(b);
    us.push(((performance.now() - start) * 1000) / batch);
  }
  us.sort((a, b) => a - b);
  const f = (x: number) => x.toFixed(x < 10 ? 2 : 1).padStart(8);
  console.log(`${c.name.padEnd(48)} ${f(percentile(us, 0.5))} ${f(percentile(us, 0.9))} ${f(percentile(us, 0.99))}`);
}

// Token counts on the seed prompt: the estimate before and after calibration, against the tokenizer.
const calibrating = new PromptAnalyzer({ index: fleet.index, estimator: new TokenEstimator() });
const contentOf = (b: Record<string, unknown>) => (b.messages as { content: string }[])[0].content;
const probe = body(seed13k());
const truth = countTokens(`user\n${contentOf(probe)}\n\n`);
const before = calibrating.analyze('g', 'chat', probe).tokens;
for (let k = 0; k < 20; k++) {
  const b = body(seed13k());
  calibrating.observeUsage('g', calibrating.analyze('g', 'chat', b), countTokens(`user\n${contentOf(b)}\n\n`));
}
const after = calibrating.analyze('g', 'chat', probe).tokens;
const pct = (x: number) => `${x > truth ? '+' : ''}${(((x - truth) / truth) * 100).toFixed(1)}%`;
console.log(
  `seed prompt tokens: o200k ${truth}; estimate ${before} before calibration (${pct(before)}), ${after} after 20 responses (${pct(after)})`,
);
