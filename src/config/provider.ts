/**
 * LiteLLM names a deployment's model `<provider>/<upstream model>`. Spillway speaks only the OpenAI API, so
 * it accepts the providers LiteLLM itself drives with the OpenAI protocol (litellm/constants.py:
 * openai_compatible_providers, plus openai and its text-completion and "like" variants), and refuses the
 * ones with their own wire protocol with a clear error instead of sending them OpenAI requests.
 * A first segment that is no provider at all (`meta-llama/Llama-3.1-8B`, but also a LiteLLM provider missing
 * from both lists, such as `mistral/`) is part of the model name. docs/LITELLM.md lists both sets
 * (test/litellm-doc.test.ts keeps it in step).
 */

export const OPENAI_COMPATIBLE: ReadonlySet<string> = new Set([
  'openai',
  'text-completion-openai',
  'custom_openai',
  'openai_like',
  'hosted_vllm',
  'litellm_proxy',
  'lm_studio',
  'llamafile',
  'xinference',
  'nvidia_nim',
  'together_ai',
  'fireworks_ai',
  'deepinfra',
  'groq',
  'cerebras',
  'sambanova',
  'deepseek',
  'perplexity',
  'anyscale',
  'xai',
  'azure_ai',
  'github',
  'novita',
  'nscale',
  'nebius',
  'featherless_ai',
  'meta_llama',
  'galadriel',
  'friendliai',
  'empower',
  'volcengine',
]);

/** Providers with their own protocol; `vllm/` is LiteLLM's in-process vLLM library, not a server. */
export const OTHER_PROTOCOL: Readonly<Record<string, string>> = {
  vllm: 'it runs vLLM in-process; for a vLLM server use hosted_vllm/<name>',
  azure: 'Azure OpenAI uses its own paths and api-version',
  azure_text: 'Azure OpenAI uses its own paths and api-version',
  anthropic: 'it has its own API',
  bedrock: 'it has its own API',
  sagemaker: 'it has its own API',
  sagemaker_chat: 'it has its own API',
  vertex_ai: 'it has its own API',
  vertex_ai_beta: 'it has its own API',
  gemini: 'it has its own API',
  cohere: 'it has its own API',
  cohere_chat: 'it has its own API',
  huggingface: 'it has its own API',
  replicate: 'it has its own API',
  ollama: "use openai/<name> with api_base http://<host>:11434/v1 (Ollama's OpenAI-compatible API)",
  ollama_chat: "use openai/<name> with api_base http://<host>:11434/v1 (Ollama's OpenAI-compatible API)",
  watsonx: 'it has its own API',
  databricks: 'it has its own API',
  predibase: 'it has its own API',
  triton: 'it has its own API',
  cloudflare: 'it has its own API',
  clarifai: 'it has its own API',
  ai21: 'it has its own API',
};

export type ProviderResult = { provider: string; upstreamModel: string } | { error: string };

/**
 * Splits `model` (and LiteLLM's optional `custom_llm_provider`) into provider and upstream model name.
 * No provider → `openai`, the name as given.
 */
export function parseProviderModel(model: string, customProvider?: string): ProviderResult {
  const slash = model.indexOf('/');
  const prefix = slash > 0 ? model.slice(0, slash) : undefined;
  let provider = 'openai';
  let upstreamModel = model;
  if (customProvider !== undefined) {
    provider = customProvider;
    // LiteLLM also accepts the prefix repeated on the model; drop it once.
    if (prefix === customProvider) upstreamModel = model.slice(slash + 1);
  } else if (prefix !== undefined && (OPENAI_COMPATIBLE.has(prefix) || prefix in OTHER_PROTOCOL)) {
    provider = prefix;
    upstreamModel = model.slice(slash + 1);
  }
  const reason = OTHER_PROTOCOL[provider];
  if (reason !== undefined) {
    return { error: `provider "${provider}" is not supported: Spillway speaks the OpenAI API only (${reason})` };
  }
  if (!OPENAI_COMPATIBLE.has(provider)) {
    return { error: `unknown provider "${provider}": use an OpenAI-compatible one such as openai or hosted_vllm` };
  }
  if (upstreamModel === '') return { error: `expected a model name after "${provider}/"` };
  return { provider, upstreamModel };
}
