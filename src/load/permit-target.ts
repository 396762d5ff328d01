/**
 * What a LoadPermit writes to: its engine's predicted counters, and the counts of permits used wrongly.
 * EngineLoad is the one implementation; the permit sees only this, so the two files do not import each other.
 */
export interface Predicted {
  inFlight: number;
  queuedPrefillTokens: number;
  activeTokens: number;
}

export interface PermitTarget {
  /** Written only by LoadPermit. */
  readonly predicted: Predicted;
  /** Events (first token, tokens) that arrived after the permit's release. */
  lateEvents: number;
  /** A permit was released a second time: counted, and thrown in strict mode. */
  doubleRelease(): void;
}
