/**
 * The engine's /metrics, under vLLM's names and meanings (V1 engine, vLLM ≥ 0.11) so a scraper written for
 * vLLM works unchanged. Every series carries `model_name` and `engine` labels, as vLLM's do. Times are wall
 * seconds as a client sees them (at --speedup X they are X times shorter than the simulated engine's).
 * docs/SIMULATOR.md lists the names and which ones older vLLM versions spell differently.
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Scheduler } from './scheduler.ts';
import type { StepOutcome, StepPlan } from './scheduler-output.ts';
import type { Sequence } from './sequence.ts';

// Bucket boundaries as vLLM defines them for the same histograms.
const TTFT_BUCKETS = [
  0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10, 20, 40, 80, 160, 640, 2560,
];
const ITL_BUCKETS = [0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1, 2.5, 5, 7.5, 10, 20, 40, 80];
const REQUEST_BUCKETS = [0.3, 0.5, 0.8, 1, 1.5, 2, 2.5, 5, 10, 15, 20, 30, 40, 50, 60, 120, 240, 480, 960, 1920, 7680];
const ITERATION_BUCKETS = [1, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384];

export type RejectReason = 'queue_full' | 'queued_tokens_full' | 'queue_timeout';

export interface EngineMetricsOptions {
  modelName: string;
  scheduler: Scheduler;
  speedup: number;
}

export class EngineMetrics {
  readonly registry = new Registry();
  private readonly toSeconds: number;
  private readonly prefixQueries: Counter;
  private readonly prefixHits: Counter;
  private readonly preemptions: Counter;
  private readonly promptTokens: Counter;
  private readonly generationTokens: Counter;
  private readonly success: Counter<'finished_reason'>;
  private readonly rejected: Counter<'reason'>;
  private readonly ttft: Histogram;
  private readonly itl: Histogram;
  private readonly e2e: Histogram;
  private readonly queueTime: Histogram;
  private readonly iterationTokens: Histogram;

  constructor({ modelName, scheduler, speedup }: EngineMetricsOptions) {
    this.toSeconds = 1 / (1000 * speedup);
    // Default labels are added when the registry renders, so observing costs no label hashing.
    this.registry.setDefaultLabels({ model_name: modelName, engine: '0' });
    const registers = [this.registry];
    new Gauge({
      name: 'vllm:num_requests_running',
      help: 'Number of requests in model execution batches.',
      registers,
      collect() {
        this.set(scheduler.runningCount);
      },
    });
    new Gauge({
      name: 'vllm:num_requests_waiting',
      help: 'Number of requests waiting to be processed.',
      registers,
      collect() {
        this.set(scheduler.waitingCount);
      },
    });
    new Gauge({
      name: 'vllm:kv_cache_usage_perc',
      help: 'KV-cache usage. 1 means 100 percent usage.',
      registers,
      collect() {
        this.set(scheduler.kv.usedBlocks / scheduler.kv.numBlocks);
      },
    });
    const info = new Gauge({
      name: 'vllm:cache_config_info',
      help: 'Information of the LLMEngine CacheConfig',
      labelNames: ['block_size', 'num_gpu_blocks', 'enable_prefix_caching'],
      registers,
    });
    info.set(
      {
        block_size: String(scheduler.config.blockSize),
        num_gpu_blocks: String(scheduler.config.numBlocks),
        enable_prefix_caching: 'True',
      },
      1,
    );
    const counter = (name: string, help: string) => new Counter({ name, help, registers });
    this.prefixQueries = counter(
      'vllm:prefix_cache_queries_total',
      'Prefix cache queries, in terms of number of queried tokens.',
    );
    this.prefixHits = counter(
      'vllm:prefix_cache_hits_total',
      'Prefix cache hits, in terms of number of cached tokens.',
    );
    this.preemptions = counter('vllm:num_preemptions_total', 'Cumulative number of preemption from the engine.');
    this.promptTokens = counter('vllm:prompt_tokens_total', 'Number of prefill tokens processed.');
    this.generationTokens = counter('vllm:generation_tokens_total', 'Number of generation tokens processed.');
    this.success = new Counter({
      name: 'vllm:request_success_total',
      help: 'Count of successfully processed requests.',
      labelNames: ['finished_reason'],
      registers,
    });
    this.rejected = new Counter({
      name: 'spillway_sim_rejected_requests_total',
      help: 'Requests rejected by engine-level admission (503), by reason. Not a vLLM metric.',
      labelNames: ['reason'],
      registers,
    });
    const histogram = (name: string, help: string, buckets: number[]) =>
      new Histogram({ name, help, buckets, registers });
    this.ttft = histogram(
      'vllm:time_to_first_token_seconds',
      'Histogram of time to first token in seconds.',
      TTFT_BUCKETS,
    );
    this.itl = histogram(
      'vllm:inter_token_latency_seconds',
      'Histogram of inter-token latency in seconds.',
      ITL_BUCKETS,
    );
    this.e2e = histogram(
      'vllm:e2e_request_latency_seconds',
      'Histogram of e2e request latency in seconds.',
      REQUEST_BUCKETS,
    );
    this.queueTime = histogram(
      'vllm:request_queue_time_seconds',
      'Histogram of time spent in WAITING phase for request.',
      REQUEST_BUCKETS,
    );
    this.iterationTokens = histogram(
      'vllm:iteration_tokens_total',
      'Histogram of number of tokens per engine_step.',
      ITERATION_BUCKETS,
    );
  }

  /** Once per completed step: counters, then per-token latencies of the requests that emitted. */
  recordStep(plan: StepPlan, outcome: StepOutcome): void {
    if (plan.prefixQueries > 0) this.prefixQueries.inc(plan.prefixQueries);
    if (plan.prefixHits > 0) this.prefixHits.inc(plan.prefixHits);
    if (plan.preemptions > 0) this.preemptions.inc(plan.preemptions);
    if (outcome.promptTokens > 0) this.promptTokens.inc(outcome.promptTokens);
    if (outcome.generationTokens > 0) this.generationTokens.inc(outcome.generationTokens);
    this.iterationTokens.observe(plan.prefillTokens + plan.decodeRequests);
    const s = this.toSeconds;
    for (const seq of outcome.emitted) {
      if (seq.numOutput === 1) {
        this.ttft.observe((seq.firstToken - seq.arrival) * s);
        this.queueTime.observe((seq.firstScheduled - seq.arrival) * s);
      } else {
        this.itl.observe((seq.lastToken - seq.prevToken) * s);
      }
      if (seq.state === 'finished') {
        this.e2e.observe((seq.finishedAt - seq.arrival) * s);
        this.success.inc({ finished_reason: seq.finishReason });
      }
    }
  }

  recordAbort(seq: Sequence, now: number): void {
    this.success.inc({ finished_reason: 'abort' });
    this.e2e.observe((now - seq.arrival) * this.toSeconds);
  }

  recordReject(reason: RejectReason): void {
    this.rejected.inc({ reason });
  }

  render(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
