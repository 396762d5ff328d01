// One client-request case against a live gateway and what it must get back: shared by the property
// (./requests.fuzz.test.ts) and the regression tests (./regressions.test.ts).
import assert from 'node:assert/strict';
import { parsePriority } from '../../src/admission/priority.ts';
import { rejectedBy } from '../../src/outcome/outcomes.ts';
import { type RequestCase, ows as trimOws } from './arbitraries.ts';
import {
  type Answer,
  checkAlive,
  checkGatewayError,
  checkIdle,
  checkRequestId,
  type Env,
  type EnvPool,
  OK_SCRIPT,
  send,
  type Variant,
  withCrashCheck,
} from './harness.ts';

const MAX_BODY = 1024 * 1024;
const UPSTREAM_MODEL: Record<string, string> = { m: 'x', e: 'e' };
/** Nesting the oracle still expects to be accepted: well below any sane depth limit (the default is 128). */
const SURELY_OK_DEPTH = 64;

const ows = (s: string | undefined) => (s === undefined ? undefined : trimOws(s));

/** The parsed body when it is a request the gateway must forward (its own validation rules), else undefined. */
function forwardable(c: RequestCase): Record<string, unknown> | undefined {
  if (c.body.damaged || c.body.depth > SURELY_OK_DEPTH || c.body.bytes.length > MAX_BODY) return undefined;
  let b: unknown;
  try {
    // The bytes, not the generated text: a raw lone surrogate in the text went out as U+FFFD.
    b = JSON.parse(c.body.bytes.toString('utf8'));
  } catch {
    return undefined;
  }
  if (b === null || typeof b !== 'object' || Array.isArray(b)) return undefined;
  const r = b as Record<string, unknown>;
  if (r.model !== 'm' && r.model !== 'e') return undefined;
  if (r.stream !== undefined && r.stream !== null && typeof r.stream !== 'boolean') return undefined;
  const field = c.body.endpoint === 'chat' ? r.messages : c.body.endpoint === 'completions' ? r.prompt : r.input;
  if (
    c.body.endpoint === 'chat'
      ? !Array.isArray(field) || field.length === 0
      : typeof field !== 'string' && !Array.isArray(field)
  )
    return undefined;
  return r;
}

/** What the case must get back, checked against the answer. */
export function checkAnswer(v: Variant, c: RequestCase, a: Answer, env: Env): void {
  if (c.request.abort !== 'none' && a.status === undefined) return;
  assert.ok(a.status !== undefined, 'no status');
  assert.ok(!a.cut, 'answer cut off');
  // A declared length shorter than the body: the rest is read as the next request on the connection, which
  // Node's HTTP parser refuses; the gateway's clientError handler answers that 400 invalid_http_request and
  // closes, possibly before the first request's answer. Its request id is a fresh one: there was no request.
  if (
    c.lengthDeclared === 'less' &&
    a.status === 400 &&
    a.headers['x-spillway-deployment'] === undefined &&
    checkGatewayError(a) === 'invalid_http_request'
  ) {
    return checkRequestId(a, undefined);
  }
  checkRequestId(a, ows(c.requestId));
  const authOk = !v.masterKey || c.authOk;
  const priorityOk = !v.backpressure || parsePriority(ows(c.priority)) !== -1;
  const budgetOk = !v.backpressure || c.ttftBudget === undefined || Number(ows(c.ttftBudget)) > 0;
  const parsed = forwardable(c);
  const mustForward =
    parsed !== undefined &&
    c.pathOk &&
    c.contentTypeOk &&
    authOk &&
    c.lengthTrue &&
    priorityOk &&
    budgetOk &&
    c.request.abort === 'none';

  if (a.headers['x-spillway-deployment'] !== undefined) {
    // Forwarded: the stub upstream's answer, byte for byte, for a request the gateway had to accept.
    assert.equal(a.status, 200);
    assert.deepEqual(a.body, OK_SCRIPT.chunks[0]);
    assert.ok(c.pathOk && c.contentTypeOk && authOk, 'forwarded a request that should have been refused');
    if (parsed !== undefined) {
      // The upstream got the client's body with only the top-level model changed.
      const seen = env.upstream.bodies.at(-1);
      assert.ok(seen !== undefined, 'forwarded without an upstream request');
      assert.deepEqual(
        JSON.parse(seen.toString('utf8')),
        { ...parsed, model: UPSTREAM_MODEL[parsed.model as string] },
        'body the upstream received',
      );
    }
    return;
  }
  const code = checkGatewayError(a);
  assert.notEqual(code, 'internal_error', 'a request ended in an internal error (an exception in the gateway)');
  if (code === 'invalid_api_key') assert.ok(v.masterKey && !authOk, 'unauthorized with a good key or none needed');
  if (code in rejectedBy) assert.ok(v.backpressure, `${code} without back pressure`);
  if (code === 'unsupported_media_type') assert.ok(!c.contentTypeOk, '415 for an application/json body');
  if (code === 'not_found' || code === 'method_not_allowed') assert.ok(!c.pathOk, `${code} on a proxy path`);
  if (code === 'request_too_large')
    assert.ok(c.body.bytes.length > MAX_BODY || !c.lengthTrue, '413 for a body under the limit');
  if (code === 'shutting_down' || code === 'all_deployments_cooling_down' || code.startsWith('upstream_'))
    assert.fail(`${code} with a healthy upstream`);
  if (mustForward && !(code in rejectedBy))
    assert.fail(`refused a valid request with ${code}: ${a.body.toString().slice(0, 300)}`);
}

/** Sends the case to the variant's gateway and checks the answer, the accounting and liveness. */
export async function runRequestCase(pool: EnvPool, v: Variant, c: RequestCase): Promise<Answer> {
  const env = await pool.get(v);
  let a: Answer | undefined;
  await withCrashCheck(pool, env, async () => {
    env.upstream.reset();
    a = await send(env.gw.url, c.request);
    checkAnswer(v, c, a, env);
    await checkIdle(env, [a.port]);
    await checkAlive(env);
  });
  return a!;
}
