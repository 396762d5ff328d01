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
}

function digest(s: string): Buffer {
  return hash('sha256', s, 'buffer');
}
