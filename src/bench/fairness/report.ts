/**
 * The fairness bench's figures per tenant, fairness on beside fairness off, and the acceptance: with
 * fairness on the light tenant (under its fair share) keeps ≥ 99 % SLA attainment of what it is admitted and
 * has ≥ 95 % of what it offers admitted.
 */
import type { BenchResult } from '../result.ts';

export const ACCEPT = { slaAttainment: 0.99, admitted: 0.95 };

export interface TenantRun {
  /** `fairness on` / `fairness off`. */
  variant: string;
  tenant: string;
  result: BenchResult;
}

export interface TenantRow {
  variant: string;
  tenant: string;
  offered: number;
  offeredRps: number;
  /** admitted / offered. */
  admittedShare: number;
  /** Within the SLA / admitted; null when none was admitted. */
  slaAttainment: number | null;
  goodputRps: number;
  refused: number;
}

export function tenantRow(r: TenantRun): TenantRow {
  const s = r.result.summary;
  return {
    variant: r.variant,
    tenant: r.tenant,
    offered: s.requests,
    offeredRps: s.offeredRps,
    admittedShare: s.requests > 0 ? s.admitted / s.requests : 0,
    slaAttainment: s.slaAttainment,
    goodputRps: s.goodputRps,
    refused: Object.values(s.rejected).reduce((a, b) => a + b, 0),
  };
}

const pct = (x: number | null) => (x === null ? 'n/a' : `${(x * 100).toFixed(1)} %`);

export const TABLE_HEAD = [
  'fairness',
  'tenant',
  'offered',
  'offered/s',
  'admitted',
  'SLA att. (admitted)',
  'goodput/s',
  'refused',
] as const;

export function tableRows(rows: readonly TenantRow[]): (string | number)[][] {
  return rows.map((r) => [
    r.variant,
    r.tenant,
    r.offered,
    r.offeredRps.toFixed(1),
    pct(r.admittedShare),
    pct(r.slaAttainment),
    r.goodputRps.toFixed(1),
    r.refused,
  ]);
}

/** Whether `light` (fairness on) meets the acceptance, and a sentence saying so either way. */
export function verdict(light: TenantRow): { met: boolean; text: string } {
  const sla = light.slaAttainment ?? 0;
  const met = sla >= ACCEPT.slaAttainment && light.admittedShare >= ACCEPT.admitted;
  return {
    met,
    text:
      `${light.variant}, tenant ${light.tenant}: ${pct(light.admittedShare)} admitted (≥ ${pct(ACCEPT.admitted)}), ` +
      `${pct(light.slaAttainment)} SLA attainment (≥ ${pct(ACCEPT.slaAttainment)}): ${met ? 'met' : 'NOT met'}`,
  };
}
