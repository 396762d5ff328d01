/**
 * The per-request record, kept as parallel typed arrays (one slot per request, in start order) so a run of
 * millions of requests costs a few bytes each and no per-request object survives the request.
 * Times are milliseconds; NaN means "not measured" (no first token on a rejection, no Retry-After, ...).
 */

const INITIAL = 4096;

export class Recorder {
  count = 0;
  /** Dispatch time, relative to the run's start. */
  start = new Float64Array(INITIAL);
  /** How late the dispatch was against its open-loop schedule (0 in closed loop). */
  lateness = new Float32Array(INITIAL);
  /** HTTP status, 0 when no response came. */
  status = new Uint16Array(INITIAL);
  ttft = new Float32Array(INITIAL);
  e2e = new Float32Array(INITIAL);
  /** Mean gap per output token after the first: (last chunk - first token) / (tokens - 1). */
  tpot = new Float32Array(INITIAL);
  tokens = new Uint32Array(INITIAL);
  retryAfter = new Float32Array(INITIAL);
  /** 0: no error; otherwise 1 + index into `errorKinds`. */
  error = new Uint8Array(INITIAL);
  /** Every inter-chunk gap of every stream, for the ITL distribution. */
  gaps = new Float32Array(INITIAL * 8);
  gapCount = 0;

  readonly errorKinds: string[] = [];
  readonly errorSamples = new Map<string, string>();

  /** Reserves a slot for a request dispatched now; returns its index. */
  open(startMs: number, latenessMs: number): number {
    if (this.count === this.start.length) this.grow();
    const i = this.count++;
    this.start[i] = startMs;
    this.lateness[i] = latenessMs;
    this.status[i] = 0;
    this.ttft[i] = NaN;
    this.e2e[i] = NaN;
    this.tpot[i] = NaN;
    this.tokens[i] = 0;
    this.retryAfter[i] = NaN;
    this.error[i] = 0;
    return i;
  }

  addGap(ms: number): void {
    if (this.gapCount === this.gaps.length) {
      const next = new Float32Array(this.gaps.length * 2);
      next.set(this.gaps);
      this.gaps = next;
    }
    this.gaps[this.gapCount++] = ms;
  }

  setError(i: number, kind: string, sample?: string): void {
    let k = this.errorKinds.indexOf(kind);
    // The record keeps a byte per request; past 250 distinct kinds the rest are lumped together.
    if (k < 0 && this.errorKinds.length >= 250) {
      kind = 'other';
      k = this.errorKinds.indexOf(kind);
    }
    if (k < 0) k = this.errorKinds.push(kind) - 1;
    this.error[i] = k + 1;
    if (sample !== undefined && !this.errorSamples.has(kind)) this.errorSamples.set(kind, sample.slice(0, 300));
  }

  errorKind(i: number): string | undefined {
    const e = this.error[i];
    return e === 0 ? undefined : this.errorKinds[e - 1];
  }

  private grow(): void {
    const n = this.start.length * 2;
    this.start = growF64(this.start, n);
    this.lateness = growF32(this.lateness, n);
    this.status = growU16(this.status, n);
    this.ttft = growF32(this.ttft, n);
    this.e2e = growF32(this.e2e, n);
    this.tpot = growF32(this.tpot, n);
    this.tokens = growU32(this.tokens, n);
    this.retryAfter = growF32(this.retryAfter, n);
    this.error = growU8(this.error, n);
  }
}

function growF64(a: Float64Array, n: number) {
  const b = new Float64Array(n);
  b.set(a);
  return b;
}
function growF32(a: Float32Array, n: number) {
  const b = new Float32Array(n);
  b.set(a);
  return b;
}
function growU32(a: Uint32Array, n: number) {
  const b = new Uint32Array(n);
  b.set(a);
  return b;
}
function growU16(a: Uint16Array, n: number) {
  const b = new Uint16Array(n);
  b.set(a);
  return b;
}
function growU8(a: Uint8Array, n: number) {
  const b = new Uint8Array(n);
  b.set(a);
  return b;
}
