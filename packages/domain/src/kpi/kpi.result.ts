import { CtiError } from '../errors.js';

/** A half-open reporting window [from, to) in epoch milliseconds. */
export interface Period {
  /** First millisecond included. */
  readonly from: number;
  /** First millisecond no longer included. */
  readonly to: number;
}

/** The shape every KPI returns, so reports can show the counts behind a percentage. */
export interface KpiResult {
  /** What was counted as meeting the KPI (or, for averages, the summed quantity). */
  readonly numerator: number;
  /** What the numerator is divided by; 0 means the KPI has no data. */
  readonly denominator: number;
  /** numerator ÷ denominator, or null when the denominator is 0 (no data is not 0% nor 100%). */
  readonly value: number | null;
  /** The contract target, when the KPI has one. */
  readonly target?: number;
  /** Whether value ≥ target; absent when there is no target or no data. */
  readonly pass?: boolean;
}

/** Builds a KpiResult; `pass` only appears when both a target and a value exist. */
export function kpiResult(numerator: number, denominator: number, target?: number): KpiResult {
  const value = denominator === 0 ? null : numerator / denominator;
  if (target === undefined) return { numerator, denominator, value };
  if (value === null) return { numerator, denominator, value, target };
  return { numerator, denominator, value, target, pass: value >= target };
}

/** Throws CTI_ERR_VALIDATION unless the period is finite and non-empty. */
export function assertPeriod(period: Period): void {
  if (!Number.isFinite(period.from) || !Number.isFinite(period.to) || period.from >= period.to) {
    throw new CtiError('CTI_ERR_VALIDATION', 'period must be finite with from < to', { ...period });
  }
}

/** True when the instant lies in [from, to). */
export function isInPeriod(at: number, period: Period): boolean {
  return at >= period.from && at < period.to;
}

/** Milliseconds of [from, to) that fall inside the period. */
export function overlapMs(from: number, to: number, period: Period): number {
  return Math.max(0, Math.min(to, period.to) - Math.max(from, period.from));
}
