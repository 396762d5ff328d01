/**
 * Crash isolation's vocabulary: where in the pipeline an exception was caught (the `stage` label of
 * `spillway_internal_errors_total` and of the `internal error` log line), and the opt-in fault injection that
 * proves each catch point (`spillway.fault_injection`: a request carrying `x-spillway-fault: <fault>` throws at
 * that point of its own handling; nothing else changes).
 *
 * Each stage is an entry point where control arrives from node:http, undici or a timer, and where a try/catch
 * ends the one request it concerns: see Proxy.fail and Ingress.internalError.
 */
export const INTERNAL_STAGES = [
  'ingress',
  'admission',
  'routing',
  'dispatch',
  'relay',
  'attempt_end',
  'router_queue',
  'client_close',
  'process',
] as const;
export type InternalStage = (typeof INTERNAL_STAGES)[number];

export const FAULT_HEADER = 'x-spillway-fault';
/** The points a fault can be injected at: the stages a request passes, with the relay split at its head. */
export const FAULTS = [
  'ingress',
  'admission',
  'routing',
  'dispatch',
  'relay_head',
  'relay',
  'attempt_end',
  'router_queue',
] as const;
export type Fault = (typeof FAULTS)[number];

class InjectedFault extends Error {
  override name = 'InjectedFault';
  constructor(at: Fault) {
    super(`fault injected at ${at} (x-spillway-fault)`);
  }
}

/** Throws at `at` when that is where the request asked to fail (`fault`: undefined for every other request). */
export function injectFault(fault: Fault | undefined, at: Fault): void {
  if (fault === at) throw new InjectedFault(at);
}

/** The fault a request asks for, when injection is on and the header names a known point. */
export function requestedFault(value: string | string[] | undefined): Fault | undefined {
  return typeof value === 'string' && (FAULTS as readonly string[]).includes(value) ? (value as Fault) : undefined;
}
