/**
 * Which priority classes of a group are active: when a request of each was last admitted. It decides how much
 * of each engine's concurrency limit and busy thresholds, and of the group's KV budget, a class may use:
 *
 *   share(c) = f(c)   while a class above c was admitted within the last active_ms
 *            = 1      otherwise
 *
 * The fraction keeps the top of every engine free for the classes above, which is worth it only while they
 * come: with one class alone (a fleet at 1× all standard) a fixed share would leave 1 − f of every engine idle
 * and refuse what the fleet could serve. active_ms is the router's drain window (2 s by default): the horizon
 * on which the queue's rates already judge the classes above.
 */
export class ClassActivity {
  readonly lastAdmitted = [-Infinity, -Infinity, -Infinity];

  admitted(p: number, now: number): void {
    this.lastAdmitted[p] = now;
  }

  share(p: number, f: number, now: number, activeMs: number): number {
    for (let c = 0; c < p; c++) if (now - this.lastAdmitted[c] < activeMs) return f;
    return 1;
  }
}
