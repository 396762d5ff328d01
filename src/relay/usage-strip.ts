/**
 * Takes the usage-only event out of a stream whose usage the gateway asked for and the client did not
 * (src/upstream/include-usage.ts): the event whose `choices` is empty and which carries `usage`, as OpenAI and
 * vLLM send it before `data: [DONE]`. Its token counts are kept for the tenant's usage.
 *
 * Events end with a blank line (`\n\n`). So that an event split across network chunks is still recognised, the
 * bytes after a chunk's last blank line wait for the next chunk (in practice engines write whole events, and
 * nothing waits). Only the streams that need it pay: one instance per such request, no allocation for a chunk of
 * whole events without the usage event.
 */
const EVENT_END = Buffer.from('\n\n');
const EMPTY_CHOICES = [Buffer.from('"choices":[]'), Buffer.from('"choices": []')];
const USAGE = Buffer.from('"usage"');
const promptTokens = /"prompt_tokens"\s*:\s*(\d+)/;
const completionTokens = /"completion_tokens"\s*:\s*(\d+)/;

export class UsageStripper {
  /** From the stripped event; -1 until it is seen. */
  promptTokens = -1;
  completionTokens = -1;
  private held: Buffer | undefined = undefined;

  /** What of `chunk` (after what was held) to relay now; undefined when nothing. */
  relay(chunk: Buffer): Buffer | undefined {
    let buf = this.held === undefined ? chunk : Buffer.concat([this.held, chunk]);
    this.held = undefined;
    const last = buf.lastIndexOf(EVENT_END);
    const whole = last === -1 ? 0 : last + EVENT_END.length;
    if (whole < buf.length) {
      this.held = buf.subarray(whole);
      if (whole === 0) return undefined;
      buf = buf.subarray(0, whole);
    }
    return this.promptTokens === -1 ? this.strip(buf) : buf;
  }

  /** Bytes still held when the stream ends (a last event without its blank line): relayed as they are. */
  rest(): Buffer | undefined {
    const held = this.held;
    this.held = undefined;
    return held;
  }

  /** `buf`: whole events. Without its usage-only event, if it has one. */
  private strip(buf: Buffer): Buffer | undefined {
    for (const pattern of EMPTY_CHOICES) {
      for (let at = buf.indexOf(pattern); at !== -1; at = buf.indexOf(pattern, at + pattern.length)) {
        const start = eventStart(buf, at);
        const end = buf.indexOf(EVENT_END, at) + EVENT_END.length;
        const event = buf.subarray(start, end);
        if (event.indexOf(USAGE) === -1) continue;
        const text = event.toString('latin1');
        this.promptTokens = Number(promptTokens.exec(text)?.[1] ?? 0);
        this.completionTokens = Number(completionTokens.exec(text)?.[1] ?? 0);
        if (start === 0 && end === buf.length) return undefined;
        return Buffer.concat([buf.subarray(0, start), buf.subarray(end)]);
      }
    }
    return buf;
  }
}

/** Just past the blank line before `at`, or 0. */
function eventStart(buf: Buffer, at: number): number {
  const before = buf.lastIndexOf(EVENT_END, at);
  return before === -1 ? 0 : before + EVENT_END.length;
}
