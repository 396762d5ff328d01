/** Keys are only ever kept as their sha256 (hex); the key itself is shown once, when it is generated. */
import { hash, randomBytes } from 'node:crypto';

export function hashKey(key: string): string {
  return hash('sha256', key, 'hex');
}

/** `sk-` and 32 random bytes, base64url: LiteLLM's prefix, so tools that look for it recognise the key. */
export function generateKey(): string {
  return `sk-${randomBytes(32).toString('base64url')}`;
}

/** LiteLLM's `key_name`: enough of the key to recognise it in a list, never enough to use it. */
export function abbreviate(key: string): string {
  return `sk-...${key.slice(-4)}`;
}
