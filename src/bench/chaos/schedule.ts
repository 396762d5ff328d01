/**
 * The chaos soak's fault schedule: data, built from the run's length and printed before the run starts, so a
 * report's losses can be read against it. Faults come one at a time, in a fixed rotation, each in its own window
 * followed by a quiet gap (recovery shows as the gap's success), after a quiet warm-up and before a quiet tail.
 */

export const FAULT_KINDS = [
  'engine_kill',
  'upstream_stall',
  'upstream_reset',
  'upstream_5xx',
  'upstream_429',
  'slow_clients',
  'aborting_clients',
  'idle_flood',
  'bad_requests',
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

/** What each kind does, for the printed schedule and docs/BENCHMARKS.md. */
export const FAULT_SUMMARY: Record<FaultKind, string> = {
  engine_kill: 'kill -9 one simulated engine, restart it on the same port at once',
  upstream_stall: 'one mock upstream sends no byte for longer than the first-byte timeout, then resets',
  upstream_reset: 'one mock upstream resets every connection once the request body has arrived',
  upstream_5xx: 'one mock upstream answers every request 500',
  upstream_429: 'one mock upstream answers every request 429 with Retry-After',
  slow_clients: 'long streams read a few hundred bytes at a time, then dropped',
  aborting_clients: 'streams aborted by the client mid-way',
  idle_flood: 'sockets that connect and never send a byte',
  bad_requests:
    "the fuzzer's bad bodies: 12k-deep nesting (prompt, input, a field beside an " +
    'escaped or duplicated "model"), truncated JSON, 11 MB, huge model name, wrong types',
};

/** How hard each fault hits; per run mode. */
export interface Intensity {
  /** Sockets opened by one idle flood. */
  floodSockets: number;
  /** Slow readers started by one slow_clients window. */
  slowClients: number;
  /** Aborting clients started per second of an aborting_clients window. */
  abortsPerS: number;
  /** How long a stalled upstream holds a request before resetting it (past the gateway's first-byte timeout). */
  stallMs: number;
  /** Retry-After the 429 burst sends, seconds. */
  retryAfterS: number;
}

export interface FaultWindow {
  /** 1-based, in time order: the tag a loss is attributed to. */
  id: number;
  kind: FaultKind;
  /** Window start and length, ms from the start of good traffic. */
  atMs: number;
  durationMs: number;
  /** Which engine (engine_kill) or mock upstream (upstream_*) it hits; 0 otherwise. */
  target: number;
}

export interface Schedule {
  durationMs: number;
  /** No fault before this: the gateway warms up, and RSS before it is left out of the slope. */
  warmupMs: number;
  /** No fault starts in the last tailMs: the run ends on a quiet stretch. */
  tailMs: number;
  /**
   * RSS samples before this are left out of the slope: JIT, pools and the heap settling, and the first full fault
   * rotation. The first 900 KB model name or 11 MB body raises the allocator's high-water mark once (repeating
   * them plateaus: docs/BENCHMARKS.md, "Chaos soak"), which is first exposure, not a leak; the slope measures what
   * repeated exposure adds.
   */
  rssWarmupMs: number;
  intensity: Intensity;
  windows: FaultWindow[];
}

interface Shape {
  warmupMs: number;
  rssWarmupMs: number;
  windowMs: number;
  gapMs: number;
  tailMs: number;
  intensity: Intensity;
}

/** A full run: 10 s of fault, 20 s of quiet (longer than the 5 s cooldown), each kind about twice in 10 minutes. */
const FULL: Shape = {
  warmupMs: 30_000,
  rssWarmupMs: 120_000,
  windowMs: 10_000,
  gapMs: 20_000,
  tailMs: 20_000,
  intensity: { floodSockets: 500, slowClients: 8, abortsPerS: 5, stallMs: 5_000, retryAfterS: 2 },
};

/** Smoke: every kind once, short windows, a small flood. */
const SMOKE: Shape = {
  warmupMs: 1_000,
  rssWarmupMs: 1_000,
  windowMs: 700,
  gapMs: 300,
  tailMs: 1_000,
  intensity: { floodSockets: 50, slowClients: 2, abortsPerS: 10, stallMs: 1_500, retryAfterS: 1 },
};

export function buildSchedule(o: { durationMs: number; smoke: boolean; engines: number; mocks: number }): Schedule {
  const shape = o.smoke ? SMOKE : FULL;
  const windows: FaultWindow[] = [];
  // A run too short for one whole rotation at full spacing shrinks window and gap alike (down to a fifth), so a
  // 2-minute run still meets every kind once.
  const room = o.durationMs - shape.warmupMs - shape.tailMs;
  const scale = Math.max(0.2, Math.min(1, room / (FAULT_KINDS.length * (shape.windowMs + shape.gapMs))));
  const windowMs = Math.round(shape.windowMs * scale);
  const slot = windowMs + Math.round(shape.gapMs * scale);
  const counts = new Map<string, number>();
  for (let at = shape.warmupMs, i = 0; at + windowMs <= o.durationMs - shape.tailMs; at += slot, i++) {
    const kind = FAULT_KINDS[i % FAULT_KINDS.length];
    // Targets rotate: each kill hits the next engine, each upstream fault (of any kind) the next mock, so
    // consecutive upstream faults do not land on a deployment still cooling down from the last.
    const family = kind === 'engine_kill' ? 'engine' : kind.startsWith('upstream_') ? 'upstream' : 'client';
    const n = counts.get(family) ?? 0;
    counts.set(family, n + 1);
    // Upstream faults shift by one mock per rotation, so each kind hits every mock in turn.
    const rotation = Math.floor(i / FAULT_KINDS.length);
    const target = family === 'engine' ? n % o.engines : family === 'upstream' ? (n + rotation) % o.mocks : 0;
    windows.push({ id: windows.length + 1, kind, atMs: at, durationMs: windowMs, target });
  }
  return {
    durationMs: o.durationMs,
    warmupMs: shape.warmupMs,
    tailMs: shape.tailMs,
    rssWarmupMs: Math.min(Math.max(shape.rssWarmupMs, firstRotationEndMs(windows, slot - windowMs)), o.durationMs / 2),
    intensity: shape.intensity,
    windows,
  };
}

/** When the first full rotation of fault kinds and its last quiet gap are over; 0 when no rotation completes. */
function firstRotationEndMs(windows: readonly FaultWindow[], gapMs: number): number {
  const last = windows[FAULT_KINDS.length - 1];
  return last === undefined ? 0 : last.atMs + last.durationMs + gapMs;
}

/** The schedule as printed at the start of a run. */
export function formatSchedule(s: Schedule): string {
  const sec = (ms: number) => (ms / 1000).toFixed(1).padStart(6);
  const lines = [
    `fault schedule: ${s.windows.length} windows over ${(s.durationMs / 1000).toFixed(0)} s ` +
      `(quiet warm-up ${s.warmupMs / 1000} s, quiet tail ${s.tailMs / 1000} s)`,
    ...s.windows.map(
      (w) =>
        `  #${String(w.id).padEnd(3)} ${sec(w.atMs)} s +${(w.durationMs / 1000).toFixed(1)} s  ` +
        `${w.kind.padEnd(17)} target ${w.target}`,
    ),
    'kinds:',
    ...FAULT_KINDS.map((k) => `  ${k.padEnd(17)} ${FAULT_SUMMARY[k]}`),
  ];
  return lines.join('\n');
}

/** "10m", "90s", "1500ms" or a bare number of seconds → ms. */
export function parseDuration(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(text.trim());
  if (!m) throw new Error(`--duration: expected a number with ms, s or m, got "${text}"`);
  const v = Number(m[1]);
  return m[2] === 'ms' ? v : m[2] === 'm' ? v * 60_000 : v * 1000;
}
