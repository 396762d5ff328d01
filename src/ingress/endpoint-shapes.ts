/**
 * What the ingress needs to know of each endpoint, as values in one table keyed by endpoint (src/config/types.ts
 * `Endpoint`): the media type its body must have and the error dialect its clients read. Field checks are in
 * ./validate.ts, the prompt each shape renders for token estimates in src/prefix/prompt-shapes.ts, how its
 * stream ends in src/relay/stream-end.ts.
 */
import type { Endpoint } from '../config/types.ts';
import { ANTHROPIC_ERRORS, type ErrorDialect, OPENAI_ERRORS } from '../outcome/error-dialect.ts';

export type MediaType = 'application/json' | 'multipart/form-data';

export interface EndpointShape {
  readonly mediaType: MediaType;
  readonly errors: ErrorDialect;
  /**
   * A path proxied only because its JSON names a model group (./routes.ts, `otherModelPaths`): any other method,
   * or a body that names none, is an unknown path (404 `not_found`), as it was before the path was listed.
   */
  readonly guessed: boolean;
}

const JSON_OPENAI: EndpointShape = { mediaType: 'application/json', errors: OPENAI_ERRORS, guessed: false };

export const endpointShapes: Record<Endpoint, EndpointShape> = {
  chat: JSON_OPENAI,
  completions: JSON_OPENAI,
  embeddings: JSON_OPENAI,
  responses: JSON_OPENAI,
  // Anthropic's SDK reads Anthropic's error JSON and picks its error class by status.
  messages: { mediaType: 'application/json', errors: ANTHROPIC_ERRORS, guessed: false },
  rerank: JSON_OPENAI,
  score: JSON_OPENAI,
  tokenize: JSON_OPENAI,
  detokenize: JSON_OPENAI,
  transcriptions: { mediaType: 'multipart/form-data', errors: OPENAI_ERRORS, guessed: false },
  other: { mediaType: 'application/json', errors: OPENAI_ERRORS, guessed: true },
};
