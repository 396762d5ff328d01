/** A shedding rule: how likely a `sheddable` request is refused as load approaches its class limit. */
export interface ShedRule {
  readonly name: string;
  /**
   * Probability in [0, 1] of refusing a sheddable request when r = load / (its class limit); r ≥ 1 is refused
   * by the limit itself whatever the rule says.
   */
  probability(r: number): number;
}

export interface ShedParams {
  /** Load ratio at which shedding starts (rules that ramp). */
  start: number;
}
