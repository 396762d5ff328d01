/**
 * The mock's answers beyond chat, completions and embeddings, in the engines' shapes (OpenAI's Responses,
 * Anthropic's Messages, vLLM's rerank, score, tokenize and detokenize, OpenAI's transcriptions): minimal bodies
 * with the fields their SDKs read. These requests are parsed (JSON.parse): they are not on the overhead
 * benchmark's path. Streams are one write per content chunk, as for chat (./handler.ts paces them).
 */
import { WORDS } from './responses.ts';

export interface MockAnswer {
  /** The JSON body, when not streaming. */
  body?: string;
  /** The stream's writes, when streaming. */
  writes?: string[];
}

export interface MockCall {
  request: Record<string, unknown>;
  /** The model as a JSON literal. */
  model: string;
  id: number;
  chunks: number;
  promptTokens: number;
}

type Render = (c: MockCall) => MockAnswer;

function words(chunks: number): string[] {
  return Array.from({ length: chunks }, (_, i) => (i === 0 ? '' : ' ') + WORDS[i % WORDS.length]);
}

const sse = (event: string, data: object): string => `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;

function responsesAnswer(c: MockCall): MockAnswer {
  const text = words(c.chunks);
  const id = `resp_mock${c.id}`;
  const created_at = Math.floor(Date.now() / 1000);
  const model = JSON.parse(c.model) as string;
  const usage = { input_tokens: c.promptTokens, output_tokens: c.chunks, total_tokens: c.promptTokens + c.chunks };
  const message = {
    type: 'message',
    id: `msg_mock${c.id}`,
    status: 'completed',
    role: 'assistant',
    content: [{ type: 'output_text', text: text.join(''), annotations: [] }],
  };
  const response = (status: string, output: object[], u: object | null) => ({
    id,
    object: 'response',
    created_at,
    status,
    model,
    output,
    usage: u,
  });
  if (c.request.stream !== true) return { body: JSON.stringify(response('completed', [message], usage)) };
  let seq = 0;
  const writes = text.map((delta) =>
    sse('response.output_text.delta', {
      type: 'response.output_text.delta',
      sequence_number: ++seq,
      item_id: message.id,
      output_index: 0,
      content_index: 0,
      delta,
    }),
  );
  writes[0] =
    sse('response.created', {
      type: 'response.created',
      sequence_number: 0,
      response: response('in_progress', [], null),
    }) + writes[0];
  writes[writes.length - 1] += sse('response.completed', {
    type: 'response.completed',
    sequence_number: ++seq,
    response: response('completed', [message], usage),
  });
  return { writes };
}

function messagesAnswer(c: MockCall): MockAnswer {
  const text = words(c.chunks);
  const id = `msg_mock${c.id}`;
  const model = JSON.parse(c.model) as string;
  const usage = { input_tokens: c.promptTokens, output_tokens: c.chunks };
  const whole = { id, type: 'message', role: 'assistant', model, stop_sequence: null };
  if (c.request.stream !== true)
    return {
      body: JSON.stringify({
        ...whole,
        content: [{ type: 'text', text: text.join('') }],
        stop_reason: 'end_turn',
        usage,
      }),
    };
  const writes = text.map((t) =>
    sse('content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: t } }),
  );
  writes[0] =
    sse('message_start', {
      type: 'message_start',
      message: { ...whole, content: [], stop_reason: null, usage: { input_tokens: c.promptTokens, output_tokens: 1 } },
    }) +
    sse('content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }) +
    writes[0];
  writes[writes.length - 1] +=
    sse('content_block_stop', { type: 'content_block_stop', index: 0 }) +
    sse('message_delta', {
      type: 'message_delta',
      delta: { stop_reason: 'end_turn', stop_sequence: null },
      usage: { output_tokens: c.chunks },
    }) +
    sse('message_stop', { type: 'message_stop' });
  return { writes };
}

/** A deterministic score in (0, 1) for the i-th document. */
const scoreOf = (i: number): number => Math.round((1 / (i + 2)) * 1e4) / 1e4;

function rerankAnswer(c: MockCall): MockAnswer {
  const docs = Array.isArray(c.request.documents) ? c.request.documents : [];
  const results = docs.map((d, index) => ({
    index,
    document: { text: typeof d === 'string' ? d : ((d as { text?: string })?.text ?? '') },
    relevance_score: scoreOf(index),
  }));
  return {
    body: JSON.stringify({
      id: `rerank-mock${c.id}`,
      model: JSON.parse(c.model),
      usage: { total_tokens: c.promptTokens },
      results,
    }),
  };
}

function scoreAnswer(c: MockCall): MockAnswer {
  const second = c.request.text_2 ?? c.request.documents;
  const n = Array.isArray(second) ? second.length : 1;
  const data = Array.from({ length: n }, (_, index) => ({ index, object: 'score', score: scoreOf(index) }));
  return {
    body: JSON.stringify({
      id: `score-mock${c.id}`,
      object: 'list',
      created: Math.floor(Date.now() / 1000),
      model: JSON.parse(c.model),
      data,
      usage: { prompt_tokens: c.promptTokens, total_tokens: c.promptTokens },
    }),
  };
}

function tokenizeAnswer(c: MockCall): MockAnswer {
  // One id per 4 bytes of the prompt, as the mock's usage counts tokens.
  const tokens = Array.from({ length: c.promptTokens }, (_, i) => 1000 + i);
  return { body: JSON.stringify({ count: tokens.length, max_model_len: 8192, tokens }) };
}

function detokenizeAnswer(c: MockCall): MockAnswer {
  const n = Array.isArray(c.request.tokens) ? c.request.tokens.length : 0;
  return { body: JSON.stringify({ prompt: words(Math.max(1, n)).join('') }) };
}

function transcriptionAnswer(c: MockCall): MockAnswer {
  return { body: JSON.stringify({ text: words(c.chunks).join('') }) };
}

export interface MockEndpoint {
  render: Render;
  /** The request is JSON (parsed into `request`); else multipart, whose `request` is empty. */
  json: boolean;
}

/** By path, without `/v1`. */
export const mockEndpoints = new Map<string, MockEndpoint>([
  ['/responses', { render: responsesAnswer, json: true }],
  ['/messages', { render: messagesAnswer, json: true }],
  ['/rerank', { render: rerankAnswer, json: true }],
  ['/score', { render: scoreAnswer, json: true }],
  ['/tokenize', { render: tokenizeAnswer, json: true }],
  ['/detokenize', { render: detokenizeAnswer, json: true }],
  ['/audio/transcriptions', { render: transcriptionAnswer, json: false }],
]);
