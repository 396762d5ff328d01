// `spillway engine`: the simulated vLLM-like engine (src/sim) as a standalone server.

import { DEFAULTS } from '../../sim/options.ts';
import { bundledProfiles } from '../../sim/perf-model.ts';
import { profileEngineOptions } from '../../sim/profile-engine.ts';
import { startEngine } from '../../sim/server.ts';
import { type Command, intOption, parseOptions, untilSignal } from '../command.ts';

const help = `Usage: spillway engine [options]

A simulated inference engine that overloads like vLLM: KV cache with prefix caching, continuous batching with
chunked prefill, preemption, vLLM's /metrics, and a push feed of its load (GET /load/stream).

  --port N                     listen port (default 8100; 0 = any free port)
  --host ADDR                  listen address (default ${DEFAULTS.host})
  --model NAME                 served model name (default ${DEFAULTS.model})
  --profile NAME|PATH          step-time profile: ${bundledProfiles().join(', ')}, or a JSON file \
(default ${DEFAULTS.profile}); a profile's "engine" block sets the
                               four options below unless they are given, and its
                               "front_end" block runs its API server's costs
  --speedup X                  divide every simulated duration by X (default 1)
  --seed N                     seed for output lengths when max_tokens is absent (default 0)
  --num-blocks N               KV cache blocks (default ${DEFAULTS.numBlocks})
  --block-size N               tokens per KV block (default ${DEFAULTS.blockSize})
  --max-num-seqs N             most requests running at once (default ${DEFAULTS.maxNumSeqs})
  --max-num-batched-tokens N   token budget per step (default ${DEFAULTS.maxNumBatchedTokens})
  --max-model-len N            longest prompt + output (default: the whole KV cache)
  --max-num-queued-reqs N      503 on arrival when N requests wait (default off)
  --max-num-queued-tokens N    503 on arrival when queued prompt tokens would exceed N (default off)
  --max-queue-ms MS            503 for a request that waited longer (simulated ms, default off)
  --load-interval-ms MS        minimum wall ms between two load-feed messages (default ${DEFAULTS.loadIntervalMs})

Docs: docs/SIMULATOR.md`;

function optionalInt(v: string | undefined, name: string): number | undefined {
  return v === undefined ? undefined : intOption(v, name, 0);
}

export const command: Command = {
  summary: 'Run a simulated vLLM-like engine (KV cache, batching, preemption, vLLM metrics)',
  help,
  async run(argv) {
    const v = parseOptions(argv, {
      port: { type: 'string' },
      host: { type: 'string' },
      model: { type: 'string' },
      profile: { type: 'string' },
      speedup: { type: 'string' },
      seed: { type: 'string' },
      'num-blocks': { type: 'string' },
      'block-size': { type: 'string' },
      'max-num-seqs': { type: 'string' },
      'max-num-batched-tokens': { type: 'string' },
      'max-model-len': { type: 'string' },
      'max-num-queued-reqs': { type: 'string' },
      'max-num-queued-tokens': { type: 'string' },
      'max-queue-ms': { type: 'string' },
      'load-interval-ms': { type: 'string' },
    });
    // A fitted profile carries the engine it was measured on; flags given here override it.
    const fromProfile = v.profile === undefined ? {} : profileEngineOptions(v.profile);
    const flag = (name: 'num-blocks' | 'block-size' | 'max-num-seqs' | 'max-num-batched-tokens') =>
      optionalInt(v[name], name);
    const engine = await startEngine({
      port: intOption(v.port, 'port', 8100),
      host: v.host,
      model: v.model,
      profile: v.profile,
      speedup: optionalInt(v.speedup, 'speedup'),
      seed: optionalInt(v.seed, 'seed'),
      numBlocks: flag('num-blocks') ?? fromProfile.numBlocks,
      blockSize: flag('block-size') ?? fromProfile.blockSize,
      maxNumSeqs: flag('max-num-seqs') ?? fromProfile.maxNumSeqs,
      maxNumBatchedTokens: flag('max-num-batched-tokens') ?? fromProfile.maxNumBatchedTokens,
      maxModelLen: optionalInt(v['max-model-len'], 'max-model-len'),
      maxNumQueuedReqs: optionalInt(v['max-num-queued-reqs'], 'max-num-queued-reqs'),
      maxNumQueuedTokens: optionalInt(v['max-num-queued-tokens'], 'max-num-queued-tokens'),
      maxQueueMs: optionalInt(v['max-queue-ms'], 'max-queue-ms'),
      loadIntervalMs: optionalInt(v['load-interval-ms'], 'load-interval-ms'),
    });
    console.log(`spillway engine: ${engine.model} listening on ${engine.url}`);
    await untilSignal();
    await engine.close();
    return 0;
  },
};
