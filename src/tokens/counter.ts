/** Counts a text's tokens with a real tokenizer: the embedded o200k one, or a model's tokenizer.json. */
export type TokenCounter = (text: string) => number;
