// One upstream-answer case through a live gateway and what the client must get: shared by the property
// (./upstream.fuzz.test.ts) and the regression tests (./regressions.test.ts).
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  type Answer,
  checkAlive,
  checkGatewayError,
  checkIdle,
  type EnvPool,
  send,
  type UpstreamScript,
  type Variant,
  withCrashCheck,
} from './harness.ts';

export interface ClientRequest {
  endpoint: 'chat' | 'completions' | 'embeddings';
  group: 'm' | 'e';
  stream: boolean;
  priority: string | undefined;
}

export const clientRequest: fc.Arbitrary<ClientRequest> = fc.record({
  endpoint: fc.constantFrom('chat' as const, 'completions' as const, 'embeddings' as const),
  group: fc.constantFrom('m' as const, 'e' as const),
  stream: fc.boolean(),
  priority: fc.constantFrom(undefined, 'critical', 'sheddable'),
});

const relayable = (s: UpstreamScript) => s.status !== 429 && s.status < 500;

/**
 * A stream the gateway relays and then cuts on purpose (issue 10 finding 7): the client asked for a stream,
 * the upstream answered an event stream, and it ended without `data: [DONE]`.
 */
function truncatedStream(r: ClientRequest, s: UpstreamScript): boolean {
  if (
    !r.stream ||
    r.endpoint === 'embeddings' ||
    s.status >= 300 ||
    !(s.headers['content-type'] ?? '').startsWith('text/event-stream')
  )
    return false;
  return !/data: \[DONE\]\s*$/.test(Buffer.concat(s.chunks).toString('latin1'));
}

/** Sends a valid request while the stub upstream plays `scripts` (one per attempt), and checks the outcome. */
export async function runUpstreamCase(
  pool: EnvPool,
  v: Variant,
  r: ClientRequest,
  scripts: UpstreamScript[],
): Promise<Answer> {
  const env = await pool.get(v);
  let a: Answer | undefined;
  await withCrashCheck(pool, env, async () => {
    env.upstream.reset(scripts);
    const body = {
      model: r.group,
      stream: r.stream,
      ...(r.endpoint === 'chat'
        ? { messages: [{ role: 'user', content: 'hi' }] }
        : r.endpoint === 'completions'
          ? { prompt: 'hi' }
          : { input: 'hi' }),
    };
    const headers: [string, string][] = [['content-type', 'application/json']];
    if (v.masterKey) headers.push(['authorization', 'Bearer sk-fuzz']);
    if (r.priority !== undefined) headers.push(['x-spillway-priority', r.priority]);
    const path = { chat: '/v1/chat/completions', completions: '/v1/completions', embeddings: '/v1/embeddings' }[
      r.endpoint
    ];
    a = await send(env.gw.url, {
      method: 'POST',
      path,
      headers,
      pieces: [Buffer.from(JSON.stringify(body))],
      abort: 'none',
    });
    assert.ok(a.status !== undefined);
    // The scripts the attempts of this request played (the last one repeats).
    const played = env.upstream.bodies.map((_, i) => scripts[Math.min(i, scripts.length - 1)]);
    if (a.headers['x-spillway-deployment'] !== undefined) {
      // Relayed: one of the played answers, with its status; whole, unless that answer broke off (then a
      // prefix of it) or is a truncated stream (then all of it, and a cut).
      const candidates = played.filter((s) => relayable(s) && s.status === a!.status);
      assert.ok(candidates.length > 0, `relayed status ${a.status} that no attempt answered with a relayable status`);
      const sent = (s: UpstreamScript) => Buffer.concat(s.chunks);
      if (a.cut) {
        assert.ok(
          candidates.some(
            (s) =>
              (s.ending !== 'end' && sent(s).subarray(0, a!.body.length).equals(a!.body)) ||
              (truncatedStream(r, s) && sent(s).equals(a!.body)),
          ),
          'a relayed answer was cut, though no upstream answer broke off or was a truncated stream',
        );
      } else
        assert.ok(
          candidates.some((s) => s.ending === 'end' && !truncatedStream(r, s) && sent(s).equals(a!.body)),
          'relayed body differs from what the upstream sent',
        );
    } else {
      assert.ok(!a.cut, 'a gateway error was cut off');
      const code = checkGatewayError(a);
      assert.notEqual(code, 'internal_error', 'a request ended in an internal error (an exception in the gateway)');
      assert.ok(
        code.startsWith('upstream_') ||
          code === 'all_deployments_cooling_down' ||
          (v.backpressure && (code.startsWith('engine_') || code.startsWith('router_'))),
        `${code} for a valid request`,
      );
    }
    await checkIdle(env, [a.port]);
    await checkAlive(env);
  });
  return a!;
}
