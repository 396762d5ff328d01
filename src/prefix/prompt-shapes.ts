/**
 * Each endpoint's prompt as the bytes its token estimate and prefix hashes read: one renderer per endpoint (a
 * table, so a new endpoint is a new row), writing into ./prompt-bytes.ts's scratch buffer. What an engine
 * prefills, as far as the body says: the system text and the messages or items in order, text parts only.
 * Output limits (`max_tokens`, `max_output_tokens`) are not prompt: as for chat, the load model counts output
 * tokens as they stream.
 *
 * Audio has no text to measure: a transcription counts as `TRANSCRIPTION_TOKENS`, the encoder positions of one
 * 30-second Whisper window (docs/ROUTING.md, "Endpoints").
 */
import type { Endpoint } from '../config/types.ts';
import {
  beginRender,
  renderedBytes,
  writeChat,
  writeMessage,
  writePromptValue,
  writeText,
  writeTokenIds,
} from './prompt-bytes.ts';

export const TRANSCRIPTION_TOKENS = 1500;

type Body = Record<string, unknown>;

interface PromptShape {
  render(body: Body): void;
  /** Tokens counted beside the rendered text's. */
  readonly fixedTokens: number;
}

/** Anthropic's `system` (a string or text blocks) or OpenAI Responses' `instructions`, as a system message. */
function writeSystem(text: unknown): void {
  if (typeof text !== 'string' && !Array.isArray(text)) return;
  writeText('system\n');
  if (typeof text === 'string') writeText(text);
  else
    for (let i = 0; i < text.length; i++) {
      const block = text[i] as { text?: unknown } | null;
      if (block !== null && typeof block === 'object' && typeof block.text === 'string') writeText(block.text);
    }
  writeText('\n\n');
}

/** Responses `input`: a string (one user message) or items: messages like chat's, tool outputs and calls. */
function writeResponsesInput(input: unknown): void {
  if (typeof input === 'string') {
    writeText('user\n');
    writeText(input);
    writeText('\n\n');
    return;
  }
  if (!Array.isArray(input)) return;
  for (let i = 0; i < input.length; i++) {
    const item = input[i] as { content?: unknown; output?: unknown; arguments?: unknown } | null;
    if (item === null || typeof item !== 'object') continue;
    if (item.content !== undefined) writeMessage(item);
    else if (typeof item.output === 'string') writeText(item.output);
    else if (typeof item.arguments === 'string') writeText(item.arguments);
  }
}

/** Rerank documents: strings, or objects with a `text`. */
function writeDocuments(docs: unknown): void {
  if (!Array.isArray(docs)) return;
  for (let i = 0; i < docs.length; i++) {
    const d = docs[i] as { text?: unknown } | string | null;
    if (typeof d === 'string') writeText(d);
    else if (d !== null && typeof d === 'object' && typeof d.text === 'string') writeText(d.text);
  }
}

const text = (render: (b: Body) => void): PromptShape => ({ render, fixedTokens: 0 });

const shapes: Record<Endpoint, PromptShape> = {
  chat: text((b) => {
    if (Array.isArray(b.messages)) writeChat(b.messages);
  }),
  completions: text((b) => writePromptValue(b.prompt)),
  embeddings: text((b) => writePromptValue(b.input)),
  responses: text((b) => {
    writeSystem(b.instructions);
    writeResponsesInput(b.input);
  }),
  messages: text((b) => {
    writeSystem(b.system);
    if (Array.isArray(b.messages)) writeChat(b.messages);
  }),
  rerank: text((b) => {
    writePromptValue(b.query);
    writeDocuments(b.documents);
  }),
  // vLLM's score: text_1/text_2 (older) or queries/documents (newer), strings or lists of them.
  score: text((b) => {
    writePromptValue(b.text_1);
    writePromptValue(b.text_2);
    writePromptValue(b.queries);
    writeDocuments(b.documents);
  }),
  tokenize: text((b) => {
    if (Array.isArray(b.messages)) writeChat(b.messages);
    else writePromptValue(b.prompt);
  }),
  detokenize: text((b) => {
    if (Array.isArray(b.tokens)) writeTokenIds(b.tokens);
  }),
  transcriptions: { render: () => {}, fixedTokens: TRANSCRIPTION_TOKENS },
  // Any other path: whichever of the known prompt fields the body has.
  other: text((b) => {
    if (Array.isArray(b.messages)) writeChat(b.messages);
    writePromptValue(b.prompt);
    writePromptValue(b.input);
  }),
};

/**
 * Renders the prompt of `body` into the scratch buffer and returns its length in bytes. The bytes stay valid
 * until the next call; read them with promptText() or hash them with blockHashes().
 */
export function renderPrompt(endpoint: Endpoint, body: Body): number {
  beginRender();
  shapes[endpoint].render(body);
  return renderedBytes();
}

/** Tokens an endpoint's request counts beside its rendered text (audio's fixed estimate). */
export function fixedPromptTokens(endpoint: Endpoint): number {
  return shapes[endpoint].fixedTokens;
}
