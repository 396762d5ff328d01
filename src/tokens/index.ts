export { ENCODING_NAME, countTokens, encode, decode } from './tokenizer.ts';
export { renderChatPrompt, countChatTokens, encodeChat } from './chat.ts';
export type { ChatMessageLike, ChatContentPart } from './chat.ts';
