// Cost of the ingress depth check (spillway.max_json_depth) and of the model rewrite on the seed's ~13 KB chat
// body, beside JSON.parse (what the ingress paid before the check). Also a chat body with tools (a nested JSON
// schema: more containers to visit) and the rewrite's slow path (escaped key: a scan of the top level).
// Run: node bench/micro/body-checks.ts
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import { tooDeepAt } from '../../src/ingress/json-depth.ts';
import { rewriteModel } from '../../src/upstream/model-rewrite.ts';

const content = randomUUID() + ' What is the meaning of life?'.repeat(450);
const raw = Buffer.from(JSON.stringify({ model: 'demo', messages: [{ role: 'user', content }] }));
const body = JSON.parse(raw.toString()) as Record<string, unknown>;
const tool = {
  type: 'function',
  function: {
    name: 'f',
    parameters: {
      type: 'object',
      properties: { a: { type: 'array', items: { type: 'object', properties: { b: { type: 'string' } } } } },
    },
  },
};
const withTools = Buffer.from(
  JSON.stringify({
    model: 'demo',
    messages: [
      { role: 'system', content: 'be brief' },
      { role: 'user', content },
    ],
    tools: Array.from({ length: 8 }, () => tool),
  }),
);
const withToolsBody = JSON.parse(withTools.toString()) as Record<string, unknown>;
const escapedRaw = Buffer.from(raw.toString().replace('"model"', '"m\\u006fdel"'));

const cases: [string, () => unknown][] = [
  ['JSON.parse (before: all the ingress did)', () => JSON.parse(raw.toString('utf8'))],
  ['JSON.parse + depth check (after)', () => tooDeepAt(JSON.parse(raw.toString('utf8')), 128)],
  ['depth check alone', () => tooDeepAt(body, 128)],
  ['depth check alone, 8 tools with schemas', () => tooDeepAt(withToolsBody, 128)],
  ['rewriteModel, name changed (splice)', () => rewriteModel(raw, body, 'mock')],
  ['rewriteModel, name unchanged (scan only)', () => rewriteModel(raw, body, 'demo')],
  ['rewriteModel, escaped key (top-level scan)', () => rewriteModel(escapedRaw, body, 'mock')],
  ['JSON.stringify (the old fallback)', () => Buffer.from(JSON.stringify({ ...body, model: 'mock' }))],
];
console.log(
  `body: ${raw.length} bytes (with tools: ${withTools.length}), node ${process.version}, ${os.cpus()[0]?.model} × ${os.cpus().length}`,
);
for (const [name, f] of cases) {
  for (let i = 0; i < 20_000; i++) f();
  const rounds: number[] = [];
  for (let r = 0; r < 5; r++) {
    const n = 50_000;
    const t = performance.now();
    for (let i = 0; i < n; i++) f();
    rounds.push(((performance.now() - t) / n) * 1000);
  }
  rounds.sort((a, b) => a - b);
  console.log(`${name.padEnd(44)} ${rounds[2].toFixed(3)} µs/op (median of 5 rounds; min ${rounds[0].toFixed(3)})`);
}
