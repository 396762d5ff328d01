import type { Endpoint } from '../config/types.ts';

export interface Invalid {
  message: string;
  param: string;
}

type FieldCheck = (b: Record<string, unknown>) => Invalid | undefined;

const isText = (v: unknown): boolean => typeof v === 'string' || Array.isArray(v);

function required(field: string, ok: (v: unknown) => boolean, what: string): FieldCheck {
  const invalid: Invalid = { message: `'${field}' is required and must be ${what}.`, param: field };
  return (b) => (ok(b[field]) ? undefined : invalid);
}

const NOTHING_MORE: FieldCheck = () => undefined;
const nonEmptyArray = (v: unknown): boolean => Array.isArray(v) && v.length > 0;

/**
 * The one field each endpoint cannot do without, beside `model`: a value per endpoint, so a new endpoint is a
 * new row. Shapes are the engines' (OpenAI's chat, completions, embeddings and Responses; Anthropic's Messages;
 * vLLM's rerank, score, tokenize and detokenize); the upstream judges everything else.
 */
const fieldChecks: Record<Endpoint, FieldCheck> = {
  chat: required('messages', nonEmptyArray, 'a non-empty array'),
  completions: required('prompt', isText, 'a string or an array'),
  embeddings: required('input', isText, 'a string or an array'),
  responses: required('input', isText, 'a string or an array'),
  messages: required('messages', nonEmptyArray, 'a non-empty array'),
  rerank: required('query', (v) => typeof v === 'string', 'a string'),
  // vLLM's score takes text_1/text_2 (older) or queries/documents (newer): the engine checks which.
  score: NOTHING_MORE,
  // A prompt or chat messages: the engine checks which.
  tokenize: NOTHING_MORE,
  detokenize: required('tokens', Array.isArray, 'an array of token ids'),
  // multipart/form-data: the ingress found `model` (./multipart.ts); the file is the engine's to check.
  transcriptions: NOTHING_MORE,
  other: NOTHING_MORE,
};

/**
 * The checks the gateway itself needs (the model to route on, the field each endpoint cannot do without, a
 * boolean `stream`); everything else is the upstream's business and is forwarded untouched.
 */
export function validateBody(endpoint: Endpoint, body: unknown): Invalid | undefined {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    return { message: 'The request body must be a JSON object.', param: '' };
  }
  const b = body as Record<string, unknown>;
  if (typeof b.model !== 'string' || b.model === '') {
    return { message: "'model' is required and must be a non-empty string.", param: 'model' };
  }
  if (b.stream !== undefined && b.stream !== null && typeof b.stream !== 'boolean') {
    return { message: "'stream' must be a boolean.", param: 'stream' };
  }
  return fieldChecks[endpoint](b);
}
