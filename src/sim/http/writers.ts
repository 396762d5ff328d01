/**
 * Response writers: each is the SequenceSink of one request. The streaming writer sends its headers with the
 * first token (so a request rejected while queued still gets a clean 503) and then one write per engine step
 * holding everything that step produced for it, or, behind a simulated API server (../live-front-end.ts), one
 * chunk per write of that server carrying every token since the last; the last write also carries the finish
 * chunk, the usage chunk when asked for, and [DONE]. Chunk JSON is assembled from a per-request prefix and
 * suffix, the tokens being the only part that changes.
 */
import type { ServerResponse } from 'node:http';
import { sendError } from '../../outcome/openai-error.ts';
import { fillerText, fillerToken } from '../filler.ts';
import type { ChunkSink } from '../live-front-end.ts';
import type { Sequence, SequenceSink } from '../sequence.ts';
import type { ApiKind } from './parse.ts';

export interface WriterContext {
  res: ServerResponse;
  kind: ApiKind;
  id: string;
  created: number;
  model: string;
  /** Called when the client goes away before the answer is complete. */
  onClientGone(seq: Sequence): void;
  /** Retry-After for a queue-timeout rejection, in wall ms. */
  retryAfterMs: number;
}

function usageJson(seq: Sequence): string {
  return (
    `{"prompt_tokens":${seq.promptTokens},"completion_tokens":${seq.numOutput},` +
    `"total_tokens":${seq.promptTokens + seq.numOutput},` +
    `"prompt_tokens_details":{"cached_tokens":${seq.cachedTokens}}}`
  );
}

abstract class BaseWriter implements SequenceSink, ChunkSink {
  protected readonly ctx: WriterContext;
  protected done = false;
  private seq: Sequence | null = null;

  constructor(ctx: WriterContext) {
    this.ctx = ctx;
  }

  /** Binds the writer to its sequence and watches for the client going away. */
  bind(seq: Sequence): void {
    this.seq = seq;
    this.ctx.res.on('close', this.onClose);
  }

  /** Writes the output tokens not written yet, up to `upTo`, as one chunk; `last` ends the answer. */
  abstract onTokens(seq: Sequence, upTo: number, last: boolean): void;

  /** A step produced one token for this request (no API server simulated between engine and client). */
  onToken(seq: Sequence, _now: number, last: boolean): void {
    this.onTokens(seq, seq.numOutput, last);
  }

  onReject(_seq: Sequence): void {
    this.overloaded('The request waited in the engine queue longer than --max-queue-ms.', 'engine_queue_timeout');
  }

  /** Answers 503 `overloaded` with Retry-After instead of tokens. */
  overloaded(message: string, code: string): void {
    this.done = true;
    sendError(this.ctx.res, 503, { message, type: 'overloaded', param: null, code }, this.ctx.retryAfterMs);
  }

  private readonly onClose = (): void => {
    if (!this.done && this.seq !== null) {
      this.done = true;
      this.ctx.onClientGone(this.seq);
    }
  };
}

export class StreamWriter extends BaseWriter {
  private readonly prefix: string;
  private readonly head: string;
  private readonly tail: string;
  private readonly first: string;
  private readonly includeUsage: boolean;
  private started = false;
  private written = 0;

  constructor(ctx: WriterContext, includeUsage: boolean) {
    super(ctx);
    this.includeUsage = includeUsage;
    const chat = ctx.kind === 'chat';
    const object = chat ? 'chat.completion.chunk' : 'text_completion';
    this.prefix =
      `data: {"id":"${ctx.id}","object":"${object}","created":${ctx.created},` +
      `"model":${JSON.stringify(ctx.model)},"choices":[`;
    this.head = this.prefix + (chat ? '{"index":0,"delta":{"content":"' : '{"index":0,"text":"');
    this.tail = `${chat ? '"}' : '"'},"logprobs":null,"finish_reason":null}]}\n\n`;
    // OpenAI opens a chat stream with a chunk carrying the role.
    this.first = chat
      ? `${this.prefix}{"index":0,"delta":{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}]}\n\n`
      : '';
  }

  onTokens(seq: Sequence, upTo: number, last: boolean): void {
    if (this.done) return;
    const res = this.ctx.res;
    let text = '';
    for (; this.written < upTo; this.written++) text += fillerToken(seq.id, this.written);
    let out = this.head + text + this.tail;
    if (!this.started) {
      this.started = true;
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache',
        connection: 'keep-alive',
      });
      out = this.first + out;
    }
    if (!last) {
      res.write(out);
      return;
    }
    this.done = true;
    const empty = this.ctx.kind === 'chat' ? '"delta":{}' : '"text":""';
    out += `${this.prefix}{"index":0,${empty},"logprobs":null,"finish_reason":"${seq.finishReason}"}]}\n\n`;
    if (this.includeUsage) out += `${this.prefix}],"usage":${usageJson(seq)}}\n\n`;
    res.end(`${out}data: [DONE]\n\n`);
  }
}

export class JsonWriter extends BaseWriter {
  onTokens(seq: Sequence, _upTo: number, last: boolean): void {
    if (!last || this.done) return;
    this.done = true;
    const { id, created, model, kind } = this.ctx;
    const text = JSON.stringify(fillerText(seq.id, seq.numOutput));
    const choice =
      kind === 'chat'
        ? `{"index":0,"message":{"role":"assistant","content":${text}},` +
          `"logprobs":null,"finish_reason":"${seq.finishReason}"}`
        : `{"index":0,"text":${text},"logprobs":null,"finish_reason":"${seq.finishReason}"}`;
    const object = kind === 'chat' ? 'chat.completion' : 'text_completion';
    const body =
      `{"id":"${id}","object":"${object}","created":${created},"model":${JSON.stringify(model)},` +
      `"choices":[${choice}],"usage":${usageJson(seq)}}`;
    const res = this.ctx.res;
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  }
}
