import type { Endpoint } from '../config/types.ts';

export interface Invalid {
  message: string;
  param: string;
}

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
  switch (endpoint) {
    case 'chat':
      if (!Array.isArray(b.messages) || b.messages.length === 0) {
        return { message: "'messages' is required and must be a non-empty array.", param: 'messages' };
      }
      return undefined;
    case 'completions':
      if (typeof b.prompt !== 'string' && !Array.isArray(b.prompt)) {
        return { message: "'prompt' is required and must be a string or an array.", param: 'prompt' };
      }
      return undefined;
    case 'embeddings':
      if (typeof b.input !== 'string' && !Array.isArray(b.input)) {
        return { message: "'input' is required and must be a string or an array.", param: 'input' };
      }
      return undefined;
  }
}
