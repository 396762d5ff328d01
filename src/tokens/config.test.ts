import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { parseConfig } from '../config/load.ts';
import { issuesOf } from '../config/test-helpers.ts';
import { createGateway } from '../gateway.ts';
import { renderChatPrompt } from './chat.ts';
import { countTokens as countO200k } from './tokenizer.ts';
import { loadTokenizerJson } from './tokenizer-json.ts';

const FIXTURE = new URL('../../test/fixtures/tiny-bpe-tokenizer.json', import.meta.url).pathname;

const config = (tokenizers: string, strategy = 'simple-shuffle') => `
model_list:
  - { model_name: llama, litellm_params: { model: hosted_vllm/llama, api_base: http://127.0.0.1:8000/v1 } }
  - { model_name: gpt, litellm_params: { model: openai/gpt-4o, api_base: http://127.0.0.1:8001/v1 } }
  - { model_name: other, litellm_params: { model: openai/other, api_base: http://127.0.0.1:8002/v1 } }
router_settings: { routing_strategy: ${strategy} }
spillway:
  tokenizers:
${tokenizers}
`;

test('no spillway.tokenizers: every group stays on the calibrated estimate', () => {
  const { config: c } = parseConfig(config('    {}'), {});
  assert.deepEqual(c.tokenizers, {});
});

test('each group counts prompt tokens with its configured tokenizer; others keep the estimate', () => {
  const { config: c, warnings } = parseConfig(
    config(
      `    llama: { kind: tokenizer_json, path: ${FIXTURE} }\n` +
        '    gpt: { kind: embedded }\n    other: { kind: estimate }',
      'kv-aware',
    ),
    {},
  );
  assert.deepEqual(warnings, []);
  assert.deepEqual(Object.keys(c.tokenizers!).sort(), ['gpt', 'llama']);
  const gateway = createGateway({ config: c, logger: undefined });
  const fleet = gateway.fleet!;
  const messages = [
    { role: 'system', content: 'You answer the question.' },
    { role: 'user', content: 'What is the meaning of sing and string?' },
  ];
  const body = { model: 'x', messages };
  const text = renderChatPrompt(messages);
  const fixtureCount = loadTokenizerJson(FIXTURE) as (t: string) => number;
  assert.equal(fleet.analyze('llama', 'chat', body).tokens, fixtureCount(text));
  assert.equal(fleet.analyze('gpt', 'chat', body).tokens, countO200k(text));
  // The fixture's tiny vocabulary gives a count the other two cannot produce by accident.
  assert.notEqual(fixtureCount(text), countO200k(text));
  const estimate = fleet.analyze('other', 'chat', body);
  assert.equal(estimate.tokens, fleet.estimator.estimate('other', estimate.bytes));
  // Usage reports calibrate the estimate; they never override a configured tokenizer.
  fleet.observeUsage('llama', fleet.analyze('llama', 'chat', body), 1000);
  assert.equal(fleet.analyze('llama', 'chat', body).tokens, fixtureCount(text));
});

test('config errors name the path: missing file, missing path, unknown group; unknown keys are warnings', () => {
  assert.deepEqual(issuesOf(config('    llama: { kind: tokenizer_json, path: /nonexistent/tokenizer.json }')), [
    'spillway.tokenizers.llama.path: cannot read /nonexistent/tokenizer.json (ENOENT)',
  ]);
  assert.deepEqual(issuesOf(config('    llama: { kind: tokenizer_json }\n    gpt: { kind: embedded, path: /x }')), [
    'spillway.tokenizers.llama.path: expected the path of a tokenizer.json file (kind tokenizer_json)',
    'spillway.tokenizers.gpt.path: only used with kind tokenizer_json',
  ]);
  assert.deepEqual(issuesOf(config('    lama: { kind: embedded }')), [
    'spillway.tokenizers.lama: no model group of that name (known: llama, gpt, other)',
  ]);
  assert.match(
    issuesOf(config('    llama: { kind: sentencepiece }'))[0],
    /^spillway\.tokenizers\.llama\.kind: expected one of "estimate", "embedded", "tokenizer_json"/,
  );
  const { warnings } = parseConfig(config('    gpt: { kind: embedded, file: x }'), {});
  assert.deepEqual(warnings, ['spillway.tokenizers.gpt.file: unknown key, ignored']);
});

// A child process, because this test file itself imports both tokenizers. The resolve hook sees every module the
// gateway's start-up pulls in.
const PROBE = `
import { registerHooks } from 'node:module';
const resolved = [];
registerHooks({
  resolve(specifier, context, next) {
    const r = next(specifier, context);
    resolved.push(r.url);
    return r;
  },
});
const { parseConfig } = await import(${JSON.stringify(new URL('../config/load.ts', import.meta.url).href)});
const { createGateway } = await import(${JSON.stringify(new URL('../gateway.ts', import.meta.url).href)});
const loaded = () => ({
  o200k: resolved.some((u) => u.includes('/gpt-tokenizer/')),
  tokenizerJson: resolved.some((u) => u.includes('/@huggingface/tokenizers/')),
});
const { config: plain } = parseConfig(process.env.PLAIN, {});
createGateway({ config: plain, logger: undefined });
const before = loaded();
parseConfig(process.env.EMBEDDED, {});
console.log(JSON.stringify({ before, after: loaded() }));
`;

test('a gateway whose groups all use the estimate never loads a tokenizer (o200k alone is ~100 MB of heap)', () => {
  const run = spawnSync(process.execPath, ['--input-type=module', '-e', PROBE], {
    env: { ...process.env, PLAIN: config('    {}', 'kv-aware'), EMBEDDED: config('    gpt: { kind: embedded }') },
    encoding: 'utf8',
  });
  assert.equal(run.status, 0, run.stderr);
  assert.deepEqual(JSON.parse(run.stdout), {
    before: { o200k: false, tokenizerJson: false },
    after: { o200k: true, tokenizerJson: false },
  });
});
