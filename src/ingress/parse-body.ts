/**
 * A request body from bytes to something the pipeline may act on: JSON, within the depth limit, valid for
 * its endpoint, naming a known model group. Each refusal carries the outcome, the message and the field.
 * Pure, so it is tested without a socket (./parse-body.test.ts); ./server.ts answers what it refuses.
 */
import type { Endpoint } from '../config/types.ts';
import { clipEcho } from '../outcome/openai-error.ts';
import type { ModelGroup } from '../routing/group.ts';
import { endpointShapes, type MediaType } from './endpoint-shapes.ts';
import { tooDeepAt } from './json-depth.ts';
import { readFormFields } from './multipart.ts';
import { validateBody } from './validate.ts';

export interface ParsedBody {
  body: Record<string, unknown>;
  group: ModelGroup;
}

export interface BodyRefusal {
  outcome: 'invalid_json' | 'json_too_deep' | 'bad_request' | 'model_not_found';
  message: string;
  param: string | null;
}

export interface BodyRules {
  maxJsonDepth: number;
  groups: ReadonlyMap<string, ModelGroup>;
  /** The known groups' names, listed once for the model_not_found message. */
  knownGroups: string;
}

type Decoder = (raw: Buffer, rules: BodyRules, contentType: string) => unknown | BodyRefusal;
const kRefused = Symbol('refused');
type Refused = BodyRefusal & { [kRefused]: true };
const refused = (r: BodyRefusal): Refused => ({ ...r, [kRefused]: true });

function decodeJson(raw: Buffer, rules: BodyRules): unknown | Refused {
  let body: unknown;
  try {
    body = JSON.parse(raw.toString('utf8'));
  } catch (err) {
    const message = `The request body is not valid JSON: ${clipEcho((err as Error).message)}.`;
    return refused({ outcome: 'invalid_json', message, param: null });
  }
  // V8's parser is iterative and took any depth; every later walk of the body is bounded by this check.
  const deep = tooDeepAt(body, rules.maxJsonDepth);
  if (deep !== undefined) {
    // A long path keeps its end, where the limit was crossed.
    const at = deep.length <= 512 ? deep : `…${deep.slice(-512)}`;
    const message =
      `The request body nests objects/arrays deeper than ` +
      `${rules.maxJsonDepth} levels (spillway.max_json_depth), at ${at}.`;
    return refused({ outcome: 'json_too_deep', message, param: at });
  }
  return body;
}

/** A form's routing fields as the object the pipeline reads (`model`, `stream`); the file stays in the bytes. */
function decodeForm(raw: Buffer, _rules: BodyRules, contentType: string): unknown | Refused {
  const f = readFormFields(raw, contentType);
  if (f instanceof Error) {
    const message = `The request body is not valid multipart/form-data: ${clipEcho(f.message)}.`;
    return refused({ outcome: 'bad_request', message, param: null });
  }
  return f.stream === undefined ? { model: f.model } : { model: f.model, stream: f.stream === 'true' };
}

const decoders: Record<MediaType, Decoder> = { 'application/json': decodeJson, 'multipart/form-data': decodeForm };

export function parseBody(
  raw: Buffer,
  endpoint: Endpoint,
  rules: BodyRules,
  contentType = 'application/json',
): ParsedBody | BodyRefusal {
  const body = decoders[endpointShapes[endpoint].mediaType](raw, rules, contentType);
  if (body !== null && typeof body === 'object' && kRefused in body) return body as Refused;
  const invalid = validateBody(endpoint, body);
  if (invalid !== undefined) return { outcome: 'bad_request', message: invalid.message, param: invalid.param || null };
  const b = body as Record<string, unknown>;
  const group = rules.groups.get(b.model as string);
  if (group === undefined) {
    const message =
      `The model "${clipEcho(b.model as string)}" does not exist. ` + `Known model groups: ${rules.knownGroups}.`;
    return { outcome: 'model_not_found', message, param: 'model' };
  }
  return { body: b, group };
}
