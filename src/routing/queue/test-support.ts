/** A waiting room over a manual clock whose host serves while `free` gave it capacity: for the queue's tests. */
import type { Priority } from '../../admission/priority.ts';
import { fixed } from '../../util/ref.ts';
import { DrainRate } from './drain-rate.ts';
import type { QueueBounds } from './router-queue.ts';
import { ManualTimers } from './timers.ts';
import type { WaitCalibration } from './wait-calibration.ts';
import type { WaitEstimateOptions } from './wait-estimate.ts';
import { type DropReason, WaitingRoom, type WaitingRoomHost, type WaitingRoomSettings } from './waiting-room.ts';

/** A host whose engines never free up: nothing leaves but by expiry, displacement or withdrawal. */
export const STILL_BUSY: WaitingRoomHost<string, unknown> = {
  routeHead: () => undefined,
  handDown() {},
  dropped() {},
  left() {},
};

/** Every class may fill the whole queue, and the wait is judged by its mean, unless a test says otherwise. */
export const settings = (bounds: QueueBounds, o: Partial<WaitingRoomSettings> = {}) =>
  fixed<WaitingRoomSettings>({ bounds, fractions: [1, 1, 1], marginSd: 0, ...o });

export function fixture(
  bounds: QueueBounds = { maxRequests: 3, maxTokens: 1000 },
  calibration?: WaitCalibration,
  more: (clock: () => number) => Partial<WaitEstimateOptions> = () => ({}),
) {
  const timers = new ManualTimers();
  const drainRate = new DrainRate({ clock: timers.clock, windowMs: 1000, buckets: 10, minEvents: 3 });
  let capacity = 0;
  const served: string[] = [];
  const dropped: [string, DropReason][] = [];
  const room = new WaitingRoom<string>({
    settings: settings(bounds),
    clock: timers.clock,
    timers,
    drainRate,
    calibration,
    ...more(timers.clock),
    host: {
      routeHead: () => (capacity > 0 ? true : undefined),
      handDown(item) {
        capacity--;
        served.push(item);
      },
      dropped: (item, why) => dropped.push([item, why]),
      left: () => {},
    },
  });
  const offer = (item: string, p: Priority = 1, budget = 1000, tokens = 10) =>
    room.offer(item, p, timers.now + budget, tokens);
  return {
    room,
    timers,
    drainRate,
    served,
    dropped,
    offer,
    free: (n: number) => {
      capacity += n;
      room.drain();
    },
  };
}
