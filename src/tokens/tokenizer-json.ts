/**
 * A Hugging Face `tokenizer.json` (the file vLLM and SGLang load with a model) as a token counter.
 *
 * Library: `@huggingface/tokenizers` (Tokenizers.js), Hugging Face's own pure JS/TS implementation of the
 * tokenizer.json pipeline (normalizer, pre-tokenizer, BPE/WordPiece/Unigram model, added tokens), the one
 * Transformers.js uses: zero dependencies, no native or WASM part, no install script. `@lenml/tokenizers` is a
 * third-party fork of the older Transformers.js tokenizer code with the same pipeline; the upstream package wins.
 */
import { readFileSync } from 'node:fs';
import { Tokenizer } from '@huggingface/tokenizers';
import type { TokenCounter } from './counter.ts';

// The prompt is counted as the engine sees it after the chat template, which already adds the template's own
// tokens (./chat.ts); the post-processor's BOS/EOS would count them twice.
const NO_SPECIALS = { add_special_tokens: false };

/**
 * Reads and builds the tokenizer once (start-up, so synchronous I/O is fine). Returns the counter, or a
 * message saying what is wrong with the file, naming it.
 */
export function loadTokenizerJson(path: string): TokenCounter | string {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    return `cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? String(err)})`;
  }
  let tokenizer: Tokenizer;
  try {
    const json = JSON.parse(text) as { model?: { type?: unknown } };
    if (typeof json !== 'object' || json === null || typeof json.model !== 'object')
      throw new Error('no "model" section');
    tokenizer = new Tokenizer(json, {});
    tokenizer.encode('probe', NO_SPECIALS);
  } catch (err) {
    return `${path} is not a usable tokenizer.json (${(err as Error).message})`;
  }
  return (text: string) => tokenizer.encode(text, NO_SPECIALS).ids.length;
}
