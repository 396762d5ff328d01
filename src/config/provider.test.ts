import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseProviderModel } from './provider.ts';

test('an OpenAI-compatible prefix is split off and kept as the provider', () => {
  assert.deepEqual(parseProviderModel('openai/gpt-4o'), { provider: 'openai', upstreamModel: 'gpt-4o' });
  assert.deepEqual(parseProviderModel('hosted_vllm/meta-llama/Llama-3.1-8B-Instruct'), {
    provider: 'hosted_vllm',
    upstreamModel: 'meta-llama/Llama-3.1-8B-Instruct',
  });
  assert.deepEqual(parseProviderModel('text-completion-openai/davinci-002'), {
    provider: 'text-completion-openai',
    upstreamModel: 'davinci-002',
  });
});

test('no provider prefix means openai and the name as given, slashes included', () => {
  assert.deepEqual(parseProviderModel('gpt-4o'), { provider: 'openai', upstreamModel: 'gpt-4o' });
  assert.deepEqual(parseProviderModel('meta-llama/Llama-3.1-8B'), {
    provider: 'openai',
    upstreamModel: 'meta-llama/Llama-3.1-8B',
  });
});

test('custom_llm_provider names the provider; a repeated prefix is dropped once', () => {
  assert.deepEqual(parseProviderModel('Qwen/Qwen3-8B', 'hosted_vllm'), {
    provider: 'hosted_vllm',
    upstreamModel: 'Qwen/Qwen3-8B',
  });
  assert.deepEqual(parseProviderModel('hosted_vllm/Qwen/Qwen3-8B', 'hosted_vllm'), {
    provider: 'hosted_vllm',
    upstreamModel: 'Qwen/Qwen3-8B',
  });
});

test('providers with their own protocol, unknown providers and empty names are errors that say why', () => {
  assert.match(errorOf(parseProviderModel('vllm/x')), /"vllm" is not supported.*hosted_vllm/);
  assert.match(errorOf(parseProviderModel('anthropic/claude')), /"anthropic" is not supported/);
  assert.match(errorOf(parseProviderModel('x', 'madeup')), /unknown provider "madeup"/);
  assert.equal(errorOf(parseProviderModel('openai/')), 'expected a model name after "openai/"');
});

function errorOf(r: ReturnType<typeof parseProviderModel>): string {
  assert.ok('error' in r, 'expected an error');
  return r.error;
}
