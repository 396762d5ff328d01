export type { ChatContentPart, ChatMessageLike } from './chat.ts';
export { countChatTokens, encodeChat, renderChatPrompt } from './chat.ts';
export { countTokens, decode, ENCODING_NAME, encode } from './tokenizer.ts';
