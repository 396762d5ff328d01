/**
 * Whether back pressure is on is decided here, once, when the gateway is built: its stages, or the open ones.
 */

import type { ClusterEvents } from '../cluster/types.ts';
import type { AttemptStarter } from './attempt-starter.ts';
import { BackPressureAdmission } from './backpressure/admission.ts';
import { Attempts } from './backpressure/attempts.ts';
import type { BackPressure } from './backpressure/controller.ts';
import { QueueRouter } from './backpressure/queue-router.ts';
import type { RequestEnd } from './request-end.ts';
import { DirectRouter } from './router.ts';
import { type AdmissionStage, type AttemptHooks, NO_ATTEMPT_HOOKS, OPEN_ADMISSION, type Router } from './stages.ts';

export interface PipelineStages {
  readonly admission: AdmissionStage;
  readonly hooks: AttemptHooks;
  router(attempts: AttemptStarter, end: RequestEnd): Router;
  /** Refuses what still waits in the router queue (gateway shutdown). */
  shutdown(): void;
}

/** `events`: where engine penalties are told to the cluster's other instances (none alone). */
export function pipelineStages(bp: BackPressure | undefined, events?: ClusterEvents): PipelineStages {
  if (bp === undefined)
    return {
      admission: OPEN_ADMISSION,
      hooks: NO_ATTEMPT_HOOKS,
      router: (attempts) => new DirectRouter(attempts),
      shutdown() {},
    };
  let queue: QueueRouter | undefined;
  return {
    admission: new BackPressureAdmission(bp),
    hooks: new Attempts(bp, events),
    router: (attempts, end) => (queue = new QueueRouter(bp, attempts, end)),
    shutdown: () => queue?.shutdown(),
  };
}
