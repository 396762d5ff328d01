// Generators for what clients, upstreams and operators can send the gateway. Bodies are built as JSON *text*
// (not objects serialised by JSON.stringify) so they can hold what a JS object cannot: duplicated keys, escaped
// key names, numbers beyond a double, lone surrogates, raw bytes that are not UTF-8, truncation at any byte.
import fc from 'fast-check';
import { fold, MASTER_KEY, type RawRequest, sendableHeaderValue, type UpstreamScript } from './harness.ts';

/** The endpoints the fuzz campaign drives (chat, completions and embeddings bodies). */
export type FuzzedEndpoint = 'chat' | 'completions' | 'embeddings';

/** An HTTP header value as the server reads it: surrounding spaces and tabs removed. */
export const ows = (s: string) => s.replace(/^[ \t]+|[ \t]+$/g, '');

/** Gives generated values a compact form in fast-check's counterexamples (huge bodies would flood them). */
function withToString<T extends object>(value: T, show: (v: T) => string): T {
  Object.defineProperty(value, fc.toStringMethod, { value: () => show(value), enumerable: false });
  return value;
}

// ---------------------------------------------------------------- JSON text

/** A JSON value as text pieces; `deep` nests `depth` levels without building them as a tree. */
export type J =
  | { k: 'lit'; text: string }
  | { k: 'arr'; items: J[] }
  | { k: 'obj'; entries: [key: string, value: J][] }
  | { k: 'deep'; open: string; close: string; depth: number; leaf: J };

export function render(j: J): string {
  switch (j.k) {
    case 'lit':
      return j.text;
    case 'arr':
      return `[${j.items.map(render).join(',')}]`;
    case 'obj':
      return `{${j.entries.map(([k, v]) => `${k}:${render(v)}`).join(',')}}`;
    case 'deep':
      return j.open.repeat(j.depth) + render(j.leaf) + j.close.repeat(j.depth);
  }
}

/** The nesting depth of `j` (containers), as a JSON parser would count it. */
export function depthOf(j: J): number {
  switch (j.k) {
    case 'lit':
      return 0;
    case 'arr':
      return 1 + Math.max(0, ...j.items.map(depthOf));
    case 'obj':
      return 1 + Math.max(0, ...j.entries.map(([, v]) => depthOf(v)));
    case 'deep':
      return j.depth * (j.open.split(/[[{]/).length - 1) + depthOf(j.leaf);
  }
}

const lit = (text: string): J => ({ k: 'lit', text });
const str = (s: string): J => lit(JSON.stringify(s));
const key = (s: string) => JSON.stringify(s);

const oddStrings = fc.constantFrom(
  '',
  '\u0000',
  'a\u0000b',
  '\u202eRTL override\u202c',
  'مرحبا بالعالم',
  '👩‍👩‍👧‍👦🔥',
  '\ufeffBOM',
  'e\u0301\u0301\u0301',
  '\u2028\u2029',
  '"model": "m"',
  '\\',
  'data: [DONE]\n\n',
);
/** Lone surrogates: JSON.stringify escapes them; written raw they are not encodable and turn into U+FFFD. */
const surrogateText = fc.constantFrom(
  '"\\ud800"',
  '"\\udfff"',
  '"a\\ud83d"',
  '"\\udc00\\ud800"',
  '"\\uD834\\uDD1E"',
  '"\ud800"',
);
const stringText = fc.oneof(
  { weight: 4, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }).map((s) => JSON.stringify(s)) },
  { weight: 2, arbitrary: oddStrings.map((s) => JSON.stringify(s)) },
  { weight: 1, arbitrary: surrogateText },
  { weight: 1, arbitrary: fc.constantFrom('"\\u0000"', '"\\/"', '"\\b\\f\\n\\r\\t"', '"\\u006d"') },
);
const numberText = fc.oneof(
  fc.constantFrom(
    '1e400',
    '-1e400',
    '-0',
    '0',
    '1E+99999',
    '4.9e-324',
    '1e-400',
    '9007199254740993',
    '-9223372036854775809',
    '0.1e1',
    '1.0',
  ),
  fc.integer({ min: 1, max: 2000 }).map((n) => '9'.repeat(n)),
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((d) => JSON.stringify(d)),
  fc.integer().map(String),
);
const scalar: fc.Arbitrary<J> = fc.oneof(
  { weight: 3, arbitrary: stringText.map(lit) },
  { weight: 2, arbitrary: numberText.map(lit) },
  { weight: 1, arbitrary: fc.constantFrom('true', 'false', 'null').map(lit) },
);

/** Nested containers, up to 20,000 deep, around the default limit of 128 more often than chance would. */
export const deepJ: fc.Arbitrary<J> = fc
  .record({
    depth: fc.oneof(
      { weight: 3, arbitrary: fc.integer({ min: 1, max: 200 }) },
      { weight: 2, arbitrary: fc.integer({ min: 120, max: 140 }) },
      { weight: 3, arbitrary: fc.integer({ min: 1000, max: 20_000 }) },
    ),
    shape: fc.constantFrom(
      ['[', ']'],
      ['{"a":', '}'],
      ['[{"content":', '}]'],
      ['[1,', ']'],
      ['{"model":"m","x":', '}'],
      ['[{"type":"text","text":', '}]'],
    ),
    leaf: scalar,
  })
  .map(({ depth, shape, leaf }) => ({ k: 'deep', open: shape[0], close: shape[1], depth, leaf }));

/** Any JSON value: scalars, small containers, deep nests, rarely a huge string. */
export const anyJ: fc.Arbitrary<J> = fc.letrec<{ v: J }>((tie) => ({
  v: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    { weight: 6, arbitrary: scalar },
    { weight: 2, arbitrary: fc.array(tie('v'), { maxLength: 4 }).map((items): J => ({ k: 'arr', items })) },
    {
      weight: 2,
      arbitrary: fc
        .array(fc.tuple(fc.oneof(fc.string({ maxLength: 8 }).map(key), fc.constant('"model"')), tie('v')), {
          maxLength: 4,
        })
        .map((entries): J => ({ k: 'obj', entries })),
    },
    { weight: 1, arbitrary: deepJ },
    { weight: 1, arbitrary: fc.integer({ min: 10_000, max: 1_200_000 }).map((n) => lit(`"${'x'.repeat(n)}"`)) },
  ),
})).v;

// ---------------------------------------------------------------- request bodies

/** How the key `model` is written: plainly, escaped (same key once parsed), or with a different case. */
const modelKey = fc.oneof(
  { weight: 6, arbitrary: fc.constant('"model"') },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      '"m\\u006fdel"',
      '"\\u006dodel"',
      '"mode\\u006c"',
      '"\\u006d\\u006f\\u0064\\u0065\\u006c"',
    ),
  },
  { weight: 1, arbitrary: fc.constantFrom('"Model"', '"model "', '"model\\u0000"') },
);
/** The model value: a served group, one that does not exist, a huge name, or the wrong type. */
const modelValue = fc.oneof(
  { weight: 8, arbitrary: fc.constantFrom('m', 'e').map(str) },
  { weight: 1, arbitrary: fc.constantFrom('"\\u006d"', '"x"', '"M"', '"m "', '""', '"m\\u0000"').map(lit) },
  { weight: 1, arbitrary: fc.integer({ min: 1000, max: 900_000 }).map((n) => lit(`"${'a'.repeat(n)}"`)) },
  { weight: 1, arbitrary: anyJ },
);

const message = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({ role: fc.constantFrom('user', 'system', 'assistant'), content: stringText }).map(
      ({ role, content }): J => ({
        k: 'obj',
        entries: [
          ['"role"', str(role)],
          ['"content"', lit(content)],
        ],
      }),
    ),
  },
  // A nested "model" key that the byte-level model rewrite must not mistake for the top-level one.
  {
    weight: 1,
    arbitrary: modelValue.map(
      (v): J => ({
        k: 'obj',
        entries: [
          ['"role"', str('user')],
          ['"content"', str('hi')],
          ['"model"', v],
        ],
      }),
    ),
  },
  { weight: 2, arbitrary: anyJ },
);

/** Well-typed values of the field each endpoint needs, or anything at all. */
function mainField(endpoint: FuzzedEndpoint): fc.Arbitrary<[string, J]> {
  const name = endpoint === 'chat' ? 'messages' : endpoint === 'completions' ? 'prompt' : 'input';
  const good: fc.Arbitrary<J> =
    endpoint === 'chat'
      ? fc.array(message, { minLength: 1, maxLength: 4 }).map((items): J => ({ k: 'arr', items }))
      : fc.oneof(
          stringText.map(lit),
          fc.array(stringText.map(lit), { minLength: 1, maxLength: 4 }).map((items): J => ({ k: 'arr', items })),
          fc
            .array(
              fc.nat(100_000).map((n) => lit(String(n))),
              { minLength: 1, maxLength: 8 },
            )
            .map((items): J => ({ k: 'arr', items })),
          fc
            .array(
              fc
                .array(
                  fc.nat(100_000).map((n) => lit(String(n))),
                  { maxLength: 4 },
                )
                .map((items): J => ({ k: 'arr', items })),
              { minLength: 1, maxLength: 3 },
            )
            .map((items): J => ({ k: 'arr', items })),
        );
  return fc.tuple(
    fc.constantFrom(
      `"${name}"`,
      `"${name}"`,
      `"${name}"`,
      `"${name.slice(0, 1)}\\u00${name.charCodeAt(1).toString(16)}${name.slice(2)}"`,
    ),
    fc.oneof({ weight: 4, arbitrary: good }, { weight: 1, arbitrary: anyJ }, { weight: 1, arbitrary: deepJ }),
  );
}

const optional: fc.Arbitrary<[string, J]> = fc.oneof(
  fc.tuple(
    fc.constant('"stream"'),
    fc.oneof(
      { weight: 4, arbitrary: fc.constantFrom('true', 'false', 'null').map(lit) },
      { weight: 1, arbitrary: anyJ },
    ),
  ),
  fc.tuple(
    fc.constantFrom('"max_tokens"', '"temperature"', '"n"', '"user"', '"metadata"', '"tools"', '"stream_options"'),
    anyJ,
  ),
  fc.tuple(fc.string({ maxLength: 12 }).map(key), anyJ),
);

export interface BodyCase {
  endpoint: FuzzedEndpoint;
  /** The JSON text as generated, before byte-level damage. */
  json: string;
  /** The bytes sent. */
  bytes: Buffer;
  /** Byte-level damage applied (truncation, inserted bytes), if any. */
  damaged: boolean;
  /** What the damage was, for the counterexample: e.g. `truncate at 17`, `insert c3 at 4`. */
  damage: string;
  /** Nesting depth of the generated value. */
  depth: number;
}

/** Byte-level damage: cut at any byte, insert raw bytes (invalid UTF-8 included), or a BOM in front. */
const damage = fc.oneof(
  { weight: 8, arbitrary: fc.constant(undefined) },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant('truncate' as const), at: fc.double({ min: 0, max: 1, noNaN: true }) }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('insert' as const),
      at: fc.double({ min: 0, max: 1, noNaN: true }),
      bytes: fc.uint8Array({ minLength: 1, maxLength: 6 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('insert' as const),
      at: fc.double({ min: 0, max: 1, noNaN: true }),
      bytes: fc.constantFrom(
        Uint8Array.of(0xc3),
        Uint8Array.of(0xff, 0xfe),
        Uint8Array.of(0xed, 0xa0, 0x80),
        Uint8Array.of(0xf4, 0x90, 0x80, 0x80),
        Uint8Array.of(0x00),
      ),
    }),
  },
  { weight: 1, arbitrary: fc.constant({ kind: 'bom' as const }) },
);

export function bodyCase(endpoint: FuzzedEndpoint): fc.Arbitrary<BodyCase> {
  return fc
    .record({
      model: fc.tuple(modelKey, modelValue),
      // A second `model` entry (duplicated key: JSON.parse keeps the last), before or after the first.
      dupModel: fc.option(fc.tuple(modelKey, modelValue, fc.boolean()), { freq: 5 }),
      main: fc.option(mainField(endpoint), { freq: 12 }),
      extra: fc.array(optional, { maxLength: 3 }),
      order: fc.nat(),
      top: fc.oneof({ weight: 12, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: anyJ }),
      damage,
    })
    .map(({ model, dupModel, main, extra, order, top, damage }) => {
      let j: J;
      if (top !== undefined) j = top;
      else {
        const entries: [string, J][] = [model, ...(main === null ? [] : [main]), ...extra];
        // Rotate so that `model` is not always first.
        const r = order % entries.length;
        const rotated = [...entries.slice(r), ...entries.slice(0, r)];
        if (dupModel !== null) {
          if (dupModel[2]) rotated.push([dupModel[0], dupModel[1]]);
          else rotated.unshift([dupModel[0], dupModel[1]]);
        }
        j = { k: 'obj', entries: rotated };
      }
      const json = render(j);
      let bytes = Buffer.from(json);
      let what = 'none';
      if (damage !== undefined) {
        if (damage.kind === 'truncate') {
          const at = Math.floor(damage.at * bytes.length);
          bytes = bytes.subarray(0, at);
          what = `truncate at byte ${at}`;
        } else if (damage.kind === 'insert') {
          const at = Math.floor(damage.at * bytes.length);
          bytes = Buffer.concat([bytes.subarray(0, at), Buffer.from(damage.bytes), bytes.subarray(at)]);
          what = `insert ${Buffer.from(damage.bytes).toString('hex')} at byte ${at}`;
        } else {
          bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), bytes]);
          what = 'BOM in front';
        }
      }
      return withToString(
        { endpoint, json, bytes, damaged: damage !== undefined, damage: what, depth: depthOf(j) },
        (b) =>
          `{ endpoint: ${b.endpoint}, depth: ${b.depth}, bytes: ${b.bytes.length}, damage: ${b.damage}, json: ${fold(JSON.stringify(b.json))} }`,
      );
    });
}

// ---------------------------------------------------------------- headers and the request around the body

const PATHS: Record<FuzzedEndpoint, string> = {
  chat: '/chat/completions',
  completions: '/completions',
  embeddings: '/embeddings',
};

const contentType = fc.oneof(
  { weight: 10, arbitrary: fc.constant('application/json') },
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      'application/json; charset=utf-8',
      'application/json;charset=latin1',
      'application/jsonx',
      'APPLICATION/JSON',
      ' application/json',
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      '',
    ),
  },
  { weight: 1, arbitrary: fc.constant(undefined) },
);
/**
 * Header text: printable ASCII and tabs, and a few lengths around the 128-char id limit. (Node's client sends
 * other characters UTF-8 encoded, which the server reads back as latin1: nothing of the gateway's to test.)
 */
const headerText = fc.oneof(
  fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 40 }),
  fc.constantFrom(0, 1, 127, 128, 129, 4000).map((n) => 'r'.repeat(n)),
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a log-injection probe, meant literally.
  fc.constantFrom('\t', ' padded ', '../../etc/passwd', '${jndi:ldap://x}', '%00', 'a\tb'),
);
const requestId = fc.option(headerText, { freq: 3 });
const authorization = fc.oneof(
  { weight: 4, arbitrary: fc.constant(`Bearer ${MASTER_KEY}`) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      `Bearer  ${MASTER_KEY} `,
      `bearer ${MASTER_KEY}`,
      `Bearer ${MASTER_KEY}x`,
      'Bearer ',
      'Bearer',
      `Basic ${Buffer.from(`u:${MASTER_KEY}`).toString('base64')}`,
      `${MASTER_KEY}`,
      `Bearer ${'k'.repeat(8000)}`,
    ),
  },
  { weight: 1, arbitrary: headerText.map((t) => `Bearer ${t}`) },
  { weight: 2, arbitrary: fc.constant(undefined) },
);
const priority = fc.oneof(
  { weight: 4, arbitrary: fc.constant(undefined) },
  { weight: 2, arbitrary: fc.constantFrom('critical', 'standard', 'sheddable') },
  { weight: 1, arbitrary: fc.constantFrom('', 'CRITICAL', ' sheddable ', 'urgent', '0', 'critical, sheddable') },
  { weight: 1, arbitrary: headerText },
);
const ttftBudget = fc.option(
  fc.constantFrom('1', '0', '-1', 'NaN', '1e400', '999999999999', '250.5', '', 'soon', '0x10'),
  { freq: 6 },
);
const contentLength = fc.oneof(
  { weight: 8, arbitrary: fc.constant('true' as const) },
  { weight: 2, arbitrary: fc.constant('chunked' as const) },
  { weight: 1, arbitrary: fc.constantFrom('more' as const, 'less' as const, 'huge' as const) },
);

export interface RequestCase {
  body: BodyCase;
  request: RawRequest;
  /** What the case expects of the headers, for the oracle. */
  contentTypeOk: boolean;
  authOk: boolean;
  priority: string | undefined;
  ttftBudget: string | undefined;
  lengthTrue: boolean;
  lengthDeclared: 'true' | 'chunked' | 'more' | 'less' | 'huge';
  requestId: string | undefined;
  pathOk: boolean;
}

export const requestCase: fc.Arbitrary<RequestCase> = fc
  .record({
    endpoint: fc.constantFrom<FuzzedEndpoint>('chat', 'completions', 'embeddings'),
    v1: fc.boolean(),
    pathNoise: fc.oneof(
      { weight: 12, arbitrary: fc.constant('') },
      { weight: 1, arbitrary: fc.constantFrom('?x=1', '/', '//', '%2F', '?') },
    ),
    method: fc.oneof(
      { weight: 20, arbitrary: fc.constant('POST') },
      { weight: 1, arbitrary: fc.constantFrom('GET', 'PUT', 'DELETE', 'PATCH') },
    ),
    contentType,
    contentLength,
    requestId,
    authorization,
    priority,
    ttftBudget,
    splits: fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 3 }),
    abort: fc.oneof(
      { weight: 15, arbitrary: fc.constant('none' as const) },
      { weight: 1, arbitrary: fc.constantFrom('midBody' as const, 'afterBody' as const) },
    ),
  })
  .chain((h) => bodyCase(h.endpoint).map((body) => ({ h, body })))
  .map(({ h, body }) => {
    const headers: [string, string][] = [];
    const add = (k: string, v: string | undefined) => {
      if (v !== undefined && sendableHeaderValue(v)) headers.push([k, v]);
    };
    add('content-type', h.contentType);
    add('x-request-id', h.requestId ?? undefined);
    add('authorization', h.authorization);
    add('x-spillway-priority', h.priority);
    add('x-spillway-ttft-budget-ms', h.ttftBudget ?? undefined);
    const n = body.bytes.length;
    if (h.contentLength === 'true') headers.push(['content-length', String(n)]);
    else if (h.contentLength === 'more') headers.push(['content-length', String(n + 10)]);
    else if (h.contentLength === 'less') headers.push(['content-length', String(Math.max(0, n - 1))]);
    else if (h.contentLength === 'huge') headers.push(['content-length', String(50 * 1024 * 1024)]);
    const cuts = [...new Set(h.splits.map((s) => Math.floor(s * n)))].sort((a, b) => a - b);
    const pieces: Buffer[] = [];
    let from = 0;
    for (const c of cuts) {
      if (c > from) pieces.push(body.bytes.subarray(from, c));
      from = Math.max(from, c);
    }
    pieces.push(body.bytes.subarray(from));
    // A body shorter than its declared length never ends: the client has to give up on it.
    const abort = h.contentLength === 'more' ? ('afterBody' as const) : h.abort;
    const sentId = headers.find(([k]) => k === 'x-request-id')?.[1];
    const show = (c: RequestCase) =>
      `{ ${c.request.method} ${c.request.path}, abort: ${c.request.abort}, headers: ${fold(JSON.stringify(c.request.headers))}, pieces: [${c.request.pieces.map((p) => p.length).join(', ')}], body: ${fc.stringify(c.body)} }`;
    const ct = headers.find(([k]) => k === 'content-type')?.[1];
    const auth = headers.find(([k]) => k === 'authorization')?.[1];
    return withToString<RequestCase>(
      {
        body,
        request: {
          method: h.method,
          path: (h.v1 ? '/v1' : '') + PATHS[h.endpoint] + h.pathNoise,
          headers,
          pieces,
          abort,
        },
        // Node's parser trims a header value's surrounding spaces and tabs before the gateway sees it.
        contentTypeOk: ct !== undefined && ows(ct).startsWith('application/json'),
        authOk: auth !== undefined && ows(auth).startsWith('Bearer ') && ows(auth).slice(7).trim() === MASTER_KEY,
        priority: headers.find(([k]) => k === 'x-spillway-priority')?.[1],
        ttftBudget: headers.find(([k]) => k === 'x-spillway-ttft-budget-ms')?.[1],
        lengthTrue: h.contentLength === 'true' || h.contentLength === 'chunked',
        lengthDeclared: h.contentLength,
        requestId: sentId,
        pathOk: h.method === 'POST' && (h.pathNoise === '' || h.pathNoise.startsWith('?')),
      },
      show,
    );
  });

// ---------------------------------------------------------------- upstream streams

const sseChunk = (content: string) =>
  `data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 0, model: 'x', choices: [{ index: 0, delta: { content }, finish_reason: null }] })}`;
const sseLine = fc.oneof(
  { weight: 6, arbitrary: fc.string({ maxLength: 12 }).map(sseChunk) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      'data: [DONE]',
      ': ping',
      'event: error',
      'data:',
      'data: {',
      'data: null',
      'retry: 10',
      'id: 1',
      '',
      'data: {"choices":[]}',
    ),
  },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 60 }) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      'data: {"usage":{"prompt_tokens":1e400,"completion_tokens":-5,"total_tokens":99999999999999999999999}}',
      'data: {"usage":{"prompt_tokens":-1,"total_tokens":-1}}',
      'data: {"usage":{"prompt_tokens":"12","total_tokens":null}}',
      'data: {"usage":{"prompt_tokens":00000000000000000000000000000000007,"total_tokens":1.5}}',
      'data: {"usage":null}',
      'data: {"usage":{"prompt_tokens":4294967296,"total_tokens":9007199254740993}}',
    ),
  },
  { weight: 1, arbitrary: fc.integer({ min: 10_000, max: 600_000 }).map((n) => `data: {"x":"${'y'.repeat(n)}"}`) },
);
const jsonBody = fc.oneof(
  fc.constant(
    '{"id":"c","object":"chat.completion","choices":[],"usage":{"prompt_tokens":3,"completion_tokens":1,"total_tokens":4}}',
  ),
  fc.constant(
    '{"object":"list","data":[{"object":"embedding","index":0,"embedding":[0.1]}],"usage":{"prompt_tokens":99999999999999999999,"total_tokens":1e400}}',
  ),
  fc.constant('{"error":{"message":"bad","type":"invalid_request_error","param":null,"code":null}}'),
  fc.string({ unit: 'binary', maxLength: 200 }),
  fc.constantFrom(
    '<html><body>502 Bad Gateway</body></html>',
    '',
    'null',
    '{"error":"flat"}',
    '{"error":{"message":42}}',
  ),
);
const retryAfter = fc.constantFrom(
  '0',
  '1',
  '-1',
  'abc',
  '1.5',
  '1e10',
  '999999999',
  '',
  'Wed, 21 Oct 2015 07:28:00 GMT',
  'Fri, 01 Jan 2100 00:00:00 GMT',
  '18446744073709551616',
);

export const upstreamScript: fc.Arbitrary<UpstreamScript> = fc
  .record({
    status: fc.oneof(
      { weight: 8, arbitrary: fc.constant(200) },
      { weight: 4, arbitrary: fc.constantFrom(201, 204, 400, 401, 404, 413, 422, 429, 500, 502, 503, 504) },
    ),
    contentType: fc.constantFrom(
      'text/event-stream',
      'text/event-stream; charset=utf-8',
      'application/json',
      'text/plain',
      'text/html',
      undefined,
    ),
    retryAfter: fc.option(retryAfter, { freq: 3 }),
    retryAfterMs: fc.option(fc.constantFrom('0', '-5', '1e9', 'x', '250'), { freq: 6 }),
    sse: fc.boolean(),
    lines: fc.array(sseLine, { maxLength: 12 }),
    done: fc.boolean(),
    crlf: fc.boolean(),
    json: jsonBody,
    splits: fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 6 }),
    ending: fc.oneof(
      { weight: 20, arbitrary: fc.constant('end' as const) },
      { weight: 4, arbitrary: fc.constant('reset' as const) },
      { weight: 1, arbitrary: fc.constant('hang' as const) },
    ),
    cutAt: fc.double({ min: 0, max: 1, noNaN: true }),
  })
  .map((s) => {
    const nl = s.crlf ? '\r\n' : '\n';
    let text: Buffer;
    if (s.status === 204) text = Buffer.alloc(0);
    else if (s.sse)
      text = Buffer.from(s.lines.map((l) => l + nl + nl).join('') + (s.done ? `data: [DONE]${nl}${nl}` : ''));
    else text = Buffer.from(s.json);
    // An ending other than a clean end happens somewhere inside the body.
    if (s.ending !== 'end') text = text.subarray(0, Math.floor(s.cutAt * text.length));
    const cuts = [...new Set(s.splits.map((x) => Math.floor(x * text.length)))].sort((a, b) => a - b);
    const chunks: Buffer[] = [];
    let from = 0;
    for (const c of cuts) {
      if (c > from) chunks.push(text.subarray(from, c));
      from = Math.max(from, c);
    }
    if (from < text.length) chunks.push(text.subarray(from));
    const headers: Record<string, string> = {};
    if (s.contentType !== undefined) headers['content-type'] = s.contentType;
    if (s.retryAfter !== null) headers['retry-after'] = s.retryAfter;
    if (s.retryAfterMs !== null) headers['retry-after-ms'] = s.retryAfterMs;
    return withToString<UpstreamScript>(
      { status: s.status, headers, chunks, ending: s.ending },
      (u) =>
        `{ status: ${u.status}, headers: ${JSON.stringify(u.headers)}, ending: ${u.ending}, chunks: [${u.chunks.map((c) => fold(JSON.stringify(c.toString('latin1')))).join(', ')}] }`,
    );
  });

// ---------------------------------------------------------------- config files

export const strategyName = fc.constantFrom(
  'simple-shuffle',
  'least-busy',
  'kv-aware',
  'least-kv',
  'prefix-hash',
  'latency-based-routing',
  '',
  'x',
);
