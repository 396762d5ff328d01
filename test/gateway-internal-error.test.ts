// Crash isolation at each entry point: a request that throws inside the pipeline (spillway.fault_injection makes
// it throw at the point its x-spillway-fault header names) ends with 500 internal_error, or a cut stream once its
// head went out; the error is counted by stage; the accounting returns to zero; the gateway serves on.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assertZero } from './helpers/accounting.ts';
import { chunk, heldUpstream, metric } from './helpers/backpressure.ts';
import { eventually, startGateway } from './helpers/gateway.ts';
import { scriptedUpstream } from './helpers/upstreams.ts';

const send = (url: string, fault?: string, stream = true) =>
  fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(fault !== undefined && { 'x-spillway-fault': fault }) },
    body: JSON.stringify({ model: 'demo', stream, messages: [{ role: 'user', content: 'hello' }] }),
  });

const cases = [
  { fault: 'ingress', stage: 'ingress', reachesUpstream: false, cut: false },
  { fault: 'admission', stage: 'admission', reachesUpstream: false, cut: false },
  { fault: 'routing', stage: 'routing', reachesUpstream: false, cut: false },
  { fault: 'dispatch', stage: 'dispatch', reachesUpstream: false, cut: false },
  { fault: 'relay_head', stage: 'relay', reachesUpstream: true, cut: false },
  { fault: 'relay', stage: 'relay', reachesUpstream: true, cut: true },
  { fault: 'attempt_end', stage: 'attempt_end', reachesUpstream: true, cut: true },
];

const configs = {
  'back pressure and the load model on': `router_settings: { routing_strategy: kv-aware }
spillway: { fault_injection: true, backpressure: { enabled: true } }`,
  'both off': 'spillway: { fault_injection: true }',
};

describe('an exception inside the pipeline ends that request only', () => {
  for (const [name, extra] of Object.entries(configs)) {
    it(name, async () => {
      const up = await scriptedUpstream((_req, res) => {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write(chunk('a'));
        res.end(`${chunk('b')}data: [DONE]\n\n`);
      });
      const gw = await startGateway(`
model_list:
  - model_name: demo
    litellm_params: { model: openai/upstream-demo, api_base: "${up.url}" }
${extra}
`);
      try {
        for (const c of cases) {
          const before = up.requests;
          if (c.cut) {
            // The head was written: the connection is cut (before or after the head reached the client).
            const seen = await send(gw.url, c.fault).then(
              (r) =>
                r.text().then(
                  () => 'complete',
                  () => 'cut',
                ),
              () => 'cut',
            );
            assert.equal(seen, 'cut', c.fault);
            // The aborted attempt ends when undici reports the abort, which may follow the cut.
            await eventually(
              () => gw.gateway.deployments.every((d) => d.inFlight === 0),
              `${c.fault}: attempt released`,
            );
          } else {
            const res = await send(gw.url, c.fault);
            assert.equal(res.status, 500, c.fault);
            const body = (await res.json()) as { error: { code: string; type: string; message: string } };
            assert.equal(body.error.code, 'internal_error', c.fault);
            assert.equal(body.error.type, 'server_error', c.fault);
            assert.match(body.error.message, new RegExp(`\\(${c.stage}\\).*${res.headers.get('x-request-id')}`));
          }
          assert.equal(up.requests - before, c.reachesUpstream ? 1 : 0, `${c.fault}: reached the upstream`);
          const text = await gw.metricsText();
          assert.equal(
            metric(text, 'spillway_internal_errors_total', `stage="${c.stage}"`),
            cases.filter((o) => o.stage === c.stage && cases.indexOf(o) <= cases.indexOf(c)).length,
            c.fault,
          );
          await assertZero(gw);
          // The next request, without a fault, is served.
          const ok = await send(gw.url);
          assert.equal(ok.status, 200);
          assert.match(await ok.text(), /data: \[DONE\]/);
        }
        const text = await gw.metricsText();
        // Five answered 500 (the ingress counts its own under model_group "none"); two were cut, counted 500 too.
        const total500 = text
          .split('\n')
          .filter((l) => l.startsWith('spillway_requests_total{') && l.includes('status="500"'))
          .reduce((n, l) => n + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
        assert.equal(total500, cases.length);
        await assertZero(gw);
      } finally {
        await gw.close();
        await up.close();
      }
    });
  }

  it('a request that throws as the router queue dispatches it ends alone; the one ahead of it completes', async () => {
    const up = await heldUpstream();
    const gw = await startGateway(`
model_list:
  - model_name: demo
    litellm_params: { model: openai/upstream-demo, api_base: "${up.url}" }
spillway:
  fault_injection: true
  backpressure: { enabled: true, engine: { limit: { algorithm: fixed, initial: 1 } } }
`);
    try {
      const first = send(gw.url);
      await up.waitHeld(1);
      const queued = send(gw.url, 'router_queue');
      // The second waits in the router queue until the first ends; then its dispatch throws.
      await eventually(() => gw.gateway.backpressure!.accounting().queued === 1, 'the second request queued');
      up.releaseAll();
      assert.equal((await first).status, 200);
      const res = await queued;
      assert.equal(res.status, 500);
      assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'internal_error');
      assert.equal(metric(await gw.metricsText(), 'spillway_internal_errors_total', 'stage="router_queue"'), 1);
      assert.equal(up.requests, 1);
      await assertZero(gw);
    } finally {
      await gw.close();
      await up.close();
    }
  });

  it('x-spillway-fault does nothing unless spillway.fault_injection is on', async () => {
    const up = await scriptedUpstream((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.end(`${chunk('a')}data: [DONE]\n\n`);
    });
    const gw = await startGateway(`
model_list:
  - model_name: demo
    litellm_params: { model: openai/upstream-demo, api_base: "${up.url}" }
`);
    try {
      for (const c of cases) {
        const res = await send(gw.url, c.fault);
        assert.equal(res.status, 200);
        await res.text();
      }
      assert.equal(metric(await gw.metricsText(), 'spillway_internal_errors_total', 'stage="ingress"'), 0);
    } finally {
      await gw.close();
      await up.close();
    }
  });
});
