// The demo's load control: POST /ui/load starts the child-process generator against a real gateway with back pressure
// over simulated engines, admissions and refusals move, and stopping brings every in-flight count back to zero.
// And `spillway demo` itself: it starts its fleet and answers a chat completion through the gateway.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { after, before, describe, it } from 'node:test';
import { ChildLoad } from '../src/ops/ui/load-control.ts';
import { type EngineHandle, startEngine } from '../src/sim/server.ts';
import { type BpGateway, startBpGateway } from './helpers/backpressure.ts';

const json = async (r: Response): Promise<any> => r.json();

/** Polls `read` every 50 ms until `cond` holds; fails after `timeoutMs`. */
async function until<T>(read: () => Promise<T>, cond: (v: T) => boolean, what: string, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await read();
    if (cond(v)) return v;
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}; last: ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('POST /ui/load', () => {
  let engines: EngineHandle[];
  let gw: BpGateway;
  let load: ChildLoad;

  before(async () => {
    // Two slots per engine at real speed: 4 × 5/s of short chats overloads them.
    engines = await Promise.all([0, 1].map((seed) => startEngine({ port: 0, seed, maxNumSeqs: 2 })));
    gw = await startBpGateway(`model_list:
${engines.map((e, i) => `  - { model_name: sim, litellm_params: { model: hosted_vllm/sim-llama, api_base: "${e.url}/v1" }, model_info: { id: e${i} } }\n`).join('')}router_settings: { routing_strategy: kv-aware, num_retries: 0 }
spillway:
  backpressure:
    enabled: true
    router: { ttft_budget_ms: 300 }
`);
    load = new ChildLoad({
      url: gw.url,
      model: 'sim',
      workload: 'chat-short',
      capacityPerS: 5,
      capacitySource: 'given by the test',
    });
    gw.gateway.ui.attachLoad(load);
  });
  after(async () => {
    await load?.close();
    await gw?.close();
    await Promise.all(engines.map((e) => e.close()));
  });

  it('starts load that is admitted and refused, and stopping returns to zero in flight', async () => {
    const post = (body: unknown) =>
      fetch(`${gw.url}/ui/load`, { method: 'POST', body: JSON.stringify(body) }).then(json);
    const started = await post({ multiple: 4 });
    assert.deepEqual(started, {
      multiple: 4,
      ratePerS: 20,
      capacityPerS: 5,
      capacitySource: 'given by the test',
      burstUntil: null,
    });
    const g = gw.gateway.backpressure!.groups.get('sim')!;
    const refused = () => gw.gateway.metrics.registry.getSingleMetric('spillway_backpressure_rejections_total');
    await until(
      async () => [g.admittedTotal.reduce((a, b) => a + b, 0), (await refused()!.get()).values.length],
      ([admitted, refusals]) => admitted > 10 && refusals > 0,
      'admissions and refusals',
    );
    const snapshot = await fetch(`${gw.url}/ui/snapshot`).then(json);
    assert.equal(snapshot.load.multiple, 4);
    const burst = await post({ burst: 10 });
    assert.equal(burst.ratePerS, 50);
    assert.ok(burst.burstUntil > Date.now());
    const stopped = await post({ multiple: 0 });
    assert.equal(stopped.ratePerS, 0);
    assert.equal(stopped.burstUntil, null);
    await until(
      () => fetch(`${gw.url}/ui/snapshot`).then(json),
      (s) => s.groups[0].inFlight === 0 && s.engines.every((e: { inFlight: number }) => e.inFlight === 0),
      'nothing in flight',
    );
    await gw.assertDrained();
  });
});

describe('spillway demo', () => {
  it('starts its fleet and answers a chat completion', async () => {
    const child = spawn(
      process.execPath,
      ['src/cli/main.ts', 'demo', '--port', '0', '--engine-ports', '0,0,0', '--capacity', '10'],
      { cwd: new URL('..', import.meta.url), stdio: ['ignore', 'ignore', 'pipe'] },
    );
    try {
      let out = '';
      const url = await new Promise<string>((resolve, reject) => {
        child.stderr.on('data', (b: Buffer) => {
          out += b.toString();
          const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
          if (m && out.includes('Ctrl-C to stop')) resolve(m[1]);
        });
        child.once('exit', (code) => reject(new Error(`demo exited with ${code}:\n${out}`)));
      });
      assert.match(out, /Fleet capacity C = 10\/s \(given with --capacity\)/);
      assert.match(out, /--rate 20 /);
      const res = await fetch(`${url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'demo', max_tokens: 4, messages: [{ role: 'user', content: 'Hello!' }] }),
      });
      assert.equal(res.status, 200);
      assert.equal((await json(res)).object, 'chat.completion');
      const snapshot = await fetch(`${url}/ui/snapshot`).then(json);
      assert.deepEqual(
        snapshot.engines.map((e: { id: string }) => e.id),
        ['engine-a', 'engine-b', 'engine-c'],
      );
      assert.equal(snapshot.load.capacityPerS, 10);
      child.kill('SIGINT');
      const [code] = await once(child, 'exit');
      assert.equal(code, 0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});
