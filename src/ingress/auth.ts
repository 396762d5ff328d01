import { hash, timingSafeEqual } from 'node:crypto';

/**
 * Bearer-token check against the master key. Both sides are hashed to a fixed length first, so the
 * comparison is constant-time whatever the length of what the client sent.
 */
export class MasterKeyAuth {
  private readonly expected: Buffer;

  constructor(masterKey: string) {
    this.expected = digest(masterKey);
  }

  allows(authorization: string | undefined): boolean {
    if (authorization === undefined || !authorization.startsWith('Bearer ')) return false;
    return timingSafeEqual(digest(authorization.slice(7).trim()), this.expected);
  }

  /** Bearer, or HTTP Basic with the key as the password (any user name): what a browser's prompt sends. */
  allowsBasicOrBearer(authorization: string | undefined): boolean {
    if (authorization === undefined || !authorization.startsWith('Basic ')) return this.allows(authorization);
    const credentials = Buffer.from(authorization.slice(6).trim(), 'base64').toString('utf8');
    const colon = credentials.indexOf(':');
    return colon !== -1 && timingSafeEqual(digest(credentials.slice(colon + 1)), this.expected);
  }
}

function digest(s: string): Buffer {
  return hash('sha256', s, 'buffer');
}
