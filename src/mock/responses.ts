/**
 * The mock's response bodies, built once per mock from its options. A request only fills in its id, the
 * creation time, the model literal it asked for and its token counts, by concatenating precomputed strings:
 * no JSON.stringify of response objects on the request path.
 *
 * Usage is approximate by design: prompt_tokens is the request body's size in bytes / 4 (rounded up), a
 * stand-in for a tokenizer; completion_tokens is the number of content chunks (one token per chunk).
 */
import { errorJson } from '../outcome/openai-error.ts';

/** The reply, one word per chunk, repeated as far as `chunks` asks. */
export const WORDS = 'This is a deterministic reply from the Spillway mock upstream , one token per chunk .'.split(' ');

const EMBEDDING_DIMS = 16;

export class MockResponses {
  readonly chunks: number;
  readonly modelsBody: string;
  private readonly chatTail: string;
  private readonly textTail: string;
  private readonly chatStreamTails: string[];
  private readonly textStreamTails: string[];
  private readonly embeddingFloat: string;
  private readonly embeddingBase64: string;

  constructor(chunks: number, models: readonly string[]) {
    this.chunks = chunks;
    const words = Array.from({ length: chunks }, (_, i) => (i === 0 ? '' : ' ') + WORDS[i % WORDS.length]);
    const content = JSON.stringify(words.join(''));
    this.chatTail =
      `,"choices":[{"index":0,"message":{"role":"assistant","content":${content}},` +
      '"logprobs":null,"finish_reason":"stop"}],"usage":{"prompt_tokens":';
    this.textTail =
      `,"choices":[{"index":0,"text":${content},` +
      '"logprobs":null,"finish_reason":"stop"}],"usage":{"prompt_tokens":';

    const chatDelta = (delta: string, finish: string) =>
      `,"choices":[{"index":0,"delta":${delta},"logprobs":null,"finish_reason":${finish}}]}\n\n`;
    this.chatStreamTails = [
      chatDelta('{"role":"assistant","content":""}', 'null'),
      ...words.map((w) => chatDelta(`{"content":${JSON.stringify(w)}}`, 'null')),
      chatDelta('{}', '"stop"'),
    ];
    const textDelta = (text: string, finish: string) =>
      `,"choices":[{"index":0,"text":${text},"logprobs":null,"finish_reason":${finish}}]}\n\n`;
    this.textStreamTails = [...words.map((w) => textDelta(JSON.stringify(w), 'null')), textDelta('""', '"stop"')];

    const created = Math.floor(Date.now() / 1000);
    this.modelsBody = JSON.stringify({
      object: 'list',
      data: models.map((id) => ({ id, object: 'model', created, owned_by: 'spillway-mock' })),
    });

    const vector = Array.from({ length: EMBEDDING_DIMS }, (_, i) => Math.round(Math.cos(i + 1) * 1e4) / 1e4);
    this.embeddingFloat = JSON.stringify(vector);
    this.embeddingBase64 = JSON.stringify(Buffer.from(new Float32Array(vector).buffer).toString('base64'));
  }

  chat(id: string, created: number, model: string, promptTokens: number): string {
    return (
      `{"id":"${id}","object":"chat.completion","created":${created},"model":${model}` +
      `${this.chatTail}${this.usageTail(promptTokens)}}`
    );
  }

  text(id: string, created: number, model: string, promptTokens: number): string {
    return (
      `{"id":"${id}","object":"text_completion","created":${created},"model":${model}` +
      `${this.textTail}${this.usageTail(promptTokens)}}`
    );
  }

  /** SSE writes for a streamed chat completion: role, `chunks` content deltas, finish, [usage], [DONE]. */
  chatStream(id: string, created: number, model: string, promptTokens: number, includeUsage: boolean): string[] {
    return this.stream(
      `data: {"id":"${id}","object":"chat.completion.chunk","created":${created},"model":${model}`,
      this.chatStreamTails,
      promptTokens,
      includeUsage,
    );
  }

  /** SSE writes for a streamed text completion: `chunks` text deltas, finish, [usage], [DONE]. */
  textStream(id: string, created: number, model: string, promptTokens: number, includeUsage: boolean): string[] {
    return this.stream(
      `data: {"id":"${id}","object":"text_completion","created":${created},"model":${model}`,
      this.textStreamTails,
      promptTokens,
      includeUsage,
    );
  }

  /** An embeddings list with `count` vectors, as floats or (what the openai SDK asks for) base64. */
  embeddings(model: string, count: number, base64: boolean, promptTokens: number): string {
    const vector = base64 ? this.embeddingBase64 : this.embeddingFloat;
    let data = '';
    for (let i = 0; i < count; i++)
      data += `${i === 0 ? '' : ','}{"object":"embedding","index":${i},"embedding":${vector}}`;
    return (
      `{"object":"list","data":[${data}],"model":${model},` +
      `"usage":{"prompt_tokens":${promptTokens},"total_tokens":${promptTokens}}}`
    );
  }

  /**
   * One string per write: the first content chunk goes with the role chunk (if any), the last with the
   * finish chunk, the usage chunk and [DONE]; so a stream paced one write per interval is `chunks` writes.
   */
  private stream(head: string, tails: string[], promptTokens: number, includeUsage: boolean): string[] {
    const lead = tails.length - this.chunks; // 2 for chat (role, finish), 1 for text (finish)
    const writes: string[] = [];
    for (let i = 0; i < this.chunks; i++) writes.push(head + tails[i + lead - 1]);
    if (lead === 2) writes[0] = head + tails[0] + writes[0];
    let last = head + tails[tails.length - 1];
    if (includeUsage) last += `${head},"choices":[],"usage":{"prompt_tokens":${this.usageTail(promptTokens)}}\n\n`;
    writes[this.chunks - 1] += `${last}data: [DONE]\n\n`;
    return writes;
  }

  private usageTail(promptTokens: number): string {
    return `${promptTokens},"completion_tokens":${this.chunks},"total_tokens":${promptTokens + this.chunks}}`;
  }
}

/** OpenAI-shaped error bodies the mock sends. */
export function mockError(message: string, type: string, code: string): string {
  return errorJson({ message: `mock upstream: ${message}`, type, param: null, code });
}
