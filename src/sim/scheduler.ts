/**
 * The engine's scheduler: vLLM V1-style continuous batching, pure and clock-free — every method takes the
 * engine time it acts at, so tests drive it step by step without timers.
 *
 * A step: (1) waiting requests that never started and waited longer than maxQueueMs are rejected; (2) running
 * requests, oldest first, get their next tokens (one per decode, the rest of a prompt chunk) from the token
 * budget; when the KV pool has no block for one, the newest running request is preempted (its blocks freed,
 * recomputed later from the head of the waiting queue); (3) if nothing was preempted, waiting requests are
 * admitted in order while fewer than maxNumSeqs run and budget remains, reusing cached prefix blocks and taking
 * a chunk of the rest of their prompt. The step lasts perf.stepMs(...). At its end, every request whose known
 * tokens are all computed samples one token; a request that reaches its output length finishes and releases
 * its blocks to the prefix cache.
 *
 * The waiting queue is ./waiting-queue.ts, the requests' block tables ./block-table.ts, and what the scheduler
 * reports (step plans and outcomes, load, totals) ./scheduler-output.ts.
 */
import { commitPromptBlocks, freeBlocks, growBlocks, startWithPrefix } from './block-table.ts';
import { KvCache } from './kv-cache.ts';
import type { PerfModel } from './perf-model.ts';
import type { LoadSnapshot, SchedulerTotals, StepOutcome, StepPlan } from './scheduler-output.ts';
import type { Sequence } from './sequence.ts';
import { WaitingQueue } from './waiting-queue.ts';

export interface SchedulerConfig {
  numBlocks: number;
  blockSize: number;
  maxNumSeqs: number;
  maxNumBatchedTokens: number;
  /** Reject on arrival when this many requests already wait (engine-level admission; off when undefined). */
  maxNumQueuedReqs?: number;
  /** Reject on arrival when queued prefill tokens would exceed this (off when undefined). */
  maxNumQueuedTokens?: number;
  /** Reject a request that waited longer than this before its first scheduling (engine ms; off when undefined). */
  maxQueueMs?: number;
  perf: PerfModel;
}

export type AdmitResult = 'admitted' | 'queue_full' | 'queued_tokens_full';

export class Scheduler {
  readonly config: Readonly<SchedulerConfig>;
  readonly kv: KvCache;
  readonly totals: SchedulerTotals = {
    steps: 0,
    preemptions: 0,
    prefixQueries: 0,
    prefixHits: 0,
    promptTokens: 0,
    generationTokens: 0,
    finished: 0,
    aborted: 0,
    rejectedQueueFull: 0,
    rejectedQueuedTokens: 0,
    rejectedQueueTimeout: 0,
  };
  private readonly waiting = new WaitingQueue();
  private running: Sequence[] = [];
  private numRunning = 0;
  private pendingPrefill = 0;
  private readonly scratch: number[] = [];

  constructor(config: SchedulerConfig) {
    for (const k of ['maxNumSeqs', 'maxNumBatchedTokens'] as const) {
      if (!(Number.isInteger(config[k]) && config[k] > 0)) throw new Error(`${k} must be a positive integer`);
    }
    this.config = { ...config };
    this.kv = new KvCache(config.numBlocks, config.blockSize);
  }

  /** Largest prompt + output a request may have: it must fit in the whole KV pool. */
  get capacityTokens(): number {
    return this.config.numBlocks * this.config.blockSize;
  }

  get waitingCount(): number {
    return this.waiting.count;
  }

  get runningCount(): number {
    return this.numRunning;
  }

  /** Prefill tokens not yet computed, over waiting requests and running ones still in prefill. */
  get queuedPrefillTokens(): number {
    return this.pendingPrefill;
  }

  get hasWork(): boolean {
    return this.waiting.count + this.numRunning > 0;
  }

  /** Arrival time of the first live waiting request (Infinity when none). */
  nextArrival(): number {
    return this.waiting.nextArrival();
  }

  /** The engine's ground truth, as the load feed publishes it. */
  load(): LoadSnapshot {
    return {
      running: this.numRunning,
      waiting: this.waiting.count,
      kvBlocksUsed: this.kv.usedBlocks,
      kvBlocksTotal: this.kv.numBlocks,
      queuedPrefillTokens: this.pendingPrefill,
    };
  }

  /** Engine-level admission, then the waiting queue's tail. */
  add(seq: Sequence): AdmitResult {
    const { maxNumQueuedReqs, maxNumQueuedTokens } = this.config;
    if (maxNumQueuedReqs !== undefined && this.waiting.count >= maxNumQueuedReqs) {
      seq.state = 'rejected';
      this.totals.rejectedQueueFull++;
      return 'queue_full';
    }
    if (maxNumQueuedTokens !== undefined && this.pendingPrefill + seq.promptTokens > maxNumQueuedTokens) {
      seq.state = 'rejected';
      this.totals.rejectedQueuedTokens++;
      return 'queued_tokens_full';
    }
    seq.state = 'waiting';
    this.waiting.push(seq);
    this.pendingPrefill += seq.pendingPrefill;
    return 'admitted';
  }

  /** The client went away: the request leaves the queue or the batch now and its blocks are freed. */
  abort(seq: Sequence): void {
    if (seq.state === 'waiting') {
      this.waiting.left();
    } else if (seq.state === 'running') {
      this.numRunning--;
      freeBlocks(this.kv, seq);
    } else {
      return;
    }
    this.pendingPrefill -= seq.pendingPrefill;
    seq.state = 'aborted';
    this.totals.aborted++;
  }

  /** Plans the step starting at `now`; null when there is nothing to run (engine idle). */
  planStep(now: number): StepPlan | null {
    const expired = this.expireWaiting(now);
    if (this.running.length !== this.numRunning) this.running = this.running.filter((s) => s.state === 'running');
    const { maxNumBatchedTokens, maxNumSeqs } = this.config;
    const plan: StepPlan = {
      start: now,
      duration: 0,
      end: now,
      seqs: [],
      newTokens: [],
      prefillTokens: 0,
      decodeRequests: 0,
      kvUsage: 0,
      contextTokens: 0,
      preemptions: 0,
      expired,
      prefixQueries: 0,
      prefixHits: 0,
    };
    let budget = maxNumBatchedTokens;

    // Running requests first, oldest first; preempt from the newest end when a block is missing.
    const running = this.running;
    for (let i = 0; i < running.length && budget > 0; i++) {
      const seq = running[i];
      const n = Math.min(seq.numTokens - seq.numComputed, budget);
      if (n <= 0) continue;
      let self = false;
      while (!growBlocks(this.kv, seq, n)) {
        const victim = running.pop() as Sequence;
        this.preempt(victim);
        plan.preemptions++;
        if (victim === seq) {
          self = true;
          break;
        }
      }
      if (self) break;
      this.schedule(plan, seq, n);
      budget -= n;
    }

    // Then waiting requests, in order, unless this step had to preempt (vLLM does the same).
    if (plan.preemptions === 0) {
      const hits = this.scratch;
      while (budget > 0 && this.numRunning < maxNumSeqs) {
        const seq = this.waiting.head();
        if (seq === undefined || seq.arrival > now) break;
        const n = startWithPrefix(this.kv, seq, budget, hits);
        if (n === 0) break;
        const cached = seq.numComputed;
        this.pendingPrefill -= cached;
        plan.prefixQueries += seq.numTokens;
        plan.prefixHits += cached;
        if (seq.firstScheduled < 0) {
          seq.firstScheduled = now;
          seq.cachedTokens = cached;
        }
        this.waiting.take();
        seq.state = 'running';
        running.push(seq);
        this.numRunning++;
        this.schedule(plan, seq, n);
        budget -= n;
      }
    }
    this.waiting.compact();

    if (plan.seqs.length === 0) return expired.length > 0 || plan.preemptions > 0 ? plan : null;
    plan.kvUsage = this.kv.usedBlocks / this.kv.numBlocks;
    plan.duration = this.config.perf.stepMs(plan);
    plan.end = now + plan.duration;
    this.totals.steps++;
    this.totals.preemptions += plan.preemptions;
    this.totals.prefixQueries += plan.prefixQueries;
    this.totals.prefixHits += plan.prefixHits;
    return plan;
  }

  /** Applies a planned step at its end: computed tokens, cached blocks, one sampled token per ready request. */
  completeStep(plan: StepPlan): StepOutcome {
    const out: StepOutcome = { emitted: [], finished: 0, promptTokens: 0, generationTokens: 0 };
    const { seqs, newTokens } = plan;
    const now = plan.end;
    for (let i = 0; i < seqs.length; i++) {
      const seq = seqs[i];
      if (seq.state !== 'running') continue; // aborted during the step
      const n = newTokens[i];
      const pending = seq.pendingPrefill;
      const prefilled = n < pending ? n : pending;
      this.pendingPrefill -= prefilled;
      out.promptTokens += prefilled;
      seq.numComputed += n;
      commitPromptBlocks(this.kv, seq);
      if (seq.numComputed < seq.numTokens) continue; // mid-prefill chunk
      seq.numOutput++;
      out.generationTokens++;
      seq.prevToken = seq.lastToken;
      if (seq.firstToken < 0) seq.firstToken = now;
      seq.lastToken = now;
      out.emitted.push(seq);
      if (seq.numOutput >= seq.maxOutput) {
        seq.state = 'finished';
        seq.finishedAt = now;
        freeBlocks(this.kv, seq);
        this.numRunning--;
        out.finished++;
      }
    }
    this.totals.promptTokens += out.promptTokens;
    this.totals.generationTokens += out.generationTokens;
    this.totals.finished += out.finished;
    return out;
  }

  private schedule(plan: StepPlan, seq: Sequence, n: number): void {
    plan.seqs.push(seq);
    plan.newTokens.push(n);
    plan.contextTokens += seq.numComputed + n;
    if (n === 1 && seq.numOutput > 0 && seq.numComputed === seq.numTokens - 1) plan.decodeRequests++;
    else plan.prefillTokens += n;
  }

  private preempt(seq: Sequence): void {
    freeBlocks(this.kv, seq);
    seq.committedBlocks = 0;
    this.pendingPrefill -= seq.pendingPrefill;
    seq.numComputed = 0;
    seq.prefillTarget = seq.numTokens;
    this.pendingPrefill += seq.prefillTarget;
    seq.preemptions++;
    seq.state = 'waiting';
    this.numRunning--;
    this.waiting.pushFront(seq);
  }

  /** Queue timeout: new requests that waited longer than maxQueueMs are rejected. */
  private expireWaiting(now: number): Sequence[] {
    const expired: Sequence[] = [];
    const limit = this.config.maxQueueMs;
    if (limit === undefined || this.waiting.count === 0) return expired;
    this.waiting.expire(now, limit, expired);
    for (const seq of expired) this.pendingPrefill -= seq.pendingPrefill;
    this.totals.rejectedQueueTimeout += expired.length;
    return expired;
  }
}
