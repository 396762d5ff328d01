/** fixed — a constant limit (`initial`): for engines whose capacity is known, and for comparisons. */
import type { ConcurrencyLimit, LimitParams } from './types.ts';

export class FixedLimit implements ConcurrencyLimit {
  readonly name = 'fixed';
  readonly limit: number;

  constructor(p: LimitParams) {
    this.limit = p.initial;
  }

  update(): void {}
}
