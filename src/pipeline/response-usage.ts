/**
 * The tokens a whole response used, read once from what the relay kept: the usage event the gateway stripped
 * (../relay/usage-strip.ts), else the upstream's `usage` in the response's last two chunks. Without either the
 * prompt is estimated as tpm does (body bytes ÷ 4) and the output is not counted (`reported` false).
 */
import { usagePromptTokens } from '../load/stream-tokens.ts';
import { responseTail, usageCompletionTokens } from '../relay/usage.ts';
import type { ProxyRequest } from './proxy-request.ts';

export interface TokenUsage {
  prompt: number;
  completion: number;
  /** The upstream said so (else the prompt is an estimate and the completion 0). */
  reported: boolean;
}

/** Writes `pr`'s response usage into `out` (each caller keeps one, so nothing is allocated per request). */
export function readResponseUsage(pr: ProxyRequest, out: TokenUsage): TokenUsage {
  const s = pr.stripper;
  if (s !== undefined && s.promptTokens !== -1) {
    out.prompt = s.promptTokens;
    out.completion = s.completionTokens;
    out.reported = true;
    return out;
  }
  const tail = responseTail(pr.tail, pr.prevTail);
  const prompt = usagePromptTokens(tail);
  const completion = usageCompletionTokens(tail);
  out.reported = prompt !== undefined || completion !== undefined;
  out.prompt = prompt ?? Math.ceil(pr.ctx.bodyBytes / 4);
  out.completion = completion ?? 0;
  return out;
}
