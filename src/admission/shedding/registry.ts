import { cliff } from './cliff.ts';
import { linear } from './linear.ts';
import type { ShedParams, ShedRule } from './types.ts';

export type { ShedParams, ShedRule } from './types.ts';

const factories = new Map<string, (p: ShedParams) => ShedRule>([
  ['cliff', () => cliff()],
  ['linear', (p) => linear(p)],
]);

export function shedRuleNames(): string[] {
  return [...factories.keys()];
}

/** The rule named `name` (`backpressure.ingress.shedding.rule`); throws on an unknown name. */
export function createShedRule(name: string, params: ShedParams): ShedRule {
  const f = factories.get(name);
  if (f === undefined)
    throw new Error(
      `backpressure.ingress.shedding.rule: unknown rule "${name}" (known: ${shedRuleNames().join(', ')})`,
    );
  return f(params);
}
