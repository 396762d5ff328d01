/**
 * One admitted request's back-pressure state, from admission to its single release: the ingress admission
 * it holds, its place in the router queue while it waits, and the engine slot of the attempt in progress.
 * One object per request when back pressure is on, none when it is off.
 */
import type { AdmissionPermit } from '../../admission/ingress-admission.ts';
import type { Priority } from '../../admission/priority.ts';
import type { PlaceKeeper, QueuePlace } from '../../routing/queue/queue-place.ts';
import type { EnginePermit } from './engine-permit.ts';
import type { GroupState } from './groups.ts';

/** `R`: the request type the pipeline queues (its ProxyRequest). */
export class Ticket<R> implements PlaceKeeper<R> {
  readonly group: GroupState<R>;
  readonly priority: Priority;
  /** Clock ms by which the first token is due (arrival + TTFT budget). */
  readonly deadline: number;
  readonly promptTokens: number;
  readonly statusEvents: boolean;
  /** The decision-time histogram has its sample (dispatched, queued or refused). */
  decided = false;
  /** Its ingress admission, until the request's finish ends it. */
  admission: AdmissionPermit | undefined;
  /** Its place in the router queue while it waits: the queue sets and clears it (a Withdrawable). */
  place: QueuePlace<R> | undefined = undefined;
  /** Status events sent the 200 head. */
  headSent = false;
  /** An upstream error body is being framed as an SSE error event (status events only). */
  errorFrame = false;
  /** Engine refusals (503/429) re-routed so far. */
  refusals = 0;
  /** The engine slot of the attempt in progress. */
  engine: EnginePermit | undefined = undefined;
  /** The last attempt's SLA verdict (./sla.ts), counted if the request finishes with its answer. */
  slaMet: boolean | undefined = undefined;

  constructor(
    group: GroupState<R>,
    priority: Priority,
    deadline: number,
    promptTokens: number,
    admission: AdmissionPermit,
    statusEvents: boolean,
  ) {
    this.group = group;
    this.priority = priority;
    this.deadline = deadline;
    this.promptTokens = promptTokens;
    this.admission = admission;
    this.statusEvents = statusEvents;
  }
}
