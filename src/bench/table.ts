/** The plain-text summary `spillway bench` prints on stdout at the end of a run. */

import type { LiveStats } from './live.ts';
import type { LatencyStats } from './percentiles.ts';
import type { BenchResult } from './result.ts';

export function describeLoad(r: BenchResult): string {
  const c = r.config;
  const load =
    c.mode === 'open'
      ? `open loop, ${c.arrival} arrivals at ${c.rate}/s`
      : `closed loop, ${c.users} users thinking ${c.thinkMs?.[0]}..${c.thinkMs?.[1]} ms`;
  const sla = [
    c.sla.ttftMs !== undefined && `TTFT ≤ ${c.sla.ttftMs} ms`,
    c.sla.itlMs !== undefined && `TPOT ≤ ${c.sla.itlMs} ms`,
  ]
    .filter(Boolean)
    .join(', ');
  return (
    `${load} for ${c.durationS} s, workload ${c.workload}${c.stream ? ', streaming' : ''}, ` +
    `SLA: ${sla || 'none (every completed request is good)'}`
  );
}

export function formatTable(r: BenchResult): string {
  const s = r.summary;
  const pct = (x: number | null) => (x === null ? 'n/a' : `${(x * 100).toFixed(2)}%`);
  const lines = [
    `spillway bench → ${r.config.urls.join(', ')} (model ${r.config.model})`,
    describeLoad(r),
    '',
    `requests ${s.requests}   offered ${s.offeredRps}/s   completed ${s.completedRps}/s   goodput ${s.goodputRps}/s`,
    `SLA attainment: ${pct(s.slaAttainment)} of admitted (${s.admitted}), ${pct(s.slaAttainmentAll)} of all`,
  ];
  const rej = Object.entries(s.rejected);
  if (rej.length > 0) {
    lines.push(
      `rejected: ${rej.map(([k, v]) => `${k} × ${v} (${s.rejectedRps[k]}/s)`).join(', ')}; ` +
        `rejection latency p50 ${s.rejectionLatencyMs.p50} ms, p99 ${s.rejectionLatencyMs.p99} ms` +
        (s.retryAfterMs.count > 0 ? `; Retry-After p50 ${s.retryAfterMs.p50} ms` : ''),
    );
  } else lines.push('rejected: none');
  lines.push('', `${''.padEnd(10)}${['p50', 'p90', 'p99', 'mean', 'max'].map((h) => h.padStart(10)).join('')}   count`);
  const row = (name: string, st: LatencyStats) =>
    `${name.padEnd(10)}${[st.p50, st.p90, st.p99, st.mean, st.max].map((v) => fmt(v).padStart(10)).join('')}` +
    `   ${st.count}`;
  lines.push(row('TTFT ms', s.ttftMs), row('ITL ms', s.itlMs), row('TPOT ms', s.tpotMs), row('E2E ms', s.e2eMs));
  lines.push('', `output tokens ${s.outputTokens} (${s.outputTokensPerS}/s)`);
  const errs = Object.entries(s.errors);
  lines.push(`errors: ${errs.length ? errs.map(([k, v]) => `${k} × ${v}`).join(', ') : 'none'}`);
  const g = s.generator;
  lines.push(
    `generator: event-loop lag p99 ${g.eventLoopLagP99Ms} ms (max ${g.eventLoopLagMaxMs}), ` +
      `dispatch lateness p99 ${g.dispatchLatenessP99Ms} ms, max in flight ${g.maxInFlight}, ` +
      `CPU ${g.cpuPercent}% of a core, wall ${g.wallS} s`,
  );
  for (const w of r.warnings) lines.push(`WARNING: ${w}`);
  return lines.join('\n');
}

export function formatLive(l: LiveStats): string {
  return (
    `${l.elapsedS.toFixed(0).padStart(4)}s  rate ${l.startedPerS}/s  done ${l.finishedPerS}/s` +
    `  in-flight ${l.inFlight}` +
    `  TTFT p50 ${fmt(l.ttftP50)} p99 ${fmt(l.ttftP99)} ms  rejected ${l.rejectedPerS}/s  errors ${l.errorsPerS}/s` +
    (l.clientQueued > 0 ? `  client-queued ${l.clientQueued}` : '') +
    (l.lagP99Ms > 20 ? `  LAG p99 ${l.lagP99Ms.toFixed(0)} ms` : '')
  );
}

function fmt(v: number): string {
  if (v === 0) return '0';
  if (v >= 100) return v.toFixed(0);
  if (v >= 10) return v.toFixed(1);
  return v.toFixed(2);
}
