/**
 * How the client's bytes become the upstream's: the model name spliced in, and the content type they go with.
 * JSON bodies (every endpoint but transcriptions) are rewritten by ./model-rewrite.ts and sent with the
 * deployment's fixed headers; a multipart form keeps its own content type (its boundary) and has its `model`
 * part's value replaced.
 */
import { rewriteModel } from './model-rewrite.ts';
import { rewriteFormModel } from './multipart-model.ts';

export interface BodyFormat {
  rewriteModel(raw: Buffer, body: Record<string, unknown>, upstreamModel: string): Buffer;
  /** The headers to send: the deployment's fixed ones, or a copy with this body's content type. */
  headers(fixed: Record<string, string>): Record<string, string>;
}

export const JSON_BODY: BodyFormat = { rewriteModel, headers: (fixed) => fixed };

class FormBody implements BodyFormat {
  private readonly contentType: string;
  constructor(contentType: string) {
    this.contentType = contentType;
  }
  rewriteModel(raw: Buffer, body: Record<string, unknown>, upstreamModel: string): Buffer {
    return upstreamModel === body.model ? raw : rewriteFormModel(raw, this.contentType, upstreamModel);
  }
  headers(fixed: Record<string, string>): Record<string, string> {
    return { ...fixed, 'content-type': this.contentType };
  }
}

/** The format of a body the ingress accepted with `contentType`. */
export function bodyFormat(contentType: string | undefined): BodyFormat {
  return contentType?.startsWith('multipart/form-data') ? new FormBody(contentType) : JSON_BODY;
}
