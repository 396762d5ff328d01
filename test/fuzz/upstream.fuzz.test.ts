// Property: whatever an upstream answers (SSE split at any byte, no [DONE], garbage and huge lines, bad usage
// objects, wrong content types, a reset mid-stream, a stall, non-JSON error bodies, odd Retry-After values),
// the gateway stays up, relays what it relays byte for byte, answers its own errors in the OpenAI shape, and
// its accounting returns to zero.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import fc from 'fast-check';
import { upstreamScript } from './arbitraries.ts';
import { check, checkAlive, checkGatewayError, checkIdle, EnvPool, runs, send, VARIANTS, withCrashCheck, type UpstreamScript } from './harness.ts';

const forwardable = (s: UpstreamScript) => s.status !== 429 && s.status < 500;

const request = fc.record({
  endpoint: fc.constantFrom('chat', 'completions', 'embeddings'),
  group: fc.constantFrom('m', 'e'),
  stream: fc.boolean(),
  priority: fc.constantFrom(undefined, 'critical', 'sheddable'),
});

describe('fuzz: upstream answers through a live gateway', () => {
  // Short deadlines so that a stalled upstream costs a fraction of a second.
  const pool = new EnvPool({ timeout: 1, streamTimeout: 0.3 });
  after(() => pool.closeAll());

  it('stays up, relays or answers allowed statuses in the OpenAI error shape, and returns its accounting to zero', async () => {
    const arb = fc.tuple(fc.constantFrom(...VARIANTS), request, fc.array(upstreamScript, { minLength: 1, maxLength: 3 }));
    await check(
      'upstream answers',
      arb,
      async ([v, r, scripts]) => {
        const env = await pool.get(v);
        await withCrashCheck(pool, env, async () => {
          env.upstream.reset(scripts);
          const body = { model: r.group, stream: r.stream, ...(r.endpoint === 'chat' ? { messages: [{ role: 'user', content: 'hi' }] } : r.endpoint === 'completions' ? { prompt: 'hi' } : { input: 'hi' }) };
          const headers: [string, string][] = [['content-type', 'application/json']];
          if (v.masterKey) headers.push(['authorization', 'Bearer sk-fuzz']);
          if (r.priority !== undefined) headers.push(['x-spillway-priority', r.priority]);
          const path = { chat: '/v1/chat/completions', completions: '/v1/completions', embeddings: '/v1/embeddings' }[r.endpoint];
          const a = await send(env.gw.url, { method: 'POST', path, headers, pieces: [Buffer.from(JSON.stringify(body))], abort: 'none' });
          assert.ok(a.status !== undefined);
          // The scripts the attempts of this request played (the last one repeats).
          const played = env.upstream.bodies.map((_, i) => scripts[Math.min(i, scripts.length - 1)]);
          if (a.headers['x-spillway-deployment'] !== undefined) {
            // Relayed: one of the played answers, with its status; whole unless that answer broke off.
            const candidates = played.filter((s) => forwardable(s) && s.status === a.status);
            assert.ok(candidates.length > 0, `relayed status ${a.status} that no attempt answered with a relayable status`);
            if (a.cut) assert.ok(candidates.some((s) => s.ending !== 'end'), 'a relayed answer was cut though every upstream answer ended cleanly');
            else assert.ok(candidates.some((s) => s.ending === 'end' && Buffer.concat(s.chunks).equals(a.body)), 'relayed body differs from what the upstream sent');
          } else {
            assert.ok(!a.cut, 'a gateway error was cut off');
            const code = checkGatewayError(a);
            assert.notEqual(code, 'internal_error', 'a request ended in an internal error (an exception in the gateway)');
            assert.ok(
              code.startsWith('upstream_') || code === 'all_deployments_cooling_down' || (v.backpressure && code.startsWith('engine_')) || (v.backpressure && code.startsWith('router_')),
              `${code} for a valid request`,
            );
          }
          await checkIdle(env, [a.port]);
          await checkAlive(env);
        });
      },
      runs(60, 2_500),
    );
  });
});
