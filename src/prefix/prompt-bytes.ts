/**
 * The routing key of a request: its prompt rendered to UTF-8 bytes in one reused scratch buffer, cut into
 * fixed blocks, each named by a chained hash (block i's hash covers bytes of blocks 0..i, so two prompts share
 * block i's hash exactly when they share their first (i+1)·blockBytes bytes).
 *
 * Chat renders like src/tokens/chat.ts (`<role>\n<text>\n\n` per message, text parts only) so byte counts
 * here and token counts there describe the same string; completions render the prompt (strings as text,
 * token-id arrays as 4 bytes per id). The other endpoints' shapes are in ./prompt-shapes.ts.
 *
 * Blocks are a fixed number of BYTES (default 256 ≈ 64 tokens at ~4 bytes per token), not tokens: hashing needs
 * no tokenizer, and the block boundaries must not move when the bytes-per-token estimate recalibrates, or every
 * stored hash would stop matching. Only full blocks are hashed, as engines cache only full blocks. The size
 * trades precision (an overlap is known to within one block) for index work per request (one probe per
 * block: 51 for the 13 KB seed prompt at 256 bytes, 204 at 64).
 *
 * Hand-written because it is on the hot path (a 16 KB prompt every request): the bytes are written once into a
 * module-level buffer (no per-request allocation but the hash array) and hashed a 32-bit word at a time by two
 * murmur-style lanes, finalised and packed into a 53-bit integer that keys a Map without boxing strings.
 * Collisions: ~n²/2^54 for n distinct blocks. Single-threaded and synchronous, so one scratch buffer is safe.
 */
import { fmix32 } from '../util/hash.ts';

export const DEFAULT_BLOCK_BYTES = 256;

const INITIAL_BYTES = 1 << 16;
const RETAINED_BYTES = 1 << 22;
let scratch = Buffer.allocUnsafeSlow(INITIAL_BYTES);
let words = new Int32Array(scratch.buffer, 0, scratch.length >> 2);
let used = 0;

function allocate(size: number): void {
  const next = Buffer.allocUnsafeSlow(size);
  scratch.copy(next, 0, 0, used);
  scratch = next;
  words = new Int32Array(scratch.buffer, 0, size >> 2);
}

function ensure(extra: number): void {
  const need = used + extra;
  if (need <= scratch.length) return;
  let size = scratch.length * 2;
  while (size < need) size *= 2;
  allocate(size);
}

export function writeText(s: string): void {
  ensure(s.length * 3); // a UTF-16 unit is at most 3 UTF-8 bytes
  used += scratch.write(s, used, 'utf8');
}

export function writeTokenIds(ids: readonly unknown[]): void {
  ensure(ids.length * 4);
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i];
    if (typeof id === 'number') used = scratch.writeInt32LE(id | 0, used);
  }
}

// A completions prompt or embeddings input nests arrays as the client likes: walked with an explicit stack (one
// module-level pair of arrays, reused) so no nesting can overflow the call stack.
let walkArrays: (readonly unknown[])[] = [];
let walkNext: number[] = [];
const NONE: readonly unknown[] = [];

export function writePromptValue(p: unknown): void {
  if (typeof p === 'string') return writeText(p);
  if (!Array.isArray(p)) return;
  let sp = 0;
  walkArrays[sp] = p;
  walkNext[sp++] = 0;
  let high = sp;
  while (sp > 0) {
    const arr = walkArrays[sp - 1];
    if (walkNext[sp - 1] === 0 && arr.length > 0 && typeof arr[0] === 'number') {
      writeTokenIds(arr);
      sp--;
      continue;
    }
    const i = walkNext[sp - 1]++;
    if (i >= arr.length) {
      sp--;
      continue;
    }
    const v = arr[i];
    if (typeof v === 'string') writeText(v);
    else if (Array.isArray(v)) {
      walkArrays[sp] = v;
      walkNext[sp++] = 0;
      if (sp > high) high = sp;
    }
  }
  if (high > 1024) {
    walkArrays = [];
    walkNext = [];
  } else walkArrays.fill(NONE, 0, high);
}
export function writeChat(messages: readonly unknown[]): void {
  for (let i = 0; i < messages.length; i++) writeMessage(messages[i]);
}

/** One chat message (or Responses message item): `<role>\n<text parts>\n\n`. */
export function writeMessage(message: unknown): void {
  const m = message as { role?: unknown; content?: unknown } | null;
  if (m === null || typeof m !== 'object') return;
  if (typeof m.role === 'string') writeText(m.role);
  writeText('\n');
  const c = m.content;
  if (typeof c === 'string') writeText(c);
  else if (Array.isArray(c)) {
    for (let j = 0; j < c.length; j++) {
      const part = c[j] as { text?: unknown } | null;
      if (part !== null && typeof part === 'object' && typeof part.text === 'string') writeText(part.text);
    }
  }
  writeText('\n\n');
}

/** Starts a rendering: the scratch buffer empties (and shrinks, after one huge prompt). */
export function beginRender(): void {
  used = 0;
  if (scratch.length > RETAINED_BYTES) allocate(INITIAL_BYTES); // one huge prompt must not pin its buffer
}

/** Bytes written since beginRender. */
export function renderedBytes(): number {
  return used;
}

/** The last rendered prompt as a string (only for a real tokenizer: hashing reads the bytes directly). */
export function promptText(): string {
  return scratch.toString('utf8', 0, used);
}

/** Chained hashes of the full `blockBytes`-byte blocks of the last rendered prompt. blockBytes: a multiple of 4. */
export function blockHashes(blockBytes: number): number[] {
  const wordsPerBlock = blockBytes >> 2;
  const full = Math.floor(used / blockBytes);
  const out = new Array<number>(full);
  let a = 0x9747b28c | 0;
  let b = 0x2545f491 | 0;
  let w = 0;
  for (let blk = 0; blk < full; blk++) {
    const end = w + wordsPerBlock;
    for (; w < end; w++) {
      const x = words[w];
      let k = Math.imul(x, 0xcc9e2d51);
      k = (k << 15) | (k >>> 17);
      a ^= Math.imul(k, 0x1b873593);
      a = (a << 13) | (a >>> 19);
      a = (Math.imul(a, 5) + 0xe6546b64) | 0;
      b = Math.imul(b ^ x, 0x85ebca6b);
      b ^= b >>> 13;
    }
    // The lanes run on across blocks (that is the chain); only the emitted key is finalised.
    out[blk] = fmix32(a ^ end) * 0x200000 + (fmix32(b ^ blk) >>> 11);
  }
  return out;
}
