/**
 * The fleet's load, as the gateway holds it: one EngineLoad per deployment, the prefix index they share, the
 * prompt analyzer with its calibrated token estimate, and the report adapters (started and stopped with the
 * gateway). The pipeline's whole contact surface with this folder:
 *
 *   start / close    fleet.start()  /  await fleet.stop()
 *   before routing   pr.prompt = fleet.analyze(group, endpoint, body)      once per request (~8 µs for 13 KB)
 *   routing          strategy.pick(candidates, pr)                         candidates carry .load = fleet.engine(id)
 *   dispatch         x.permit = fleet.engine(id).reserve(pr.prompt)        per attempt, beside d.acquire()
 *   first byte       x.permit.firstToken()
 *   body chunk       x.permit.tokens(sseDataEvents(chunk))                 streams (./stream-tokens.ts)
 *   attempt ends     x.permit.release()                                    exactly once, beside d.release()
 *   usage seen       fleet.observeUsage(group, pr.prompt, usagePromptTokens(tail))
 */

import type { LoadRow, LoadShare } from '../cluster/types.ts';
import { DEFAULT_LOAD_SOURCE, type LoadSourceConfig } from '../config/load-source.ts';
import type { DeploymentConfig, Endpoint } from '../config/types.ts';
import { PrefixIndex } from '../prefix/prefix-index.ts';
import { PromptAnalyzer, type PromptInfo } from '../prefix/prompt-info.ts';
import { TokenEstimator, type TokenEstimatorOptions } from '../tokens/estimate.ts';
import type { Clock } from '../util/clock.ts';
import { createLoadAdapter } from './adapters/registry.ts';
import { EngineLoad } from './engine-load.ts';
import type { LoadAdapter } from './report.ts';

export type LoadedDeployment = Pick<DeploymentConfig, 'id' | 'group' | 'apiBase' | 'maxParallelRequests'> & {
  load?: LoadSourceConfig;
};

export interface FleetLoadOptions {
  clock: Clock;
  deployments: readonly LoadedDeployment[];
  prefix?: { maxBlocks?: number; ttlMs?: number; blockBytes?: number };
  estimator?: TokenEstimatorOptions;
  /** A real tokenizer instead of the estimate (off the hot-path budget; see PromptAnalyzer). */
  countTokens?: (text: string) => number;
  /** Per model group tokenizers (`spillway.tokenizers`); other groups fall back to countTokens, then the estimate. */
  groupCounters?: ReadonlyMap<string, (text: string) => number>;
  /** Hash prompts and keep the prefix index. Default true; false when nothing reads it (src/pipeline/load-needs.ts). */
  prefixes?: boolean;
  /** Throw on double releases (tests). */
  strict?: boolean;
  /** The other instances' load per engine, in `deployments` order (../cluster/types.ts); alone without. */
  share?: LoadShare;
}

export class FleetLoad {
  readonly index: PrefixIndex;
  readonly estimator: TokenEstimator;
  readonly analyzer: PromptAnalyzer;
  private readonly engines = new Map<string, EngineLoad>();
  /** Report adapters by deployment id. */
  private readonly adapters = new Map<string, LoadAdapter>();
  private readonly clock: Clock;
  private readonly strict: boolean | undefined;
  private started = false;

  constructor(opts: FleetLoadOptions) {
    this.index = new PrefixIndex({ clock: opts.clock, maxBlocks: opts.prefix?.maxBlocks, ttlMs: opts.prefix?.ttlMs });
    this.estimator = new TokenEstimator(opts.estimator);
    this.analyzer = new PromptAnalyzer({
      index: this.index,
      estimator: this.estimator,
      blockBytes: opts.prefix?.blockBytes,
      countTokens: opts.countTokens,
      groupCounters: opts.groupCounters,
      hashing: opts.prefixes,
    });
    this.clock = opts.clock;
    this.strict = opts.strict;
    const share = opts.share;
    const rows: LoadRow[] = opts.deployments.map(() => ({ inFlight: 0, queuedPrefillTokens: 0, activeTokens: 0 }));
    share?.attach(rows);
    for (const [index, d] of opts.deployments.entries()) this.add(d, share && { share, index, own: rows[index]! });
  }

  /**
   * Keeps the load of deployment `d` (at start, and a reload's new or changed one, src/reload). One of the
   * same id is replaced: its permits still release into the old one, and with other instances both count in
   * the same shared row (the cluster's rows are laid out once, by the ids at start).
   */
  add(d: LoadedDeployment, shared = this.engines.get(d.id)?.sharedRow): EngineLoad {
    const source = d.load ?? DEFAULT_LOAD_SOURCE;
    const engine = new EngineLoad({
      id: d.id,
      clock: this.clock,
      prefix: this.index,
      blockSize: source.blockSize,
      totalBlocks: source.totalBlocks,
      maxParallelRequests: d.maxParallelRequests,
      staleAfterMs: source.staleAfterMs,
      busyKvUsage: source.busyKvUsage,
      strict: this.strict,
      shared,
    });
    void this.adapters.get(d.id)?.stop();
    this.engines.set(d.id, engine);
    const adapter = createLoadAdapter(source, d.apiBase, engine);
    if (adapter === undefined) this.adapters.delete(d.id);
    else {
      this.adapters.set(d.id, adapter);
      if (this.started) adapter.start();
    }
    return engine;
  }

  /** Forgets a removed deployment's engine once its last request ended (unless a new one took its id). */
  async remove(engine: EngineLoad): Promise<void> {
    if (this.engines.get(engine.id) !== engine) return;
    this.engines.delete(engine.id);
    const adapter = this.adapters.get(engine.id);
    this.adapters.delete(engine.id);
    await adapter?.stop();
  }

  engine(id: string): EngineLoad {
    const e = this.engines.get(id);
    if (e === undefined) throw new Error(`no load state for deployment "${id}"`);
    return e;
  }

  all(): IterableIterator<EngineLoad> {
    return this.engines.values();
  }

  analyze(group: string, endpoint: Endpoint, body: Record<string, unknown>): PromptInfo {
    return this.analyzer.analyze(group, endpoint, body);
  }

  /** Calibrates the group's token estimate; ignores a missing count. */
  observeUsage(group: string, prompt: PromptInfo | undefined, promptTokens: number | undefined): void {
    if (prompt !== undefined && promptTokens !== undefined) this.analyzer.observeUsage(group, prompt, promptTokens);
  }

  start(): void {
    this.started = true;
    for (const a of this.adapters.values()) a.start();
  }

  async stop(): Promise<void> {
    this.started = false;
    await Promise.all([...this.adapters.values()].map((a) => a.stop()));
  }

  /** Throws unless every engine's prediction is back to zero with no double release. */
  assertDrained(): void {
    for (const e of this.engines.values()) e.assertDrained();
  }
}
