/**
 * What the machine did during a measurement window, read from /proc: each CPU's steal (time the hypervisor ran
 * someone else while this VM wanted the CPU) and one process's CPU time. On a shared VM steal swings from 0 to
 * 40 % within minutes and every latency and throughput figure moves with it, so each window carries its own.
 * Off Linux the figures are undefined and the window is still usable.
 */
import { readFileSync } from 'node:fs';

// USER_HZ: 100 on every Linux architecture Node ships for; /proc reports CPU time in these ticks.
const CLK_TCK = 100;

export interface CpuMark {
  atMs: number;
  /** Per CPU: [steal ticks, all ticks]. */
  cpus: Array<[number, number]> | undefined;
  procTicks: number | undefined;
  pid: number | undefined;
}

export interface CpuWindow {
  wallS: number;
  /** Steal per CPU, % of that CPU's time in the window. */
  stealPct: number[] | undefined;
  /** The process's CPU seconds (user + system) in the window. */
  procCpuS: number | undefined;
}

export function cpuMark(pid?: number): CpuMark {
  return {
    atMs: performance.now(),
    cpus: perCpuTicks(),
    procTicks: pid === undefined ? undefined : procTicks(pid),
    pid,
  };
}

export function cpuSince(mark: CpuMark): CpuWindow {
  const now = cpuMark(mark.pid);
  const stealPct =
    mark.cpus && now.cpus && mark.cpus.length === now.cpus.length
      ? now.cpus.map(([steal, all], i) => {
          const total = all - mark.cpus![i][1];
          return total > 0 ? (100 * (steal - mark.cpus![i][0])) / total : 0;
        })
      : undefined;
  const procCpuS =
    mark.procTicks !== undefined && now.procTicks !== undefined
      ? (now.procTicks - mark.procTicks) / CLK_TCK
      : undefined;
  return { wallS: (now.atMs - mark.atMs) / 1000, stealPct, procCpuS };
}

/** The worst CPU's steal in the window (the figure a run is ranked by), 0 where unknown. */
export function maxSteal(w: CpuWindow): number {
  return w.stealPct ? Math.max(...w.stealPct) : 0;
}

function perCpuTicks(): Array<[number, number]> | undefined {
  let text: string;
  try {
    text = readFileSync('/proc/stat', 'utf8');
  } catch {
    return undefined;
  }
  const out: Array<[number, number]> = [];
  for (const line of text.split('\n')) {
    if (!/^cpu\d/.test(line)) continue;
    // user nice system idle iowait irq softirq steal [guest guest_nice: already inside user and nice]
    const f = line.split(/\s+/).slice(1, 9).map(Number);
    out.push([f[7] ?? 0, f.reduce((a, b) => a + b, 0)]);
  }
  return out;
}

function procTicks(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(f[11]) + Number(f[12]); // utime + stime
  } catch {
    return undefined;
  }
}
