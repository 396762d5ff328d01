/**
 * The overload scenario's fleet, which bench:overload, bench:backpressure and bench:fairness all run on: small
 * simulated engines at half real time (the fleet saturates at tens of requests/s, which two cores can drive),
 * one SLA, one workload, and the back-pressure section in which an operator states that SLA.
 */
import type { EngineSettings } from './fleet.ts';
import type { RequestShape, Sla } from './profile-fleet.ts';

export const OVERLOAD_FLEET_SIZE = 4;
export const OVERLOAD_ENGINE: EngineSettings = { speedup: 0.5, maxNumSeqs: 16 };
export const OVERLOAD_SLA: Sla = { ttftMs: 500, itlMs: 50 };
export const OVERLOAD_WORKLOAD = ['--workload', 'chat-short', '--stream'];
/** chat-short's typical request: a question of 8-32 words in the chat template, 16-64 output tokens. */
export const OVERLOAD_REQUEST: RequestShape = { inputTokens: 30, outputTokens: 40 };

/**
 * `spillway:` lines (two-space indented): back pressure on, with the SLA as the group's TTFT budget and ITL SLO;
 * `more`: further lines of the back-pressure section (four-space indented).
 */
export function slaBackpressure(more = '', sla: Sla = OVERLOAD_SLA): string {
  return (
    `  backpressure:\n    enabled: true\n    router: { ttft_budget_ms: ${sla.ttftMs} }\n` +
    `    engine: { itl_slo_ms: ${sla.itlMs} }\n${more}`
  );
}
