/**
 * Turns an OpenAI request body into what the scheduler needs: prompt token ids, output budget, stream flags.
 * Validation is as strict as the simulator needs and errors name the parameter, as OpenAI's do.
 */
import { type ChatMessageLike, encode, encodeChat } from '../../tokens/index.ts';

export type ApiKind = 'chat' | 'completion';

export interface ParsedRequest {
  kind: ApiKind;
  model: string | undefined;
  promptIds: number[];
  /** The client's cap on generated tokens, if any. */
  maxTokens: number | undefined;
  stream: boolean;
  includeUsage: boolean;
}

export class RequestError extends Error {
  readonly param: string | null;
  constructor(message: string, param: string | null) {
    super(message);
    this.param = param;
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function optionalPositiveInt(body: Record<string, unknown>, name: string): number | undefined {
  const v = body[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) {
    throw new RequestError(`'${name}' must be a positive integer, got ${JSON.stringify(v)}`, name);
  }
  return v;
}

function isTokenArray(v: unknown): v is number[] {
  return Array.isArray(v) && v.length > 0 && v.every((t) => Number.isInteger(t) && t >= 0);
}

function completionPrompt(p: unknown): number[] {
  // A loop, not recursion: a client may nest one-element arrays as deep as its body allows.
  for (;;) {
    if (typeof p === 'string') return encode(p);
    if (isTokenArray(p)) return p;
    if (!Array.isArray(p) || p.length !== 1) break;
    p = p[0];
  }
  throw new RequestError(
    "'prompt' must be a string, an array of token ids, or an " +
      'array holding one of them (batched prompts are not supported)',
    'prompt',
  );
}

function chatPrompt(messages: unknown): number[] {
  if (!Array.isArray(messages) || messages.length === 0) {
    throw new RequestError("'messages' must be a non-empty array", 'messages');
  }
  for (let i = 0; i < messages.length; i++) {
    const m = messages[i];
    if (!isRecord(m) || typeof m.role !== 'string') {
      throw new RequestError(`'messages[${i}]' must be an object with a string 'role'`, `messages[${i}]`);
    }
  }
  return encodeChat(messages as ChatMessageLike[]);
}

export function parseRequest(kind: ApiKind, body: unknown): ParsedRequest {
  if (!isRecord(body)) throw new RequestError('the request body must be a JSON object', null);
  if (body.model !== undefined && typeof body.model !== 'string') {
    throw new RequestError("'model' must be a string", 'model');
  }
  if (body.n !== undefined && body.n !== null && body.n !== 1) {
    throw new RequestError("'n' other than 1 is not supported by the simulator", 'n');
  }
  if (body.stream !== undefined && body.stream !== null && typeof body.stream !== 'boolean') {
    throw new RequestError("'stream' must be a boolean", 'stream');
  }
  const maxTokens =
    kind === 'chat'
      ? (optionalPositiveInt(body, 'max_completion_tokens') ?? optionalPositiveInt(body, 'max_tokens'))
      : optionalPositiveInt(body, 'max_tokens');
  const promptIds = kind === 'chat' ? chatPrompt(body.messages) : completionPrompt(body.prompt);
  if (promptIds.length === 0) throw new RequestError('the prompt is empty', kind === 'chat' ? 'messages' : 'prompt');
  const so = body.stream_options;
  return {
    kind,
    model: body.model as string | undefined,
    promptIds,
    maxTokens,
    stream: body.stream === true,
    includeUsage: isRecord(so) && so.include_usage === true,
  };
}
