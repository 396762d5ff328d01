/**
 * The one prompt template Spillway counts chat requests with, shared by the gateway and the simulator so that
 * both see the same prompt length and the same token prefix for a shared system prompt.
 *
 * Each message renders as `<role>\n<text>\n\n` in order. Real engines apply the model's chat template (a few
 * special tokens per message); this template costs about the same (2-3 tokens per message) without needing
 * special tokens. Non-text content parts (images, audio) count as nothing.
 */
import { countTokens, encode } from './tokenizer.ts';

export interface ChatContentPart {
  type: string;
  text?: string;
}

export interface ChatMessageLike {
  role: string;
  content?: string | readonly ChatContentPart[] | null;
  name?: string;
}

export function renderChatPrompt(messages: readonly ChatMessageLike[]): string {
  let out = '';
  for (const m of messages) {
    out += m.role;
    out += '\n';
    const c = m.content;
    if (typeof c === 'string') out += c;
    else if (Array.isArray(c))
      for (const part of c)
        if (part !== null && typeof part === 'object' && typeof part.text === 'string') out += part.text;
    out += '\n\n';
  }
  return out;
}

export function countChatTokens(messages: readonly ChatMessageLike[]): number {
  return countTokens(renderChatPrompt(messages));
}

export function encodeChat(messages: readonly ChatMessageLike[]): number[] {
  return encode(renderChatPrompt(messages));
}
