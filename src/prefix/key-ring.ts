/**
 * The prefix index's eviction order (CLOCK, ./prefix-index.ts): its keys in insertion order, each with the
 * sequence number it was pushed with, in a ring of typed arrays (nothing allocated per push).
 */
export class KeyRing {
  length = 0;
  /** The record the last shift() took off. */
  key = 0;
  seq = 0;
  private keys = new Float64Array(0);
  private seqs = new Float64Array(0);
  private head = 0;

  get full(): boolean {
    return this.length === this.keys.length;
  }

  /** The caller makes room first (shift) when full. */
  push(key: number, seq: number): void {
    const at = (this.head + this.length) % this.keys.length;
    this.keys[at] = key;
    this.seqs[at] = seq;
    this.length++;
  }

  /** Takes the oldest record off into `key` and `seq`. */
  shift(): void {
    this.key = this.keys[this.head];
    this.seq = this.seqs[this.head];
    this.head = (this.head + 1) % this.keys.length;
    this.length--;
  }

  /** Room for `capacity` records, keeping their order. */
  resize(capacity: number): void {
    const keys = new Float64Array(capacity);
    const seqs = new Float64Array(capacity);
    for (let k = 0; k < this.length; k++) {
      const at = (this.head + k) % this.keys.length;
      keys[k] = this.keys[at];
      seqs[k] = this.seqs[at];
    }
    this.keys = keys;
    this.seqs = seqs;
    this.head = 0;
  }
}
